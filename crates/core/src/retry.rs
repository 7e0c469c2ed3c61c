//! The shared upstream call policy, used by every vendor adapter (the object_store `client/`
//! idea), in one place:
//!
//! - a per-attempt timeout inside an overall deadline;
//! - retries only for idempotent calls and retryable errors, exponential backoff with jitter;
//! - a per-account retry [`RetryBudget`] so that a sick vendor never gets a retry storm;
//! - `Retry-After` honoured (capped by the deadline);
//! - a per-account [`CircuitBreaker`] (fail fast while the vendor is down, half-open probe);
//! - a per-account [`Limiter`]: concurrency limit and optional GCRA rate limit;
//! - optionally a [`SharedLimits`] coordinator, so that the rate limit and the retry budget
//!   hold for a cluster of replicas (each falls back to its own while it is unavailable);
//! - upstream metrics: `unishare_upstream_requests_total{account,operation,outcome}`,
//!   `unishare_upstream_request_duration_seconds{account,operation}`,
//!   `unishare_upstream_retries_total{account,operation}`, `unishare_breaker_open{account}`.
//!
//! Non-idempotent calls (creates) are never repeated: a breaker or limiter refusal happens
//! before anything is sent, and nothing is retried after an attempt started.

mod breaker;
mod budget;
mod limiter;
mod shared;

pub use breaker::{
    is_vendor_failure, BreakerConfig, BreakerPermit, BreakerSnapshot, BreakerState, CircuitBreaker,
};
pub use budget::RetryBudget;
pub use limiter::{Limiter, RateLimit, DEFAULT_MAX_CONCURRENCY};
pub use shared::SharedLimits;

use crate::error::{Error, Result};
use serde::Serialize;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whether repeating a call is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, deletes, full-replace updates: safe to repeat.
    Idempotent,
    /// Creates: never repeated once the request may have reached the vendor.
    NonIdempotent,
}

/// Call counts of one account since start (shown in `/v1/accounts`).
#[derive(Debug, Default)]
pub struct UpstreamStats {
    /// Calls made by the adapter (each may take several attempts).
    pub calls: AtomicU64,
    /// Requests sent to the vendor (first attempts plus retries).
    pub attempts: AtomicU64,
    /// Retries sent.
    pub retries: AtomicU64,
    /// Retries refused because the budget was spent.
    pub budget_exhausted: AtomicU64,
    /// Calls failed fast by the open circuit breaker.
    pub rejected_open: AtomicU64,
    /// Calls that found no concurrency / rate slot before the deadline.
    pub throttled: AtomicU64,
}

/// A copy of [`UpstreamStats`].
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct UpstreamStatsSnapshot {
    /// Calls made by the adapter.
    pub calls: u64,
    /// Requests sent to the vendor.
    pub attempts: u64,
    /// Retries sent.
    pub retries: u64,
    /// Retries refused by the budget.
    pub budget_exhausted: u64,
    /// Calls failed fast by the breaker.
    pub rejected_open: u64,
    /// Calls refused by the limiter.
    pub throttled: u64,
}

impl UpstreamStats {
    /// A copy of the counts.
    pub fn snapshot(&self) -> UpstreamStatsSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        UpstreamStatsSnapshot {
            calls: g(&self.calls),
            attempts: g(&self.attempts),
            retries: g(&self.retries),
            budget_exhausted: g(&self.budget_exhausted),
            rejected_open: g(&self.rejected_open),
            throttled: g(&self.throttled),
        }
    }
}

/// The call policy of one account. Clones share the account's budget, breaker, limiter and
/// stats.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// The account name (metrics label).
    pub account: String,
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
    /// The account's circuit breaker.
    pub breaker: Arc<CircuitBreaker>,
    /// The account's concurrency and rate limits.
    pub limiter: Arc<Limiter>,
    /// The account's call counts.
    pub stats: Arc<UpstreamStats>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new(Duration::from_secs(10), 2)
    }
}

impl RetryPolicy {
    /// A policy with the given per-attempt timeout and retry count; the deadline allows every
    /// attempt its timeout. Default breaker, limiter and budget; account label `"default"`.
    pub fn new(attempt_timeout: Duration, max_retries: u32) -> Self {
        RetryPolicy {
            account: "default".to_owned(),
            max_retries,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            attempt_timeout,
            deadline: attempt_timeout
                .saturating_mul(max_retries.saturating_add(1))
                .saturating_add(Duration::from_secs(1)),
            budget: Arc::new(RetryBudget::default()),
            breaker: Arc::new(CircuitBreaker::new("default", BreakerConfig::default())),
            limiter: Arc::new(Limiter::default()),
            stats: Arc::new(UpstreamStats::default()),
        }
    }

    /// Sets the account label (and gives the policy its own breaker under that label).
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.account = account.into();
        self.breaker = Arc::new(CircuitBreaker::new(
            self.account.clone(),
            self.breaker.config(),
        ));
        self
    }

    /// Sets the breaker thresholds (a new breaker).
    pub fn with_breaker(mut self, config: BreakerConfig) -> Self {
        self.breaker = Arc::new(CircuitBreaker::new(self.account.clone(), config));
        self
    }

    /// Sets the concurrency and rate limits (a new limiter).
    pub fn with_limits(mut self, max_concurrency: usize, rate: Option<RateLimit>) -> Self {
        self.limiter = Arc::new(Limiter::new(max_concurrency, rate));
        self
    }

    /// The least time an attempt gets: a quarter of the per-attempt timeout. A retry that
    /// cannot get this much before the deadline is not started.
    fn min_attempt_time(&self) -> Duration {
        self.attempt_timeout / 4
    }

    /// The backoff before retry number `retry` (1-based): jitter over an exponential cap
    /// (uniform between half the cap and the cap).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        let jitter: f64 = rand::random::<f64>();
        cap.mul_f64(0.5 + jitter * 0.5)
    }

    fn record(&self, operation: &'static str, outcome: &'static str, elapsed: Option<Duration>) {
        let account = self.account.clone();
        metrics::counter!(
            "unishare_upstream_requests_total",
            "account" => account.clone(),
            "operation" => operation,
            "outcome" => outcome
        )
        .increment(1);
        if let Some(d) = elapsed {
            metrics::histogram!(
                "unishare_upstream_request_duration_seconds",
                "account" => account,
                "operation" => operation
            )
            .record(d.as_secs_f64());
        }
    }

    /// Runs `attempt` under the policy. `operation` names the call in metrics (`list`, `get`,
    /// `create`, …); `attempt` gets the 0-based attempt number.
    ///
    /// Each attempt first asks the circuit breaker (open: fail fast, nothing sent), then waits
    /// for a concurrency / rate slot (bounded by the deadline), then runs with the per-attempt
    /// timeout. It retries when the error is retryable, the call is idempotent, a retry is
    /// left, the budget allows it and the wait fits in the deadline. A `RateLimited` error's
    /// `retry_after` replaces the backoff when longer.
    pub async fn run<T, F, Fut>(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        mut attempt: F,
    ) -> Result<T>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        self.budget.deposit();
        self.stats.calls.fetch_add(1, Ordering::Relaxed);
        let mut n = 0u32;
        let mut last_err: Option<Error> = None;
        loop {
            let permit = match self.breaker.try_acquire() {
                Ok(p) => p,
                Err(e) => {
                    self.stats.rejected_open.fetch_add(1, Ordering::Relaxed);
                    self.record(operation, "circuit_open", None);
                    // A retry refused because the breaker opened meanwhile ends with the
                    // vendor's own error.
                    return Err(last_err.unwrap_or(e));
                }
            };
            // Wait for a slot only as long as still leaves a fair attempt.
            let left = self.deadline.saturating_sub(started.elapsed());
            let slot = match self
                .limiter
                .acquire(left.saturating_sub(self.min_attempt_time()))
                .await
            {
                Ok(s) => s,
                Err(e) => {
                    // Local congestion: not the vendor's fault, so the permit is dropped
                    // without a report; a retry that found no slot ends with the vendor's
                    // own error.
                    drop(permit);
                    self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                    self.record(operation, "throttled", None);
                    return Err(last_err.unwrap_or(e));
                }
            };
            let left = self.deadline.saturating_sub(started.elapsed());
            if left < self.min_attempt_time() {
                // The slot came too late for a fair attempt: not the vendor's fault, so the
                // permit is dropped without a report (a doomed attempt must not trip the
                // breaker).
                drop(permit);
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                self.record(operation, "throttled", None);
                return Err(last_err.unwrap_or_else(|| {
                    Error::upstream_unavailable("no upstream slot in time for an attempt")
                }));
            }
            let timeout = self.attempt_timeout.min(left);
            self.stats.attempts.fetch_add(1, Ordering::Relaxed);
            let sent = Instant::now();
            let (outcome, timed_out) = match tokio::time::timeout(timeout, attempt(n)).await {
                Ok(r) => (r, false),
                Err(_) => (
                    Err(Error::upstream_unavailable(format!(
                        "no answer within {} ms",
                        timeout.as_millis()
                    ))),
                    true,
                ),
            };
            drop(slot);
            permit.record(&outcome);
            let label = match &outcome {
                Ok(_) => "ok",
                Err(_) if timed_out => "timeout",
                Err(e) => e.kind().as_str(),
            };
            self.record(operation, label, Some(sent.elapsed()));
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
            // The wait plus a fair attempt must fit in what is left of the deadline.
            let left = self.deadline.saturating_sub(started.elapsed());
            if wait.saturating_add(self.min_attempt_time()) >= left {
                return Err(err);
            }
            // A failure that opened the breaker ends the call with the vendor's own error (no
            // retry is charged, nothing waits for a refusal).
            if self.breaker.state() != BreakerState::Closed {
                return Err(err);
            }
            // Asking a shared budget may take what the wait and a fair attempt leave spare.
            let spare = left.saturating_sub(wait.saturating_add(self.min_attempt_time()));
            if !self.budget.withdraw(spare).await {
                self.stats.budget_exhausted.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(account = %self.account, error = %err, "retry budget spent; not retrying");
                return Err(err);
            }
            tracing::debug!(account = %self.account, operation, error = %err, attempt = n + 1, wait_ms = wait.as_millis() as u64, "retrying upstream call");
            tokio::time::sleep(wait).await;
            last_err = Some(err);
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            metrics::counter!(
                "unishare_upstream_retries_total",
                "account" => self.account.clone(),
                "operation" => operation
            )
            .increment(1);
            n += 1;
        }
    }
}

/// Longest `Retry-After` believed: a vendor asking for more is waited on for this long (and, as
/// every wait is bounded by the call's deadline, usually not at all).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Reads a `Retry-After` header value (RFC 9110 §10.2.3): delay-seconds or an HTTP date, capped
/// at [`MAX_RETRY_AFTER`]; a date in the past is zero; anything else is `None`.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    let wait = match v.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
            (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    #[test]
    fn retry_after_forms_and_bounds() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(
            parse_retry_after("18446744073709551615"),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(MAX_RETRY_AFTER)
        );
    }

    use super::shared::fake::Fake;
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
            ..RetryPolicy::default()
        }
        .with_account("test")
    }

    #[tokio::test]
    async fn retries_retryable_errors_of_idempotent_calls() {
        let calls = AtomicU32::new(0);
        let r = fast(2)
            .run("test", Idempotency::Idempotent, |_| async {
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
            .run("test", Idempotency::NonIdempotent, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::upstream_unavailable("503"))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        calls.store(0, Ordering::SeqCst);
        let r: Result<()> = fast(3)
            .run("test", Idempotency::Idempotent, |_| async {
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
            .run("test", Idempotency::Idempotent, |_| async {
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
            .run("test", Idempotency::Idempotent, |_| async {
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
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for retry in 1..20 {
            let d = p.backoff(retry);
            assert!(d <= p.max_delay, "{d:?}");
        }
        assert!(p.backoff(1) <= Duration::from_millis(100));
    }

    #[tokio::test]
    async fn the_breaker_opens_through_run_and_then_nothing_is_sent() {
        let p = fast(0).with_breaker(BreakerConfig {
            failure_threshold: 3,
            cooldown: Duration::from_secs(60),
        });
        let calls = AtomicU32::new(0);
        for _ in 0..10 {
            let r: Result<()> = p
                .run("list", Idempotency::Idempotent, |_| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(Error::upstream_unavailable("503"))
                })
                .await;
            assert_eq!(r.unwrap_err().kind(), ErrorKind::UpstreamUnavailable);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(p.breaker.state(), BreakerState::Open);
        let s = p.stats.snapshot();
        assert_eq!((s.calls, s.attempts, s.rejected_open), (10, 3, 7));
    }

    #[tokio::test]
    async fn the_failure_that_opens_the_breaker_is_returned_without_a_retry() {
        let p = fast(5).with_breaker(BreakerConfig {
            failure_threshold: 2,
            cooldown: Duration::from_secs(60),
        });
        let calls = AtomicU32::new(0);
        let r: Result<()> = p
            .run("list", Idempotency::Idempotent, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::upstream_unavailable("HTTP 503 from the vendor"))
            })
            .await;
        let e = r.unwrap_err();
        // Two attempts (the second opens the breaker), then the vendor's error as it was:
        // no retry counted, no "circuit open" in its place.
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(e.message().contains("HTTP 503"), "{e}");
        assert_eq!(p.stats.snapshot().retries, 1);
    }

    #[tokio::test]
    async fn a_breaker_with_threshold_zero_never_opens() {
        let p = fast(1).with_breaker(BreakerConfig {
            failure_threshold: 0,
            cooldown: Duration::ZERO,
        });
        let calls = AtomicU32::new(0);
        for _ in 0..20 {
            let _ = p
                .run("list", Idempotency::Idempotent, |_| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err::<(), _>(Error::upstream_unavailable("503"))
                })
                .await;
        }
        assert_eq!(p.breaker.state(), BreakerState::Closed);
        assert_eq!(calls.load(Ordering::SeqCst), 40);
    }

    #[tokio::test]
    async fn an_attempt_is_not_started_without_a_fair_share_of_the_deadline() {
        // Deadline 2 s, attempt timeout 1.6 s: after a first timeout there is no room for a
        // second attempt of at least 400 ms plus backoff, so the call ends with one attempt.
        let mut p = fast(3);
        p.attempt_timeout = Duration::from_millis(1600);
        let calls = AtomicU32::new(0);
        let r: Result<()> = p
            .run("list", Idempotency::Idempotent, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                std::future::pending().await
            })
            .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::UpstreamUnavailable);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retries_stay_within_the_budget_under_a_persistent_fault() {
        // No floor refill: the budget is the 20% ratio plus the starting balance of 1.
        let mut p = fast(3);
        p.budget = Arc::new(RetryBudget::new(0.2, 0.0));
        p = p.with_breaker(BreakerConfig {
            failure_threshold: 0,
            cooldown: Duration::ZERO,
        });
        let attempts = AtomicU32::new(0);
        for _ in 0..100 {
            let _: Result<()> = p
                .run("get", Idempotency::Idempotent, |_| async {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    Err(Error::upstream_unavailable("503"))
                })
                .await;
        }
        let attempts = attempts.load(Ordering::SeqCst);
        assert!((100..=121).contains(&attempts), "attempts {attempts}");
        let s = p.stats.snapshot();
        assert_eq!(s.attempts as u32, attempts);
        assert!(s.budget_exhausted > 0);
    }

    #[tokio::test]
    async fn concurrency_limit_holds_across_concurrent_calls() {
        let p = fast(0).with_limits(3, None);
        let in_flight = AtomicU32::new(0);
        let peak = AtomicU32::new(0);
        let calls = (0..20).map(|_| {
            p.run("get", Idempotency::Idempotent, |_| async {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, Error>(())
            })
        });
        let results = futures_join_all(calls).await;
        assert!(results.iter().all(|r| r.is_ok()));
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }

    async fn futures_join_all<F: Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
        let handles: Vec<_> = futs.into_iter().map(Box::pin).collect();
        let mut out = Vec::new();
        // Poll all together: a JoinSet would need 'static futures.
        let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
        let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut done = true;
            for (i, slot) in pending.iter_mut().enumerate() {
                if let Some(f) = slot {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(v) => {
                            results[i] = Some(v);
                            *slot = None;
                        }
                        std::task::Poll::Pending => done = false,
                    }
                }
            }
            if done {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
        out.extend(results.into_iter().flatten());
        out
    }

    #[tokio::test]
    async fn non_idempotent_calls_refused_by_the_breaker_send_nothing() {
        let p = fast(2).with_breaker(BreakerConfig {
            failure_threshold: 1,
            cooldown: Duration::from_secs(60),
        });
        let calls = AtomicU32::new(0);
        let _: Result<()> = p
            .run("create", Idempotency::NonIdempotent, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::upstream_unavailable("503"))
            })
            .await;
        let r: Result<()> = p
            .run("create", Idempotency::NonIdempotent, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert!(r.unwrap_err().message().contains("circuit open"));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    /// A call that fails `fails` times with a retryable error, then succeeds; returns the
    /// attempts made and whether it succeeded.
    async fn flaky(p: &RetryPolicy, fails: u32) -> (u32, bool) {
        let calls = AtomicU32::new(0);
        let r = p
            .run("get", Idempotency::Idempotent, |_| async {
                if calls.fetch_add(1, Ordering::SeqCst) < fails {
                    Err(Error::upstream_unavailable("503"))
                } else {
                    Ok(())
                }
            })
            .await;
        (calls.load(Ordering::SeqCst), r.is_ok())
    }

    #[tokio::test]
    async fn a_spent_shared_budget_stops_retries_the_local_one_would_allow() {
        let p = fast(3);
        // The local budget (floor 100/s) has retries; the cluster's is spent.
        let fake = Arc::new(Fake::new([], None, Some(false)));
        p.budget.attach_shared(fake.clone()).unwrap();
        assert!(p.budget.available() >= 1);
        assert_eq!(flaky(&p, 1).await, (1, false));
        assert_eq!(Fake::count(&fake.withdraws), 1);
        assert_eq!(Fake::count(&fake.deposits), 1);
        assert_eq!(p.stats.snapshot().budget_exhausted, 1);
    }

    #[tokio::test]
    async fn an_unavailable_shared_budget_leaves_retries_to_the_local_one() {
        let mut p = fast(3);
        // Local: the starting balance of 1 and no income.
        p.budget = Arc::new(RetryBudget::new(0.0, 0.0));
        let fake = Arc::new(Fake::new([], None, None));
        p.budget.attach_shared(fake.clone()).unwrap();
        assert_eq!(flaky(&p, 1).await, (2, true));
        assert_eq!(flaky(&p, 1).await, (1, false));
        assert_eq!(Fake::count(&fake.withdraws), 2);
    }

    #[tokio::test]
    async fn a_shared_rate_slot_is_asked_for_every_attempt() {
        let p = fast(3).with_limits(
            4,
            Some(RateLimit {
                count: 1,
                per: Duration::from_secs(3600),
            }),
        );
        let fake = Arc::new(Fake::new([], Some(Duration::ZERO), Some(true)));
        p.limiter.attach_shared(fake.clone()).unwrap();
        p.budget.attach_shared(fake.clone()).unwrap();
        // Two retries, each with its rate slot; the local limit (1 an hour) is not what decides.
        assert_eq!(flaky(&p, 2).await, (3, true));
        assert_eq!(Fake::count(&fake.rate_asks), 3);
        assert_eq!(Fake::count(&fake.withdraws), 2);
    }
}
