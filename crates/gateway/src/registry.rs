//! Builds one `Arc<dyn ShareProvider>` per configured account, each with its own upstream call
//! policy (retry budget, circuit breaker, concurrency and rate limits: `unishare_core::retry`).

use crate::config::{AccountAuth, AccountConfig, UpstreamSection};
use std::sync::Arc;
use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
use unishare_core::retry::{BreakerConfig, RetryPolicy};
use unishare_core::{Error, Provider, ShareProvider};
use unishare_koodrive::{KooDriveAuth, KooDriveConfig, KooDriveProvider};

/// The upstream call policy of one account, from `[upstream]` and the account's limits.
pub fn policy(account: &AccountConfig, upstream: &UpstreamSection) -> RetryPolicy {
    RetryPolicy::new(upstream.timeout, upstream.max_retries)
        .with_account(account.name.as_str())
        .with_breaker(BreakerConfig {
            failure_threshold: upstream.breaker_failures,
            cooldown: upstream.breaker_cooldown,
        })
        .with_limits(account.max_concurrency, account.rate_limit)
}

/// The provider of one account.
pub fn build_provider(
    account: &AccountConfig,
    upstream: &UpstreamSection,
) -> Result<Arc<dyn ShareProvider>, Error> {
    build(account, upstream).map(|(p, _)| p)
}

/// The provider of one account and a handle on its call policy (a clone sharing the breaker,
/// limiter, budget and stats the provider uses), for `/v1/accounts`.
pub fn build(
    account: &AccountConfig,
    upstream: &UpstreamSection,
) -> Result<(Arc<dyn ShareProvider>, RetryPolicy), Error> {
    let policy = policy(account, upstream);
    let page_size = account.page_size.unwrap_or(100);
    let provider: Arc<dyn ShareProvider> = match (&account.auth, account.provider) {
        (AccountAuth::CloudrevePassword { email, password }, Provider::Cloudreve) => {
            Arc::new(CloudreveProvider::new(CloudreveConfig {
                account: account.name.clone(),
                base_url: account.base_url.clone(),
                auth: CloudreveAuth::Password {
                    email: email.clone(),
                    password: password.clone(),
                },
                policy: policy.clone(),
                page_size: page_size.max(10),
            })?)
        }
        (AccountAuth::CloudreveToken { refresh_token }, Provider::Cloudreve) => {
            Arc::new(CloudreveProvider::new(CloudreveConfig {
                account: account.name.clone(),
                base_url: account.base_url.clone(),
                auth: CloudreveAuth::Token {
                    refresh_token: refresh_token.clone(),
                },
                policy: policy.clone(),
                page_size: page_size.max(10),
            })?)
        }
        (
            AccountAuth::KooDriveApp {
                app_id,
                app_secret,
                user_id,
            },
            Provider::Koodrive,
        ) => Arc::new(KooDriveProvider::new(KooDriveConfig {
            account: account.name.clone(),
            base_url: account.base_url.clone(),
            auth: KooDriveAuth::App {
                app_id: app_id.clone(),
                app_secret: app_secret.clone(),
                user_id: user_id.clone(),
            },
            policy: policy.clone(),
            page_size,
        })?),
        (AccountAuth::KooDriveToken { token, session_id }, Provider::Koodrive) => {
            Arc::new(KooDriveProvider::new(KooDriveConfig {
                account: account.name.clone(),
                base_url: account.base_url.clone(),
                auth: KooDriveAuth::Token {
                    token: token.clone(),
                    session_id: session_id.clone(),
                },
                policy: policy.clone(),
                page_size,
            })?)
        }
        (_, p) => {
            return Err(Error::internal(format!(
                "account {}: auth method does not match provider {p}",
                account.name
            )))
        }
    };
    Ok((provider, policy))
}
