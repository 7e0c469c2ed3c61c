//! Settings tables as a config file writes them: string keys consumed by whoever owns them,
//! secrets resolved from their three forms, and errors that name the key and never the value.
//!
//! Every secret key `x` can be given as `x` (inline), `x_env` (the name of an environment
//! variable holding it) or `x_file` (a file whose trimmed content is the secret), exactly one
//! of them. A table is read either key by key ([`KeyTable::take_plain`],
//! [`KeyTable::take_secret`], …, then [`KeyTable::finish`] to reject leftovers) or, for a
//! vendor's `#[serde(tag = "method")]` auth enum, in one go by [`KeyTable::deserialize_tagged`]
//! after its secrets are resolved.

use crate::secret::Secret;
use serde::de::{self, DeserializeOwned, Unexpected};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// An error about one key of a settings table (or about the table as a whole), without the
/// value it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    key: Option<String>,
    message: String,
}

impl SettingError {
    /// An error about `key`.
    pub fn at(key: impl Into<String>, message: impl Into<String>) -> SettingError {
        SettingError {
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// An error about the table as a whole.
    pub fn general(message: impl Into<String>) -> SettingError {
        SettingError {
            key: None,
            message: message.into(),
        }
    }

    /// The key, relative to the table the error came from.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with its key under `prefix` (`auth` + `password` → `auth.password`; an
    /// error about the whole table becomes one about `prefix`).
    pub fn under(self, prefix: &str) -> SettingError {
        let key = match self.key {
            Some(k) => format!("{prefix}.{k}"),
            None => prefix.to_owned(),
        };
        SettingError {
            key: Some(key),
            message: self.message,
        }
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "key `{k}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SettingError {}

/// A table of string keys being consumed.
#[derive(Default)]
pub struct KeyTable {
    map: BTreeMap<String, String>,
    /// The file each secret resolved by [`Self::resolve_secrets`] was read from.
    files: BTreeMap<String, PathBuf>,
}

impl fmt::Debug for KeyTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: only the keys are shown.
        f.debug_struct("KeyTable")
            .field("keys", &self.map.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KeyTable {
    /// Wraps `map`.
    pub fn new(map: BTreeMap<String, String>) -> Self {
        KeyTable {
            map,
            files: BTreeMap::new(),
        }
    }

    /// Adds a key.
    pub fn insert(&mut self, key: &str, value: String) {
        self.map.insert(key.to_owned(), value);
    }

    /// True when no key is left.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Takes a required non-secret key.
    pub fn take_plain(&mut self, key: &str) -> Result<String, SettingError> {
        match self.map.remove(key) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            Some(_) => Err(SettingError::at(key, "must not be empty")),
            None => Err(SettingError::at(key, "is missing")),
        }
    }

    /// Takes optional plain `key`: `None` when absent; present but blank is an error.
    pub fn take_optional(&mut self, key: &str) -> Result<Option<String>, SettingError> {
        match self.map.contains_key(key) {
            true => self.take_plain(key).map(Some),
            false => Ok(None),
        }
    }

    /// Fails on any key not taken.
    pub fn finish(self) -> Result<(), SettingError> {
        match self.map.keys().next() {
            Some(k) => Err(SettingError::at(k.clone(), "unknown key")),
            None => Ok(()),
        }
    }

    /// The file secret `key` is read from: `{key}_file` before the secret is taken, or the
    /// file [`Self::resolve_secrets`] read it from.
    pub fn secret_file(&self, key: &str) -> Option<PathBuf> {
        self.files
            .get(key)
            .cloned()
            .or_else(|| self.map.get(&format!("{key}_file")).map(PathBuf::from))
    }

    /// Takes secret `key` from `key`, `key_env` or `key_file` (exactly one).
    pub fn take_secret(&mut self, key: &str) -> Result<Secret, SettingError> {
        match self.take_secret_value(key)? {
            Some(v) => Ok(v),
            None => Err(SettingError::at(key, missing_secret(key))),
        }
    }

    /// Secret `key` from whichever form is given, `None` when none is.
    fn take_secret_value(&mut self, key: &str) -> Result<Option<Secret>, SettingError> {
        let inline = self.map.remove(key);
        let env = self.map.remove(&format!("{key}_env"));
        let file = self.map.remove(&format!("{key}_file"));
        let value = match (inline, env, file) {
            (Some(v), None, None) => v,
            (None, Some(var), None) => std::env::var(&var).map_err(|_| {
                SettingError::at(
                    format!("{key}_env"),
                    format!("environment variable {var} is not set"),
                )
            })?,
            (None, None, Some(path)) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    SettingError::at(format!("{key}_file"), format!("cannot read {path}: {e}"))
                })?;
                self.files.insert(key.to_owned(), PathBuf::from(path));
                text.trim().to_owned()
            }
            (None, None, None) => return Ok(None),
            _ => {
                return Err(SettingError::at(
                    key,
                    format!("give only one of {key}, {key}_env, {key}_file"),
                ))
            }
        };
        if value.is_empty() {
            return Err(SettingError::at(key, "is empty"));
        }
        Ok(Some(Secret::new(value)))
    }

    /// Resolves each of `secret_keys` that is given (in any form) into its inline form, so
    /// that the table can be deserialized. A secret given in no form is left for the
    /// deserializer to report as missing.
    pub fn resolve_secrets(&mut self, secret_keys: &[&str]) -> Result<(), SettingError> {
        for key in secret_keys {
            if let Some(v) = self.take_secret_value(key)? {
                self.map.insert((*key).to_owned(), v.expose().to_owned());
            }
        }
        Ok(())
    }

    /// Resolves `secret_keys`, then deserializes the whole table into `T`, an enum tagged by
    /// key `tag` (`#[serde(tag = "method", deny_unknown_fields)]`). `what` names the owner in
    /// an unknown-tag error: `unknown method "sso" for <what>: expected "password" or
    /// "token"`, the expected values being `T`'s own variants. Blank plain values are
    /// rejected; errors name the key, never the value.
    pub fn deserialize_tagged<T: DeserializeOwned>(
        mut self,
        tag: &str,
        what: &str,
        secret_keys: &[&str],
    ) -> Result<T, SettingError> {
        self.resolve_secrets(secret_keys)?;
        for (k, v) in &self.map {
            if !secret_keys.contains(&k.as_str()) && v.trim().is_empty() {
                return Err(SettingError::at(k.clone(), "must not be empty"));
            }
        }
        let de = de::value::MapDeserializer::<_, KeyError>::new(self.map.into_iter());
        T::deserialize(de).map_err(|e| match e {
            KeyError::Missing(field) if secret_keys.contains(&field) => {
                SettingError::at(field, missing_secret(field))
            }
            KeyError::Missing(field) => SettingError::at(field, "is missing"),
            KeyError::Unknown(field) => SettingError::at(field, "unknown key"),
            KeyError::UnknownVariant(value, expected) => SettingError::at(
                tag,
                format!(
                    "unknown {tag} {value:?} for {what}: expected {}",
                    one_of(expected)
                ),
            ),
            KeyError::Other(message) => SettingError::general(message),
        })
    }
}

fn missing_secret(key: &str) -> String {
    format!("is missing (give {key}, {key}_env or {key}_file)")
}

/// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
pub fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    match quoted.split_last() {
        None => "nothing".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The deserializer's error: what went wrong and with which key, never a value.
#[derive(Debug)]
enum KeyError {
    Missing(&'static str),
    Unknown(String),
    UnknownVariant(String, &'static [&'static str]),
    Other(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Missing(k) => write!(f, "missing key `{k}`"),
            KeyError::Unknown(k) => write!(f, "unknown key `{k}`"),
            KeyError::UnknownVariant(v, _) => write!(f, "unknown value {v:?}"),
            KeyError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for KeyError {}

impl de::Error for KeyError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        // Only reached from a vendor's own deserializer; keep one line.
        KeyError::Other(
            msg.to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        )
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        KeyError::Other(format!("expected {exp}, found {}", kind_of(&unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        KeyError::Other(format!(
            "invalid value ({}): expected {exp}",
            kind_of(&unexp)
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        KeyError::UnknownVariant(variant.to_owned(), expected)
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        KeyError::Unknown(field.to_owned())
    }

    fn missing_field(field: &'static str) -> Self {
        KeyError::Missing(field)
    }
}

/// What kind of value was found, without the value.
fn kind_of(u: &Unexpected<'_>) -> &'static str {
    match u {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) => "an integer",
        Unexpected::Float(_) => "a float",
        Unexpected::Char(_) | Unexpected::Str(_) => "a string",
        Unexpected::Map => "a table",
        Unexpected::Seq => "an array",
        _ => "a value of another type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
    enum Auth {
        Password {
            email: String,
            password: Secret,
        },
        Token {
            refresh_token: Secret,
            label: Option<String>,
        },
    }

    fn table(pairs: &[(&str, &str)]) -> KeyTable {
        KeyTable::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<Auth, SettingError> {
        table(pairs).deserialize_tagged("method", "demo", &["password", "refresh_token"])
    }

    #[test]
    fn a_tagged_enum_reads_with_its_secrets_resolved() {
        let a = parse(&[
            ("method", "password"),
            ("email", "a@b.c"),
            ("password", "pw"),
        ]);
        assert_eq!(
            a,
            Ok(Auth::Password {
                email: "a@b.c".into(),
                password: Secret::new("pw")
            })
        );
        std::env::set_var("UNISHARE_SETTINGS_TEST_TOKEN", "tok");
        let a = parse(&[
            ("method", "token"),
            ("refresh_token_env", "UNISHARE_SETTINGS_TEST_TOKEN"),
        ]);
        assert_eq!(
            a,
            Ok(Auth::Token {
                refresh_token: Secret::new("tok"),
                label: None
            })
        );
    }

    #[test]
    fn errors_name_the_key_and_list_the_methods() {
        let key = |pairs: &[(&str, &str)]| parse(pairs).unwrap_err();
        let e = key(&[("method", "sso")]);
        assert_eq!(e.key(), Some("method"));
        assert_eq!(
            e.message(),
            "unknown method \"sso\" for demo: expected \"password\" or \"token\""
        );
        let e = key(&[("method", "password"), ("email", "a@b.c")]);
        assert_eq!(e.key(), Some("password"));
        assert!(e.message().contains("password_env"), "{e}");
        assert_eq!(key(&[("email", "a")]).key(), Some("method"));
        let e = key(&[
            ("method", "password"),
            ("email", "a"),
            ("password", "p"),
            ("colour", "red"),
        ]);
        assert_eq!((e.key(), e.message()), (Some("colour"), "unknown key"));
        let e = key(&[("method", "token"), ("refresh_token", "r"), ("label", " ")]);
        assert_eq!(e.key(), Some("label"));
        let e = key(&[
            ("method", "password"),
            ("email", "a"),
            ("password", "hunter2"),
            ("password_file", "/x"),
        ]);
        assert_eq!(e.key(), Some("password"));
        assert!(!e.to_string().contains("hunter2"));
        let e = key(&[
            ("method", "password"),
            ("email", "a"),
            ("password_file", "/nonexistent/pw"),
        ]);
        assert_eq!(e.key(), Some("password_file"));
    }

    #[test]
    fn a_file_secret_remembers_its_file() {
        let path = std::env::temp_dir().join(format!("unishare-settings-{}", std::process::id()));
        std::fs::write(&path, " tok \n").unwrap();
        let mut t = table(&[("refresh_token_file", path.to_str().unwrap())]);
        assert_eq!(t.secret_file("refresh_token"), Some(path.clone()));
        t.resolve_secrets(&["refresh_token"]).unwrap();
        assert_eq!(t.secret_file("refresh_token"), Some(path.clone()));
        assert_eq!(t.take_plain("refresh_token").unwrap(), "tok");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn one_of_reads_as_a_sentence() {
        assert_eq!(one_of(&["a"]), "\"a\"");
        assert_eq!(one_of(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
    }
}
