//! One configured account: its provider, its current snapshot, and the crawl that refreshes it.
//!
//! Read path (DESIGN.md §1): a fresh snapshot is served as is; past `ttl` it is still served at
//! once while one background crawl runs; if that crawl fails the old snapshot keeps being served
//! (`stale`) until it is `max_stale` old, then the account reports its error (`failed`). With no
//! snapshot yet, a request waits up to `cold_wait` for the shared crawl, then answers without
//! the account (`syncing`) while the crawl goes on. See `docs/snapshot-cache.md`.
//!
//! Snapshot integrity (`docs/resilience.md`): a crawl that fails on any page installs nothing,
//! so a complete snapshot is only ever replaced by another complete one. A record the vendor
//! listed but we could not read keeps its previous version (when its id is known). And a crawl
//! that skipped records *and* shrank by more than [`SHRINK_TOLERANCE_PERCENT`] against the
//! previous snapshot is not believed: the vendor is answering with damaged data, so the old
//! snapshot is kept and the crawl counts as failed. A crawl with no skipped records is always
//! believed, however much it shrank: that is how a legitimate mass revoke looks.

use crate::snapshot::Snapshot;
use chrono::{DateTime, Utc};
use futures::future::{BoxFuture, FutureExt, Shared};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};
use unishare_core::retry::RetryPolicy;
use unishare_core::{
    AccountName, CallContext, Capabilities, Error, ErrorKind, Provider, Share, ShareProvider,
    VendorInterner,
};

/// Cache timing of one account.
#[derive(Clone, Copy, Debug)]
pub struct CachePolicy {
    /// Fresh this long.
    pub ttl: Duration,
    /// Served stale on vendor failure this long.
    pub max_stale: Duration,
    /// A cold request waits this long for the crawl.
    pub cold_wait: Duration,
    /// Most shares per account.
    pub max_shares: usize,
    /// After a failed crawl, no new crawl starts for this long.
    pub failure_backoff: Duration,
}

/// How current an account's data is in a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Younger than `ttl`.
    Fresh,
    /// Older than `ttl` (a refresh runs), or the vendor fails and it is younger than `max_stale`.
    Stale,
    /// No snapshot yet; the first crawl is running.
    Syncing,
    /// No usable snapshot and the vendor fails.
    Failed,
}

/// What a read of one account found.
#[derive(Clone, Debug)]
pub struct AccountRead {
    /// The snapshot to serve, when there is one.
    pub snapshot: Option<Arc<Snapshot>>,
    /// Its state.
    pub state: SyncState,
    /// The latest vendor error, when the account is stale on error or failed.
    pub error: Option<Error>,
}

#[derive(Clone)]
struct Failure {
    error: Error,
    at: Instant,
}

#[derive(Default)]
struct Data {
    snapshot: Option<Arc<Snapshot>>,
    failure: Option<Failure>,
}

enum Change {
    Upsert(Arc<Share>),
    Remove(String),
}

pub use crate::crawl_check::{check_crawl, SHRINK_TOLERANCE_PERCENT};

type CrawlFuture = Shared<BoxFuture<'static, Result<Arc<Snapshot>, Error>>>;

/// Cache counters of one account.
#[derive(Debug, Default)]
pub struct CacheCounters {
    /// Reads served from a fresh snapshot.
    pub hit: AtomicU64,
    /// Reads that found no snapshot.
    pub miss: AtomicU64,
    /// Reads served from a snapshot past its `ttl` (a refresh runs).
    pub stale: AtomicU64,
    /// Reads served from a stale snapshot because the vendor fails.
    pub stale_on_error: AtomicU64,
    /// Crawls that completed.
    pub crawls_ok: AtomicU64,
    /// Crawls that failed.
    pub crawls_failed: AtomicU64,
    /// Records skipped by the last crawls (cumulative).
    pub skipped_records: AtomicU64,
    /// Records kept but damaged: a `url` that is not `http`/`https`, served as `null`
    /// (cumulative over crawls; `docs/security.md`).
    pub damaged_records: AtomicU64,
}

/// One account.
pub struct Account {
    /// Name.
    pub name: AccountName,
    /// Vendor kind.
    pub kind: Provider,
    /// The adapter.
    pub provider: Arc<dyn ShareProvider>,
    /// What it can do.
    pub capabilities: Capabilities,
    /// Cache timing.
    pub policy: CachePolicy,
    /// Cache counters.
    pub counters: CacheCounters,
    data: RwLock<Data>,
    crawl: Mutex<Option<CrawlFuture>>,
    writes: Mutex<Vec<(Instant, Change)>>,
    write_lock: Mutex<()>,
    settled: AtomicBool,
    last_crawl_ms: AtomicU64,
    upstream: OnceLock<RetryPolicy>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Account {
    /// A new account with no snapshot yet.
    pub fn new(provider: Arc<dyn ShareProvider>, policy: CachePolicy) -> Arc<Account> {
        Arc::new(Account {
            name: provider.account().clone(),
            kind: provider.provider(),
            capabilities: provider.capabilities(),
            provider,
            policy,
            counters: CacheCounters::default(),
            data: RwLock::new(Data::default()),
            crawl: Mutex::new(None),
            writes: Mutex::new(Vec::new()),
            write_lock: Mutex::new(()),
            settled: AtomicBool::new(false),
            last_crawl_ms: AtomicU64::new(0),
            upstream: OnceLock::new(),
        })
    }

    /// Attaches the account's upstream call policy (breaker, limiter, stats) so that
    /// `/v1/accounts` can report it. Set once at construction; later calls are ignored.
    pub fn set_upstream(&self, policy: RetryPolicy) {
        let _ = self.upstream.set(policy);
    }

    /// The account's upstream call policy, when the provider was built from configuration.
    pub fn upstream(&self) -> Option<&RetryPolicy> {
        self.upstream.get()
    }

    fn data(&self) -> std::sync::RwLockReadGuard<'_, Data> {
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    fn data_mut(&self) -> std::sync::RwLockWriteGuard<'_, Data> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }

    /// True once the first crawl has finished, successfully or not (readiness).
    pub fn settled(&self) -> bool {
        self.settled.load(Ordering::Relaxed)
    }

    /// The current snapshot, without triggering anything.
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.data().snapshot.clone()
    }

    /// Duration of the last completed crawl, in milliseconds.
    pub fn last_crawl_ms(&self) -> u64 {
        self.last_crawl_ms.load(Ordering::Relaxed)
    }

    /// True while a crawl runs.
    pub fn crawling(&self) -> bool {
        lock(&self.crawl).is_some()
    }

    /// The latest crawl error and when it happened, if the last crawl failed.
    pub fn last_error(&self) -> Option<(Error, Duration)> {
        self.data()
            .failure
            .as_ref()
            .map(|f| (f.error.clone(), f.at.elapsed()))
    }

    fn recently_failed(&self) -> Option<Error> {
        let d = self.data();
        d.failure
            .as_ref()
            .filter(|f| f.at.elapsed() < self.policy.failure_backoff)
            .map(|f| f.error.clone())
    }

    /// Starts a crawl unless one runs; returns the shared crawl. The crawl runs in its own task,
    /// so it goes on even when every waiter gives up.
    pub fn start_crawl(self: &Arc<Self>) -> CrawlFuture {
        let mut slot = lock(&self.crawl);
        if let Some(c) = slot.as_ref() {
            return c.clone();
        }
        let me = Arc::clone(self);
        // The crawl runs in its own task; a second task always frees the slot afterwards, even
        // when the crawl panicked, so that a later request can crawl again.
        let crawl = tokio::spawn(Arc::clone(self).crawl_and_install());
        let handle = tokio::spawn(async move {
            let out = match crawl.await {
                Ok(out) => out,
                Err(e) => {
                    // The panic's payload may hold vendor data: logged here, never returned.
                    tracing::error!(account = %me.name, error = %e, "the crawl task panicked");
                    let error =
                        Error::internal("the crawl failed unexpectedly (see the server log)")
                            .in_account(me.name.as_str(), me.kind)
                            .with_operation("list");
                    me.record_failure(&error);
                    Err(error)
                }
            };
            me.settled.store(true, Ordering::Relaxed);
            *lock(&me.crawl) = None;
            out
        });
        let fut = async move {
            handle.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "the crawl bookkeeping task panicked");
                Err(Error::internal(
                    "the crawl failed unexpectedly (see the server log)",
                ))
            })
        }
        .boxed()
        .shared();
        *slot = Some(fut.clone());
        fut
    }

    /// Starts a background refresh when none runs and the vendor is not in failure backoff.
    pub fn refresh_in_background(self: &Arc<Self>) {
        if self.crawling() || self.recently_failed().is_some() {
            return;
        }
        drop(self.start_crawl());
    }

    async fn crawl_and_install(self: Arc<Self>) -> Result<Arc<Snapshot>, Error> {
        let started = Instant::now();
        let span = tracing::info_span!("crawl", account = %self.name, provider = %self.kind);
        let result = tracing::Instrument::instrument(self.crawl_all(), span).await;
        let result = result.and_then(|(shares, skipped_ids)| {
            let skipped = skipped_ids.len();
            check_crawl(self.current().as_deref(), shares, &skipped_ids)
                .map(|shares| (shares, skipped))
                .map_err(|e| {
                    self.counters
                        .skipped_records
                        .fetch_add(skipped as u64, Ordering::Relaxed);
                    e.in_account(self.name.as_str(), self.kind)
                        .with_operation("list")
                })
        });
        let out = match result {
            Ok((shares, skipped)) => {
                let _w = lock(&self.write_lock);
                let (upserts, removed) = self.changes_since(started);
                let mut snap = Snapshot::build(
                    self.name.clone(),
                    self.kind,
                    shares,
                    started,
                    Utc::now(),
                    skipped,
                );
                if !upserts.is_empty() || !removed.is_empty() {
                    snap = snap.with_changes(&upserts, &removed);
                }
                let snap = Arc::new(snap);
                {
                    let mut d = self.data_mut();
                    d.snapshot = Some(Arc::clone(&snap));
                    d.failure = None;
                }
                lock(&self.writes).retain(|(at, _)| *at >= started);
                let ms = started.elapsed().as_millis() as u64;
                self.last_crawl_ms.store(ms, Ordering::Relaxed);
                self.counters.crawls_ok.fetch_add(1, Ordering::Relaxed);
                self.counters
                    .skipped_records
                    .fetch_add(skipped as u64, Ordering::Relaxed);
                tracing::info!(account = %self.name, shares = snap.shares.len(), skipped, ms, "snapshot built");
                Ok(snap)
            }
            Err(error) => {
                self.record_failure(&error);
                Err(error)
            }
        };
        crate::metrics::record_crawl(self.name.as_str(), out.is_ok(), started.elapsed());
        out
    }

    /// Counts a failed crawl and keeps its error for `state` and the failure backoff.
    fn record_failure(&self, error: &Error) {
        self.counters.crawls_failed.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(account = %self.name, error = %error, "crawl failed; keeping the previous snapshot");
        self.data_mut().failure = Some(Failure {
            error: error.clone(),
            at: Instant::now(),
        });
    }

    async fn crawl_all(&self) -> Result<(Vec<Arc<Share>>, Vec<Option<String>>), Error> {
        let ctx = CallContext::default();
        let mut shares: Vec<Arc<Share>> = Vec::new();
        let mut skipped: Vec<Option<String>> = Vec::new();
        let mut vendor = VendorInterner::default();
        let mut cursor = None;
        let mut pages = 0usize;
        loop {
            let page = self.provider.list_page(cursor.as_ref(), &ctx).await?;
            pages += 1;
            for s in &page.skipped {
                tracing::warn!(account = %self.name, native_id = ?s.native_id, reason = %s.reason, "skipped a vendor record");
            }
            skipped.extend(page.skipped.into_iter().map(|s| s.native_id));
            for s in page.shares.iter().filter(|s| !s.has_servable_urls()) {
                self.counters
                    .damaged_records
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(account = %self.name, native_id = %s.native_id, "vendor record has a url that is not http(s); serving it as null");
            }
            shares.extend(page.shares.into_iter().map(|mut s| {
                // Records mostly repeat a few vendor field sets: keep each once.
                s.vendor = vendor.intern(std::mem::take(&mut s.vendor));
                Arc::new(s)
            }));
            if shares.len() > self.policy.max_shares {
                return Err(Error::new(
                    ErrorKind::UpstreamProtocol,
                    format!(
                        "account has more than {} shares; raise cache.max_shares_per_account",
                        self.policy.max_shares
                    ),
                )
                .in_account(self.name.as_str(), self.kind)
                .with_operation("list"));
            }
            match page.next {
                None => break,
                Some(next) if cursor.as_ref() == Some(&next) => {
                    return Err(Error::upstream_protocol(format!(
                        "vendor returned the same page cursor twice (after {pages} pages)"
                    ))
                    .in_account(self.name.as_str(), self.kind)
                    .with_operation("list"));
                }
                Some(next) => cursor = Some(next),
            }
            if pages > self.policy.max_shares + 1000 {
                return Err(Error::upstream_protocol("vendor list does not end")
                    .in_account(self.name.as_str(), self.kind));
            }
        }
        // A vendor may list a share twice while it changes under the crawl: keep the last.
        let mut seen = std::collections::HashMap::with_capacity(shares.len());
        for (i, s) in shares.iter().enumerate() {
            seen.insert(s.native_id.clone(), i);
        }
        if seen.len() != shares.len() {
            let keep: std::collections::HashSet<usize> = seen.into_values().collect();
            let mut i = 0;
            shares.retain(|_| {
                let k = keep.contains(&i);
                i += 1;
                k
            });
        }
        Ok((shares, skipped))
    }

    fn changes_since(&self, since: Instant) -> (Vec<Arc<Share>>, Vec<String>) {
        let writes = lock(&self.writes);
        let mut upserts: Vec<Arc<Share>> = Vec::new();
        let mut removed = Vec::new();
        for (at, change) in writes.iter() {
            if *at < since {
                continue;
            }
            match change {
                Change::Upsert(s) => {
                    removed.retain(|r: &String| *r != s.native_id);
                    upserts.retain(|u| u.native_id != s.native_id);
                    upserts.push(Arc::clone(s));
                }
                Change::Remove(id) => {
                    upserts.retain(|u| u.native_id != *id);
                    removed.push(id.clone());
                }
            }
        }
        (upserts, removed)
    }

    /// Reads the account for a request (see the module docs).
    pub async fn read(self: &Arc<Self>) -> AccountRead {
        match self.read_now(Instant::now()) {
            Some(read) => read,
            None => self.read_cold().await,
        }
    }

    /// [`Account::read`] when it needs no wait: whenever a snapshot exists (fresh, or stale
    /// with a refresh started in the background). `None` = no snapshot yet: only
    /// [`Account::read`] can serve that (it may wait for the first crawl). `now` is the
    /// caller's clock reading (one per request, whatever the number of accounts).
    pub fn read_now(self: &Arc<Self>, now: Instant) -> Option<AccountRead> {
        let (snap, failure) = {
            let d = self.data();
            (d.snapshot.clone()?, d.failure.clone())
        };
        Some(self.read_snapshot(snap, failure, now))
    }

    /// The read of an account that has a snapshot.
    fn read_snapshot(
        self: &Arc<Self>,
        snap: Arc<Snapshot>,
        failure: Option<Failure>,
        now: Instant,
    ) -> AccountRead {
        let age = now.saturating_duration_since(snap.built_at);
        let failing = failure.as_ref().filter(|f| f.at >= snap.built_at);
        if age <= self.policy.ttl {
            self.counters.hit.fetch_add(1, Ordering::Relaxed);
            return AccountRead {
                snapshot: Some(snap),
                state: SyncState::Fresh,
                error: None,
            };
        }
        self.refresh_in_background();
        match failing {
            Some(f) if age > self.policy.max_stale => AccountRead {
                snapshot: None,
                state: SyncState::Failed,
                error: Some(f.error.clone()),
            },
            Some(f) => {
                self.counters.stale_on_error.fetch_add(1, Ordering::Relaxed);
                AccountRead {
                    snapshot: Some(snap),
                    state: SyncState::Stale,
                    error: Some(f.error.clone()),
                }
            }
            None => {
                self.counters.stale.fetch_add(1, Ordering::Relaxed);
                AccountRead {
                    snapshot: Some(snap),
                    state: SyncState::Stale,
                    error: None,
                }
            }
        }
    }

    /// [`Account::read`] of an account without a snapshot.
    async fn read_cold(self: &Arc<Self>) -> AccountRead {
        self.counters.miss.fetch_add(1, Ordering::Relaxed);
        if let Some(error) = self.recently_failed() {
            return AccountRead {
                snapshot: None,
                state: SyncState::Failed,
                error: Some(error),
            };
        }
        let crawl = self.start_crawl();
        match tokio::time::timeout(self.policy.cold_wait, crawl).await {
            Ok(Ok(snap)) => AccountRead {
                snapshot: Some(snap),
                state: SyncState::Fresh,
                error: None,
            },
            Ok(Err(error)) => AccountRead {
                snapshot: None,
                state: SyncState::Failed,
                error: Some(error),
            },
            Err(_) => AccountRead {
                snapshot: None,
                state: SyncState::Syncing,
                error: None,
            },
        }
    }

    /// Applies a write made through the gateway to the snapshot at once (read-your-writes),
    /// and records it so that a crawl running meanwhile does not undo it.
    pub fn apply(&self, upserts: Vec<Arc<Share>>, removed: Vec<String>) {
        let _w = lock(&self.write_lock);
        {
            let mut log = lock(&self.writes);
            let now = Instant::now();
            for s in &upserts {
                log.push((now, Change::Upsert(Arc::clone(s))));
            }
            for r in &removed {
                log.push((now, Change::Remove(r.clone())));
            }
            // Only a running crawl needs the log; keep it bounded regardless.
            if log.len() > 100_000 {
                let excess = log.len() - 100_000;
                log.drain(..excess);
            }
        }
        let current = self.data().snapshot.clone();
        if let Some(snap) = current {
            let next = Arc::new(snap.with_changes(&upserts, &removed));
            self.data_mut().snapshot = Some(next);
        }
    }

    /// A share the vendor answered for its id alone (a refresh, a create or an update),
    /// completed with what only the listed version reported ([`Share::fill_unreported`]:
    /// KooDrive's detail has no counters, files or space), applied like [`Self::apply`] and
    /// returned.
    pub fn apply_read(&self, mut share: Share) -> Arc<Share> {
        let previous = self
            .current()
            .and_then(|snap| snap.get(&share.native_id).cloned());
        if let Some(previous) = previous {
            share.fill_unreported(&previous);
        }
        let share = Arc::new(share);
        self.apply(vec![Arc::clone(&share)], vec![]);
        share
    }

    /// When the data in the current snapshot was read from the vendor.
    pub fn synced_at(&self) -> Option<DateTime<Utc>> {
        self.data().snapshot.as_ref().map(|s| s.synced_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
    use unishare_core::retry::RetryPolicy;
    use unishare_core::Secret;
    use unishare_testkit::cloudreve::{fault, CloudreveSim, CloudreveSimConfig};
    use unishare_testkit::faults::Fault;

    async fn setup(shares: usize) -> (CloudreveSim, Arc<Account>) {
        let cfg = CloudreveSimConfig {
            seed_shares: shares,
            ..Default::default()
        };
        let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
        let mut pc = CloudreveConfig::new(
            AccountName::new("hq").expect("name"),
            sim.base_url(),
            CloudreveAuth::Password {
                email: cfg.email.clone(),
                password: Secret::new(cfg.password.clone()),
            },
        );
        pc.page_size = 100;
        pc.policy = RetryPolicy::new(Duration::from_secs(5), 0).with_account("hq");
        let provider = Arc::new(CloudreveProvider::new(pc).expect("provider"));
        let account = Account::new(
            provider,
            CachePolicy {
                ttl: Duration::from_secs(60),
                max_stale: Duration::from_secs(600),
                cold_wait: Duration::from_secs(5),
                max_shares: 100_000,
                failure_backoff: Duration::ZERO,
            },
        );
        (sim, account)
    }

    /// Panics on its first list call, then lists nothing.
    struct PanicsOnce {
        name: AccountName,
        calls: AtomicU64,
    }

    #[async_trait::async_trait]
    impl ShareProvider for PanicsOnce {
        fn provider(&self) -> Provider {
            unishare_cloudreve::provider()
        }
        fn account(&self) -> &AccountName {
            &self.name
        }
        fn capabilities(&self) -> unishare_core::Capabilities {
            unishare_cloudreve::CAPABILITIES
        }
        async fn list_page(
            &self,
            _: Option<&unishare_core::PageCursor>,
            _: &CallContext,
        ) -> Result<unishare_core::Page, Error> {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("a bug in a mapper");
            }
            Ok(unishare_core::Page {
                shares: Vec::new(),
                next: None,
                skipped: Vec::new(),
            })
        }
        async fn get(&self, _: &str, _: &CallContext) -> Result<Share, Error> {
            Err(Error::not_found("none"))
        }
        async fn create(
            &self,
            _: &unishare_core::CreateShare,
            _: &CallContext,
        ) -> Result<Share, Error> {
            Err(Error::not_found("none"))
        }
        async fn update(
            &self,
            _: &str,
            _: &unishare_core::UpdateShare,
            _: &CallContext,
        ) -> Result<Share, Error> {
            Err(Error::not_found("none"))
        }
        async fn revoke(
            &self,
            _: &[String],
            _: &CallContext,
        ) -> Result<Vec<unishare_core::RevokeOutcome>, Error> {
            Ok(Vec::new())
        }
    }

    #[tokio::test]
    async fn a_panicking_crawl_fails_cleanly_and_the_next_one_runs() {
        let account = Account::new(
            Arc::new(PanicsOnce {
                name: AccountName::new("hq").expect("name"),
                calls: AtomicU64::new(0),
            }),
            CachePolicy {
                ttl: Duration::from_secs(60),
                max_stale: Duration::from_secs(600),
                cold_wait: Duration::from_secs(5),
                max_shares: 100,
                failure_backoff: Duration::ZERO,
            },
        );
        let err = account.start_crawl().await.expect_err("the crawl panicked");
        assert_eq!(err.kind(), ErrorKind::Internal, "{err}");
        assert!(account.settled());
        // The slot is free again (also when nobody awaited the crawl): a new crawl runs.
        for _ in 0..100 {
            if !account.crawling() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(!account.crawling());
        let snap = account.start_crawl().await.expect("second crawl");
        assert!(snap.shares.is_empty());
        assert_eq!(account.counters.crawls_failed.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_crawl_failing_half_way_never_replaces_a_complete_snapshot() {
        let (sim, account) = setup(250).await;
        let first = account.start_crawl().await.expect("first crawl");
        assert_eq!(first.shares.len(), 250);
        // The first page answers, every later one fails.
        sim.faults()
            .inject("list", Fault::Latency(Duration::ZERO), Some(1));
        sim.faults().inject("list", fault::empty_500(), None);
        let err = account.start_crawl().await.expect_err("crawl must fail");
        assert_eq!(err.kind(), ErrorKind::UpstreamUnavailable, "{err}");
        let kept = account.current().expect("snapshot");
        assert_eq!(kept.generation, first.generation);
        assert_eq!(kept.shares.len(), 250);
        assert_eq!(account.counters.crawls_failed.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_shrunken_crawl_with_unreadable_records_is_not_believed() {
        let (sim, account) = setup(150).await;
        let first = account.start_crawl().await.expect("first crawl");
        // One page of records that cannot be mapped, and the list ends there.
        let junk = serde_json::json!({"shares": [{"name": 1}, {"url": []}, {}], "pagination": {}});
        sim.faults().inject("list", fault::list_data(junk), Some(1));
        let err = account.start_crawl().await.expect_err("must be rejected");
        assert_eq!(err.kind(), ErrorKind::UpstreamProtocol);
        assert!(err.message().contains("not believed"), "{err}");
        assert_eq!(
            account.current().expect("kept").generation,
            first.generation
        );
    }

    #[tokio::test]
    async fn a_mass_revoke_without_errors_is_believed() {
        let (sim, account) = setup(150).await;
        account.start_crawl().await.expect("first crawl");
        sim.clear_shares();
        let snap = account
            .start_crawl()
            .await
            .expect("an empty list is believed");
        assert!(snap.shares.is_empty());
    }

    #[tokio::test]
    async fn an_unreadable_record_keeps_its_previous_version() {
        let (_sim, account) = setup(120).await;
        let prev = account.start_crawl().await.expect("crawl");
        let victim = prev.shares[7].native_id.to_string();
        let shares: Vec<Arc<Share>> = prev
            .shares
            .iter()
            .filter(|s| s.native_id != victim)
            .cloned()
            .collect();
        let out = check_crawl(Some(&prev), shares.clone(), &[Some(victim.clone())]).unwrap();
        assert_eq!(out.len(), 120);
        assert!(out.iter().any(|s| s.native_id == victim));
        // An unreadable record listed twice is carried forward once.
        let out = check_crawl(
            Some(&prev),
            shares.clone(),
            &[Some(victim.clone()), Some(victim.clone())],
        )
        .unwrap();
        assert_eq!(out.len(), 120);
        // A small loss with an unidentifiable bad record is within the tolerance.
        let out = check_crawl(Some(&prev), shares, &[None]).unwrap();
        assert_eq!(out.len(), 119);
    }
}
