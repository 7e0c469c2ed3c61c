//! Account configuration: where the Seafile server is, how to authenticate, whose links to list.

use serde::Deserialize;
use std::fmt;
use unishare_core::retry::RetryPolicy;
use unishare_core::{AccountName, Inventory, Secret};

/// One configured Seafile account.
#[derive(Clone)]
pub struct SeafileConfig {
    /// The configured account name.
    pub account: AccountName,
    /// The seahub root, e.g. `https://cloud.example.com` or `https://example.com/seafile`
    /// (the adapter adds `/api/v2.1/…` and `/api2/auth-token/`); a trailing slash is tolerated.
    pub base_url: String,
    /// How requests are authenticated.
    pub auth: SeafileAuth,
    /// Whose links the account lists: the signed-in user's, or (an administrator's
    /// credentials) every user's through `/api/v2.1/admin/share-links/`.
    pub inventory: Inventory,
    /// Upstream call policy (timeouts, retries, budget, breaker).
    pub policy: RetryPolicy,
}

impl SeafileConfig {
    /// A user-inventory configuration with the default policy.
    pub fn new(account: AccountName, base_url: impl Into<String>, auth: SeafileAuth) -> Self {
        SeafileConfig {
            account,
            base_url: base_url.into(),
            auth,
            inventory: Inventory::User,
            policy: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for SeafileConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeafileConfig")
            .field("account", &self.account)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("inventory", &self.inventory)
            .field("policy", &self.policy)
            .finish()
    }
}

/// How a Seafile account authenticates, as the account table of the configuration file says
/// it (`auth = { method = "token", token = "…" }` or `{ method = "password", username = "…",
/// password = "…" }`), after `*_env` / `*_file` secrets are resolved.
#[derive(Clone, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum SeafileAuth {
    /// An API token (`Authorization: Token <key>`), e.g. from `/api2/auth-token/` or the web
    /// UI. Never renewed: a refused token is an `upstream_auth` error.
    Token {
        /// The token key.
        token: Secret,
    },
    /// A login exchanged for a token at `POST /api2/auth-token/` on first use, and once more
    /// when the server refuses the token (401). Accounts with two-factor sign-in cannot use
    /// this: give a token instead.
    Password {
        /// The login id (username, contact e-mail or primary id).
        username: String,
        /// The password.
        password: Secret,
    },
}

impl SeafileAuth {
    /// `"token"` or `"password"`, as in the configuration file.
    pub fn method(&self) -> &'static str {
        match self {
            SeafileAuth::Token { .. } => "token",
            SeafileAuth::Password { .. } => "password",
        }
    }

    /// The method names this vendor accepts, for "unknown method" errors.
    pub const METHODS: [&'static str; 2] = ["token", "password"];
}

impl fmt::Debug for SeafileAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeafileAuth::Token { .. } => f
                .debug_struct("Token")
                .field("token", &"[redacted]")
                .finish(),
            SeafileAuth::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"[redacted]")
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let a = SeafileAuth::Token {
            token: Secret::new("401f7ac837da42b97f613d789819ff93537bee6a"),
        };
        assert!(!format!("{a:?}").contains("401f7ac8"));
        let b = SeafileAuth::Password {
            username: "admin@example.com".into(),
            password: Secret::new("hunter2hunter2"),
        };
        let s = format!("{b:?}");
        assert!(
            s.contains("admin@example.com") && !s.contains("hunter2"),
            "{s}"
        );
        let c = SeafileConfig::new(AccountName::new("sf").unwrap(), "http://x", b);
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn auth_tables_deserialize_by_method() {
        let a: SeafileAuth =
            serde_json::from_value(serde_json::json!({"method": "token", "token": "abc"})).unwrap();
        assert_eq!(a.method(), "token");
        let b: SeafileAuth = serde_json::from_value(
            serde_json::json!({"method": "password", "username": "u", "password": "p"}),
        )
        .unwrap();
        assert_eq!(b.method(), "password");
        for bad in [
            serde_json::json!({"method": "oauth"}),
            serde_json::json!({"method": "token"}),
            serde_json::json!({"method": "token", "token": "a", "extra": 1}),
        ] {
            assert!(
                serde_json::from_value::<SeafileAuth>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
