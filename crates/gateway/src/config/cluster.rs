//! `[cluster]` as written, and validated into [`ClusterConfig`] (used by `crate::cluster`).

use crate::config_error::ConfigError;
use crate::duration_str;
use crate::secrets::optional_secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use unishare_core::Secret;

/// `[cluster]` as written. The Redis URL may carry a password, so it is a secret: given as
/// `redis_url`, `redis_url_env` or `redis_url_file`, never printed.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// `redis://[user:password@]host:port[/db]` of the Redis or Valkey server.
    #[serde(default, skip_serializing)]
    pub redis_url: Option<String>,
    /// Name of an environment variable holding the URL.
    #[serde(default)]
    pub redis_url_env: Option<String>,
    /// Path of a file holding the URL.
    #[serde(default)]
    pub redis_url_file: Option<PathBuf>,
    /// Prefix of every key and channel, so that several clusters can share one server.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// How long a crawl lease lasts without renewal (a crashed holder frees it after this).
    #[serde(default = "default_lease", with = "duration_str")]
    pub lease: Duration,
    /// Longest wait for one Redis command; past it the replica works alone until Redis answers.
    #[serde(default = "default_timeout", with = "duration_str")]
    pub timeout: Duration,
}

impl Default for ClusterSection {
    fn default() -> Self {
        ClusterSection {
            redis_url: None,
            redis_url_env: None,
            redis_url_file: None,
            namespace: default_namespace(),
            lease: DEFAULT_LEASE,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

fn default_namespace() -> String {
    DEFAULT_NAMESPACE.to_owned()
}
fn default_lease() -> Duration {
    DEFAULT_LEASE
}
fn default_timeout() -> Duration {
    DEFAULT_TIMEOUT
}

impl std::fmt::Debug for ClusterSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterSection")
            .field("redis_url", &self.redis_url.as_ref().map(|_| "[redacted]"))
            .field("redis_url_env", &self.redis_url_env)
            .field("redis_url_file", &self.redis_url_file)
            .field("namespace", &self.namespace)
            .field("lease", &self.lease)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The validated `[cluster]`.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// The server's URL (a secret: it may hold a password).
    pub redis_url: Secret,
    /// Key and channel prefix.
    pub namespace: String,
    /// Crawl lease duration.
    pub lease: Duration,
    /// Per-command timeout.
    pub timeout: Duration,
}

/// Default `namespace`.
pub const DEFAULT_NAMESPACE: &str = "unishare";
/// Default `lease`.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Default `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

impl ClusterSection {
    /// `None` when no URL is configured (no cluster); errors name the key.
    pub fn validate(&self, origin: &str) -> Result<Option<ClusterConfig>, ConfigError> {
        let at = |key: &str, msg: &str| ConfigError::at(origin, format!("cluster.{key}"), msg);
        let Some(redis_url) = optional_secret(
            "cluster",
            "redis_url",
            self.redis_url.as_deref(),
            self.redis_url_env.as_deref(),
            self.redis_url_file.as_deref(),
            origin,
        )?
        else {
            return Ok(None);
        };
        // Parsed here so that a typo fails at start; the error never repeats the URL.
        match redis::parse_redis_url(redis_url.expose()) {
            Some(u) if u.scheme() == "redis" => {}
            Some(u) if u.scheme() == "rediss" => {
                return Err(at(
                    "redis_url",
                    "rediss:// (TLS) is not supported by this build; reach Redis over a private network or a local TLS tunnel",
                ))
            }
            _ => return Err(at("redis_url", "must be a redis:// URL")),
        }
        let namespace = self.namespace.clone();
        if namespace.is_empty()
            || namespace.len() > 64
            || !namespace
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(at(
                "namespace",
                "must be 1 to 64 characters of A-Z a-z 0-9 _ - .",
            ));
        }
        let lease = self.lease;
        if lease < Duration::from_secs(1) || lease > Duration::from_secs(3600) {
            return Err(at("lease", "must be between 1s and 1h"));
        }
        let timeout = self.timeout;
        if timeout < Duration::from_millis(10) || timeout > Duration::from_secs(60) {
            return Err(at("timeout", "must be between 10ms and 60s"));
        }
        Ok(Some(ClusterConfig {
            redis_url,
            namespace,
            lease,
            timeout,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(url: &str) -> ClusterSection {
        ClusterSection {
            redis_url: Some(url.to_owned()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_and_refusals() {
        let c = section("redis://127.0.0.1:6379")
            .validate("f.toml")
            .unwrap()
            .unwrap();
        assert_eq!(c.namespace, "unishare");
        assert_eq!(c.lease, DEFAULT_LEASE);
        assert!(ClusterSection::default().validate("f").unwrap().is_none());
        for bad in ["http://x", "nonsense", "rediss://h:1"] {
            let e = section(bad).validate("f.toml").unwrap_err().to_string();
            assert!(e.contains("cluster.redis_url"), "{e}");
        }
        let mut s = section("redis://h:1");
        s.namespace = "a b".into();
        assert!(s.validate("f").is_err());
    }

    #[test]
    fn the_url_and_its_password_never_print() {
        let s = section("redis://:hunter2@127.0.0.1:1/");
        assert!(!format!("{s:?}").contains("hunter2"));
        let c = s.validate("f").unwrap().unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        let e = section("http://:hunter2@x/")
            .validate("f")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
