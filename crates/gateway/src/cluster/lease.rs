//! The crawl lease of one account: at most one replica crawls it at a time.
//!
//! Taken with `SET {lease} … NX PX {lease}`; its holder's token carries a fencing number from
//! `INCR {fence}`, which becomes the generation of the snapshot it publishes. The holder renews
//! it every third of its duration while it crawls; the publish script (`snapshots.rs`) checks
//! that the lease still holds this token and that no newer generation was published, so a
//! holder that lost its lease (paused past it, Redis restarted) cannot overwrite anything.

use super::conn::Conn;
use redis::Script;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Takes the lease when free: `NX` first, so that a busy lease costs no fencing number.
static ACQUIRE: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('SET', KEYS[1], 'taking', 'NX', 'PX', ARGV[2]) then
  local fence = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. fence, 'PX', ARGV[2])
  return fence
end
return 0
",
    )
});

/// Extends the lease if it is still ours.
static RENEW: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// Frees the lease if it is still ours.
static RELEASE: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// A held lease. Dropping it stops the renewal and frees the lease (in the background).
#[derive(Debug)]
pub struct Lease {
    conn: Conn,
    key: String,
    /// `{replica}:{fence}`: what the lease key holds while it is ours.
    pub token: String,
    /// The fencing number: the generation of what this holder publishes.
    pub fence: u64,
    lost: Arc<AtomicBool>,
    renewal: tokio::task::JoinHandle<()>,
    /// Where the replica keeps the leases it holds (freed together at shutdown).
    registry: Option<Held>,
}

/// The leases a replica holds, by key: token (see [`release_all`]).
pub type Held = Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>;

fn lock_held(held: &Held) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, String>> {
    held.lock().unwrap_or_else(|p| p.into_inner())
}

/// Frees every lease in `held` now (a replica shutting down), so that another replica takes
/// over at once instead of after the lease's duration. Bounded by the command deadline.
pub async fn release_all(conn: &Conn, held: &Held) {
    let leases: Vec<(String, String)> = lock_held(held).drain().collect();
    for (key, token) in leases {
        let mut inv = RELEASE.prepare_invoke();
        inv.key(&key).arg(&token);
        let _: Option<i64> = conn.eval("lease_release", &inv).await;
    }
}

/// What an attempt to take the lease found.
#[derive(Debug)]
pub enum Acquire {
    /// Ours.
    Held(Lease),
    /// Another replica holds it.
    Busy,
    /// Redis did not answer.
    Unavailable,
}

impl Lease {
    /// Tries once to take the lease `key` (its fencing counter at `fence_key`) for `ttl`.
    pub async fn acquire(
        conn: &Conn,
        key: &str,
        fence_key: &str,
        replica: &str,
        ttl: Duration,
    ) -> Acquire {
        let ms = ttl.as_millis() as u64;
        let mut inv = ACQUIRE.prepare_invoke();
        inv.key(key).key(fence_key).arg(replica).arg(ms);
        let fence: u64 = match conn.eval("lease", &inv).await {
            Some(f) => f,
            None => return Acquire::Unavailable,
        };
        if fence == 0 {
            metrics::counter!("unishare_cluster_leases_total", "outcome" => "busy").increment(1);
            return Acquire::Busy;
        }
        metrics::counter!("unishare_cluster_leases_total", "outcome" => "acquired").increment(1);
        let token = format!("{replica}:{fence}");
        let lost = Arc::new(AtomicBool::new(false));
        let renewal = tokio::spawn(renew(
            conn.clone(),
            key.to_owned(),
            token.clone(),
            ttl,
            Arc::clone(&lost),
        ));
        Acquire::Held(Lease {
            conn: conn.clone(),
            key: key.to_owned(),
            token,
            fence,
            lost,
            renewal,
            registry: None,
        })
    }

    /// Records the lease in `held` while it lives.
    pub fn register(mut self, held: &Held) -> Lease {
        lock_held(held).insert(self.key.clone(), self.token.clone());
        self.registry = Some(Arc::clone(held));
        self
    }

    /// True once a renewal found the lease taken by someone else or gone.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::Acquire)
    }
}

/// Renews every third of `ttl` until the lease is lost or the task is aborted. A renewal that
/// Redis does not answer is retried at the next tick (the lease may still be ours).
async fn renew(conn: Conn, key: String, token: String, ttl: Duration, lost: Arc<AtomicBool>) {
    let mut tick = tokio::time::interval(ttl / 3);
    tick.tick().await;
    loop {
        tick.tick().await;
        let mut inv = RENEW.prepare_invoke();
        inv.key(&key).arg(&token).arg(ttl.as_millis() as u64);
        if let Some(0) = conn.eval::<i64>("lease_renew", &inv).await {
            lost.store(true, Ordering::Release);
            metrics::counter!("unishare_cluster_leases_total", "outcome" => "lost").increment(1);
            tracing::warn!(lease = %key, "the crawl lease was lost; this crawl will not be published");
            return;
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewal.abort();
        if let Some(held) = &self.registry {
            lock_held(held).remove(&self.key);
        }
        let (conn, key, token) = (self.conn.clone(), self.key.clone(), self.token.clone());
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let mut inv = RELEASE.prepare_invoke();
                inv.key(&key).arg(&token);
                let _: Option<i64> = conn.eval("lease_release", &inv).await;
            });
        }
    }
}
