//! Account configuration: where the server is, how to sign in, how to call it.

use std::fmt;
use unishare_core::retry::RetryPolicy;
use unishare_core::{AccountName, Error, Inventory, Secret};
use url::Url;

/// The page size used when none is configured (the vendor maximum).
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Smallest page size the vendor accepts (`page_size` is validated `min=10`).
pub const MIN_PAGE_SIZE: u32 = 10;
/// Largest page size the vendor accepts (`page_size` is validated `max=100`).
pub const MAX_PAGE_SIZE: u32 = 100;

/// One Cloudreve v4 account.
#[derive(Clone)]
pub struct CloudreveConfig {
    /// The configured account name.
    pub account: AccountName,
    /// The site root, e.g. `https://drive.example.com`. The adapter adds `/api/v4`; a trailing
    /// slash, or a base that already ends in `/api/v4`, is accepted.
    pub base_url: String,
    /// How to sign in.
    pub auth: CloudreveAuth,
    /// Timeouts, retries and retry budget of upstream calls.
    pub policy: RetryPolicy,
    /// List page size, 10..=100 (default 100).
    pub page_size: u32,
    /// Whose links to list: the signed-in user's (`GET /share`) or, for a site
    /// administrator, every user's (`POST /admin/share`, `docs/vendors/cloudreve.md`).
    pub inventory: Inventory,
}

impl CloudreveConfig {
    /// A config with the default policy and page size.
    pub fn new(account: AccountName, base_url: impl Into<String>, auth: CloudreveAuth) -> Self {
        CloudreveConfig {
            account,
            base_url: base_url.into(),
            auth,
            policy: RetryPolicy::default(),
            page_size: DEFAULT_PAGE_SIZE,
            inventory: Inventory::User,
        }
    }

    /// The API root (`{site}/api/v4`), validated.
    pub(crate) fn api_base(&self) -> Result<Url, Error> {
        api_base(&self.base_url)
    }

    /// Checks every field; the error names the offending key.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(Error::invalid_request(format!(
                "page_size must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}, got {}",
                self.page_size
            )));
        }
        match &self.auth {
            CloudreveAuth::Password { email, password } => {
                if email.trim().is_empty() || !email.contains('@') {
                    return Err(Error::invalid_request(
                        "auth.email must be the account's e-mail address (Cloudreve v4 signs in by e-mail only)",
                    ));
                }
                if password.is_empty() {
                    return Err(Error::invalid_request("auth.password is empty"));
                }
            }
            CloudreveAuth::Token { refresh_token } => {
                if refresh_token.expose().trim().is_empty() {
                    return Err(Error::invalid_request("auth.refresh_token is empty"));
                }
            }
            CloudreveAuth::OAuth {
                client_id,
                refresh_token,
                ..
            } => {
                if client_id.trim().is_empty() {
                    return Err(Error::invalid_request("auth.client_id is empty"));
                }
                if refresh_token.expose().trim().is_empty() {
                    return Err(Error::invalid_request("auth.refresh_token is empty"));
                }
            }
        }
        self.api_base().map(|_| ())
    }
}

impl fmt::Debug for CloudreveConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudreveConfig")
            .field("account", &self.account.as_str())
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("policy", &self.policy)
            .field("page_size", &self.page_size)
            .field("inventory", &self.inventory)
            .finish()
    }
}

/// How the adapter signs in: the account's `auth = { method = "…", … }` table, deserialized
/// by the vendor registration (`register.rs`) once its secrets are resolved.
#[derive(Clone, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum CloudreveAuth {
    /// `POST /session/token` with e-mail and password; refreshed before expiry, signed in
    /// again when the refresh token dies.
    Password {
        /// The account e-mail (Cloudreve v4 accepts no user name).
        email: String,
        /// The account password.
        password: Secret,
    },
    /// Start from a refresh token obtained elsewhere (for accounts with a login captcha or
    /// 2FA). When it is rejected the account fails with `upstream_auth`.
    Token {
        /// The refresh token.
        refresh_token: Secret,
    },
    /// An OAuth app's offline grant (Cloudreve 4.12+, `vendors/cloudreve-v4.md` §3.9): a
    /// refresh token issued to the app (`unishare login cloudreve` obtains it), renewed with
    /// `POST /session/token/refresh`. Its scopes limit what the account may do (`40089`).
    #[serde(rename = "oauth")]
    OAuth {
        /// The app's client id.
        client_id: String,
        /// The app's client secret (used by `unishare login` for the code exchange).
        client_secret: Secret,
        /// The refresh token of the grant.
        refresh_token: Secret,
        /// Where each newer refresh token is written (0600, replaced atomically) so that a
        /// restart continues the chain: the file the token was read from, when it was.
        #[serde(skip)]
        persist_to: Option<std::path::PathBuf>,
    },
}

impl CloudreveAuth {
    /// The config name of the method (`password`, `token` or `oauth`).
    pub fn method(&self) -> &'static str {
        match self {
            CloudreveAuth::Password { .. } => "password",
            CloudreveAuth::Token { .. } => "token",
            CloudreveAuth::OAuth { .. } => "oauth",
        }
    }
}

impl fmt::Debug for CloudreveAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloudreveAuth::Password { email, .. } => f
                .debug_struct("Password")
                .field("email", email)
                .field("password", &"[redacted]")
                .finish(),
            CloudreveAuth::Token { .. } => f
                .debug_struct("Token")
                .field("refresh_token", &"[redacted]")
                .finish(),
            CloudreveAuth::OAuth {
                client_id,
                persist_to,
                ..
            } => f
                .debug_struct("OAuth")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .field("refresh_token", &"[redacted]")
                .field("persist_to", persist_to)
                .finish(),
        }
    }
}

/// Normalizes a site root into the API root `{site}/api/v4` (no trailing slash).
pub(crate) fn api_base(base_url: &str) -> Result<Url, Error> {
    let trimmed = base_url.trim().trim_end_matches('/');
    let bad = |why: &str| {
        Error::invalid_request(format!(
            "base_url {:?} is not a usable site root: {why}",
            trimmed.chars().take(200).collect::<String>()
        ))
    };
    let mut url = Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none() {
        return Err(bad("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not carry a query or a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not carry credentials"));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    let path = if path.ends_with("/api/v4") {
        path
    } else {
        format!("{path}/api/v4")
    };
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_accepts_the_common_forms() {
        for (input, want) in [
            (
                "https://drive.example.com",
                "https://drive.example.com/api/v4",
            ),
            (
                "https://drive.example.com/",
                "https://drive.example.com/api/v4",
            ),
            (
                "https://drive.example.com/api/v4",
                "https://drive.example.com/api/v4",
            ),
            (
                "https://drive.example.com/api/v4/",
                "https://drive.example.com/api/v4",
            ),
            ("http://127.0.0.1:5212", "http://127.0.0.1:5212/api/v4"),
            (
                "https://example.com/cloud/",
                "https://example.com/cloud/api/v4",
            ),
        ] {
            assert_eq!(api_base(input).unwrap().as_str(), want, "{input}");
        }
        for bad in [
            "",
            "drive.example.com",
            "ftp://x",
            "https://u:p@x.com",
            "https://x.com/?a=1",
        ] {
            assert!(api_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let cfg = CloudreveConfig::new(
            AccountName::new("hq").unwrap(),
            "https://drive.example.com",
            CloudreveAuth::Password {
                email: "ops@example.com".into(),
                password: Secret::new("hunter22-pass"),
            },
        );
        let s = format!("{cfg:?}");
        assert!(!s.contains("hunter22"), "{s}");
        assert!(s.contains("ops@example.com"));
        let t = CloudreveAuth::Token {
            refresh_token: Secret::new("eyJrefresh"),
        };
        assert!(!format!("{t:?}").contains("eyJ"));
    }

    #[test]
    fn validate_checks_page_size_and_auth() {
        let mut cfg = CloudreveConfig::new(
            AccountName::new("hq").unwrap(),
            "https://drive.example.com",
            CloudreveAuth::Token {
                refresh_token: Secret::new("x"),
            },
        );
        assert!(cfg.validate().is_ok());
        cfg.page_size = 9;
        assert!(cfg.validate().unwrap_err().message().contains("page_size"));
        cfg.page_size = 101;
        assert!(cfg.validate().is_err());
        cfg.page_size = 10;
        cfg.auth = CloudreveAuth::Password {
            email: "nobody".into(),
            password: Secret::new("x"),
        };
        assert!(cfg.validate().unwrap_err().message().contains("auth.email"));
    }
}
