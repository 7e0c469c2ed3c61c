//! The shared upstream call policy, used by every vendor adapter (the object_store `client/`
//! idea): a per-attempt timeout inside an overall deadline, retries only for idempotent calls
//! and retryable errors, exponential backoff with full jitter, `Retry-After` honoured (capped by
//! the deadline), and a per-account retry budget so that a sick vendor never gets a retry storm.

use crate::error::{Error, Result};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether repeating a call is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, deletes, full-replace updates: safe to repeat.
    Idempotent,
    /// Creates: never repeated once the request may have reached the vendor.
    NonIdempotent,
}

/// A retry budget: retries may be at most `ratio` of calls, plus `min_per_sec` retries per
/// second so that a quiet account can still retry (Finagle/Envoy style).
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
    pub fn new(ratio: f64, min_per_sec: f64) -> Self {
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
}

impl Default for RetryBudget {
    /// 20% of calls, plus one retry per second.
    fn default() -> Self {
        RetryBudget::new(0.2, 1.0)
    }
}

/// The call policy of one account.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt, at most.
    pub max_retries: u32,
    /// First backoff step.
    pub base_delay: Duration,
    /// Longest backoff step.
    pub max_delay: Duration,
    /// Timeout of one attempt.
    pub attempt_timeout: Duration,
    /// Time for all attempts of one call together.
    pub deadline: Duration,
    /// The account's retry budget, shared by all its calls.
    pub budget: Arc<RetryBudget>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new(Duration::from_secs(10), 2)
    }
}

impl RetryPolicy {
    /// A policy with the given per-attempt timeout and retry count; the deadline allows every
    /// attempt its timeout.
    pub fn new(attempt_timeout: Duration, max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            attempt_timeout,
            deadline: attempt_timeout * (max_retries + 1) + Duration::from_secs(1),
            budget: Arc::new(RetryBudget::default()),
        }
    }

    /// The backoff before retry number `retry` (1-based): full jitter over an exponential cap.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        let jitter: f64 = rand::random::<f64>();
        cap.mul_f64(0.5 + jitter * 0.5)
    }

    /// Runs `attempt` under the policy. `attempt` gets the 0-based attempt number.
    ///
    /// Retries when the error is retryable, the call is idempotent, a retry is left, the
    /// budget allows it and the wait fits in the deadline. A `RateLimited` error's
    /// `retry_after` replaces the backoff when longer.
    pub async fn run<T, F, Fut>(&self, idempotency: Idempotency, mut attempt: F) -> Result<T>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        self.budget.deposit();
        let mut n = 0u32;
        loop {
            let left = self.deadline.saturating_sub(started.elapsed());
            let timeout = self.attempt_timeout.min(left);
            let outcome = match tokio::time::timeout(timeout, attempt(n)).await {
                Ok(r) => r,
                Err(_) => Err(Error::upstream_unavailable(format!(
                    "no answer within {} ms",
                    timeout.as_millis()
                ))),
            };
            let err = match outcome {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let can_retry = err.is_retryable()
                && idempotency == Idempotency::Idempotent
                && n < self.max_retries;
            if !can_retry {
                return Err(err);
            }
            let mut wait = self.backoff(n + 1);
            if let Some(ra) = err.retry_after() {
                wait = wait.max(ra);
            }
            if started.elapsed() + wait >= self.deadline {
                return Err(err);
            }
            if !self.budget.try_withdraw() {
                tracing::debug!(error = %err, "retry budget spent; not retrying");
                return Err(err);
            }
            tracing::debug!(error = %err, attempt = n + 1, wait_ms = wait.as_millis() as u64, "retrying upstream call");
            tokio::time::sleep(wait).await;
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            attempt_timeout: Duration::from_millis(200),
            deadline: Duration::from_secs(2),
            budget: Arc::new(RetryBudget::new(0.2, 100.0)),
        }
    }

    #[tokio::test]
    async fn retries_retryable_errors_of_idempotent_calls() {
        let calls = AtomicU32::new(0);
        let r = fast(2)
            .run(Idempotency::Idempotent, |_| async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(Error::upstream_unavailable("503"))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn never_retries_non_idempotent_or_non_retryable() {
        let calls = AtomicU32::new(0);
        let r: Result<()> = fast(3)
            .run(Idempotency::NonIdempotent, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::upstream_unavailable("503"))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        calls.store(0, Ordering::SeqCst);
        let r: Result<()> = fast(3)
            .run(Idempotency::Idempotent, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::not_found("gone"))
            })
            .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn attempt_timeout_is_a_retryable_unavailable() {
        let mut p = fast(0);
        p.attempt_timeout = Duration::from_millis(20);
        let r: Result<()> = p
            .run(Idempotency::Idempotent, |_| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(())
            })
            .await;
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
        assert!(e.is_retryable());
    }

    #[tokio::test]
    async fn retry_after_longer_than_the_deadline_is_not_waited_for() {
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let r: Result<()> = fast(3)
            .run(Idempotency::Idempotent, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::new(
                    ErrorKind::RateLimited {
                        retry_after: Some(Duration::from_secs(60)),
                    },
                    "slow down",
                ))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

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
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for retry in 1..20 {
            let d = p.backoff(retry);
            assert!(d <= p.max_delay, "{d:?}");
        }
        assert!(p.backoff(1) <= Duration::from_millis(100));
    }
}
