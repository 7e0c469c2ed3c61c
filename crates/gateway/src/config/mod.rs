//! Configuration (DESIGN.md §4): a TOML file overridden by `UNISHARE_<SECTION>__<KEY>`
//! environment variables, read with figment, then validated into [`Config`]. Every error names
//! the file, the line and the key it is about, never the value (`config_error.rs`).
//!
//! One file per job: the sections as written and their defaults (`sections.rs`), the
//! validation of the whole file (`validate.rs`) and of each account (`accounts.rs`, which hands
//! the account's `auth` table to its vendor from the vendor list); `[[api_keys]]` are validated
//! in `config_keys.rs`, `[limits]` in `limits.rs`, secrets resolved by `secrets.rs`.

mod accounts;
mod cluster;
mod sections;
mod validate;

pub use crate::config_error::ConfigError;
pub use crate::config_keys::{ApiKeyConfig, ApiKeySection, Scope};
pub use crate::duration_str;
pub use crate::limits::LimitsSection;
pub use cluster::{ClusterConfig, ClusterSection};
pub use sections::{AccountSection, CacheSection, RawConfig, ServerSection, UpstreamSection};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use std::path::Path;
use unishare_core::registry::{Vendor, VendorSettings};
use unishare_core::{AccountName, Provider, Secret};

/// One validated account.
#[derive(Clone, Debug)]
pub struct AccountConfig {
    /// Account name.
    pub name: AccountName,
    /// Vendor name.
    pub provider: Provider,
    /// The vendor, from the gateway's vendor list.
    pub vendor: &'static dyn Vendor,
    /// Vendor base URL.
    pub base_url: String,
    /// What the vendor read from the account (its auth enum, secrets resolved, and its own
    /// keys); `Debug` redacts secrets. The vendor crate's type:
    /// `auth.downcast_ref::<unishare_<vendor>::…>()`.
    pub auth: VendorSettings,
    /// Crawl page size.
    pub page_size: Option<u32>,
    /// Most vendor calls in flight at once.
    pub max_concurrency: usize,
    /// Vendor call rate limit, when set.
    pub rate_limit: Option<unishare_core::retry::RateLimit>,
    /// Whose links the account lists.
    pub inventory: unishare_core::Inventory,
}

impl AccountConfig {
    /// Where the account's snapshot is stored (`[store]`, `[cluster]`). A snapshot of another
    /// server is never served under this account: the source names the provider, base URL and
    /// inventory.
    pub fn store_key(&self) -> crate::store::StoreKey {
        crate::store::StoreKey {
            account: self.name.as_str().to_owned(),
            source: format!("{} {} {:?}", self.provider, self.base_url, self.inventory),
        }
    }
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
    /// `[cluster]`, when a Redis URL is configured.
    pub cluster: Option<ClusterConfig>,
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
