//! The per-account retry budget (Finagle / Envoy style): retries may be at most `ratio` of
//! first attempts, plus a small floor of `min_per_sec` retries per second so that a quiet
//! account can still retry. A sick vendor therefore never sees a retry storm: at most 20%
//! more calls than clients caused (with the defaults), whatever `max_retries` says.
//!
//! In a cluster a [`SharedLimits`] coordinator may be attached: the budget is then one for all
//! replicas (`withdraw` asks it), and the local balance is the fallback while it is unavailable.

use super::shared::SharedLimits;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A retry budget: retries may be at most `ratio` of calls, plus `min_per_sec` retries per
/// second so that a quiet account can still retry.
#[derive(Debug)]
pub struct RetryBudget {
    ratio: f64,
    min_per_sec: f64,
    cap: f64,
    state: Mutex<BudgetState>,
    shared: OnceLock<Arc<dyn SharedLimits>>,
}

#[derive(Debug)]
struct BudgetState {
    balance: f64,
    last_refill: Instant,
}

impl RetryBudget {
    /// A budget allowing `ratio` retries per call plus `min_per_sec` retries per second.
    /// The balance is capped at `max(10 × min_per_sec, 10)` retries, so a long quiet period
    /// never saves up a storm.
    pub fn new(ratio: f64, min_per_sec: f64) -> Self {
        let ratio = if ratio.is_finite() {
            ratio.max(0.0)
        } else {
            0.0
        };
        let min_per_sec = if min_per_sec.is_finite() {
            min_per_sec.max(0.0)
        } else {
            0.0
        };
        let cap = (min_per_sec * 10.0).max(10.0);
        RetryBudget {
            ratio,
            min_per_sec,
            cap,
            state: Mutex::new(BudgetState {
                balance: min_per_sec.max(1.0),
                last_refill: Instant::now(),
            }),
            shared: OnceLock::new(),
        }
    }

    /// Retries granted per first attempt.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Retries granted per second whatever the traffic (the floor).
    pub fn min_per_sec(&self) -> f64 {
        self.min_per_sec
    }

    /// The most retries the balance holds.
    pub fn cap(&self) -> f64 {
        self.cap
    }

    /// The balance of a new budget: `max(min_per_sec, 1)`.
    pub fn initial_balance(&self) -> f64 {
        self.min_per_sec.max(1.0).min(self.cap)
    }

    /// Attaches the cluster-wide coordinator (once; a second one is handed back in `Err`).
    /// From then on deposits also go to it and [`RetryBudget::withdraw`] asks it first.
    pub fn attach_shared(
        &self,
        shared: Arc<dyn SharedLimits>,
    ) -> Result<(), Arc<dyn SharedLimits>> {
        self.shared.set(shared)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        // A poisoned lock only means another thread panicked mid-update of two floats.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn refill(&self, s: &mut BudgetState) {
        let now = Instant::now();
        let secs = now.duration_since(s.last_refill).as_secs_f64();
        s.last_refill = now;
        s.balance = (s.balance + secs * self.min_per_sec).min(self.cap);
    }

    /// Records a first attempt (locally, and with the coordinator when one is attached).
    pub fn deposit(&self) {
        {
            let mut s = self.lock();
            self.refill(&mut s);
            s.balance = (s.balance + self.ratio).min(self.cap);
        }
        if let Some(shared) = self.shared.get() {
            shared.deposit();
        }
    }

    /// Takes one retry: from the attached coordinator when it answers within `within`, else
    /// (or without one) from the local balance. A retry the coordinator grants is also taken
    /// from the local balance (when there is one left), so that the local balance, the
    /// fallback, stays this replica's own account of its calls and retries.
    pub async fn withdraw(&self, within: Duration) -> bool {
        let Some(shared) = self.shared.get() else {
            return self.try_withdraw();
        };
        match tokio::time::timeout(within, shared.try_withdraw()).await {
            Ok(Some(true)) => {
                let _ = self.try_withdraw();
                true
            }
            Ok(Some(false)) => false,
            Ok(None) | Err(_) => self.try_withdraw(),
        }
    }

    /// Takes one retry from the local balance only (an attached coordinator is not asked);
    /// false when it is spent.
    pub fn try_withdraw(&self) -> bool {
        let mut s = self.lock();
        self.refill(&mut s);
        if s.balance >= 1.0 {
            s.balance -= 1.0;
            true
        } else {
            false
        }
    }

    /// Retries the local balance allows right now (rounded down).
    pub fn available(&self) -> u64 {
        let mut s = self.lock();
        self.refill(&mut s);
        s.balance.max(0.0) as u64
    }
}

impl Default for RetryBudget {
    /// 20% of calls, plus one retry per second.
    fn default() -> Self {
        RetryBudget::new(0.2, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::shared::fake::Fake;
    use super::*;

    #[test]
    fn budget_limits_retries_to_a_ratio_of_calls() {
        let b = RetryBudget::new(0.2, 0.0);
        // Start balance is 1 (the floor of max(min_per_sec, 1)).
        let mut granted = 0;
        for _ in 0..100 {
            b.deposit();
            if b.try_withdraw() {
                granted += 1;
            }
        }
        assert!((20..=21).contains(&granted), "granted {granted}");
    }

    #[test]
    fn balance_is_capped() {
        let b = RetryBudget::new(1.0, 0.0);
        for _ in 0..1000 {
            b.deposit();
        }
        assert_eq!(b.available(), 10);
    }

    #[test]
    fn nonsense_ratios_grant_nothing_beyond_the_floor() {
        let b = RetryBudget::new(f64::NAN, -3.0);
        b.deposit();
        assert!(b.try_withdraw());
        assert!(!b.try_withdraw());
    }

    fn attached(b: &RetryBudget, withdraw: Option<bool>) -> Arc<Fake> {
        let fake = Arc::new(Fake::new([], None, withdraw));
        b.attach_shared(fake.clone()).unwrap();
        fake
    }

    #[tokio::test]
    async fn the_coordinator_decides_withdrawals_and_gets_the_deposits() {
        let b = RetryBudget::new(0.2, 0.0);
        let fake = attached(&b, Some(false));
        for _ in 0..20 {
            b.deposit();
        }
        assert_eq!(Fake::count(&fake.deposits), 20);
        // The local balance has 1 + 4 retries (float error: 4.99…), but the cluster's budget
        // is spent; the local balance is left as it was.
        assert!(!b.withdraw(Duration::from_secs(5)).await);
        assert!((4..=5).contains(&b.available()), "{}", b.available());
        assert_eq!(Fake::count(&fake.withdraws), 1);

        let b = RetryBudget::new(0.0, 0.0);
        let fake = attached(&b, Some(true));
        // Granted by the coordinator though the local balance (1, no income) runs dry; the
        // local balance follows.
        for _ in 0..3 {
            assert!(b.withdraw(Duration::from_secs(5)).await);
        }
        assert_eq!(b.available(), 0);
        assert_eq!(Fake::count(&fake.withdraws), 3);
    }

    #[tokio::test]
    async fn an_unavailable_coordinator_leaves_withdrawals_to_the_local_balance() {
        let b = RetryBudget::new(0.2, 0.0);
        let fake = attached(&b, None);
        for _ in 0..10 {
            b.deposit();
        }
        // 1 + 10 × 0.2 = 3 (within float error: 2 or 3).
        let mut granted = 0u64;
        while b.withdraw(Duration::from_secs(5)).await {
            granted += 1;
        }
        assert!((2..=3).contains(&granted), "granted {granted}");
        assert_eq!(Fake::count(&fake.withdraws), granted + 1);
        assert!(b.attach_shared(fake).is_err(), "attached once only");
    }

    #[test]
    fn getters_give_the_numbers_the_coordinator_applies() {
        let b = RetryBudget::new(0.3, 2.5);
        assert_eq!((b.ratio(), b.min_per_sec(), b.cap()), (0.3, 2.5, 25.0));
        assert_eq!(b.initial_balance(), 2.5);
        assert_eq!(RetryBudget::new(0.2, 0.0).initial_balance(), 1.0);
    }

    #[tokio::test]
    async fn a_coordinator_that_does_not_answer_in_time_leaves_it_to_the_local_balance() {
        let b = RetryBudget::new(0.0, 0.0);
        let mut fake = Fake::new([], None, Some(false));
        fake.hang = true;
        b.attach_shared(Arc::new(fake)).unwrap();
        // The starting balance of 1, then nothing.
        assert!(b.withdraw(Duration::from_millis(10)).await);
        assert!(!b.withdraw(Duration::from_millis(10)).await);
    }
}
