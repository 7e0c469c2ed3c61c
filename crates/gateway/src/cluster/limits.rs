//! The retry budget and the per-account rate limit, shared by the replicas through Redis
//! (`docs/cluster.md`, "Shared budget and rate limits").
//!
//! [`RedisLimits`] is the [`SharedLimits`] coordinator of one account, attached to the
//! account's [`RetryPolicy`] with [`attach`]:
//!
//! - rate: GCRA in one Lua script on `{namespace}:{account}:rate` (the theoretical arrival time,
//!   in microseconds of Redis' own `TIME`, so the replicas' clocks do not matter), burst
//!   `count` as the local `governor` quota, expiring when idle;
//! - budget: one Lua script on the hash `{namespace}:{account}:budget` `{balance, at}`: refill
//!   by `min_per_sec` since `at`, add the deposits × `ratio`, cap, then take one retry if the
//!   balance holds one. Deposits are counted locally and sent with the next withdrawal, or by a
//!   flush about every second (a task that ends when the coordinator is dropped).
//!
//! Redis failing or late (`Conn` reports it to the cluster's health) gives `None`: the local
//! limiter and budget decide that call, and for [`HOLDOFF`] after a failure Redis is not asked
//! at all, so a dead Redis costs the request path one deadline, not one per call.

use super::conn::Conn;
use redis::Script;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::Duration;
use tokio::time::Instant;
use unishare_core::retry::{RateLimit, RetryBudget, RetryPolicy, SharedLimits};

/// After a failed Redis command, how long the coordinator answers "unavailable" without asking.
pub const HOLDOFF: Duration = Duration::from_secs(1);

/// How often batched deposits are sent when no withdrawal carries them.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// How long an untouched budget hash lives, in milliseconds (a new one starts at the budget's
/// initial balance).
const BUDGET_IDLE_MS: u64 = 600_000;

/// GCRA. KEYS[1]: the TAT (µs). ARGV: emission interval (µs), burst. Returns 0 when admitted
/// (the TAT advanced), else the microseconds until a slot frees (nothing changed).
const RATE_LUA: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local emission = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + emission
local allow_at = new_tat - emission * burst
if allow_at > now then
  return math.ceil(allow_at - now)
end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
";

/// The budget. KEYS[1]: hash {balance, at (s)}. ARGV: deposits, ratio, min_per_sec, cap,
/// initial balance, take (1: withdraw one), idle expiry (ms). Returns 1 when a retry was taken.
const BUDGET_LUA: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local deposits = tonumber(ARGV[1])
local ratio = tonumber(ARGV[2])
local floor = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local v = redis.call('HMGET', KEYS[1], 'balance', 'at')
local balance = tonumber(v[1])
local at = tonumber(v[2])
if balance == nil or at == nil then
  balance = tonumber(ARGV[5])
  at = now
end
if now > at then
  balance = balance + (now - at) * floor
  at = now
end
balance = math.min(cap, balance + deposits * ratio)
local granted = 0
if ARGV[6] == '1' and balance >= 1 then
  balance = balance - 1
  granted = 1
end
redis.call('HSET', KEYS[1], 'balance', string.format('%.17g', balance), 'at', string.format('%.6f', at))
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return granted
";

static RATE: LazyLock<Script> = LazyLock::new(|| Script::new(RATE_LUA));
static BUDGET: LazyLock<Script> = LazyLock::new(|| Script::new(BUDGET_LUA));

/// The budget's numbers, as the local [`RetryBudget`] has them.
#[derive(Clone, Copy, Debug)]
struct BudgetNumbers {
    ratio: f64,
    min_per_sec: f64,
    cap: f64,
    initial: f64,
}

/// One account's rate limit and retry budget in Redis.
#[derive(Debug)]
pub struct RedisLimits {
    conn: Conn,
    rate_key: String,
    budget_key: String,
    budget: BudgetNumbers,
    /// First attempts not yet sent.
    pending: AtomicU64,
    /// Until when Redis is not asked (after a failure).
    quiet_until: Mutex<Option<Instant>>,
}

/// Attaches a [`RedisLimits`] for `account` to `policy`'s limiter and budget (which all clones
/// of the policy share), with the budget's numbers as configured. Call once per account at
/// cluster start, inside the runtime (the deposit flush is a task). `None` when the policy
/// already had a coordinator (it is kept; a warning is logged).
pub fn attach(
    policy: &RetryPolicy,
    conn: Conn,
    namespace: &str,
    account: &str,
) -> Option<Arc<RedisLimits>> {
    let limits = RedisLimits::new(conn, namespace, account, &policy.budget);
    let shared: Arc<dyn SharedLimits> = limits.clone();
    let budget = policy.budget.attach_shared(Arc::clone(&shared)).is_ok();
    let rate = policy.limiter.attach_shared(shared).is_ok();
    if budget && rate {
        Some(limits)
    } else {
        tracing::warn!(
            account,
            "shared limits already attached; the first ones stay"
        );
        None
    }
}

impl RedisLimits {
    /// The coordinator of `account` under `namespace`, applying `budget`'s numbers; starts the
    /// deposit flush (every [`FLUSH_EVERY`]) when called inside a Tokio runtime (else deposits
    /// travel with withdrawals only).
    pub fn new(conn: Conn, namespace: &str, account: &str, budget: &RetryBudget) -> Arc<Self> {
        Self::with_flush(conn, namespace, account, budget, Some(FLUSH_EVERY))
    }

    /// [`RedisLimits::new`] with another flush period; `None`: no periodic flush (deposits
    /// travel with withdrawals and [`RedisLimits::flush`]).
    pub fn with_flush(
        conn: Conn,
        namespace: &str,
        account: &str,
        budget: &RetryBudget,
        flush_every: Option<Duration>,
    ) -> Arc<Self> {
        let limits = Arc::new(RedisLimits {
            conn,
            rate_key: format!("{namespace}:{account}:rate"),
            budget_key: format!("{namespace}:{account}:budget"),
            budget: BudgetNumbers {
                ratio: budget.ratio(),
                min_per_sec: budget.min_per_sec(),
                cap: budget.cap(),
                initial: budget.initial_balance(),
            },
            pending: AtomicU64::new(0),
            quiet_until: Mutex::new(None),
        });
        if let (Some(every), Ok(runtime)) = (flush_every, tokio::runtime::Handle::try_current()) {
            runtime.spawn(flush_loop(Arc::downgrade(&limits), every));
        }
        limits
    }

    /// The Redis key of the rate limit.
    pub fn rate_key(&self) -> &str {
        &self.rate_key
    }

    /// The Redis key of the budget.
    pub fn budget_key(&self) -> &str {
        &self.budget_key
    }

    /// Deposits counted but not yet sent.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Sends the pending deposits now (the periodic flush does this by itself). False when
    /// Redis was not reached (the deposits are then dropped, see `budget_call`).
    pub async fn flush(&self) -> bool {
        if self.pending() == 0 {
            return true;
        }
        self.budget_call(false).await.is_some()
    }

    fn lock_quiet(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.quiet_until.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True while a recent failure says not to ask Redis.
    fn quiet(&self) -> bool {
        let mut q = self.lock_quiet();
        match *q {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                *q = None;
                false
            }
            None => false,
        }
    }

    /// Notes the outcome of a command: a failure starts the hold-off.
    fn note<T>(&self, answer: Option<T>) -> Option<T> {
        if answer.is_none() {
            *self.lock_quiet() = Instant::now().checked_add(HOLDOFF);
        }
        answer
    }

    /// Runs the budget script with the pending deposits (`take`: also withdraw one).
    ///
    /// Deposits that do not reach Redis (a failed call, or made during the hold-off) are
    /// dropped: the local budget had them, and a late answer may mean the script ran, so
    /// sending them again could count them twice (a retry storm is worse than a retry too
    /// few).
    async fn budget_call(&self, take: bool) -> Option<bool> {
        let deposits = self.pending.swap(0, Ordering::AcqRel);
        if self.quiet() {
            return None;
        }
        let b = self.budget;
        let mut call = BUDGET.key(&self.budget_key);
        call.arg(deposits)
            .arg(b.ratio)
            .arg(b.min_per_sec)
            .arg(b.cap)
            .arg(b.initial)
            .arg(if take { "1" } else { "0" })
            .arg(BUDGET_IDLE_MS);
        let answer: Option<i64> = self.conn.eval("limits_budget", &call).await;
        self.note(answer.map(|granted| granted == 1))
    }
}

/// Counts one decision (`rate` slot or `budget` withdrawal) left to the local limiter or
/// budget because Redis was unavailable: `unishare_cluster_limits_local_total{kind}`.
fn local_decision(kind: &'static str) {
    metrics::counter!("unishare_cluster_limits_local_total", "kind" => kind).increment(1);
}

/// Sends the pending deposits once per `every` until the coordinator is dropped.
async fn flush_loop(limits: Weak<RedisLimits>, every: Duration) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(limits) = limits.upgrade() else {
            return;
        };
        limits.flush().await;
    }
}

#[async_trait::async_trait]
impl SharedLimits for RedisLimits {
    async fn rate_slot(&self, rate: RateLimit) -> Option<Duration> {
        if rate.count == 0 || rate.per.is_zero() {
            return None;
        }
        let answer: Option<i64> = if self.quiet() {
            None
        } else {
            let emission_us = rate.per.as_secs_f64() * 1e6 / f64::from(rate.count);
            let mut call = RATE.key(&self.rate_key);
            call.arg(emission_us).arg(rate.count);
            self.note(self.conn.eval("limits_rate", &call).await)
        };
        if answer.is_none() {
            local_decision("rate");
        }
        answer.map(|wait_us| Duration::from_micros(wait_us.max(0) as u64))
    }

    fn deposit(&self) {
        self.pending.fetch_add(1, Ordering::Relaxed);
    }

    async fn try_withdraw(&self) -> Option<bool> {
        let granted = self.budget_call(true).await;
        if granted.is_none() {
            local_decision("budget");
        }
        granted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unishare_core::retry::Idempotency;
    use unishare_core::Error;
    use unishare_testkit::redis::RedisServer;

    const TIMEOUT: Duration = Duration::from_millis(300);

    fn server() -> RedisServer {
        RedisServer::start().expect("redis-server (scripts/install-redis.sh)")
    }

    fn conn(server: &RedisServer) -> Conn {
        let client = redis::Client::open(server.url()).expect("redis url");
        Conn::open(&client, TIMEOUT).expect("lazy connection")
    }

    /// Two replicas' coordinators of one account, each with its own connection.
    fn replicas(server: &RedisServer, budget: &RetryBudget) -> [Arc<RedisLimits>; 2] {
        [0, 1].map(|_| RedisLimits::new(conn(server), "t", "acc:1/ü", budget))
    }

    fn per_hour(count: u32) -> RateLimit {
        RateLimit {
            count,
            per: Duration::from_secs(3600),
        }
    }

    /// Asks `f` until it gives `Some`, for at most ~10 s
    /// (Redis coming back, the hold-off ending).
    async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
        mut f: impl FnMut() -> F,
    ) -> Option<T> {
        for _ in 0..100 {
            if let Some(v) = f().await {
                return Some(v);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }

    #[tokio::test]
    async fn the_rate_burst_is_for_the_cluster_not_per_replica() {
        let redis = server();
        let [a, b] = replicas(&redis, &RetryBudget::default());
        let rate = per_hour(5);
        let (mut admitted, mut refused) = (0, 0);
        for _ in 0..20 {
            for r in [&a, &b] {
                match r.rate_slot(rate).await {
                    Some(Duration::ZERO) => admitted += 1,
                    Some(wait) => {
                        // Nothing frees before the next emission (12 minutes at 5/h).
                        assert!(wait <= Duration::from_secs(720), "{wait:?}");
                        refused += 1;
                    }
                    None => panic!("Redis is up"),
                }
            }
        }
        assert_eq!((admitted, refused), (5, 35));
        assert!(a.conn.health.is_up());
        // Another account has its own limit.
        let other = RedisLimits::new(conn(&redis), "t", "acc:2", &RetryBudget::default());
        assert_eq!(other.rate_slot(rate).await, Some(Duration::ZERO));
    }

    #[tokio::test]
    async fn a_refused_slot_is_free_after_the_wait_it_named() {
        let redis = server();
        let [a, b] = replicas(&redis, &RetryBudget::default());
        let rate: RateLimit = "2/100ms".parse().expect("rate");
        assert_eq!(a.rate_slot(rate).await, Some(Duration::ZERO));
        assert_eq!(b.rate_slot(rate).await, Some(Duration::ZERO));
        let wait = a.rate_slot(rate).await.expect("Redis is up");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(50),
            "{wait:?}"
        );
        tokio::time::sleep(wait).await;
        assert_eq!(b.rate_slot(rate).await, Some(Duration::ZERO));
    }

    #[tokio::test]
    async fn the_budget_is_one_for_all_replicas() {
        let redis = server();
        // Ratio 0.2, no floor: the starting balance 1 plus 0.2 a first attempt.
        let budget = RetryBudget::new(0.2, 0.0);
        let [a, b] = replicas(&redis, &budget);
        let mut granted = 0;
        for _ in 0..20 {
            for _ in 0..5 {
                a.deposit();
                b.deposit();
            }
            for r in [&a, &b] {
                while r.try_withdraw().await.expect("Redis is up") {
                    granted += 1;
                }
            }
        }
        // 1 + 0.2 × 200 (the float sum may fall just short of 41): not twice that.
        assert!((40..=41).contains(&granted), "granted {granted}");
        assert_eq!((a.pending(), b.pending()), (0, 0));
    }

    #[tokio::test]
    async fn deposits_on_one_replica_fund_retries_on_another() {
        let redis = server();
        let budget = RetryBudget::new(0.2, 0.0);
        let [a, b] = replicas(&redis, &budget);
        for _ in 0..25 {
            a.deposit();
        }
        // The periodic flush sends them without any withdrawal on `a`.
        let flushed = eventually(|| async { (a.pending() == 0).then_some(()) }).await;
        assert!(flushed.is_some(), "the flush task sent the deposits");
        let mut granted = 0;
        while b.try_withdraw().await.expect("Redis is up") {
            granted += 1;
        }
        // 1 + 25 × 0.2 = 6 (or 5 by float error); `b` alone would have had 1.
        assert!((5..=6).contains(&granted), "granted {granted}");
    }

    #[tokio::test]
    async fn the_cap_holds_for_the_cluster() {
        let redis = server();
        let budget = RetryBudget::new(0.2, 0.0);
        assert_eq!(budget.cap(), 10.0);
        let [a, b] = replicas(&redis, &budget);
        for _ in 0..1000 {
            a.deposit();
            b.deposit();
        }
        assert!(a.flush().await && b.flush().await);
        let mut granted = 0;
        loop {
            let (x, y) = (a.try_withdraw().await, b.try_withdraw().await);
            let n = [x, y].iter().filter(|g| **g == Some(true)).count();
            if n == 0 {
                break;
            }
            granted += n;
        }
        // Each replica alone would save up 10: a retry storm of 20 across two.
        assert_eq!(granted, 10);
    }

    #[tokio::test]
    async fn redis_gone_means_local_decisions_until_it_returns() {
        let mut redis = server();
        // No periodic flush: the test decides when deposits travel.
        let a = RedisLimits::with_flush(conn(&redis), "t", "a", &RetryBudget::new(0.2, 0.0), None);
        let rate = per_hour(5);
        assert_eq!(a.rate_slot(rate).await, Some(Duration::ZERO));
        redis.kill();
        assert_eq!(
            tokio::time::timeout(TIMEOUT * 10, a.rate_slot(rate))
                .await
                .expect("bounded"),
            None
        );
        assert!(!a.conn.health.is_up());
        for _ in 0..10 {
            a.deposit();
        }
        assert_eq!(
            tokio::time::timeout(TIMEOUT * 10, a.try_withdraw())
                .await
                .expect("bounded"),
            None
        );
        assert_eq!(a.pending(), 0, "dropped");
        // Within the hold-off Redis is not asked, and deposits are dropped too.
        a.deposit();
        assert!(!a.flush().await);
        assert_eq!(a.pending(), 0);

        redis.restart().expect("restart");
        let slot = eventually(|| a.rate_slot(rate)).await;
        assert_eq!(slot, Some(Duration::ZERO), "asked again after the hold-off");
        assert!(a.conn.health.is_up());
        // An empty Redis: a new budget (1); the 11 deposits made while it was gone are not
        // counted (2 more retries otherwise).
        for _ in 0..4 {
            a.deposit();
        }
        assert_eq!(a.try_withdraw().await, Some(true));
        assert_eq!(a.try_withdraw().await, Some(false));
        assert_eq!(a.pending(), 0);
    }

    #[tokio::test]
    async fn a_hung_redis_is_given_up_on_within_the_deadline() {
        let redis = Arc::new(server());
        let [a, _b] = replicas(&redis, &RetryBudget::default());
        let rate = per_hour(5);
        assert_eq!(a.rate_slot(rate).await, Some(Duration::ZERO));
        let frozen = Arc::clone(&redis);
        let freeze = tokio::task::spawn_blocking(move || frozen.freeze_for(Duration::from_secs(3)));
        let stopped = eventually(|| async { (!redis.ping()).then_some(()) }).await;
        assert!(stopped.is_some(), "redis-server stopped answering");
        let answer = tokio::time::timeout(TIMEOUT * 10, a.rate_slot(rate)).await;
        assert_eq!(answer.expect("bounded by the command deadline"), None);
        assert!(!a.conn.health.is_up());
        freeze.await.expect("freeze");
        let slot = eventually(|| a.rate_slot(rate)).await;
        assert_eq!(slot, Some(Duration::ZERO));
    }

    #[tokio::test]
    async fn attached_to_two_replicas_policies_retries_come_from_one_budget() {
        let redis = server();
        // No income, no floor: the cluster has the starting balance of 1 retry.
        let policy = |_| {
            let mut p = RetryPolicy::new(Duration::from_millis(500), 3).with_account("acc");
            p.base_delay = Duration::from_millis(1);
            p.budget = Arc::new(RetryBudget::new(0.0, 0.0));
            p
        };
        let replicas = [policy(0), policy(1)];
        for p in &replicas {
            assert!(attach(p, conn(&redis), "t", "acc").is_some());
            // A second coordinator is refused; the first stays.
            assert!(attach(p, conn(&redis), "t", "acc").is_none());
        }
        let mut attempts = 0;
        for p in &replicas {
            let _: Result<(), Error> = p
                .run("get", Idempotency::Idempotent, |_| {
                    attempts += 1;
                    async { Err(Error::upstream_unavailable("503")) }
                })
                .await;
        }
        // Two calls, one retry between them (each replica alone would have retried once: 4
        // attempts); both calls end on a spent budget.
        assert_eq!(attempts, 3);
        let exhausted: u64 = replicas
            .iter()
            .map(|p| p.stats.snapshot().budget_exhausted)
            .sum();
        assert_eq!(exhausted, 2);
    }
}
