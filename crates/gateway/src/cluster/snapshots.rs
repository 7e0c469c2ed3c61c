//! An account's shared snapshot: one Redis hash `{ns}:{account}:snap` with the snapshot in the
//! store's format (`crate::store`: versioned, checksummed, zstd; foreign or damaged values are
//! ignored like a damaged file), its generation (the publisher's fencing number, ordered within
//! one life of the Redis data), a unique id of the publish (`uid`: what replicas compare, as the
//! fencing counter starts again if Redis loses its data), the crawl's start in Redis time (`at`,
//! ms) and the last write-stream id it holds (`writes`).

use super::conn::Conn;
use redis::Script;
use std::time::Duration;

/// Publishes only while the lease holds the publisher's token and over an older generation;
/// trims the write stream to what the snapshot does not hold yet, and announces it.
/// `-1`: lease lost; `-2`: a newer generation exists; `1`: published.
static PUBLISH: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local current = tonumber(redis.call('HGET', KEYS[2], 'gen') or '0')
if current >= tonumber(ARGV[2]) then return -2 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = now - tonumber(ARGV[4])
redis.call('HSET', KEYS[2], 'data', ARGV[3], 'gen', ARGV[2], 'at', at, 'writes', ARGV[5], 'uid', ARGV[9])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
if ARGV[5] ~= '0-0' then redis.call('XTRIM', KEYS[3], 'MINID', ARGV[5]) end
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1
",
    )
});

/// The generation, crawl start, write id and the age in ms (by Redis' clock), without data.
static PROBE: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('HMGET', KEYS[1], 'gen', 'at', 'writes', 'uid')
if not v[1] then return {0, 0, '0-0', ''} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {tonumber(v[1]), math.max(0, now - tonumber(v[2])), v[3], v[4]}
",
    )
});

/// Like [`PROBE`], with the data, in one atomic read.
static FETCH: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('HMGET', KEYS[1], 'gen', 'at', 'writes', 'uid', 'data')
if not v[1] then return {0, 0, '0-0', '', ''} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {tonumber(v[1]), math.max(0, now - tonumber(v[2])), v[3], v[4], v[5]}
",
    )
});

/// How long a shared snapshot and its write stream are kept without a new publish.
pub const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// What [`probe`] read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// Generation; 0 = no shared snapshot.
    pub generation: u64,
    /// Age of the crawl the snapshot came from.
    pub age: Duration,
    /// The last write-stream id the snapshot holds.
    pub writes: String,
    /// The publish's unique id.
    pub uid: String,
}

/// The outcome of [`publish`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Published {
    /// Stored and announced.
    Yes,
    /// The lease was lost first: refused.
    LeaseLost,
    /// A newer generation was there first: refused.
    Fenced,
    /// Redis did not answer.
    Unavailable,
}

impl Published {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Published::Yes => "published",
            Published::LeaseLost => "lease_lost",
            Published::Fenced => "fenced",
            Published::Unavailable => "unavailable",
        }
    }
}

/// The Redis keys of one account.
#[derive(Clone, Debug)]
pub struct Keys {
    /// The crawl lease.
    pub lease: String,
    /// Its fencing counter.
    pub fence: String,
    /// The shared snapshot hash.
    pub snap: String,
    /// The write stream.
    pub writes: String,
    /// The last crawl failure, while the failure backoff runs.
    pub failed: String,
}

impl Keys {
    /// The keys of the account stored under `key`: `{ns}:{account}:{source digest}:…`, so that
    /// replicas that name one account but read another server (a base URL or inventory that
    /// differs between their configs) never share a lease or a snapshot.
    pub fn of(namespace: &str, key: &crate::store::StoreKey) -> Keys {
        use sha2::Digest;
        let digest = hex::encode(&sha2::Sha256::digest(key.source.as_bytes())[..4]);
        Keys::new(namespace, &format!("{}:{digest}", key.account))
    }

    /// The keys of `scope` (an account and its source digest) under `namespace`.
    pub fn new(namespace: &str, scope: &str) -> Keys {
        Keys {
            lease: format!("{namespace}:{scope}:lease"),
            fence: format!("{namespace}:{scope}:fence"),
            snap: format!("{namespace}:{scope}:snap"),
            writes: format!("{namespace}:{scope}:writes"),
            failed: format!("{namespace}:{scope}:failed"),
        }
    }
}

/// One publish: what the script needs besides the keys.
pub struct Publish<'a> {
    /// The lease token.
    pub token: &'a str,
    /// The lease's fencing number.
    pub generation: u64,
    /// The encoded snapshot.
    pub data: &'a [u8],
    /// How long ago the crawl started.
    pub age: Duration,
    /// The last write-stream id the snapshot holds.
    pub writes: &'a str,
    /// The channel and the announcement.
    pub channel: &'a str,
    /// The announcement.
    pub message: &'a str,
    /// The publish's unique id.
    pub uid: &'a str,
}

/// Stores, trims and announces (see [`PUBLISH`]).
pub async fn publish(conn: &Conn, keys: &Keys, p: &Publish<'_>) -> Published {
    let mut inv = PUBLISH.prepare_invoke();
    inv.key(&keys.lease).key(&keys.snap).key(&keys.writes);
    inv.arg(p.token)
        .arg(p.generation)
        .arg(p.data)
        .arg(p.age.as_millis() as u64)
        .arg(p.writes)
        .arg(p.channel)
        .arg(p.message)
        .arg(KEEP.as_millis() as u64)
        .arg(p.uid);
    // A large value takes longer than one small command: allow for its transfer.
    let slow =
        conn.with_timeout(conn.timeout + Duration::from_millis((p.data.len() / 10_000) as u64));
    match slow.eval::<i64>("publish", &inv).await {
        Some(1) => Published::Yes,
        Some(-1) => Published::LeaseLost,
        Some(_) => Published::Fenced,
        None => Published::Unavailable,
    }
}

/// The shared snapshot's generation and age, without its data; `None` when Redis fails.
pub async fn probe(conn: &Conn, keys: &Keys) -> Option<Probe> {
    let mut inv = PROBE.prepare_invoke();
    inv.key(&keys.snap);
    let (generation, age, writes, uid): (u64, u64, String, String) =
        conn.eval("probe", &inv).await?;
    Some(Probe {
        generation,
        age: Duration::from_millis(age),
        writes,
        uid,
    })
}

/// The shared snapshot with its data (empty when there is none); `None` when Redis fails.
pub async fn fetch(conn: &Conn, keys: &Keys, expect_bytes: usize) -> Option<(Probe, Vec<u8>)> {
    let mut inv = FETCH.prepare_invoke();
    inv.key(&keys.snap);
    let slow = conn
        .with_timeout(conn.timeout + Duration::from_millis((expect_bytes / 10_000) as u64 + 1_000));
    let (generation, age, writes, uid, data): (u64, u64, String, String, Vec<u8>) =
        slow.eval("fetch", &inv).await?;
    Some((
        Probe {
            generation,
            age: Duration::from_millis(age),
            writes,
            uid,
        },
        data,
    ))
}

/// Records that the lease holder's crawl failed with `message`, for `backoff`: the other
/// replicas then serve their snapshot as failing instead of crawling the sick vendor in turn.
pub async fn record_failure(conn: &Conn, keys: &Keys, message: &str, backoff: Duration) {
    let ms = backoff.as_millis().max(1) as u64;
    let cmd = redis::cmd("SET")
        .arg(&keys.failed)
        .arg(message)
        .arg("PX")
        .arg(ms)
        .to_owned();
    let _: Option<()> = conn.run("failure", &cmd).await;
}

/// The failure recorded by [`record_failure`], while it lasts.
pub async fn recent_failure(conn: &Conn, keys: &Keys) -> Option<String> {
    let cmd = redis::cmd("GET").arg(&keys.failed).to_owned();
    conn.run::<Option<String>>("failure", &cmd).await.flatten()
}
