//! `[cluster] redis_url`: replicas share one snapshot per account in Redis or Valkey
//! (`docs/cluster.md`).
//!
//! - One replica crawls an account at a time, under a lease (`lease.rs`: `SET NX PX`, with a
//!   fencing token from `INCR`); the snapshot it built is published only while it still holds
//!   the lease and only over an older generation (`snapshots.rs`, one Lua script), then
//!   announced on the namespace's channel (`events.rs`); the other replicas load it.
//! - Writes through any replica are appended to the account's write stream and announced
//!   (`writes.rs`); every replica applies the others' writes, and a replica loading a snapshot
//!   replays the writes the snapshot does not hold yet.
//! - The retry budget and per-account rate limits are shared (`limits.rs`).
//! - Redis down, slow or flapping: each command has a deadline (`conn.rs`); a replica whose
//!   commands fail works alone, crawling for itself, logged once and counted (`health.rs`,
//!   `unishare_cluster_*`), never answering a 5xx for it; it re-joins when Redis answers.

pub mod conn;
pub mod health;
pub mod limits;

pub use crate::config::{ClusterConfig, ClusterSection};
pub mod events;
pub mod lease;
pub mod replica;
pub mod snapshots;
pub mod writes;

pub use replica::{AccountCluster, Plan};

use crate::account::Account;
use crate::config::Config;
use conn::Conn;
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// What every account's cluster state shares.
#[derive(Debug)]
pub(crate) struct Shared {
    conn: Conn,
    namespace: String,
    /// This replica's id: `{pid}-{random}`, in lease tokens and on its writes.
    replica: String,
    /// `{ns}:events`.
    channel: String,
    lease: Duration,
    /// The leases this replica holds now.
    leases: lease::Held,
}

/// A replica's membership of the cluster.
pub struct Cluster {
    leases: lease::Held,
    conn: Conn,
    client: redis::Client,
    channel: String,
    replica: String,
    accounts: HashMap<String, (Weak<Account>, Arc<AccountCluster>)>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("replica", &self.replica)
            .field("channel", &self.channel)
            .field("up", &self.conn.health.is_up())
            .finish_non_exhaustive()
    }
}

/// Longest wait at start for the shared snapshots (a Redis that does not answer costs one
/// command timeout; this bounds a very large or very slow transfer).
const JOIN_WAIT: Duration = Duration::from_secs(15);

impl Cluster {
    /// This replica's id.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// True while Redis answers.
    pub fn is_up(&self) -> bool {
        self.conn.health.is_up()
    }

    /// Waits, at most `within`, until every write and snapshot this replica made is sent to
    /// Redis (a command-line run that revoked links exits after this); false when some were
    /// not (Redis does not answer).
    pub async fn settle(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if self.accounts.values().all(|(_, ac)| ac.settled()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Leaves the cluster at shutdown: sends what is queued (at most `within`) and frees the
    /// leases this replica holds, so that another replica crawls at once instead of waiting
    /// for them to lapse (a rolling restart of the crawling replica).
    pub async fn leave(&self, within: Duration) {
        self.settle(within).await;
        lease::release_all(&self.conn, &self.leases).await;
    }

    /// Handles an announcement about `account` (in its own task).
    fn dispatch(&self, account: &str, generation: Option<u64>) {
        let Some((account, ac)) = self.accounts.get(account) else {
            return;
        };
        let Some(account) = account.upgrade() else {
            return;
        };
        let ac = Arc::clone(ac);
        tokio::spawn(async move { ac.on_event(&account, generation).await });
    }

    /// Re-syncs every account (each in its own task).
    fn resync_all(&self) {
        for (account, ac) in self.accounts.values() {
            if let Some(account) = account.upgrade() {
                let ac = Arc::clone(ac);
                tokio::spawn(async move { ac.resync(&account).await });
            }
        }
    }
}

/// `unishare check-config --probe`: whether the `[cluster]`'s Redis answers, with its server
/// version; the error never repeats the URL.
pub async fn probe(cfg: &ClusterConfig) -> Result<String, String> {
    let client = redis::Client::open(cfg.redis_url.expose())
        .map_err(|e| format!("unusable URL ({:?})", e.kind()))?;
    let conn = Conn::open(&client, cfg.timeout).map_err(|e| e.to_string())?;
    let pong: Option<String> = conn.run("probe", &redis::cmd("PING")).await;
    if pong.as_deref() != Some("PONG") {
        return Err(format!(
            "no answer to PING within {}",
            humantime::format_duration(cfg.timeout)
        ));
    }
    let info: String = conn
        .run("probe", redis::cmd("INFO").arg("server"))
        .await
        .unwrap_or_default();
    let version = info
        .lines()
        .find_map(|l| {
            l.strip_prefix("redis_version:")
                .or_else(|| l.strip_prefix("valkey_version:"))
        })
        .unwrap_or("unknown version")
        .trim()
        .to_owned();
    Ok(format!("Redis {version}, namespace {}", cfg.namespace))
}

/// Joins the cluster of `[cluster]`, if configured: attaches every account, loads the shared
/// snapshots (bounded by [`JOIN_WAIT`]; a replica joining a warm cluster serves every share
/// without crawling), and starts the subscriber. Redis down at start: the replica works alone
/// and joins when Redis answers. Call once, before the warm-up.
pub async fn join(config: &Config, accounts: &[Arc<Account>]) -> Option<Arc<Cluster>> {
    let cfg = config.cluster.as_ref()?;
    let started = Instant::now();
    // The URL was parsed at validation; an error here never repeats it.
    let client = match redis::Client::open(cfg.redis_url.expose()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = ?e.kind(), "cluster.redis_url is unusable; the replica works alone");
            return None;
        }
    };
    let conn = match Conn::open(&client, cfg.timeout) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot set up the Redis connection; the replica works alone");
            return None;
        }
    };
    let random = uuid::Uuid::new_v4().simple().to_string();
    let replica = format!("{}-{}", std::process::id(), &random[..8]);
    let shared = Arc::new(Shared {
        conn: conn.clone(),
        namespace: cfg.namespace.clone(),
        replica: replica.clone(),
        channel: format!("{}:events", cfg.namespace),
        lease: cfg.lease,
        leases: Default::default(),
    });
    let mut by_name = HashMap::new();
    let mut joined = Vec::new();
    for (account, account_config) in accounts.iter().zip(&config.accounts) {
        let ac = AccountCluster::new(Arc::clone(&shared), account_config.store_key());
        account.attach_cluster(Arc::clone(&ac) as Arc<dyn crate::account::Coordinator>);
        // The account's retry budget and rate limit become the cluster's.
        if let Some(policy) = account.upstream() {
            limits::attach(policy, conn.clone(), &cfg.namespace, account.name.as_str());
        }
        by_name.insert(
            account.name.as_str().to_owned(),
            (Arc::downgrade(account), Arc::clone(&ac)),
        );
        joined.push((Arc::clone(account), ac));
    }
    let cluster = Arc::new(Cluster {
        leases: Arc::clone(&shared.leases),
        conn,
        client,
        channel: shared.channel.clone(),
        replica,
        accounts: by_name,
    });
    let loads = futures::future::join_all(joined.iter().map(|(a, ac)| ac.resync(a)));
    if tokio::time::timeout(JOIN_WAIT, loads).await.is_err() {
        tracing::warn!(
            "the cluster's snapshots did not all arrive in time; the rest load in the background"
        );
    }
    tokio::spawn(events::subscribe(Arc::downgrade(&cluster)));
    let shares: usize = joined
        .iter()
        .filter_map(|(a, _)| a.current().map(|s| s.shares.len()))
        .sum();
    tracing::info!(namespace = %cfg.namespace, replica = %cluster.replica, up = cluster.is_up(),
        shares, ms = started.elapsed().as_millis() as u64, "joined the cluster");
    Some(cluster)
}

#[cfg(test)]
mod tests;
