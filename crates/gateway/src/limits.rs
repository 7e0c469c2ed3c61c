//! What one client may hold: the `[limits]` config section and the per-key limiters built from
//! it (request rate, concurrent exports). The connection-level limits are applied where
//! connections are accepted (`listener.rs`); the in-flight cap where requests enter
//! (`request_id.rs`).

use crate::config_error::ConfigError;
use crate::duration_str;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use unishare_core::retry::RateLimit;
use unishare_core::{Error, ErrorKind};

/// `[limits]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// Longest time a client may take to send a request head; the connection is closed after.
    #[serde(default = "default_header_read_timeout", with = "duration_str")]
    pub header_read_timeout: Duration,
    /// Longest time a kept-alive connection may sit idle between requests.
    #[serde(default = "default_idle_timeout", with = "duration_str")]
    pub idle_timeout: Duration,
    /// Most open client connections; one more is answered 503 and closed.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Most requests being handled at once; one more is answered 503.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Most exports (`GET /v1/export`) streaming at once per API key; one more is a 429.
    #[serde(default = "default_max_exports_per_key")]
    pub max_exports_per_key: usize,
}

fn default_header_read_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_idle_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_max_connections() -> usize {
    1024
}
fn default_max_in_flight() -> usize {
    1024
}
fn default_max_exports_per_key() -> usize {
    2
}

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            header_read_timeout: default_header_read_timeout(),
            idle_timeout: default_idle_timeout(),
            max_connections: default_max_connections(),
            max_in_flight: default_max_in_flight(),
            max_exports_per_key: default_max_exports_per_key(),
        }
    }
}

impl LimitsSection {
    /// Checks the bounds; errors name the key.
    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let at = |key: &str, msg: &str| ConfigError::at(origin, format!("limits.{key}"), msg);
        for (key, d) in [
            ("header_read_timeout", self.header_read_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if d.is_zero() || d > Duration::from_secs(24 * 3600) {
                return Err(at(key, "must be more than 0 and at most 24 hours"));
            }
        }
        for (key, n, max) in [
            ("max_connections", self.max_connections, 1_000_000),
            ("max_in_flight", self.max_in_flight, 1_000_000),
            ("max_exports_per_key", self.max_exports_per_key, 1024),
        ] {
            if !(1..=max).contains(&n) {
                return Err(at(key, &format!("must be 1 to {max}")));
            }
        }
        Ok(())
    }
}

/// The limiters of one caller (an API key, or the anonymous caller of a key-less server).
#[derive(Debug)]
pub struct KeyLimits {
    rate: Option<governor::DefaultDirectRateLimiter>,
    exports: Arc<Semaphore>,
    max_exports: usize,
}

impl KeyLimits {
    /// At most `rate` requests (none = unlimited) and `max_exports` concurrent exports.
    pub fn new(rate: Option<RateLimit>, max_exports: usize) -> KeyLimits {
        let rate = rate.and_then(|r| {
            let burst = NonZeroU32::new(r.count)?;
            let quota = governor::Quota::with_period(r.per / r.count)?.allow_burst(burst);
            Some(governor::RateLimiter::direct(quota))
        });
        KeyLimits {
            rate,
            exports: Arc::new(Semaphore::new(max_exports.max(1))),
            max_exports: max_exports.max(1),
        }
    }

    /// Takes one request from the key's rate; a 429 with the wait when it is spent.
    pub fn check_rate(&self) -> Result<(), Error> {
        let Some(rate) = &self.rate else {
            return Ok(());
        };
        rate.check().map_err(|not_until| {
            use governor::clock::Clock;
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            Error::new(
                ErrorKind::RateLimited {
                    retry_after: Some(wait.max(Duration::from_millis(1))),
                },
                "this API key is over its request rate (api_keys.rate_limit)",
            )
        })
    }

    /// A slot for one export, held until its stream ends; a 429 when the key already streams
    /// `max_exports_per_key` exports.
    pub fn try_export(&self) -> Result<OwnedSemaphorePermit, Error> {
        Arc::clone(&self.exports).try_acquire_owned().map_err(|_| {
            Error::new(
                ErrorKind::RateLimited {
                    retry_after: Some(Duration::from_secs(1)),
                },
                format!(
                    "this API key already streams {} exports (limits.max_exports_per_key)",
                    self.max_exports
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_rate_is_a_429_with_a_wait() {
        let k = KeyLimits::new(Some("2/m".parse().unwrap()), 1);
        assert!(k.check_rate().is_ok() && k.check_rate().is_ok());
        let e = k.check_rate().unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }));
        assert!(e.retry_after().is_some_and(|d| d > Duration::ZERO));
        assert!(KeyLimits::new(None, 1).check_rate().is_ok());
    }

    #[test]
    fn exports_are_capped_while_their_permits_live() {
        let k = KeyLimits::new(None, 2);
        let a = k.try_export().unwrap();
        let _b = k.try_export().unwrap();
        assert!(matches!(
            k.try_export().unwrap_err().kind(),
            ErrorKind::RateLimited { .. }
        ));
        drop(a);
        assert!(k.try_export().is_ok());
    }

    #[test]
    fn bounds_are_checked() {
        assert!(LimitsSection::default().validate("t").is_ok());
        let l = LimitsSection {
            max_connections: 0,
            ..Default::default()
        };
        assert!(l
            .validate("t")
            .unwrap_err()
            .to_string()
            .contains("limits.max_connections"));
        let l = LimitsSection {
            header_read_timeout: Duration::ZERO,
            ..Default::default()
        };
        assert!(l
            .validate("t")
            .unwrap_err()
            .to_string()
            .contains("limits.header_read_timeout"));
    }
}
