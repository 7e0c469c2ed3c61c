//! The config file's sections as written (`RawConfig` and its parts) and their defaults.

use crate::config_keys::ApiKeySection;
use crate::duration_str;
use crate::limits::LimitsSection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `[server]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Listen address.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Key that signs list cursors (`cursor_secret`, `cursor_secret_env`, `cursor_secret_file`);
    /// generated at start when absent (cursors then die with the process).
    #[serde(default, skip_serializing)]
    pub cursor_secret: Option<String>,
    /// Name of an environment variable holding the cursor secret.
    #[serde(default)]
    pub cursor_secret_env: Option<String>,
    /// Path of a file holding the cursor secret.
    #[serde(default)]
    pub cursor_secret_file: Option<PathBuf>,
    /// Longest time one HTTP request may take.
    #[serde(default = "default_request_timeout", with = "duration_str")]
    pub request_timeout: Duration,
    /// Largest accepted request body, in bytes.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
}

/// `[cache]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSection {
    /// A snapshot is fresh this long.
    #[serde(default = "default_ttl", with = "duration_str")]
    pub ttl: Duration,
    /// A stale snapshot is served this long while the vendor fails.
    #[serde(default = "default_max_stale", with = "duration_str")]
    pub max_stale: Duration,
    /// How long a request waits for a missing snapshot before answering without it.
    #[serde(default = "default_cold_wait", with = "duration_str")]
    pub cold_wait: Duration,
    /// Most shares held per account; a crawl past it fails with a clear error.
    #[serde(default = "default_max_shares")]
    pub max_shares_per_account: usize,
}

/// `[upstream]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamSection {
    /// Timeout of one vendor call attempt.
    #[serde(default = "default_timeout", with = "duration_str")]
    pub timeout: Duration,
    /// Retries of an idempotent call after the first attempt.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// Consecutive vendor failures that open an account's circuit breaker (0 = no breaker).
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// How long an open breaker fails calls fast before one probe call is let through.
    #[serde(default = "default_breaker_cooldown", with = "duration_str")]
    pub breaker_cooldown: Duration,
}

/// `[[accounts]]` as written.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSection {
    /// Account name, `[a-z0-9_-]{1,64}`.
    pub name: String,
    /// The vendor's name, one of the gateway's vendor list (`crate::vendors`).
    pub provider: String,
    /// The vendor's base URL.
    pub base_url: String,
    /// `{ method = "...", ... }`, read by the vendor (secrets resolved first).
    #[serde(skip_serializing)]
    pub auth: BTreeMap<String, String>,
    /// Vendor page size for crawls (default: the vendor maximum, 100).
    #[serde(default)]
    pub page_size: Option<u32>,
    /// Most vendor calls in flight at once for this account (default 8).
    #[serde(default)]
    pub max_concurrency: Option<usize>,
    /// Optional vendor call rate limit, e.g. `"10/s"` or `"600/m"` (GCRA).
    #[serde(default)]
    pub rate_limit: Option<String>,
    /// `"user"` (default: the signed-in user's links) or `"site"` (every user's, with an
    /// administrator's credentials, where the vendor has an admin listing).
    #[serde(default)]
    pub inventory: Option<String>,
    /// The zone the server writes expiry dates in, `"UTC"` (default) or an offset such as
    /// `"+02:00"`; a vendor-only key (see [`AccountSection::vendor_options`]).
    #[serde(default)]
    pub server_timezone: Option<String>,
}

impl AccountSection {
    /// The vendor-only account keys that are set, by name, for the vendor that declares them
    /// (`VendorKind::ACCOUNT_KEYS`). A vendor with a new account-level key adds its field
    /// above and one line here.
    pub fn vendor_options(&self) -> BTreeMap<String, String> {
        [("server_timezone", &self.server_timezone)]
            .into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
            .collect()
    }
}

/// The whole file as written.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[server]`.
    #[serde(default = "default_server")]
    pub server: ServerSection,
    /// `[cache]`.
    #[serde(default = "default_cache")]
    pub cache: CacheSection,
    /// `[upstream]`.
    #[serde(default = "default_upstream")]
    pub upstream: UpstreamSection,
    /// `[[accounts]]`.
    #[serde(default)]
    pub accounts: Vec<AccountSection>,
    /// `[[api_keys]]`.
    #[serde(default)]
    pub api_keys: Vec<ApiKeySection>,
    /// `[limits]`.
    #[serde(default)]
    pub limits: LimitsSection,
    /// `[store]`.
    #[serde(default)]
    pub store: crate::store::StoreSection,
    /// `[cluster]`.
    #[serde(default)]
    pub cluster: super::ClusterSection,
}

/// Longest duration accepted anywhere in the config.
pub(super) const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_request_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_max_body() -> usize {
    64 * 1024
}
fn default_ttl() -> Duration {
    Duration::from_secs(30)
}
fn default_max_stale() -> Duration {
    Duration::from_secs(600)
}
fn default_cold_wait() -> Duration {
    Duration::from_secs(5)
}
fn default_max_shares() -> usize {
    1_000_000
}
fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_retries() -> u32 {
    2
}
fn default_breaker_failures() -> u32 {
    5
}
fn default_breaker_cooldown() -> Duration {
    Duration::from_secs(10)
}
pub(super) fn default_server() -> ServerSection {
    ServerSection {
        listen: default_listen(),
        cursor_secret: None,
        cursor_secret_env: None,
        cursor_secret_file: None,
        request_timeout: default_request_timeout(),
        max_body_bytes: default_max_body(),
    }
}
pub(super) fn default_cache() -> CacheSection {
    CacheSection {
        ttl: default_ttl(),
        max_stale: default_max_stale(),
        cold_wait: default_cold_wait(),
        max_shares_per_account: default_max_shares(),
    }
}
pub(super) fn default_upstream() -> UpstreamSection {
    UpstreamSection {
        timeout: default_timeout(),
        max_retries: default_retries(),
        breaker_failures: default_breaker_failures(),
        breaker_cooldown: default_breaker_cooldown(),
    }
}

impl RawConfig {
    /// Every section at its defaults, no accounts, no keys.
    pub(super) fn empty() -> RawConfig {
        RawConfig {
            server: default_server(),
            cache: default_cache(),
            upstream: default_upstream(),
            accounts: Vec::new(),
            api_keys: Vec::new(),
            limits: LimitsSection::default(),
            store: Default::default(),
            cluster: Default::default(),
        }
    }
}
