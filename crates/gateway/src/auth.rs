//! API keys: `Authorization: Bearer <key>`, compared by SHA-256 in constant time; scopes and an
//! account allow-list per key. With no key configured the server only runs on loopback, and
//! callers are the anonymous principal with every scope (the demo).

use crate::config::{ApiKeyConfig, Scope};
use crate::problem::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use unishare_core::{Error, ErrorKind};

/// SHA-256 of a key.
pub fn sha256(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Who is calling.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Key name (`anonymous` without keys).
    pub name: String,
    scopes: HashSet<Scope>,
    accounts: Option<HashSet<String>>,
}

impl Principal {
    /// The anonymous principal of a key-less (loopback) server.
    pub fn anonymous() -> Principal {
        Principal {
            name: "anonymous".into(),
            scopes: [Scope::Read, Scope::Write, Scope::Secrets]
                .into_iter()
                .collect(),
            accounts: None,
        }
    }

    fn from_key(k: &ApiKeyConfig) -> Principal {
        Principal {
            name: k.name.clone(),
            scopes: k.scopes.clone(),
            accounts: k.accounts.clone(),
        }
    }

    /// Fails with 403 unless the key has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            let name = match scope {
                Scope::Read => "read",
                Scope::Write => "write",
                Scope::Secrets => "secrets",
            };
            Err(ApiError(Error::new(
                ErrorKind::Forbidden,
                format!("this API key lacks the {name:?} scope"),
            )))
        }
    }

    /// Whether the key may reveal passwords.
    pub fn reveals_secrets(&self) -> bool {
        self.scopes.contains(&Scope::Secrets)
    }

    /// Whether the key may see `account`.
    pub fn sees(&self, account: &str) -> bool {
        self.accounts.as_ref().is_none_or(|a| a.contains(account))
    }
}

/// Finds the key matching `presented`, comparing every configured hash in constant time.
pub fn authenticate(keys: &[ApiKeyConfig], presented: &str) -> Option<Principal> {
    let digest = sha256(presented);
    let mut found = None;
    for k in keys {
        if bool::from(k.sha256.ct_eq(&digest)) {
            found = Some(Principal::from_key(k));
        }
    }
    found
}

impl FromRequestParts<Arc<AppState>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let keys = &state.config.api_keys;
        if keys.is_empty() {
            return Ok(Principal::anonymous());
        }
        let unauth = |msg: &str| ApiError(Error::new(ErrorKind::Unauthenticated, msg));
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| unauth("missing Authorization: Bearer <api key>"))?;
        let value = header
            .to_str()
            .map_err(|_| unauth("malformed Authorization header"))?;
        let key = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| unauth("Authorization must be \"Bearer <api key>\""))?;
        authenticate(keys, key).ok_or_else(|| unauth("unknown API key"))
    }
}
