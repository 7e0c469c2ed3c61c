//! Per-account concurrency limit (a semaphore) and optional rate limit (GCRA, `governor`) for
//! vendors with quotas. Both wait at most until the call's deadline; waiting for a slot is
//! local congestion, so it never counts against the vendor's circuit breaker.

use crate::error::{Error, ErrorKind};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("max_concurrency", &self.max_concurrency)
            .field("rate", &self.rate.as_ref().map(|(r, _)| r.to_string()))
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
        }
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
    pub async fn acquire(&self, within: Duration) -> Result<OwnedSemaphorePermit, Error> {
        let wait = async {
            if let Some((_, limiter)) = &self.rate {
                limiter.until_ready().await;
            }
            Arc::clone(&self.semaphore).acquire_owned().await
        };
        match tokio::time::timeout(within, wait).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(Error::internal("account limiter closed")),
            Err(_) => {
                let retry_after = self.rate.as_ref().map(|(r, _)| r.per / r.count);
                Err(Error::new(
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
                .with_retryable(false))
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
}
