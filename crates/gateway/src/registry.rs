//! Builds one `Arc<dyn ShareProvider>` per configured account, each with its own upstream call
//! policy (retry budget, circuit breaker, concurrency and rate limits: `unishare_core::retry`).

use crate::config::{AccountConfig, UpstreamSection};
use std::sync::Arc;
use std::time::Duration;
use unishare_core::registry::AccountSettings;
use unishare_core::retry::{BreakerConfig, RetryPolicy};
use unishare_core::{Error, ShareProvider};

/// The upstream call policy of one account, from `[upstream]` and the account's limits. All
/// attempts of one call end before `request_timeout` (less a margin for the answer), so that a
/// call made for a client returns its own outcome rather than the request timeout's.
pub fn policy(
    account: &AccountConfig,
    upstream: &UpstreamSection,
    request_timeout: Duration,
) -> RetryPolicy {
    let mut p = RetryPolicy::new(upstream.timeout, upstream.max_retries)
        .with_account(account.name.as_str())
        .with_breaker(BreakerConfig {
            failure_threshold: upstream.breaker_failures,
            cooldown: upstream.breaker_cooldown,
        })
        .with_limits(account.max_concurrency, account.rate_limit);
    let cap = request_timeout.saturating_sub(DEADLINE_MARGIN);
    if cap >= upstream.timeout {
        p.deadline = p.deadline.min(cap);
    }
    p
}

/// Time kept between the end of the last vendor attempt and the request timeout.
const DEADLINE_MARGIN: Duration = Duration::from_millis(500);

/// The provider of one account, built by its vendor (from the vendor list, `vendors.rs`), and
/// a handle on its call policy (a clone sharing the breaker, limiter, budget and stats the
/// provider uses), for `/v1/accounts`.
pub fn build(
    account: &AccountConfig,
    upstream: &UpstreamSection,
    request_timeout: Duration,
) -> Result<(Arc<dyn ShareProvider>, RetryPolicy), Error> {
    let policy = policy(account, upstream, request_timeout);
    let settings = AccountSettings {
        name: account.name.clone(),
        base_url: account.base_url.clone(),
        policy: policy.clone(),
        page_size: account.page_size,
        inventory: account.inventory,
    };
    let provider = account.vendor.build(settings, &account.auth)?;
    Ok((provider, policy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn config(extra: &str) -> Config {
        let toml = format!(
            "{extra}\n[[accounts]]\nname = \"hq\"\nprovider = \"cloudreve\"\nbase_url = \"http://127.0.0.1:1\"\nauth = {{ method = \"password\", email = \"a@b.c\", password = \"x\" }}\n"
        );
        Config::from_toml_str(&toml, "t.toml").expect("config")
    }

    #[test]
    fn the_retry_deadline_ends_before_the_request_timeout() {
        // Defaults: 10 s × 3 attempts + 1 s would be 31 s, past the 30 s request timeout.
        let c = config("");
        let p = policy(&c.accounts[0], &c.upstream, c.server.request_timeout);
        assert_eq!(p.deadline, Duration::from_millis(29_500));
        // A deadline already inside the request timeout is kept.
        let c = config("[upstream]\ntimeout = \"1s\"\nmax_retries = 1\n");
        let p = policy(&c.accounts[0], &c.upstream, c.server.request_timeout);
        assert_eq!(p.deadline, Duration::from_secs(3));
    }
}
