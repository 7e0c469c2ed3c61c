//! `[[api_keys]]`: the section as written, the validated key, and the validation (a key is
//! given as SHA-256 hex or as a secret, inline, from the environment or a file).

use crate::config_error::ConfigError;
use crate::secrets::{take_secret, AuthTable};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// SHA-256 of a key (the form keys are held and compared in).
pub fn sha256(key: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(key.as_bytes()).into()
}

/// `[[api_keys]]` as written.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySection {
    /// Key name (shown in audit logs).
    pub name: String,
    /// SHA-256 hex of the key.
    #[serde(default)]
    pub key_sha256: Option<String>,
    /// The key itself (discouraged; prefer `key_sha256`, `key_env` or `key_file`).
    #[serde(default, skip_serializing)]
    pub key: Option<String>,
    /// Environment variable holding the key.
    #[serde(default)]
    pub key_env: Option<String>,
    /// File holding the key.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// Subset of `read`, `write`, `secrets`.
    pub scopes: Vec<String>,
    /// `["*"]` or account names.
    pub accounts: Vec<String>,
    /// Optional request rate limit of this key, e.g. `"100/s"` (GCRA; 429 + `Retry-After`).
    #[serde(default)]
    pub rate_limit: Option<String>,
}

/// An API key scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Read shares.
    Read,
    /// Create, change, revoke.
    Write,
    /// See passwords.
    Secrets,
}

impl Scope {
    /// The name used in configuration and responses.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Secrets => "secrets",
        }
    }
}

/// One validated API key.
#[derive(Clone, Debug)]
pub struct ApiKeyConfig {
    /// Name.
    pub name: String,
    /// SHA-256 of the key.
    pub sha256: [u8; 32],
    /// Scopes.
    pub scopes: HashSet<Scope>,
    /// `None` = every account.
    pub accounts: Option<HashSet<String>>,
    /// Request rate limit, when set.
    pub rate_limit: Option<unishare_core::retry::RateLimit>,
}

/// Validates the `[[api_keys]]` entries against the configured account `names`.
pub(crate) fn validate(
    keys: Vec<ApiKeySection>,
    names: &HashSet<String>,
    origin: &str,
) -> Result<Vec<ApiKeyConfig>, ConfigError> {
    let at = |key: &str, msg: String| ConfigError::at(origin, key, msg);
    let mut api_keys = Vec::new();
    let mut key_names = HashSet::new();
    for (i, k) in keys.into_iter().enumerate() {
        let key = |f: &str| format!("api_keys[{i}].{f}");
        if k.name.trim().is_empty() {
            return Err(at(&key("name"), "must not be empty".into()));
        }
        if !key_names.insert(k.name.clone()) {
            return Err(at(&key("name"), format!("duplicate key name {:?}", k.name)));
        }
        let mut table = AuthTable::new(BTreeMap::new(), format!("api_keys[{i}]"), origin.into());
        if let Some(v) = k.key {
            table.insert("key", v);
        }
        if let Some(v) = k.key_env {
            table.insert("key_env", v);
        }
        if let Some(v) = k.key_file {
            table.insert("key_file", v.display().to_string());
        }
        let sha256 = match (k.key_sha256, table.is_empty()) {
            (Some(hexed), true) => {
                let bytes = hex::decode(hexed.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| at(&key("key_sha256"), "must be 64 hex digits".into()))?;
                bytes
            }
            (None, false) => {
                let secret = take_secret(&mut table, "key")?;
                if secret.expose().len() < 16 {
                    return Err(at(&key("key"), "must be at least 16 characters".into()));
                }
                sha256(secret.expose())
            }
            _ => {
                return Err(at(
                    &key("key_sha256"),
                    "give exactly one of key_sha256, key, key_env, key_file".into(),
                ))
            }
        };
        let mut scopes = HashSet::new();
        for s in &k.scopes {
            scopes.insert(match s.as_str() {
                "read" => Scope::Read,
                "write" => Scope::Write,
                "secrets" => Scope::Secrets,
                other => {
                    return Err(at(
                        &key("scopes"),
                        format!("unknown scope {other:?}: expected read, write, secrets"),
                    ))
                }
            });
        }
        let accounts_allowed = if k.accounts.iter().any(|a| a == "*") {
            None
        } else {
            for a in &k.accounts {
                if !names.contains(a) {
                    return Err(at(&key("accounts"), format!("unknown account {a:?}")));
                }
            }
            Some(k.accounts.iter().cloned().collect())
        };
        let rate_limit = match &k.rate_limit {
            Some(r) => Some(
                r.parse::<unishare_core::retry::RateLimit>()
                    .map_err(|e| at(&key("rate_limit"), e))?,
            ),
            None => None,
        };
        api_keys.push(ApiKeyConfig {
            name: k.name,
            sha256,
            scopes,
            accounts: accounts_allowed,
            rate_limit,
        });
    }
    Ok(api_keys)
}
