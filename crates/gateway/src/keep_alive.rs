//! Keeps vendor sessions alive while the gateway is idle.
//!
//! Snapshots are refreshed when they are read, so a gateway nobody asks anything makes no
//! vendor call at all; a KooDrive user token then dies after 20 minutes and the session cannot
//! be refreshed any more. For each account whose provider asks for it
//! ([`ShareProvider::keep_alive_interval`]), one task calls
//! [`ShareProvider::keep_alive`] on that interval; the provider decides whether a call is due.
//!
//! [`ShareProvider::keep_alive_interval`]: unishare_core::ShareProvider::keep_alive_interval
//! [`ShareProvider::keep_alive`]: unishare_core::ShareProvider::keep_alive

use crate::account::Account;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::time::MissedTickBehavior;
use unishare_core::CallContext;

/// Starts the keep-alive task of `account` when its provider needs one. The task ends once the
/// account is dropped.
pub fn start(account: &Arc<Account>) {
    if let Some(every) = account.provider.keep_alive_interval() {
        tokio::spawn(run(Arc::downgrade(account), every));
    }
}

async fn run(account: Weak<Account>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The first tick completes at once: the warm-up crawl is using the session right now.
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(account) = account.upgrade() else {
            return;
        };
        if let Err(e) = account.provider.keep_alive(&CallContext::default()).await {
            tracing::warn!(account = %account.name, error = %e, "vendor session keep-alive failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::CachePolicy;
    use std::sync::atomic::{AtomicU64, Ordering};
    use unishare_core::{
        AccountName, Capabilities, CreateShare, Error, Page, PageCursor, Provider, Result,
        RevokeOutcome, Share, ShareProvider, UpdateShare,
    };

    /// A provider that only counts keep-alive calls.
    struct Counts {
        name: AccountName,
        every: Option<Duration>,
        calls: Arc<AtomicU64>,
    }

    #[async_trait::async_trait]
    impl ShareProvider for Counts {
        fn provider(&self) -> Provider {
            unishare_koodrive::provider()
        }
        fn account(&self) -> &AccountName {
            &self.name
        }
        fn capabilities(&self) -> Capabilities {
            unishare_koodrive::CAPABILITIES
        }
        async fn list_page(&self, _: Option<&PageCursor>, _: &CallContext) -> Result<Page> {
            Ok(Page::default())
        }
        async fn get(&self, _: &str, _: &CallContext) -> Result<Share> {
            Err(Error::not_found("none"))
        }
        async fn create(&self, _: &CreateShare, _: &CallContext) -> Result<Share> {
            Err(Error::not_found("none"))
        }
        async fn update(&self, _: &str, _: &UpdateShare, _: &CallContext) -> Result<Share> {
            Err(Error::not_found("none"))
        }
        async fn revoke(&self, _: &[String], _: &CallContext) -> Result<Vec<RevokeOutcome>> {
            Ok(Vec::new())
        }
        fn keep_alive_interval(&self) -> Option<Duration> {
            self.every
        }
        async fn keep_alive(&self, _: &CallContext) -> Result<()> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::upstream_unavailable(
                "a failed keep-alive is logged, not fatal",
            ))
        }
    }

    fn account(every: Option<Duration>, calls: &Arc<AtomicU64>) -> Arc<Account> {
        let provider = Arc::new(Counts {
            name: AccountName::new("cn").expect("name"),
            every,
            calls: Arc::clone(calls),
        });
        Account::new(
            provider,
            CachePolicy {
                ttl: Duration::from_secs(60),
                max_stale: Duration::from_secs(600),
                cold_wait: Duration::from_secs(5),
                max_shares: 1_000,
                failure_backoff: Duration::ZERO,
            },
        )
    }

    #[tokio::test(start_paused = true)]
    async fn runs_on_the_interval_until_the_account_is_dropped() {
        let calls = Arc::new(AtomicU64::new(0));
        let a = account(Some(Duration::from_secs(60)), &calls);
        start(&a);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 0, "not at start");
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 3, "failures do not stop it");
        drop(a);
        tokio::time::sleep(Duration::from_secs(600)).await;
        assert!(calls.load(Ordering::SeqCst) <= 4, "stops with the account");
    }

    #[tokio::test(start_paused = true)]
    async fn no_task_when_the_provider_needs_none() {
        let calls = Arc::new(AtomicU64::new(0));
        let a = account(None, &calls);
        start(&a);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }
}
