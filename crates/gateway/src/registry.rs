//! Builds one `Arc<dyn ShareProvider>` per configured account.

use crate::config::{AccountAuth, AccountConfig, UpstreamSection};
use std::sync::Arc;
use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
use unishare_core::retry::RetryPolicy;
use unishare_core::{Error, Provider, ShareProvider};
use unishare_koodrive::{KooDriveAuth, KooDriveConfig, KooDriveProvider};

/// The upstream call policy of one account, from `[upstream]`.
pub fn policy(upstream: &UpstreamSection) -> RetryPolicy {
    RetryPolicy::new(upstream.timeout, upstream.max_retries)
}

/// The provider of one account.
pub fn build_provider(
    account: &AccountConfig,
    upstream: &UpstreamSection,
) -> Result<Arc<dyn ShareProvider>, Error> {
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
                policy: policy(upstream),
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
                policy: policy(upstream),
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
            policy: policy(upstream),
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
                policy: policy(upstream),
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
    Ok(provider)
}
