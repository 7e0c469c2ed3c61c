//! Secret resolution for the gateway's own config tables (`[server]` cursor secret,
//! `[[api_keys]]`): every secret key `x` can be given as `x` (inline), `x_env` (an environment
//! variable's name) or `x_file` (a file whose trimmed content is the secret). The rules live in
//! `unishare_core::settings`, shared with the vendors' `auth` tables; this wraps them with the
//! file and key path config errors name.

use crate::config_error::ConfigError;
use std::collections::BTreeMap;
use unishare_core::settings::{KeyTable, SettingError};
use unishare_core::Secret;

/// A table of string keys being consumed; leftover keys are reported as unknown.
pub struct AuthTable {
    table: KeyTable,
    prefix: String,
    origin: String,
}

impl AuthTable {
    /// Wraps `map`; errors name keys as `{origin}: key `{prefix}.{key}``.
    pub fn new(map: BTreeMap<String, String>, prefix: String, origin: String) -> Self {
        AuthTable {
            table: KeyTable::new(map),
            prefix,
            origin,
        }
    }

    /// Adds a key.
    pub fn insert(&mut self, key: &str, value: String) {
        self.table.insert(key, value);
    }

    /// True when no key is left.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    fn error(&self, e: SettingError) -> ConfigError {
        let e = e.under(&self.prefix);
        ConfigError::at(&self.origin, e.key().unwrap_or_default(), e.message())
    }
}

/// The secret `key` of section `section`, given as `key` (`inline`), `key_env` (`env`) or
/// `key_file` (`file`): exactly one, or none (`Ok(None)`); errors name `{section}.{key}…`.
pub fn optional_secret(
    section: &str,
    key: &str,
    inline: Option<&str>,
    env: Option<&str>,
    file: Option<&std::path::Path>,
    origin: &str,
) -> Result<Option<Secret>, ConfigError> {
    let mut t = AuthTable::new(BTreeMap::new(), section.into(), origin.into());
    if let Some(v) = inline {
        t.insert(key, v.to_owned());
    }
    if let Some(v) = env {
        t.insert(&format!("{key}_env"), v.to_owned());
    }
    if let Some(v) = file {
        t.insert(&format!("{key}_file"), v.display().to_string());
    }
    if t.is_empty() {
        return Ok(None);
    }
    take_secret(&mut t, key).map(Some)
}

/// Takes secret `key` from `key`, `key_env` or `key_file` (exactly one).
pub fn take_secret(table: &mut AuthTable, key: &str) -> Result<Secret, ConfigError> {
    table.table.take_secret(key).map_err(|e| table.error(e))
}
