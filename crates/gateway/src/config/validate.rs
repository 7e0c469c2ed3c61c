//! Validation of the whole file: durations and counts of `[cache]`, `[upstream]`, `[server]`,
//! then the accounts (`accounts.rs`), the API keys (`config_keys.rs`), the cursor secret and
//! `[limits]`. The first error is reported, naming its key.

use super::sections::{RawConfig, ServerSection, MAX_DURATION};
use super::{Config, ConfigError};
use crate::secrets::optional_secret;
use unishare_core::Secret;

impl RawConfig {
    /// Validates and resolves secrets.
    pub fn validate(self, origin: &str) -> Result<Config, ConfigError> {
        self.check_durations(origin)?;
        let (accounts, names) = super::accounts::validate(self.accounts, origin)?;
        let api_keys = crate::config_keys::validate(self.api_keys, &names, origin)?;
        let cursor_secret = cursor_secret(&self.server, origin)?;
        let at = |key: &str, msg: String| ConfigError::at(origin, key, msg);
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
        let cluster = self.cluster.validate(origin)?;
        Ok(Config {
            cluster,
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

    /// `[cache]`, `[upstream]` and `[server]` durations and counts.
    fn check_durations(&self, origin: &str) -> Result<(), ConfigError> {
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
        Ok(())
    }
}

/// `cursor_secret`, `cursor_secret_env` or `cursor_secret_file` of `[server]`, resolved.
fn cursor_secret(server: &ServerSection, origin: &str) -> Result<Option<Secret>, ConfigError> {
    optional_secret(
        "server",
        "cursor_secret",
        server.cursor_secret.as_deref(),
        server.cursor_secret_env.as_deref(),
        server.cursor_secret_file.as_deref(),
        origin,
    )
}
