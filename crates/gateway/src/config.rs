//! Configuration (DESIGN.md §4): a TOML file overridden by `UNISHARE_<SECTION>__<KEY>`
//! environment variables, read with figment, then validated into [`Config`]. Every error names
//! the file, the line and the key it is about, never the value (`config_error.rs`);
//! `[[api_keys]]` are validated in `config_keys.rs`, `[limits]` in `limits.rs`.

pub use crate::config_keys::{ApiKeyConfig, ApiKeySection, Scope};
pub use crate::limits::LimitsSection;
use crate::secrets::{take_secret, AuthTable};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use unishare_core::{AccountName, Provider, Secret};

pub use crate::config_error::ConfigError;

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
    /// `cloudreve`, `koodrive` or `nextcloud`.
    pub provider: String,
    /// The vendor's base URL.
    pub base_url: String,
    /// `{ method = "...", ... }`.
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
    /// Nextcloud only: the zone the server writes expiry dates in, `"UTC"` (default) or an
    /// offset such as `"+02:00"`.
    #[serde(default)]
    pub server_timezone: Option<String>,
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
}

/// Longest duration accepted anywhere in the config.
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

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
fn default_server() -> ServerSection {
    ServerSection {
        listen: default_listen(),
        cursor_secret: None,
        cursor_secret_env: None,
        cursor_secret_file: None,
        request_timeout: default_request_timeout(),
        max_body_bytes: default_max_body(),
    }
}
fn default_cache() -> CacheSection {
    CacheSection {
        ttl: default_ttl(),
        max_stale: default_max_stale(),
        cold_wait: default_cold_wait(),
        max_shares_per_account: default_max_shares(),
    }
}
fn default_upstream() -> UpstreamSection {
    UpstreamSection {
        timeout: default_timeout(),
        max_retries: default_retries(),
        breaker_failures: default_breaker_failures(),
        breaker_cooldown: default_breaker_cooldown(),
    }
}

/// Durations as humantime strings (`"30s"`, `"10m"`, `"1h 30m"`).
pub mod duration_str {
    use super::*;

    /// Writes a duration as a humantime string.
    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    /// Reads a humantime string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(s.trim())
            .map_err(|_| serde::de::Error::custom("invalid duration; write e.g. \"30s\", \"10m\""))
    }
}

/// How one account authenticates, with secrets resolved.
#[derive(Clone, Debug)]
pub enum AccountAuth {
    /// Cloudreve e-mail + password.
    CloudrevePassword {
        /// Sign-in e-mail.
        email: String,
        /// Password.
        password: Secret,
    },
    /// Cloudreve refresh token.
    CloudreveToken {
        /// Refresh token.
        refresh_token: Secret,
    },
    /// Cloudreve OAuth app grant.
    CloudreveOAuth {
        /// The app's client id.
        client_id: String,
        /// The app's client secret.
        client_secret: Secret,
        /// The grant's refresh token.
        refresh_token: Secret,
        /// `refresh_token_file`, where a rotated token is written back.
        persist_to: Option<PathBuf>,
    },
    /// KooDrive HMAC app signing.
    KooDriveApp {
        /// AppId.
        app_id: String,
        /// AppSecret.
        app_secret: Secret,
        /// User acted for.
        user_id: String,
        /// Carrier name sent as `X-Hw-Agentname` (carrier-edition accounts only).
        agent_name: Option<String>,
    },
    /// KooDrive user token + session id.
    KooDriveToken {
        /// The token as issued.
        token: Secret,
        /// The session id.
        session_id: Secret,
        /// Carrier name sent as `X-Hw-Agentname` (carrier-edition accounts only).
        agent_name: Option<String>,
    },
    /// Nextcloud login name + app password (HTTP basic).
    NextcloudAppPassword {
        /// Login name.
        user: String,
        /// App password.
        app_password: Secret,
        /// The zone of the server's expiry dates.
        zone: unishare_nextcloud::ServerZone,
    },
}

/// One validated account.
#[derive(Clone, Debug)]
pub struct AccountConfig {
    /// Account name.
    pub name: AccountName,
    /// Vendor.
    pub provider: Provider,
    /// Vendor base URL.
    pub base_url: String,
    /// Credentials.
    pub auth: AccountAuth,
    /// Crawl page size.
    pub page_size: Option<u32>,
    /// Most vendor calls in flight at once.
    pub max_concurrency: usize,
    /// Vendor call rate limit, when set.
    pub rate_limit: Option<unishare_core::retry::RateLimit>,
    /// Whose links the account lists.
    pub inventory: unishare_core::Inventory,
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// `[server]`.
    pub server: ServerSection,
    /// Resolved cursor secret.
    pub cursor_secret: Option<Secret>,
    /// `[cache]`.
    pub cache: CacheSection,
    /// `[upstream]`.
    pub upstream: UpstreamSection,
    /// Accounts.
    pub accounts: Vec<AccountConfig>,
    /// API keys.
    pub api_keys: Vec<ApiKeyConfig>,
    /// `[limits]`.
    pub limits: LimitsSection,
    /// `[store]`.
    pub store: crate::store::StoreSection,
}

impl Config {
    /// Loads `file` (when given), then `UNISHARE_*` environment overrides, and validates.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(RawConfig::empty()));
        let (origin, text) = match file {
            Some(path) => {
                let origin = path.display().to_string();
                if !path.exists() {
                    return Err(ConfigError::general(&origin, "config file does not exist"));
                }
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::general(&origin, format!("cannot read the config file: {e}"))
                })?;
                crate::config_error::check_syntax(&text, &origin)?;
                fig = fig.merge(Toml::string(&text));
                (origin, text)
            }
            None => ("(no file)".to_string(), String::new()),
        };
        // Only UNISHARE_<SECTION>__<KEY> overrides config; other UNISHARE_* variables (such as
        // UNISHARE_CONFIG, or a secret named by a `*_env` key) are not config keys.
        fig = fig.merge(
            Env::prefixed("UNISHARE_")
                .filter(|k| k.as_str().contains("__"))
                .split("__"),
        );
        Config::from_figment(fig, &origin).map_err(|e| e.locate(&text))
    }

    /// Parses TOML text (used by the demo and by tests), then validates.
    pub fn from_toml_str(toml: &str, origin: &str) -> Result<Config, ConfigError> {
        crate::config_error::check_syntax(toml, origin)?;
        let fig = Figment::from(Serialized::defaults(RawConfig::empty())).merge(Toml::string(toml));
        Config::from_figment(fig, origin).map_err(|e| e.locate(toml))
    }

    /// Extracts and validates; the first error is reported (never with the value it is about).
    fn from_figment(fig: Figment, origin: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = fig.extract().map_err(|e| match e.into_iter().next() {
            Some(first) => crate::config_error::from_figment(first, origin),
            None => ConfigError::general(origin, "invalid configuration"),
        })?;
        raw.validate(origin)
    }
}

impl RawConfig {
    fn empty() -> RawConfig {
        RawConfig {
            server: default_server(),
            cache: default_cache(),
            upstream: default_upstream(),
            accounts: Vec::new(),
            api_keys: Vec::new(),
            limits: LimitsSection::default(),
            store: Default::default(),
        }
    }

    /// Validates and resolves secrets.
    pub fn validate(self, origin: &str) -> Result<Config, ConfigError> {
        let at = |key: &str, msg: String| ConfigError::at(origin, key, msg);
        if self.cache.max_stale < self.cache.ttl {
            return Err(at("cache.max_stale", "must be at least cache.ttl".into()));
        }
        if self.upstream.timeout.is_zero() {
            return Err(at("upstream.timeout", "must be more than 0".into()));
        }
        // Bounds keep every instant computed from a duration far from overflow.
        for (key, value) in [
            ("server.request_timeout", self.server.request_timeout),
            ("cache.ttl", self.cache.ttl),
            ("cache.max_stale", self.cache.max_stale),
            ("cache.cold_wait", self.cache.cold_wait),
            ("upstream.timeout", self.upstream.timeout),
            ("upstream.breaker_cooldown", self.upstream.breaker_cooldown),
        ] {
            if value > MAX_DURATION {
                return Err(at(key, "must be at most 365 days".into()));
            }
        }
        if self.upstream.timeout >= self.server.request_timeout {
            return Err(at(
                "upstream.timeout",
                format!(
                    "must be less than server.request_timeout ({}): a request that calls a vendor must be able to wait for it",
                    humantime::format_duration(self.server.request_timeout)
                ),
            ));
        }
        if self.upstream.max_retries > 10 {
            return Err(at("upstream.max_retries", "must be at most 10".into()));
        }
        if self.upstream.breaker_failures > 0 && self.upstream.breaker_cooldown.is_zero() {
            return Err(at(
                "upstream.breaker_cooldown",
                "must be more than 0 when upstream.breaker_failures is set".into(),
            ));
        }
        let mut names = HashSet::new();
        let mut accounts = Vec::new();
        for (i, a) in self.accounts.into_iter().enumerate() {
            let key = |k: &str| format!("accounts[{i}].{k}");
            let name = AccountName::new(a.name.clone())
                .map_err(|e| at(&key("name"), e.message().to_string()))?;
            if !names.insert(a.name.clone()) {
                return Err(at(
                    &key("name"),
                    format!("duplicate account name {:?}", a.name),
                ));
            }
            let provider: Provider = a
                .provider
                .parse()
                .map_err(|e: unishare_core::Error| at(&key("provider"), e.message().to_string()))?;
            let base = url::Url::parse(&a.base_url)
                .map_err(|e| at(&key("base_url"), format!("not a URL ({e})")))?;
            if !matches!(base.scheme(), "http" | "https") {
                return Err(at(&key("base_url"), "must be http(s)".into()));
            }
            if let Some(ps) = a.page_size {
                if !(1..=100).contains(&ps) {
                    return Err(at(&key("page_size"), "must be 1 to 100".into()));
                }
            }
            let max_concurrency = a
                .max_concurrency
                .unwrap_or(unishare_core::retry::DEFAULT_MAX_CONCURRENCY);
            if !(1..=1024).contains(&max_concurrency) {
                return Err(at(&key("max_concurrency"), "must be 1 to 1024".into()));
            }
            let rate_limit = match &a.rate_limit {
                Some(r) => Some(
                    r.parse::<unishare_core::retry::RateLimit>()
                        .map_err(|e| at(&key("rate_limit"), e))?,
                ),
                None => None,
            };
            if a.server_timezone.is_some() && provider != Provider::Nextcloud {
                return Err(at(
                    &key("server_timezone"),
                    "is only for provider \"nextcloud\"".into(),
                ));
            }
            let inventory = match a.inventory.as_deref() {
                None => unishare_core::Inventory::User,
                Some(s) => s
                    .parse::<unishare_core::Inventory>()
                    .map_err(|e| at(&key("inventory"), e.message().to_string()))?,
            };
            if inventory == unishare_core::Inventory::Site
                && !crate::vendors::capabilities(provider).site_inventory
            {
                return Err(at(
                    &key("inventory"),
                    format!(
                        "{provider} has no site-wide listing of every user's links: use \"user\""
                    ),
                ));
            }
            let mut table = AuthTable::new(a.auth, key("auth"), origin.to_string());
            let method = table.take_plain("method")?;
            let auth = match (provider, method.as_str()) {
                (Provider::Cloudreve, "password") => AccountAuth::CloudrevePassword {
                    email: table.take_plain("email")?,
                    password: take_secret(&mut table, "password")?,
                },
                (Provider::Cloudreve, "oauth") => AccountAuth::CloudreveOAuth {
                    client_id: table.take_plain("client_id")?,
                    client_secret: take_secret(&mut table, "client_secret")?,
                    persist_to: crate::secrets::secret_file(&table, "refresh_token"),
                    refresh_token: take_secret(&mut table, "refresh_token")?,
                },
                (Provider::Cloudreve, "token") => AccountAuth::CloudreveToken {
                    refresh_token: take_secret(&mut table, "refresh_token")?,
                },
                (Provider::Koodrive, "app") => AccountAuth::KooDriveApp {
                    app_id: table.take_plain("app_id")?,
                    app_secret: take_secret(&mut table, "app_secret")?,
                    user_id: table.take_plain("user_id")?,
                    agent_name: table.take_optional("agent_name")?,
                },
                (Provider::Koodrive, "token") => AccountAuth::KooDriveToken {
                    token: take_secret(&mut table, "token")?,
                    session_id: take_secret(&mut table, "session_id")?,
                    agent_name: table.take_optional("agent_name")?,
                },
                (Provider::Nextcloud, "app_password") => AccountAuth::NextcloudAppPassword {
                    user: table.take_plain("user")?,
                    app_password: take_secret(&mut table, "app_password")?,
                    zone: match &a.server_timezone {
                        Some(z) => z.parse().map_err(|e: unishare_core::Error| {
                            at(&key("server_timezone"), e.message().to_owned())
                        })?,
                        None => unishare_nextcloud::ServerZone::UTC,
                    },
                },
                (p, m) => {
                    let allowed = match p {
                        Provider::Cloudreve => "\"password\", \"token\" or \"oauth\"",
                        Provider::Koodrive => "\"app\" or \"token\"",
                        Provider::Nextcloud => "\"app_password\"",
                    };
                    return Err(at(
                        &key("auth.method"),
                        format!("unknown method {m:?} for {p}: expected {allowed}"),
                    ));
                }
            };
            table.finish()?;
            accounts.push(AccountConfig {
                name,
                provider,
                base_url: a.base_url,
                auth,
                page_size: a.page_size,
                max_concurrency,
                rate_limit,
                inventory,
            });
        }
        let api_keys = crate::config_keys::validate(self.api_keys, &names, origin)?;
        let mut cs = AuthTable::new(BTreeMap::new(), "server".into(), origin.into());
        if let Some(v) = self.server.cursor_secret.clone() {
            cs.insert("cursor_secret", v);
        }
        if let Some(v) = self.server.cursor_secret_env.clone() {
            cs.insert("cursor_secret_env", v);
        }
        if let Some(v) = &self.server.cursor_secret_file {
            cs.insert("cursor_secret_file", v.display().to_string());
        }
        let cursor_secret = if cs.is_empty() {
            None
        } else {
            Some(take_secret(&mut cs, "cursor_secret")?)
        };
        if api_keys.is_empty() && !self.server.listen.ip().is_loopback() {
            return Err(at(
                "server.listen",
                format!(
                    "{} is not a loopback address and no [[api_keys]] are configured: \
                     anonymous access is only allowed on loopback",
                    self.server.listen
                ),
            ));
        }
        self.limits.validate(origin)?;
        self.store.validate(origin)?;
        Ok(Config {
            limits: self.limits,
            store: self.store,
            server: self.server,
            cursor_secret,
            cache: self.cache,
            upstream: self.upstream,
            accounts,
            api_keys,
        })
    }
}
