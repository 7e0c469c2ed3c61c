//! The per-account retry budget (Finagle / Envoy style): retries may be at most `ratio` of
//! first attempts, plus a small floor of `min_per_sec` retries per second so that a quiet
//! account can still retry. A sick vendor therefore never sees a retry storm: at most 20%
//! more calls than clients caused (with the defaults), whatever `max_retries` says.

use std::sync::Mutex;
use std::time::Instant;

/// A retry budget: retries may be at most `ratio` of calls, plus `min_per_sec` retries per
/// second so that a quiet account can still retry.
#[derive(Debug)]
pub struct RetryBudget {
    ratio: f64,
    min_per_sec: f64,
    cap: f64,
    state: Mutex<BudgetState>,
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
        }
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

    /// Records a first attempt.
    pub fn deposit(&self) {
        let mut s = self.lock();
        self.refill(&mut s);
        s.balance = (s.balance + self.ratio).min(self.cap);
    }

    /// Takes one retry from the budget; false when the budget is spent.
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

    /// Retries the budget allows right now (rounded down).
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
}
