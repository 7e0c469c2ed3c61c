//! Configuration errors that name the file, the line and the key, and never a value.
//!
//! A config file holds secrets inline (`password = "…"`, `key = "…"`), so an error must not
//! echo what was written: the TOML parser's own message shows the offending line, and serde's
//! type errors show the value found. Here a syntax error is reported by position and key, and
//! a type error by the kind of value found (`a string`), never the value itself.

use std::fmt;

/// A configuration error: `{file}[:{line}]: key `{key}`: {message}`, on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    origin: String,
    line: Option<usize>,
    key: Option<String>,
    message: String,
}

impl ConfigError {
    /// An error about the whole file (or no file): `{origin}: {message}`.
    pub fn general(origin: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: origin.to_owned(),
            line: None,
            key: None,
            message: message.into(),
        }
    }

    /// An error about `key` (`section.key`, `accounts[0].auth.password`).
    pub fn at(origin: &str, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: origin.to_owned(),
            line: None,
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// The key the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The 1-based line of the file the error is about, when known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// Fills in the line of the key from the file's text (when the key is written there).
    pub(crate) fn locate(mut self, text: &str) -> ConfigError {
        if self.line.is_none() {
            self.line = self.key.as_deref().and_then(|k| line_of_key(text, k));
        }
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Checks that `text` is TOML; a syntax error names the line, the column and the key being
/// written there, with the parser's message stripped of anything quoted from the file.
pub(crate) fn check_syntax(text: &str, origin: &str) -> Result<(), ConfigError> {
    let Err(e) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    let offset = e.span().map_or(0, |s| s.start).min(text.len());
    let line = text[..offset].matches('\n').count() + 1;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or_default();
    // The parser's message, first line only, and only when it quotes nothing of the line.
    let first = e.message().lines().next().unwrap_or_default().trim();
    let quotes_the_line = line_text
        .split(['=', ' ', '"', '\''])
        .any(|part| part.trim().len() >= 3 && first.contains(part.trim()));
    let what = if first.is_empty() || quotes_the_line {
        "TOML syntax error".to_string()
    } else {
        format!("TOML syntax error: {first}")
    };
    let mut err = match key_at(text, line_start) {
        Some(key) => ConfigError::at(origin, key, format!("{what} (column {column})")),
        None => ConfigError::general(origin, format!("{what} (column {column})")),
    };
    err.line = Some(line);
    Err(err)
}

/// The full key written on the line starting at `line_start` (`section.key`), when the line
/// starts with a bare key.
fn key_at(text: &str, line_start: usize) -> Option<String> {
    let line = text[line_start..].lines().next()?.trim_start();
    let name: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect();
    if name.is_empty() {
        return None;
    }
    // The table this line belongs to: the last header above it.
    let mut section: Option<(String, usize)> = None;
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for l in text[..line_start].lines() {
        if let Some((name, array)) = header(l) {
            let n = counts.entry(name.clone()).or_default();
            section = Some((name, if array { *n } else { usize::MAX }));
            *n += 1;
        }
    }
    Some(match section {
        Some((s, usize::MAX)) => format!("{s}.{name}"),
        Some((s, i)) => format!("{s}[{i}].{name}"),
        None => name,
    })
}

/// `[name]` → (name, false); `[[name]]` → (name, true).
fn header(line: &str) -> Option<(String, bool)> {
    let l = line.trim();
    if let Some(inner) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
        return Some((inner.trim().to_owned(), true));
    }
    let inner = l.strip_prefix('[')?.split(']').next()?;
    Some((inner.trim().to_owned(), false))
}

/// The 1-based line where `key` (`server.listen`, `accounts[1].auth.password`) is written:
/// the line of its deepest part found (an inline table's keys are on its line), else the line
/// of its table's header.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let mut parts = key.split('.');
    let first = parts.next()?;
    let (section, index) = match first.split_once('[') {
        Some((s, rest)) => (s, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (first, None),
    };
    let field = parts.next();
    let lines: Vec<&str> = text.lines().collect();
    let mut seen = 0usize;
    let mut header_line = None;
    for (i, l) in lines.iter().enumerate() {
        if let Some((name, array)) = header(l) {
            if name == section && array == index.is_some() {
                if index.is_none_or(|want| want == seen) {
                    header_line = Some(i);
                    break;
                }
                seen += 1;
            }
        }
    }
    let Some(h) = header_line else {
        // A top-level key.
        return lines
            .iter()
            .position(|l| assigns(l, section))
            .map(|i| i + 1);
    };
    let Some(field) = field else {
        return Some(h + 1);
    };
    let found = lines[h + 1..]
        .iter()
        .take_while(|l| header(l).is_none())
        .position(|l| assigns(l, field));
    Some(found.map_or(h + 1, |i| h + 2 + i))
}

/// Whether `line` assigns `name` (`name = …`, `name.sub = …`).
fn assigns(line: &str, name: &str) -> bool {
    line.trim_start()
        .strip_prefix(name)
        .is_some_and(|rest| rest.trim_start().starts_with(['=', '.']))
}

/// One figment error, described without the value it is about.
pub(crate) fn from_figment(e: figment::Error, origin: &str) -> ConfigError {
    use figment::error::Kind;
    let key = e.path.iter().fold(String::new(), |mut acc, part| {
        if part.bytes().all(|b| b.is_ascii_digit()) && !acc.is_empty() {
            acc.push_str(&format!("[{part}]"));
        } else {
            if !acc.is_empty() {
                acc.push('.');
            }
            acc.push_str(part);
        }
        acc
    });
    let message = match &e.kind {
        Kind::InvalidType(actual, expected) => {
            format!("expected {expected}, found {}", kind_of(actual))
        }
        Kind::InvalidValue(actual, expected) => {
            format!("invalid value ({}): expected {expected}", kind_of(actual))
        }
        Kind::InvalidLength(n, expected) => format!("{n} items: expected {expected}"),
        Kind::UnknownVariant(_, expected) => {
            format!("unknown value: expected one of {}", expected.join(", "))
        }
        Kind::UnknownField(field, _) => format!("unknown key `{field}`"),
        Kind::MissingField(field) => format!("missing key `{field}`"),
        Kind::DuplicateField(field) => format!("duplicate key `{field}`"),
        Kind::ISizeOutOfRange(_) | Kind::USizeOutOfRange(_) => "number out of range".into(),
        Kind::Unsupported(actual) => format!("unsupported value ({})", kind_of(actual)),
        Kind::UnsupportedKey(actual, _) => format!("unsupported key ({})", kind_of(actual)),
        // Our own deserializers' messages, which never hold the value.
        Kind::Message(m) => m.lines().next().unwrap_or_default().to_owned(),
    };
    if key.is_empty() {
        ConfigError::general(origin, message)
    } else {
        ConfigError::at(origin, key, message)
    }
}

/// What kind of value was found, without the value.
fn kind_of(actual: &figment::error::Actual) -> &'static str {
    use figment::error::Actual;
    match actual {
        Actual::Bool(_) => "a boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "an integer",
        Actual::Float(_) => "a float",
        Actual::Char(_) | Actual::Str(_) => "a string",
        Actual::Bytes(_) => "bytes",
        Actual::Unit | Actual::Option => "nothing",
        Actual::Seq => "an array",
        Actual::Map => "a table",
        _ => "a value of another type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_on_their_lines() {
        let text = "[server]\nlisten = \"x\"\n\n[[accounts]]\nname = \"a\"\n[[accounts]]\nname = \"b\"\nauth = { password = \"p\" }\n";
        assert_eq!(line_of_key(text, "server.listen"), Some(2));
        assert_eq!(line_of_key(text, "accounts[0].name"), Some(5));
        assert_eq!(line_of_key(text, "accounts[1].name"), Some(7));
        assert_eq!(line_of_key(text, "accounts[1].auth.password"), Some(8));
        assert_eq!(line_of_key(text, "accounts[1].page_size"), Some(6));
        assert_eq!(line_of_key(text, "cache.ttl"), None);
    }

    #[test]
    fn a_syntax_error_names_line_and_key_but_not_the_value() {
        let text = "[server]\nlisten = \"127.0.0.1:0\"\ncursor_secret = \"hunter2-very-secret\n";
        let e = check_syntax(text, "u.toml").unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.line(), Some(3), "{msg}");
        assert_eq!(e.key(), Some("server.cursor_secret"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
        assert!(check_syntax("[server]\nlisten = \"x\"\n", "u.toml").is_ok());
    }
}
