//! Secret resolution for config: every secret key `x` can be given as `x` (inline), `x_env`
//! (an environment variable's name) or `x_file` (a file whose trimmed content is the secret).

use crate::config::ConfigError;
use std::collections::BTreeMap;
use unishare_core::Secret;

/// A table of string keys being consumed; leftover keys are reported as unknown.
pub struct AuthTable {
    map: BTreeMap<String, String>,
    prefix: String,
    origin: String,
}

impl AuthTable {
    /// Wraps `map`; errors name keys as `{origin}: key `{prefix}.{key}``.
    pub fn new(map: BTreeMap<String, String>, prefix: String, origin: String) -> Self {
        AuthTable {
            map,
            prefix,
            origin,
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

    fn error(&self, key: &str, msg: &str) -> ConfigError {
        ConfigError::at(&self.origin, format!("{}.{}", self.prefix, key), msg)
    }

    /// Takes a required non-secret key.
    pub fn take_plain(&mut self, key: &str) -> Result<String, ConfigError> {
        match self.map.remove(key) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            Some(_) => Err(self.error(key, "must not be empty")),
            None => Err(self.error(key, "is missing")),
        }
    }

    /// Takes optional plain `key`: `None` when absent; present but blank is an error.
    pub fn take_optional(&mut self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.map.contains_key(key) {
            true => self.take_plain(key).map(Some),
            false => Ok(None),
        }
    }

    /// Fails on any key not taken.
    pub fn finish(self) -> Result<(), ConfigError> {
        match self.map.keys().next() {
            Some(k) => Err(self.error(k, "unknown key")),
            None => Ok(()),
        }
    }
}

/// The file secret `key` is read from (`{key}_file`), when it is (before [`take_secret`]).
pub fn secret_file(table: &AuthTable, key: &str) -> Option<std::path::PathBuf> {
    table
        .map
        .get(&format!("{key}_file"))
        .map(std::path::PathBuf::from)
}

/// Takes secret `key` from `key`, `key_env` or `key_file` (exactly one).
pub fn take_secret(table: &mut AuthTable, key: &str) -> Result<Secret, ConfigError> {
    let inline = table.map.remove(key);
    let env = table.map.remove(&format!("{key}_env"));
    let file = table.map.remove(&format!("{key}_file"));
    let value = match (inline, env, file) {
        (Some(v), None, None) => v,
        (None, Some(var), None) => std::env::var(&var).map_err(|_| {
            table.error(
                &format!("{key}_env"),
                &format!("environment variable {var} is not set"),
            )
        })?,
        (None, None, Some(path)) => std::fs::read_to_string(&path)
            .map_err(|e| table.error(&format!("{key}_file"), &format!("cannot read {path}: {e}")))?
            .trim()
            .to_owned(),
        (None, None, None) => {
            return Err(table.error(
                key,
                &format!("is missing (give {key}, {key}_env or {key}_file)"),
            ))
        }
        _ => {
            return Err(table.error(
                key,
                &format!("give only one of {key}, {key}_env, {key}_file"),
            ))
        }
    };
    if value.is_empty() {
        return Err(table.error(key, "is empty"));
    }
    Ok(Secret::new(value))
}
