//! One account's part in the cluster: which shared generation this replica holds, the last
//! write it applied, and the three moves of a refresh (`plan`): load a newer shared snapshot,
//! else take the lease and crawl, else wait for the holder's announcement.

use super::lease::{Acquire, Lease};
use super::snapshots::{self, Keys, Publish, Published};
use super::writes;
use super::Shared;
use crate::account::{Account, Change, CoordinatorInfo, CrawlPermit, Refresh};
use crate::snapshot::Snapshot;
use crate::store::StoreKey;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use unishare_core::Share;

/// What a refresh of the account does (see [`AccountCluster::plan`]).
#[derive(Debug)]
pub enum Plan {
    /// A fresh shared snapshot was loaded (or is already held): nothing to crawl.
    Loaded(Arc<Snapshot>),
    /// Crawl: under the lease (`Some`), or alone because Redis does not answer (`None`).
    Crawl(Option<Lease>),
    /// The lease holder's crawl failed within the failure backoff: no crawl (its message).
    Failed(String),
}

/// What [`AccountCluster::sync`] found.
enum Sync {
    /// Redis did not answer.
    Unavailable,
    /// No shared snapshot (or one that could not be read).
    Nothing,
    /// The shared generation is the one held; its age.
    Current(Duration),
    /// A newer generation was loaded and installed; its age.
    Loaded(Duration),
}

/// One account's cluster state.
pub struct AccountCluster {
    /// Itself, for the tasks it spawns.
    me: std::sync::Weak<AccountCluster>,
    shared: Arc<Shared>,
    keys: Keys,
    key: StoreKey,
    /// The shared generation of the snapshot held (0: none, or crawled alone); shown only.
    generation: AtomicU64,
    /// The publish id of the snapshot held (what is compared).
    held: Mutex<String>,
    /// The publish id this replica is publishing (its own snapshot is not reloaded).
    publishing: Mutex<String>,
    /// The last write-stream id applied.
    last_write: Mutex<String>,
    /// One sync (load, catch-up) at a time.
    sync_lock: tokio::sync::Mutex<()>,
    /// Woken when a new generation was installed.
    loaded: tokio::sync::Notify,
    /// Bytes of the last shared snapshot read or written (sizes the transfer deadline).
    last_size: AtomicU64,
    /// Shared snapshots loaded.
    loads: AtomicU64,
    /// Snapshot publishes under way.
    publishes: AtomicU64,
    /// Writes of this replica not sent yet, in the order they were applied.
    outbox: Mutex<std::collections::VecDeque<Write>>,
    /// True while a task sends the outbox.
    sending: std::sync::atomic::AtomicBool,
}

/// One write of this replica: shares created or changed, native ids revoked.
type Write = (Vec<Arc<Share>>, Vec<String>);

/// Most writes queued for the cluster while Redis does not answer.
pub const MAX_OUTBOX: usize = 10_000;

impl std::fmt::Debug for AccountCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountCluster")
            .field("account", &self.key.account)
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AccountCluster {
    /// The cluster state of the account stored under `key`.
    pub(super) fn new(shared: Arc<Shared>, key: StoreKey) -> Arc<AccountCluster> {
        Arc::new_cyclic(|me| AccountCluster {
            me: me.clone(),
            keys: Keys::of(&shared.namespace, &key),
            shared,
            key,
            generation: AtomicU64::new(0),
            held: Mutex::new(String::new()),
            publishing: Mutex::new(String::new()),
            last_write: Mutex::new("0-0".to_owned()),
            sync_lock: tokio::sync::Mutex::new(()),
            loaded: tokio::sync::Notify::new(),
            last_size: AtomicU64::new(0),
            loads: AtomicU64::new(0),
            publishes: AtomicU64::new(0),
            outbox: Mutex::new(std::collections::VecDeque::new()),
            sending: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The shared generation held (0: none).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Shared snapshots loaded instead of crawling.
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// Whether Redis answers now.
    pub fn redis_up(&self) -> bool {
        self.shared.conn.health.is_up()
    }

    /// Decides a refresh: a fresh shared snapshot is loaded instead of crawling; else the
    /// lease is taken and the caller crawls; while another replica holds the lease, this waits
    /// for its announcement (re-checking every second, and taking the lease if it is freed).
    /// Redis not answering at any step: the caller crawls alone.
    pub async fn plan(&self, account: &Arc<Account>) -> Plan {
        loop {
            let announced = self.loaded.notified();
            match self.sync(account).await {
                Sync::Unavailable => return alone(),
                found => {
                    if let Some(snap) = fresh_snapshot(found, account) {
                        return Plan::Loaded(snap);
                    }
                }
            }
            if let Some(message) = snapshots::recent_failure(&self.shared.conn, &self.keys).await {
                return Plan::Failed(message);
            }
            match Lease::acquire(
                &self.shared.conn,
                &self.keys.lease,
                &self.keys.fence,
                &self.shared.replica,
                self.shared.lease,
            )
            .await
            {
                Acquire::Held(lease) => {
                    let lease = lease.register(&self.shared.leases);
                    // The previous holder may have published and let go between this
                    // replica's look and its lease: look again before calling the vendor.
                    if let Some(snap) = fresh_snapshot(self.sync(account).await, account) {
                        return Plan::Loaded(snap);
                    }
                    return Plan::Crawl(Some(lease));
                }
                Acquire::Unavailable => return alone(),
                Acquire::Busy => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), announced).await;
                }
            }
        }
    }

    /// Loads the shared snapshot when it is another generation than the one held (newer, or
    /// after Redis lost its data), then applies the writes it does not hold; else catches up
    /// with the write stream.
    async fn sync(&self, account: &Arc<Account>) -> Sync {
        let _one = self.sync_lock.lock().await;
        let conn = &self.shared.conn;
        let Some(probe) = snapshots::probe(conn, &self.keys).await else {
            return Sync::Unavailable;
        };
        if probe.generation == 0 {
            return Sync::Nothing;
        }
        let known = |uid: &str| *lock(&self.held) == uid || *lock(&self.publishing) == uid;
        if known(&probe.uid) {
            self.catch_up(account, false).await;
            return Sync::Current(probe.age);
        }
        // This replica's own data is newer (it crawled alone while Redis was away from it):
        // keep it; the next refresh meets the cluster again.
        if let Some(ours) = account.data_age().filter(|ours| *ours < probe.age) {
            *lock(&self.held) = probe.uid.clone();
            self.catch_up(account, false).await;
            return Sync::Current(ours);
        }
        let size = self.last_size.load(Ordering::Relaxed) as usize;
        let Some((probe, data)) = snapshots::fetch(conn, &self.keys, size).await else {
            return Sync::Unavailable;
        };
        if probe.generation == 0 {
            return Sync::Nothing;
        }
        self.last_size.store(data.len() as u64, Ordering::Relaxed);
        let started = Instant::now();
        let key = self.key.clone();
        let (name, kind) = (account.name.clone(), account.kind);
        let age = probe.age;
        // Decoding and indexing 100k shares takes a few hundred ms: off the runtime's threads.
        let built = tokio::task::spawn_blocking(move || {
            crate::store::decode(&data, &key).map(|r| {
                let built_at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
                Snapshot::build(name, kind, r.shares, built_at, r.synced_at, r.skipped)
            })
        })
        .await;
        // A value that cannot be read is not retried until another generation replaces it.
        self.generation.store(probe.generation, Ordering::Release);
        *lock(&self.held) = probe.uid.clone();
        let snap = match built {
            Ok(Ok(snap)) => snap,
            Ok(Err(e)) => {
                metrics::counter!("unishare_cluster_loads_total", "outcome" => "ignored")
                    .increment(1);
                tracing::warn!(account = %self.key.account, generation = probe.generation, error = %e,
                    "the cluster's snapshot of this account was ignored");
                return Sync::Nothing;
            }
            Err(e) => {
                tracing::error!(account = %self.key.account, error = %e, "loading the cluster's snapshot panicked");
                return Sync::Nothing;
            }
        };
        let shares = snap.shares.len();
        account.install_shared(snap);
        *lock(&self.last_write) = probe.writes.clone();
        self.catch_up(account, true).await;
        self.loads.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("unishare_cluster_loads_total", "outcome" => "loaded").increment(1);
        tracing::info!(account = %self.key.account, generation = probe.generation, shares,
            age_ms = age.as_millis() as u64, ms = started.elapsed().as_millis() as u64,
            "loaded the cluster's snapshot");
        self.loaded.notify_waiters();
        Sync::Loaded(age)
    }

    /// Applies the write-stream entries after the last one applied; `own`: also this
    /// replica's (after a load, whose snapshot may not hold them).
    async fn catch_up(&self, account: &Arc<Account>, own: bool) {
        loop {
            let last = lock(&self.last_write).clone();
            let Some(entries) = writes::after(&self.shared.conn, &self.keys.writes, &last).await
            else {
                return;
            };
            let Some(next) = entries.last().map(|e| e.id.clone()) else {
                return;
            };
            let n = entries.len();
            let (upserts, removed) = crate::account::fold(
                entries
                    .into_iter()
                    .filter(|e| own || e.origin != self.shared.replica)
                    .flat_map(|e| {
                        let removed = e.removed.into_iter().map(Change::Remove);
                        e.upserts.into_iter().map(Change::Upsert).chain(removed)
                    }),
            );
            if !upserts.is_empty() || !removed.is_empty() {
                metrics::counter!("unishare_cluster_writes_total", "direction" => "applied")
                    .increment((upserts.len() + removed.len()) as u64);
                account.apply_remote(upserts, removed);
            }
            *lock(&self.last_write) = next;
            if n < writes::BATCH {
                return;
            }
        }
    }

    /// An announcement of another replica: a new generation, or new writes.
    pub(super) async fn on_event(&self, account: &Arc<Account>, generation: Option<u64>) {
        match generation {
            Some(_) => {
                self.sync(account).await;
            }
            None => {
                let _one = self.sync_lock.lock().await;
                self.catch_up(account, false).await;
            }
        }
    }

    /// Catches up after Redis answers again (announcements may have been missed), and sends
    /// the writes queued meanwhile.
    pub(super) async fn resync(&self, account: &Arc<Account>) {
        self.send_outbox();
        self.sync(account).await;
    }

    /// True when nothing of this replica waits to be sent (writes, a snapshot publish).
    pub fn settled(&self) -> bool {
        lock(&self.outbox).is_empty()
            && !self.sending.load(Ordering::Acquire)
            && self.publishes.load(Ordering::Acquire) == 0
    }

    /// Sends a write made through this replica to the others: queued in the order the
    /// writes were applied (the caller holds the account's write lock) and sent by one task at
    /// a time, so the stream keeps that order. When Redis does not answer, the queue waits
    /// (at most [`MAX_OUTBOX`] writes, the oldest dropped past it) and is sent on the next write
    /// or when the replica re-joins.
    pub fn publish_write(&self, upserts: &[Arc<Share>], removed: &[String]) {
        {
            let mut outbox = lock(&self.outbox);
            outbox.push_back((upserts.to_vec(), removed.to_vec()));
            if outbox.len() > MAX_OUTBOX {
                outbox.pop_front();
                metrics::counter!("unishare_cluster_writes_total", "direction" => "dropped")
                    .increment(1);
                tracing::warn!(account = %self.key.account, "the cluster's write queue is full; the oldest write was dropped (other replicas see it at their next crawl)");
            }
        }
        self.send_outbox();
    }

    /// Starts the sender of the write queue unless it runs.
    fn send_outbox(&self) {
        let (Ok(rt), Some(me)) = (tokio::runtime::Handle::try_current(), self.me.upgrade()) else {
            return;
        };
        if self.sending.swap(true, Ordering::AcqRel) {
            return;
        }
        rt.spawn(async move {
            loop {
                let next = lock(&me.outbox).front().cloned();
                let Some((upserts, removed)) = next else {
                    me.sending.store(false, Ordering::Release);
                    // A write queued between the look and the flag: send it too.
                    if lock(&me.outbox).is_empty() || me.sending.swap(true, Ordering::AcqRel) {
                        return;
                    }
                    continue;
                };
                let message = super::events::write_message(&me.key.account, &me.shared.replica);
                let sent = writes::append(
                    &me.shared.conn,
                    &me.keys.writes,
                    &me.shared.replica,
                    &upserts,
                    &removed,
                    &me.shared.channel,
                    &message,
                )
                .await;
                let n = (upserts.len() + removed.len()) as u64;
                if sent.is_none() {
                    metrics::counter!("unishare_cluster_writes_total", "direction" => "queued")
                        .increment(n);
                    tracing::warn!(account = %me.key.account, queued = lock(&me.outbox).len(),
                        "a write could not be sent to the cluster yet; it is sent when Redis answers");
                    me.sending.store(false, Ordering::Release);
                    return;
                }
                lock(&me.outbox).pop_front();
                metrics::counter!("unishare_cluster_writes_total", "direction" => "published")
                    .increment(n);
            }
        });
    }

    /// Publishes the snapshot a crawl under `lease` installed (in the background): encoded off
    /// the runtime's threads, refused by Redis if the lease was lost meanwhile. `crawl_started`:
    /// when the crawl began (the snapshot's age counts from it on every replica).
    pub fn publish_snapshot(&self, lease: Lease, snap: Arc<Snapshot>, crawl_started: Instant) {
        let (Ok(rt), Some(me)) = (tokio::runtime::Handle::try_current(), self.me.upgrade()) else {
            return;
        };
        // Every write applied so far is in the snapshot the crawl installed.
        let writes_held = lock(&self.last_write).clone();
        self.publishes.fetch_add(1, Ordering::AcqRel);
        rt.spawn(async move {
            // Counted down however the task ends.
            let _done = Countdown(&me.publishes);
            let key = me.key.clone();
            let encoded =
                tokio::task::spawn_blocking(move || crate::store::encode_snapshot(&key, &snap))
                    .await;
            let data = match encoded {
                Ok(Ok(d)) => d,
                Ok(Err(e)) => {
                    tracing::warn!(account = %me.key.account, error = %e, "encoding the snapshot for the cluster failed");
                    return;
                }
                Err(_) => return,
            };
            if lease.lost() {
                metrics::counter!("unishare_cluster_publishes_total", "outcome" => "lease_lost")
                    .increment(1);
                return;
            }
            me.last_size.store(data.len() as u64, Ordering::Relaxed);
            let uid = uuid::Uuid::new_v4().simple().to_string();
            *lock(&me.publishing) = uid.clone();
            let message =
                super::events::snapshot_message(&me.key.account, &me.shared.replica, lease.fence);
            let out = snapshots::publish(
                &me.shared.conn,
                &me.keys,
                &Publish {
                    token: &lease.token,
                    generation: lease.fence,
                    data: &data,
                    age: crawl_started.elapsed(),
                    writes: &writes_held,
                    channel: &me.shared.channel,
                    message: &message,
                    uid: &uid,
                },
            )
            .await;
            if out == Published::Yes {
                me.generation.store(lease.fence, Ordering::Release);
                *lock(&me.held) = uid;
                tracing::info!(account = %me.key.account, generation = lease.fence, bytes = data.len(), "published the snapshot to the cluster");
            } else {
                lock(&me.publishing).clear();
                tracing::warn!(account = %me.key.account, outcome = out.as_str(), "the snapshot was not published to the cluster");
            }
            metrics::counter!("unishare_cluster_publishes_total", "outcome" => out.as_str())
                .increment(1);
            drop(lease);
        });
    }
}

#[async_trait::async_trait]
impl crate::account::Coordinator for AccountCluster {
    async fn before_crawl(&self, account: &Arc<Account>) -> Refresh {
        match self.plan(account).await {
            Plan::Loaded(snap) => Refresh::Loaded(snap),
            Plan::Crawl(lease) => Refresh::Crawl(lease.map(|l| CrawlPermit(Box::new(l)))),
            Plan::Failed(message) => Refresh::Failed(unishare_core::Error::upstream_unavailable(
                format!("the crawl of another replica failed: {message}"),
            )),
        }
    }

    fn crawl_failed(&self, permit: CrawlPermit, error: &unishare_core::Error, backoff: Duration) {
        let (Ok(rt), Some(me)) = (tokio::runtime::Handle::try_current(), self.me.upgrade()) else {
            return;
        };
        let message = error.to_string();
        rt.spawn(async move {
            snapshots::record_failure(&me.shared.conn, &me.keys, &message, backoff).await;
            drop(permit);
        });
    }

    fn after_crawl(&self, permit: CrawlPermit, snapshot: Arc<Snapshot>, started: Instant) {
        if let Ok(lease) = permit.0.downcast::<Lease>() {
            self.publish_snapshot(*lease, snapshot, started);
        }
    }

    fn write(&self, upserts: &[Arc<Share>], removed: &[String]) {
        self.publish_write(upserts, removed);
    }

    fn info(&self) -> CoordinatorInfo {
        CoordinatorInfo {
            generation: self.generation(),
            loads: self.loads(),
            up: self.redis_up(),
        }
    }
}

/// Decrements its counter when dropped.
struct Countdown<'a>(&'a AtomicU64);

impl Drop for Countdown<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The account's snapshot when `found` says it is the shared one and younger than `ttl`.
fn fresh_snapshot(found: Sync, account: &Account) -> Option<Arc<Snapshot>> {
    match found {
        Sync::Loaded(age) | Sync::Current(age) if age <= account.policy.ttl => account.current(),
        _ => None,
    }
}

fn alone() -> Plan {
    metrics::counter!("unishare_cluster_fallback_crawls_total").increment(1);
    Plan::Crawl(None)
}
