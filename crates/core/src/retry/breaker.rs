//! The per-account circuit breaker.
//!
//! Closed: calls go through; `failure_threshold` consecutive failures of the kinds that say the
//! vendor is sick (unavailable/timeout, rate limited, garbage answers) open it. Open: calls fail
//! at once with `UpstreamUnavailable` ("circuit open") and no request reaches the vendor. After
//! `cooldown` the next call is let through as the one half-open probe (other calls still fail
//! fast); its success closes the breaker, its failure opens it for another cool-down. Answers
//! that show a working vendor (not found, invalid request, auth refused…) count as success.

use crate::error::{Error, ErrorKind};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Breaker thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive failures that open the breaker (0 disables the breaker).
    pub failure_threshold: u32,
    /// How long it stays open before one probe is let through.
    pub cooldown: Duration,
}

impl Default for BreakerConfig {
    /// Opens after 5 consecutive failures; probes after 10 s.
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            cooldown: Duration::from_secs(10),
        }
    }
}

/// The breaker's state, as reported in `/v1/accounts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls fail fast.
    Open,
    /// The cool-down is over; one probe call decides.
    HalfOpen,
}

impl BreakerState {
    /// `closed`, `open` or `half_open`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// A point-in-time view of a breaker.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct BreakerSnapshot {
    /// Current state.
    pub state: BreakerState,
    /// Failures in a row so far.
    pub consecutive_failures: u32,
    /// The threshold that opens it.
    pub failure_threshold: u32,
    /// Cool-down in milliseconds.
    pub cooldown_ms: u64,
    /// Milliseconds until a probe may go (open only).
    pub probe_in_ms: Option<u64>,
    /// Times it opened since start.
    pub opened_total: u64,
    /// Calls failed fast because it was open.
    pub rejected_total: u64,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed,
    Open { until: Instant },
    HalfOpen { probing: bool },
}

#[derive(Debug)]
struct Inner {
    state: State,
    failures: u32,
}

/// One account's circuit breaker. Share it behind an `Arc`.
#[derive(Debug)]
pub struct CircuitBreaker {
    account: String,
    config: BreakerConfig,
    inner: Mutex<Inner>,
    opened_total: AtomicU64,
    rejected_total: AtomicU64,
}

/// Whether an error says the vendor is sick (counts toward opening the breaker).
pub fn is_vendor_failure(err: &Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::UpstreamUnavailable
            | ErrorKind::RateLimited { .. }
            | ErrorKind::UpstreamProtocol
    ) || (err.is_retryable() && err.kind() == ErrorKind::Internal)
}

impl CircuitBreaker {
    /// A closed breaker for `account` (the metrics label).
    pub fn new(account: impl Into<String>, config: BreakerConfig) -> Self {
        CircuitBreaker {
            account: account.into(),
            config,
            inner: Mutex::new(Inner {
                state: State::Closed,
                failures: 0,
            }),
            opened_total: AtomicU64::new(0),
            rejected_total: AtomicU64::new(0),
        }
    }

    /// Its thresholds.
    pub fn config(&self) -> BreakerConfig {
        self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn gauge(&self, open: bool) {
        metrics::gauge!("unishare_breaker_open", "account" => self.account.clone()).set(if open {
            1.0
        } else {
            0.0
        });
    }

    /// Asks to send one request. `Err` (`UpstreamUnavailable`, "circuit open") when the breaker
    /// is open, or half-open with its probe in flight.
    pub fn try_acquire(self: &Arc<Self>) -> Result<BreakerPermit, Error> {
        if self.config.failure_threshold == 0 {
            return Ok(BreakerPermit::new(self, false));
        }
        let mut inner = self.lock();
        match inner.state {
            State::Closed => Ok(BreakerPermit::new(self, false)),
            State::Open { until } if Instant::now() >= until => {
                inner.state = State::HalfOpen { probing: true };
                tracing::info!(account = %self.account, "circuit breaker half-open: probing the vendor");
                Ok(BreakerPermit::new(self, true))
            }
            State::HalfOpen { probing: false } => {
                inner.state = State::HalfOpen { probing: true };
                Ok(BreakerPermit::new(self, true))
            }
            State::Open { until } => {
                self.rejected_total.fetch_add(1, Ordering::Relaxed);
                let left = until.saturating_duration_since(Instant::now());
                Err(Error::upstream_unavailable(format!(
                    "circuit open after {} consecutive failures; next probe in {} ms",
                    inner.failures,
                    left.as_millis()
                ))
                .with_retryable(false))
            }
            State::HalfOpen { probing: true } => {
                self.rejected_total.fetch_add(1, Ordering::Relaxed);
                Err(
                    Error::upstream_unavailable("circuit open; a probe call is in flight")
                        .with_retryable(false),
                )
            }
        }
    }

    fn on_success(&self, probe: bool) {
        let mut inner = self.lock();
        // A straggler that succeeds while the breaker is open does not close it (nor reset its
        // failure count): only the half-open probe (or any call once half-open) does.
        if matches!(inner.state, State::Closed) {
            inner.failures = 0;
        } else if probe || matches!(inner.state, State::HalfOpen { .. }) {
            inner.failures = 0;
            inner.state = State::Closed;
            tracing::info!(account = %self.account, "circuit breaker closed: the vendor answers again");
            drop(inner);
            self.gauge(false);
        }
    }

    fn on_failure(&self, probe: bool) {
        let mut inner = self.lock();
        inner.failures = inner.failures.saturating_add(1);
        let open_now = match inner.state {
            // A threshold of 0 turns the breaker off: it never opens.
            State::Closed => {
                self.config.failure_threshold > 0 && inner.failures >= self.config.failure_threshold
            }
            State::HalfOpen { .. } => probe,
            State::Open { .. } => false,
        };
        if open_now {
            let now = Instant::now();
            inner.state = State::Open {
                until: now.checked_add(self.config.cooldown).unwrap_or(now),
            };
            let failures = inner.failures;
            drop(inner);
            self.opened_total.fetch_add(1, Ordering::Relaxed);
            self.gauge(true);
            tracing::warn!(account = %self.account, failures, cooldown_ms = self.config.cooldown.as_millis() as u64, "circuit breaker open");
        }
    }

    fn on_abandoned(&self, probe: bool) {
        if probe {
            let mut inner = self.lock();
            if let State::HalfOpen { probing: true } = inner.state {
                inner.state = State::HalfOpen { probing: false };
            }
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        match self.lock().state {
            State::Closed => BreakerState::Closed,
            State::Open { until } if Instant::now() >= until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// A view for `/v1/accounts`.
    pub fn snapshot(&self) -> BreakerSnapshot {
        let (state, failures, probe_in) = {
            let inner = self.lock();
            let now = Instant::now();
            match inner.state {
                State::Closed => (BreakerState::Closed, inner.failures, None),
                State::Open { until } if now >= until => {
                    (BreakerState::HalfOpen, inner.failures, Some(0))
                }
                State::Open { until } => (
                    BreakerState::Open,
                    inner.failures,
                    Some(until.duration_since(now).as_millis() as u64),
                ),
                State::HalfOpen { .. } => (BreakerState::HalfOpen, inner.failures, None),
            }
        };
        BreakerSnapshot {
            state,
            consecutive_failures: failures,
            failure_threshold: self.config.failure_threshold,
            cooldown_ms: self.config.cooldown.as_millis() as u64,
            probe_in_ms: probe_in,
            opened_total: self.opened_total.load(Ordering::Relaxed),
            rejected_total: self.rejected_total.load(Ordering::Relaxed),
        }
    }
}

/// Leave to send one request; report how it went with [`BreakerPermit::record`]. Dropped
/// without a report (the caller gave up), it frees the half-open probe slot.
#[derive(Debug)]
pub struct BreakerPermit {
    breaker: Arc<CircuitBreaker>,
    probe: bool,
    done: bool,
}

impl BreakerPermit {
    fn new(breaker: &Arc<CircuitBreaker>, probe: bool) -> Self {
        BreakerPermit {
            breaker: Arc::clone(breaker),
            probe,
            done: false,
        }
    }

    /// True when this request is the half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Reports the outcome: `Ok`, or an error judged by [`is_vendor_failure`].
    pub fn record<T>(mut self, outcome: &Result<T, Error>) {
        self.done = true;
        match outcome {
            Err(e) if is_vendor_failure(e) => self.breaker.on_failure(self.probe),
            _ => self.breaker.on_success(self.probe),
        }
    }
}

impl Drop for BreakerPermit {
    fn drop(&mut self) {
        if !self.done {
            self.breaker.on_abandoned(self.probe);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: u32, cooldown_ms: u64) -> Arc<CircuitBreaker> {
        Arc::new(CircuitBreaker::new(
            "t",
            BreakerConfig {
                failure_threshold: threshold,
                cooldown: Duration::from_millis(cooldown_ms),
            },
        ))
    }

    fn fail() -> Result<(), Error> {
        Err(Error::upstream_unavailable("503"))
    }

    #[test]
    fn opens_after_consecutive_failures_and_fails_fast() {
        let b = breaker(3, 60_000);
        for _ in 0..2 {
            b.try_acquire().unwrap().record(&fail());
        }
        assert_eq!(b.state(), BreakerState::Closed);
        b.try_acquire().unwrap().record(&fail());
        assert_eq!(b.state(), BreakerState::Open);
        let e = b.try_acquire().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
        assert!(e.message().contains("circuit open"), "{e}");
        assert!(!e.is_retryable());
        let s = b.snapshot();
        assert_eq!(s.opened_total, 1);
        assert_eq!(s.rejected_total, 1);
        assert!(s.probe_in_ms.is_some());
    }

    #[test]
    fn a_success_resets_the_count() {
        let b = breaker(3, 60_000);
        b.try_acquire().unwrap().record(&fail());
        b.try_acquire().unwrap().record(&fail());
        b.try_acquire().unwrap().record(&Ok::<(), Error>(()));
        b.try_acquire().unwrap().record(&fail());
        b.try_acquire().unwrap().record(&fail());
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn not_found_and_invalid_request_do_not_count() {
        let b = breaker(2, 60_000);
        for _ in 0..5 {
            b.try_acquire()
                .unwrap()
                .record(&Err::<(), _>(Error::not_found("gone")));
            b.try_acquire()
                .unwrap()
                .record(&Err::<(), _>(Error::invalid_request("bad")));
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn half_open_probe_closes_on_success_and_reopens_on_failure() {
        let b = breaker(1, 10);
        b.try_acquire().unwrap().record(&fail());
        assert_eq!(b.state(), BreakerState::Open);
        std::thread::sleep(Duration::from_millis(15));
        let probe = b.try_acquire().unwrap();
        assert!(probe.is_probe());
        // Only one probe at a time.
        assert!(b.try_acquire().is_err());
        probe.record(&fail());
        assert_eq!(b.state(), BreakerState::Open);
        std::thread::sleep(Duration::from_millis(15));
        let probe = b.try_acquire().unwrap();
        probe.record(&Ok::<(), Error>(()));
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.snapshot().opened_total, 2);
    }

    #[test]
    fn an_abandoned_probe_frees_the_slot() {
        let b = breaker(1, 1);
        b.try_acquire().unwrap().record(&fail());
        std::thread::sleep(Duration::from_millis(5));
        drop(b.try_acquire().unwrap());
        assert!(b.try_acquire().unwrap().is_probe());
    }

    #[test]
    fn threshold_zero_disables_it() {
        let b = breaker(0, 1000);
        for _ in 0..100 {
            b.try_acquire().unwrap().record(&fail());
        }
        assert!(b.try_acquire().is_ok());
    }
}
