//! API keys: `Authorization: Bearer <key>`, compared by SHA-256 in constant time; scopes and an
//! account allow-list per key, an optional request rate (`rate_limit`, 429 + `Retry-After`) and
//! a cap on concurrent exports. With no key configured the server only runs on loopback, and
//! callers are the anonymous principal with every scope (the demo; `docs/security.md`).

use crate::config::{ApiKeyConfig, Scope};
use crate::limits::KeyLimits;
use crate::problem::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::HashSet;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use unishare_core::{Error, ErrorKind};

pub use crate::config_keys::sha256;

/// Who is calling: built once per configured key (and once for the anonymous caller of a
/// key-less server), then shared, so that authenticating a request allocates nothing.
#[derive(Clone, Debug)]
pub struct Principal(Arc<Identity>);

#[derive(Debug)]
struct Identity {
    name: String,
    scopes: HashSet<Scope>,
    accounts: Option<HashSet<String>>,
    limits: KeyLimits,
}

impl Principal {
    /// The operator at the command line (`unishare revoke`): whoever holds the config file
    /// holds every account's credentials, so every scope on every account and no request rate limit.
    pub fn cli() -> Principal {
        Principal(Arc::new(Identity {
            name: "cli".into(),
            scopes: [Scope::Read, Scope::Write, Scope::Secrets]
                .into_iter()
                .collect(),
            accounts: None,
            limits: KeyLimits::new(None, 64),
        }))
    }

    /// The anonymous principal of a key-less (loopback) server, with at most `max_exports`
    /// concurrent exports.
    pub fn anonymous(max_exports: usize) -> Principal {
        Principal(Arc::new(Identity {
            name: "anonymous".into(),
            scopes: [Scope::Read, Scope::Write, Scope::Secrets]
                .into_iter()
                .collect(),
            accounts: None,
            limits: KeyLimits::new(None, max_exports),
        }))
    }

    fn from_key(k: &ApiKeyConfig, max_exports: usize) -> Principal {
        Principal(Arc::new(Identity {
            name: k.name.clone(),
            scopes: k.scopes.clone(),
            accounts: k.accounts.clone(),
            limits: KeyLimits::new(k.rate_limit, max_exports),
        }))
    }

    /// The caller's rate and export limiters.
    pub fn limits(&self) -> &KeyLimits {
        &self.0.limits
    }

    /// Key name (`anonymous` without keys).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Fails with 403 unless the key has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.0.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError(Error::new(
                ErrorKind::Forbidden,
                format!("this API key lacks the {:?} scope", scope.as_str()),
            )))
        }
    }

    /// The key's scopes, in the order read, write, secrets.
    pub fn scopes(&self) -> Vec<Scope> {
        [Scope::Read, Scope::Write, Scope::Secrets]
            .into_iter()
            .filter(|s| self.0.scopes.contains(s))
            .collect()
    }

    /// The accounts the key may see, sorted; `None` when it sees every account.
    pub fn account_allow_list(&self) -> Option<Vec<String>> {
        self.0.accounts.as_ref().map(|a| {
            let mut v: Vec<String> = a.iter().cloned().collect();
            v.sort();
            v
        })
    }

    /// Whether the key may reveal passwords.
    pub fn reveals_secrets(&self) -> bool {
        self.0.scopes.contains(&Scope::Secrets)
    }

    /// Whether the key may see `account`.
    pub fn sees(&self, account: &str) -> bool {
        self.0.accounts.as_ref().is_none_or(|a| a.contains(account))
    }
}

/// Every caller a server knows: the configured keys (by SHA-256), or the anonymous caller
/// when there are none.
#[derive(Debug)]
pub struct Principals {
    anonymous: Option<Principal>,
    keys: Vec<([u8; 32], Principal)>,
}

impl Principals {
    /// The principals of `keys` (anonymous when the list is empty), each allowed
    /// `max_exports` concurrent exports.
    pub fn new(keys: &[ApiKeyConfig], max_exports: usize) -> Principals {
        Principals {
            anonymous: keys.is_empty().then(|| Principal::anonymous(max_exports)),
            keys: keys
                .iter()
                .map(|k| (k.sha256, Principal::from_key(k, max_exports)))
                .collect(),
        }
    }

    /// The anonymous principal, on a server without keys.
    pub fn anonymous(&self) -> Option<&Principal> {
        self.anonymous.as_ref()
    }

    /// Finds the key matching `presented`, comparing every configured hash in constant time.
    pub fn authenticate(&self, presented: &str) -> Option<Principal> {
        let digest = sha256(presented);
        let mut found = None;
        for (hash, principal) in &self.keys {
            if bool::from(hash.ct_eq(&digest)) {
                found = Some(principal);
            }
        }
        found.cloned()
    }
}

/// A router state that holds the API keys, so that handlers can take a [`Principal`].
pub trait HasPrincipals {
    /// The configured keys.
    fn principals(&self) -> &Principals;
}

impl<S: HasPrincipals + Send + Sync> FromRequestParts<Arc<S>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<S>,
    ) -> Result<Self, Self::Rejection> {
        let principals = state.principals();
        if let Some(anonymous) = principals.anonymous() {
            return Ok(anonymous.clone());
        }
        let unauth = |msg: &str| ApiError(Error::new(ErrorKind::Unauthenticated, msg));
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| unauth("missing Authorization: Bearer <api key>"))?;
        let value = header
            .to_str()
            .map_err(|_| unauth("malformed Authorization header"))?;
        let key = bearer_token(value)
            .ok_or_else(|| unauth("Authorization must be \"Bearer <api key>\""))?;
        let principal = principals
            .authenticate(key)
            .ok_or_else(|| unauth("unknown API key"))?;
        principal.limits().check_rate()?;
        Ok(principal)
    }
}

/// The credentials of `Bearer <token>`; the scheme name is case-insensitive (RFC 9110 §11.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !rest.starts_with(' ') {
        return None;
    }
    Some(rest.trim()).filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for ok in ["Bearer k1", "bearer k1", "BEARER k1", "bEaReR   k1 "] {
            assert_eq!(bearer_token(ok), Some("k1"), "{ok}");
        }
        for bad in [
            "",
            "Bearer",
            "Bearer ",
            "Bearerk1",
            "Basic k1",
            "Bear k1",
            "Bearer\tk1",
        ] {
            assert_eq!(bearer_token(bad), None, "{bad:?}");
        }
    }
}
