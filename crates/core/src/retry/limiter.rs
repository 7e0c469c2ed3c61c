//! Per-account concurrency limit (a semaphore) and optional rate limit (GCRA, `governor`) for
//! vendors with quotas. Both wait at most until the call's deadline; waiting for a slot is
//! local congestion, so it never counts against the vendor's circuit breaker.
//!
//! In a cluster a [`SharedLimits`] coordinator may be attached: the rate slot then comes from
//! it, so that the rate holds for all replicas together; the local rate limiter decides
//! whenever it is unavailable. The concurrency limit is always per process.

use super::shared::SharedLimits;
use crate::error::{Error, ErrorKind};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// `fut`'s output, or `None` when `deadline` (if any) passes first.
async fn by<F: std::future::Future>(deadline: Option<Instant>, fut: F) -> Option<F::Output> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d, fut).await.ok(),
        None => Some(fut.await),
    }
}

/// The shortest wait between two asks of the coordinator for a rate slot.
const MIN_ASK_INTERVAL: Duration = Duration::from_millis(1);

/// A rate: `count` calls per `per` (written `"10/s"`, `"600/m"`, `"5/100ms"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per period (also the burst).
    pub count: u32,
    /// The period.
    pub per: Duration,
}

impl FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            |why: &str| format!("invalid rate {s:?}: {why}; write e.g. \"10/s\" or \"600/m\"");
        let (n, per) = s.trim().split_once('/').ok_or_else(|| bad("no '/'"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| bad("the count is not a whole number"))?;
        if count == 0 {
            return Err(bad("the count must be at least 1"));
        }
        let per = per.trim();
        let per = match per {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            other => humantime::parse_duration(other).map_err(|_| bad("unknown period"))?,
        };
        if per.is_zero() {
            return Err(bad("the period must be more than 0"));
        }
        if per > Duration::from_secs(24 * 3600) {
            return Err(bad("the period must be at most a day"));
        }
        if per / count == Duration::ZERO {
            return Err(bad("more than one call per nanosecond"));
        }
        Ok(RateLimit { count, per })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, humantime::format_duration(self.per))
    }
}

/// The limits of one account. Share it behind an `Arc`.
pub struct Limiter {
    max_concurrency: usize,
    semaphore: Arc<Semaphore>,
    rate: Option<(RateLimit, DefaultDirectRateLimiter)>,
    shared: OnceLock<Arc<dyn SharedLimits>>,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("max_concurrency", &self.max_concurrency)
            .field("rate", &self.rate.as_ref().map(|(r, _)| r.to_string()))
            .field("shared", &self.shared.get())
            .finish()
    }
}

/// The default concurrency limit per account.
pub const DEFAULT_MAX_CONCURRENCY: usize = 8;

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(DEFAULT_MAX_CONCURRENCY, None)
    }
}

impl Limiter {
    /// At most `max_concurrency` calls in flight (at least 1), and at most `rate` when given.
    pub fn new(max_concurrency: usize, rate: Option<RateLimit>) -> Self {
        let max_concurrency = max_concurrency.clamp(1, Semaphore::MAX_PERMITS);
        let rate = rate.and_then(|r| {
            let count = NonZeroU32::new(r.count)?;
            let quota = Quota::with_period(r.per / r.count)?.allow_burst(count);
            Some((r, RateLimiter::direct(quota)))
        });
        Limiter {
            max_concurrency,
            semaphore: Arc::new(Semaphore::new(max_concurrency)),
            rate,
            shared: OnceLock::new(),
        }
    }

    /// Attaches the cluster-wide coordinator of the rate limit (once; a second one is handed
    /// back in `Err`). It is asked only when a rate is set.
    pub fn attach_shared(
        &self,
        shared: Arc<dyn SharedLimits>,
    ) -> Result<(), Arc<dyn SharedLimits>> {
        self.shared.set(shared)
    }

    /// The concurrency limit.
    pub fn max_concurrency(&self) -> usize {
        self.max_concurrency
    }

    /// The rate limit, when set.
    pub fn rate(&self) -> Option<RateLimit> {
        self.rate.as_ref().map(|(r, _)| *r)
    }

    /// Calls in flight now.
    pub fn in_flight(&self) -> usize {
        self.max_concurrency
            .saturating_sub(self.semaphore.available_permits())
    }

    /// Waits for the rate limit, then for a concurrency slot, for at most `within`.
    ///
    /// With a coordinator attached, the rate slot is asked of it, waiting between asks as long
    /// as it says; a wait that would end after `within` fails at once. When it is unavailable
    /// (or has not answered by the end of `within`) the local rate limiter decides. Either way
    /// a `RateLimited` error (not retryable) when no slot is found in time.
    pub async fn acquire(&self, within: Duration) -> Result<OwnedSemaphorePermit, Error> {
        let deadline = Instant::now().checked_add(within);
        let period = self.rate.as_ref().map(|(r, _)| r.per / r.count);
        if let Some((rate, local)) = &self.rate {
            let slot = match self.shared.get() {
                Some(shared) => Self::shared_slot(shared.as_ref(), *rate, local, deadline).await,
                None => by(deadline, local.until_ready())
                    .await
                    .ok_or(rate.per / rate.count),
            };
            if let Err(next) = slot {
                return Err(self.no_slot(within, Some(next)));
            }
        }
        match by(deadline, Arc::clone(&self.semaphore).acquire_owned()).await {
            Some(Ok(permit)) => Ok(permit),
            Some(Err(_closed)) => Err(Error::internal("account limiter closed")),
            None => Err(self.no_slot(within, period)),
        }
    }

    /// Takes a rate slot from the coordinator, or from `local` while it is unavailable.
    /// `Err(wait)` when no slot comes before `deadline`, next in about `wait`.
    async fn shared_slot(
        shared: &dyn SharedLimits,
        rate: RateLimit,
        local: &DefaultDirectRateLimiter,
        deadline: Option<Instant>,
    ) -> Result<(), Duration> {
        let period = rate.per / rate.count;
        loop {
            let Some(answer) = by(deadline, shared.rate_slot(rate)).await else {
                // The coordinator used up the whole wait: the local limiter decides at once.
                return local.check().map_err(|_| period);
            };
            match answer {
                None => return by(deadline, local.until_ready()).await.ok_or(period),
                Some(wait) if wait.is_zero() => {
                    // The local limiter keeps this process's own account of its calls, for
                    // when the coordinator becomes unavailable (its verdict is not needed).
                    let _ = local.check();
                    return Ok(());
                }
                Some(wait) => {
                    let wait = wait.max(MIN_ASK_INTERVAL);
                    let until = Instant::now() + wait;
                    if deadline.is_some_and(|d| until > d) {
                        return Err(wait);
                    }
                    tokio::time::sleep_until(until).await;
                }
            }
        }
    }

    /// The error of a call that found no slot within `within`.
    fn no_slot(&self, within: Duration, retry_after: Option<Duration>) -> Error {
        Error::new(
            ErrorKind::RateLimited { retry_after },
            format!(
                "no upstream slot within {} ms (concurrency limit {}{})",
                within.as_millis(),
                self.max_concurrency,
                self.rate
                    .as_ref()
                    .map(|(r, _)| format!(", rate limit {r}"))
                    .unwrap_or_default()
            ),
        )
        .with_retryable(false)
    }
}

#[cfg(test)]
mod tests {
    use super::super::shared::fake::Fake;
    use super::*;
    use std::time::Instant;

    #[test]
    fn rates_parse() {
        assert_eq!(
            "10/s".parse::<RateLimit>().unwrap(),
            RateLimit {
                count: 10,
                per: Duration::from_secs(1)
            }
        );
        assert_eq!(
            " 600 / m ".parse::<RateLimit>().unwrap().per,
            Duration::from_secs(60)
        );
        assert_eq!(
            "5/100ms".parse::<RateLimit>().unwrap().per,
            Duration::from_millis(100)
        );
        for bad in [
            "",
            "10",
            "0/s",
            "x/s",
            "10/fortnight",
            "10/0s",
            "-1/s",
            "1/600y",
            "1/2days",
        ] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn concurrency_is_limited_and_waiting_is_bounded() {
        let l = Limiter::new(2, None);
        let a = l.acquire(Duration::from_millis(10)).await.unwrap();
        let _b = l.acquire(Duration::from_millis(10)).await.unwrap();
        assert_eq!(l.in_flight(), 2);
        let e = l.acquire(Duration::from_millis(20)).await.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }));
        drop(a);
        assert!(l.acquire(Duration::from_millis(10)).await.is_ok());
    }

    #[tokio::test]
    async fn rate_limit_spaces_calls_after_the_burst() {
        let l = Limiter::new(8, Some("5/100ms".parse().unwrap()));
        let started = Instant::now();
        for _ in 0..10 {
            drop(l.acquire(Duration::from_secs(5)).await.unwrap());
        }
        // 5 at once, then one per 20 ms: the 10th is at least ~100 ms in.
        assert!(
            started.elapsed() >= Duration::from_millis(80),
            "{:?}",
            started.elapsed()
        );
    }

    fn hourly(count: u32) -> Option<RateLimit> {
        Some(RateLimit {
            count,
            per: Duration::from_secs(3600),
        })
    }

    fn attach(l: &Limiter, fake: Fake) -> Arc<Fake> {
        let fake = Arc::new(fake);
        l.attach_shared(fake.clone()).unwrap();
        fake
    }

    #[tokio::test]
    async fn an_attached_coordinator_decides_the_rate_slot() {
        // Locally 1 call an hour; the coordinator admits every call.
        let l = Limiter::new(8, hourly(1));
        let fake = attach(&l, Fake::new([], Some(Duration::ZERO), None));
        for _ in 0..5 {
            drop(l.acquire(Duration::from_secs(5)).await.unwrap());
        }
        assert_eq!(Fake::count(&fake.rate_asks), 5);
        // The admitted calls were also counted locally: the coordinator gone, the local
        // limiter has no slot left this hour.
        let l2 = Limiter::new(8, hourly(1));
        let _ = attach(&l2, Fake::new([Some(Duration::ZERO)], None, None));
        drop(l2.acquire(Duration::from_secs(5)).await.unwrap());
        let e = l2.acquire(Duration::from_millis(20)).await.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }), "{e}");
    }

    #[tokio::test]
    async fn a_wait_from_the_coordinator_is_waited_then_asked_again() {
        let l = Limiter::new(8, hourly(1));
        let fake = attach(
            &l,
            Fake::new(
                [
                    Some(Duration::from_millis(5)),
                    Some(Duration::from_millis(5)),
                ],
                Some(Duration::ZERO),
                None,
            ),
        );
        drop(l.acquire(Duration::from_secs(5)).await.unwrap());
        assert_eq!(Fake::count(&fake.rate_asks), 3);
    }

    #[tokio::test]
    async fn a_wait_past_the_deadline_fails_at_once_with_the_coordinators_wait() {
        let l = Limiter::new(8, hourly(1));
        let fake = attach(&l, Fake::new([], Some(Duration::from_secs(600)), None));
        let e = l.acquire(Duration::from_secs(30)).await.unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(600))
            }
        );
        assert!(!e.is_retryable());
        assert!(e.message().contains("rate limit 1/1h"), "{e}");
        assert_eq!(Fake::count(&fake.rate_asks), 1);
    }

    #[tokio::test]
    async fn an_unavailable_coordinator_leaves_the_rate_to_the_local_limiter() {
        let l = Limiter::new(8, hourly(2));
        let fake = attach(&l, Fake::new([], None, None));
        drop(l.acquire(Duration::from_secs(5)).await.unwrap());
        drop(l.acquire(Duration::from_secs(5)).await.unwrap());
        let e = l.acquire(Duration::from_millis(20)).await.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }), "{e}");
        assert_eq!(Fake::count(&fake.rate_asks), 3);
    }

    #[tokio::test]
    async fn without_a_rate_the_coordinator_is_not_asked_and_concurrency_stays_local() {
        let l = Limiter::new(1, None);
        let fake = attach(&l, Fake::new([], Some(Duration::ZERO), None));
        let held = l.acquire(Duration::from_secs(5)).await.unwrap();
        assert!(l.acquire(Duration::from_millis(20)).await.is_err());
        drop(held);
        assert!(l.acquire(Duration::from_secs(5)).await.is_ok());
        assert_eq!(Fake::count(&fake.rate_asks), 0);
        assert!(l.attach_shared(fake).is_err(), "attached once only");
    }

    #[tokio::test]
    async fn a_coordinator_that_does_not_answer_in_time_leaves_it_to_the_local_limiter() {
        let l = Limiter::new(8, hourly(1));
        let mut fake = Fake::new([], Some(Duration::ZERO), None);
        fake.hang = true;
        let fake = attach(&l, fake);
        // The local limiter has one slot this hour: the first call gets it at the end of its
        // wait, the second finds none.
        drop(l.acquire(Duration::from_millis(20)).await.unwrap());
        let e = l.acquire(Duration::from_millis(20)).await.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }), "{e}");
        assert_eq!(Fake::count(&fake.rate_asks), 2);
    }
}
