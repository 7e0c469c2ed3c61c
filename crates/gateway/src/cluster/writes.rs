//! An account's write stream `{ns}:{account}:writes`: every write made through a replica (a
//! create, an update, a revoke), in the store's share form, with the replica that made it.
//! Appended and announced in one script; read by id (`XRANGE (last +`), so a replica that
//! missed an announcement catches up at the next one or when it re-joins.

use super::conn::Conn;
use redis::{Script, Value};
use std::sync::Arc;
use unishare_core::Share;

/// Appends, keeps the stream for [`super::snapshots::KEEP`], announces; returns the new id.
static APPEND: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'origin', ARGV[1], 'data', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return id
",
    )
});

/// Most entries kept per account between two snapshots (the snapshot holds the older ones).
pub const MAX_ENTRIES: u64 = 100_000;
/// Entries read per `XRANGE`.
pub const BATCH: usize = 500;

/// One write of the stream.
#[derive(Debug)]
pub struct Entry {
    /// Its stream id.
    pub id: String,
    /// The replica that made it.
    pub origin: String,
    /// Shares created or changed.
    pub upserts: Vec<Arc<Share>>,
    /// Shares revoked, by native id.
    pub removed: Vec<String>,
}

/// The body of one entry: `{"u": [stored shares], "r": [native ids]}`.
fn encode(upserts: &[Arc<Share>], removed: &[String]) -> Option<Vec<u8>> {
    let shares = crate::store::encode_shares(upserts).ok()?;
    let removed = serde_json::to_vec(removed).ok()?;
    let mut out = Vec::with_capacity(shares.len() + removed.len() + 12);
    out.extend_from_slice(b"{\"u\":");
    out.extend_from_slice(&shares);
    out.extend_from_slice(b",\"r\":");
    out.extend_from_slice(&removed);
    out.push(b'}');
    Some(out)
}

#[derive(serde::Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    u: &'a serde_json::value::RawValue,
    r: Vec<String>,
}

fn decode(data: &[u8]) -> Option<(Vec<Arc<Share>>, Vec<String>)> {
    let body: Body = serde_json::from_slice(data).ok()?;
    let upserts = crate::store::decode_shares(body.u.get().as_bytes()).ok()?;
    Some((upserts, body.r))
}

/// Appends one write and announces `message` on `channel`; `None` when Redis fails.
pub async fn append(
    conn: &Conn,
    key: &str,
    origin: &str,
    upserts: &[Arc<Share>],
    removed: &[String],
    channel: &str,
    message: &str,
) -> Option<String> {
    let data = encode(upserts, removed)?;
    let mut inv = APPEND.prepare_invoke();
    inv.key(key)
        .arg(origin)
        .arg(data)
        .arg(channel)
        .arg(message)
        .arg(MAX_ENTRIES)
        .arg(super::snapshots::KEEP.as_millis() as u64);
    conn.eval("write_append", &inv).await
}

/// The entries after `last` (`"0-0"`: from the start), at most one batch; `None` when Redis
/// fails. An entry that does not decode is logged and returned empty, so that it is passed.
pub async fn after(conn: &Conn, key: &str, last: &str) -> Option<Vec<Entry>> {
    let start = if last == "0-0" {
        "-".to_owned()
    } else {
        format!("({last}")
    };
    let cmd = redis::cmd("XRANGE")
        .arg(key)
        .arg(start)
        .arg("+")
        .arg("COUNT")
        .arg(BATCH)
        .to_owned();
    let value: Value = conn.run("write_read", &cmd).await?;
    Some(entries(value))
}

/// Parses an `XRANGE` reply: `[[id, [field, value, …]], …]`.
fn entries(value: Value) -> Vec<Entry> {
    let Value::Array(items) = value else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Array(mut parts) = item else {
            continue;
        };
        if parts.len() != 2 {
            continue;
        }
        let fields = parts.pop();
        let Some(id) = parts.pop().and_then(|v| text(&v)) else {
            continue;
        };
        let mut origin = String::new();
        let mut data: &[u8] = b"";
        let fields = match &fields {
            Some(Value::Array(f)) => f.as_slice(),
            _ => &[],
        };
        for pair in fields.chunks(2) {
            match (pair.first().and_then(text).as_deref(), pair.get(1)) {
                (Some("origin"), Some(v)) => origin = text(v).unwrap_or_default(),
                (Some("data"), Some(Value::BulkString(b))) => data = b,
                _ => {}
            }
        }
        let (upserts, removed) = decode(data).unwrap_or_else(|| {
            tracing::warn!(id = %id, "an undecodable entry of the cluster's write stream was passed");
            (Vec::new(), Vec::new())
        });
        out.push(Entry {
            id,
            origin,
            upserts,
            removed,
        });
    }
    out
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}
