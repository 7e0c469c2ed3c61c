//! A coordinator that several processes (the replicas of a cluster) ask for an account's rate
//! slots and retries, so that the account's rate limit and retry budget hold for the cluster as
//! a whole rather than once per replica.
//!
//! It is attached once to an account's [`Limiter`](super::Limiter) and
//! [`RetryBudget`](super::RetryBudget) (`attach_shared`). Every answer may be "unavailable"
//! (`None`): the coordinator is down, slow or not yet reachable, and that one call is decided by
//! the local limiter or budget exactly as without a coordinator. A coordinator therefore never
//! causes an error of its own; at worst the limits hold per replica for a while.

use super::RateLimit;
use std::fmt::Debug;
use std::time::Duration;

/// The cluster-wide side of one account's rate limit and retry budget.
///
/// Implementations must bound every answer in time (their own deadline) and never panic: the
/// caller waits for `rate_slot` and `try_withdraw` on the request path.
#[async_trait::async_trait]
pub trait SharedLimits: Send + Sync + Debug {
    /// Asks for one slot of `rate` (GCRA, burst `rate.count`). `Some(Duration::ZERO)`: admitted
    /// (the slot is taken). `Some(d)`: refused, no slot frees for at least `d` (nothing is
    /// reserved; ask again then). `None`: the coordinator is unavailable; the local limiter
    /// decides this call.
    async fn rate_slot(&self, rate: RateLimit) -> Option<Duration>;

    /// Records a first attempt (the budget's income). Synchronous and cheap: implementations
    /// may batch deposits and send them later.
    fn deposit(&self);

    /// Takes one retry from the shared budget. `Some(true)`: granted; `Some(false)`: the budget
    /// is spent; `None`: the coordinator is unavailable, the local budget decides.
    async fn try_withdraw(&self) -> Option<bool>;
}

/// A scripted coordinator for the tests of the limiter, the budget and the policy.
#[cfg(test)]
pub(crate) mod fake {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;

    /// Answers rate asks from a script (then `rate_after`; never when `hang`), withdraws with
    /// `withdraw`, and counts what it was asked.
    #[derive(Debug)]
    pub(crate) struct Fake {
        pub rates: Mutex<VecDeque<Option<Duration>>>,
        pub rate_after: Option<Duration>,
        pub withdraw: Option<bool>,
        pub hang: bool,
        pub rate_asks: AtomicU64,
        pub deposits: AtomicU64,
        pub withdraws: AtomicU64,
    }

    impl Fake {
        pub(crate) fn new(
            rates: impl IntoIterator<Item = Option<Duration>>,
            rate_after: Option<Duration>,
            withdraw: Option<bool>,
        ) -> Self {
            Fake {
                rates: Mutex::new(rates.into_iter().collect()),
                rate_after,
                withdraw,
                hang: false,
                rate_asks: AtomicU64::new(0),
                deposits: AtomicU64::new(0),
                withdraws: AtomicU64::new(0),
            }
        }

        pub(crate) fn count(a: &AtomicU64) -> u64 {
            a.load(Ordering::SeqCst)
        }
    }

    #[async_trait::async_trait]
    impl SharedLimits for Fake {
        async fn rate_slot(&self, _rate: RateLimit) -> Option<Duration> {
            self.rate_asks.fetch_add(1, Ordering::SeqCst);
            if self.hang {
                std::future::pending::<()>().await;
            }
            let next = self.rates.lock().ok().and_then(|mut q| q.pop_front());
            next.unwrap_or(self.rate_after)
        }

        fn deposit(&self) {
            self.deposits.fetch_add(1, Ordering::SeqCst);
        }

        async fn try_withdraw(&self) -> Option<bool> {
            self.withdraws.fetch_add(1, Ordering::SeqCst);
            if self.hang {
                std::future::pending::<()>().await;
            }
            self.withdraw
        }
    }
}
