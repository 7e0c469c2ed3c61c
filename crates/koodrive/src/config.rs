//! Account configuration: where the KooDrive service is and how to authenticate.

use std::fmt;
use unishare_core::retry::RetryPolicy;
use unishare_core::{AccountName, Secret};

/// Largest page size KooDrive accepts (`pageSize` default and maximum, vendor doc §3.2).
pub const MAX_PAGE_SIZE: u32 = 100;

/// One configured KooDrive account.
#[derive(Clone)]
pub struct KooDriveConfig {
    /// The configured account name.
    pub account: AccountName,
    /// The service root, e.g. `https://cn.myhuaweicloud-koodrive.com`. The adapter adds
    /// `/koodrive/ose/v1`; a trailing slash is tolerated.
    pub base_url: String,
    /// How requests are authenticated.
    pub auth: KooDriveAuth,
    /// Upstream call policy (timeouts, retries, budget).
    pub policy: RetryPolicy,
    /// List page size, `1..=100` (default 100).
    pub page_size: u32,
    /// The carrier ("agent") name of a carrier-edition account, sent as `X-Hw-Agentname` on
    /// every request (mandatory on carrier APIs, `vendors/koodrive.md` §1, §11). `None` = an
    /// enterprise account. A carrier account cannot create organization-only links (carrier
    /// `scope` is 1 or 3 only): see [`crate::provider::CARRIER_CAPABILITIES`].
    pub agent_name: Option<String>,
}

impl KooDriveConfig {
    /// A configuration with the default policy and page size 100.
    pub fn new(account: AccountName, base_url: impl Into<String>, auth: KooDriveAuth) -> Self {
        KooDriveConfig {
            account,
            base_url: base_url.into(),
            auth,
            policy: RetryPolicy::default(),
            page_size: MAX_PAGE_SIZE,
            agent_name: None,
        }
    }

    /// True for a carrier-edition account (one with an `agent_name`).
    pub fn is_carrier(&self) -> bool {
        self.agent_name.is_some()
    }
}

impl fmt::Debug for KooDriveConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KooDriveConfig")
            .field("account", &self.account)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("policy", &self.policy)
            .field("page_size", &self.page_size)
            .field("agent_name", &self.agent_name)
            .finish()
    }
}

/// How a KooDrive account authenticates (vendor doc §6): the account's `auth` table (less
/// `agent_name`, which every method shares), deserialized by `register.rs`.
#[derive(Clone, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum KooDriveAuth {
    /// App authentication: every request is signed with HMAC-SHA256 (§6.2).
    App {
        /// The AppId.
        app_id: String,
        /// The AppSecret (the HMAC key).
        app_secret: Secret,
        /// The KooDrive user on whose behalf the app acts (`X-User-Id`).
        user_id: String,
    },
    /// A user token (AT) sent as issued, kept alive with `POST /session/refresh` (§6.1).
    Token {
        /// The access token, sent as the `Authorization` value exactly as given: `Bearer+013b…`
        /// as the session APIs issue it, or a bare cookie token as the current authentication
        /// page shows it. No prefix is added (`vendors/koodrive.md` §11).
        token: Secret,
        /// The session id sent as `x-session-id` on refresh.
        session_id: Secret,
    },
}

impl KooDriveAuth {
    /// `"app"` or `"token"`, as in the configuration file.
    pub fn method(&self) -> &'static str {
        match self {
            KooDriveAuth::App { .. } => "app",
            KooDriveAuth::Token { .. } => "token",
        }
    }
}

impl fmt::Debug for KooDriveAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KooDriveAuth::App {
                app_id, user_id, ..
            } => f
                .debug_struct("App")
                .field("app_id", app_id)
                .field("app_secret", &"[redacted]")
                .field("user_id", user_id)
                .finish(),
            KooDriveAuth::Token { .. } => f
                .debug_struct("Token")
                .field("token", &"[redacted]")
                .field("session_id", &"[redacted]")
                .finish(),
        }
    }
}
