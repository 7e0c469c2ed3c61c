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

//!
//! The work is split by job: [`crawl`] (the crawl and what it installs), [`state`] (what a read
//! serves: fresh, stale, syncing or failed) and [`write_log`] (read-your-writes, and the log
//! that keeps a running crawl from undoing them).

mod coordinator;
mod crawl;
mod state;
mod write_log;

pub use coordinator::{Coordinator, CoordinatorInfo, CrawlPermit, Refresh};
pub use crawl::CrawlFuture;
pub use state::{AccountRead, SyncState};
pub use write_log::{fold, Change};

use crate::snapshot::Snapshot;
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};
use unishare_core::retry::RetryPolicy;
use unishare_core::{AccountName, Capabilities, Error, Provider, ShareProvider};

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

pub use crate::crawl_check::{check_crawl, SHRINK_TOLERANCE_PERCENT};

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
    data: RwLock<state::Data>,
    crawl: Mutex<Option<CrawlFuture>>,
    writes: Mutex<Vec<(Instant, write_log::Change)>>,
    write_lock: Mutex<()>,
    settled: AtomicBool,
    last_crawl_ms: AtomicU64,
    upstream: OnceLock<RetryPolicy>,
    /// `[store]`: where complete crawls are saved.
    store: OnceLock<crate::store::AccountStore>,
    /// The snapshot is the one restored from the store; no crawl has replaced it yet.
    restored: AtomicBool,
    /// `[cluster]`: the account's part in it.
    cluster: OnceLock<Arc<dyn Coordinator>>,
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
            data: RwLock::new(state::Data::default()),
            crawl: Mutex::new(None),
            writes: Mutex::new(Vec::new()),
            write_lock: Mutex::new(()),
            settled: AtomicBool::new(false),
            last_crawl_ms: AtomicU64::new(0),
            upstream: OnceLock::new(),
            store: OnceLock::new(),
            restored: AtomicBool::new(false),
            cluster: OnceLock::new(),
        })
    }

    /// Attaches the `[store]` of this account and installs the snapshot stored there, if one
    /// is whole and matches (served `stale` until the first crawl replaces it; a damaged or
    /// foreign file is logged and ignored). Returns the number of shares restored. Set once;
    /// later calls are ignored.
    pub fn attach_store(&self, store: crate::store::AccountStore) -> usize {
        let restored = store.restore(self.name.clone(), self.kind);
        if self.store.set(store).is_err() {
            return 0;
        }
        let Some(snap) = restored else { return 0 };
        let n = snap.shares.len();
        let mut d = self.data_mut();
        if d.snapshot.is_none() {
            d.snapshot = Some(Arc::new(snap));
            self.restored.store(true, Ordering::Release);
            // Servable at once: ready for a load balancer.
            self.settled.store(true, Ordering::Relaxed);
        }
        n
    }

    /// Attaches the account's part in the `[cluster]`: refreshes then load the shared snapshot
    /// or crawl under the lease, and writes are sent to the other replicas. Set once.
    pub fn attach_cluster(&self, cluster: Arc<dyn Coordinator>) {
        let _ = self.cluster.set(cluster);
    }

    /// The account's part in the `[cluster]`, when it has joined one.
    pub fn cluster(&self) -> Option<&Arc<dyn Coordinator>> {
        self.cluster.get()
    }

    /// Installs a snapshot another replica published (loaded by the cluster): served as is,
    /// its age counting from that replica's crawl. Saved to the `[store]` as a crawl would be.
    pub fn install_shared(&self, snap: Snapshot) -> Arc<Snapshot> {
        let _w = lock(&self.write_lock);
        let snap = Arc::new(snap);
        {
            let mut d = self.data_mut();
            d.snapshot = Some(Arc::clone(&snap));
            d.failure = None;
        }
        self.restored.store(false, Ordering::Release);
        self.settled.store(true, Ordering::Relaxed);
        if let Some(store) = self.store.get() {
            store.save_in_background(Arc::clone(&snap));
        }
        snap
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

    fn data(&self) -> std::sync::RwLockReadGuard<'_, state::Data> {
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    fn data_mut(&self) -> std::sync::RwLockWriteGuard<'_, state::Data> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }

    /// How long ago the data served was read from the vendor; `None` without a snapshot or
    /// while it is the one restored from the store (whose age is unknown until a crawl).
    pub fn data_age(&self) -> Option<Duration> {
        if self.restored.load(Ordering::Acquire) {
            return None;
        }
        self.current().map(|s| s.built_at.elapsed())
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

    /// When the data in the current snapshot was read from the vendor.
    pub fn synced_at(&self) -> Option<DateTime<Utc>> {
        self.data().snapshot.as_ref().map(|s| s.synced_at)
    }
}
