//! The namespace's channel `{ns}:events`: announcements of new generations and new writes,
//! received by one subscriber task per replica. Pub/sub delivers at most once, so on every
//! (re)subscription the replica re-syncs every account (a generation or writes may have been
//! announced while it was away); a refresh also looks at Redis before it crawls.

use super::Cluster;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Weak;
use std::time::Duration;

/// One announcement.
#[derive(Debug, Serialize, Deserialize)]
struct Event<'a> {
    /// `snap` or `write`.
    k: &'a str,
    /// The account.
    a: &'a str,
    /// The replica that sent it.
    o: &'a str,
    /// The generation (`snap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    g: Option<u64>,
}

/// The announcement of generation `generation` of `account`.
pub fn snapshot_message(account: &str, replica: &str, generation: u64) -> String {
    serde_json::to_string(&Event {
        k: "snap",
        a: account,
        o: replica,
        g: Some(generation),
    })
    .unwrap_or_default()
}

/// The announcement of a write to `account`.
pub fn write_message(account: &str, replica: &str) -> String {
    serde_json::to_string(&Event {
        k: "write",
        a: account,
        o: replica,
        g: None,
    })
    .unwrap_or_default()
}

/// Subscribes and dispatches until the cluster is dropped; reconnects with a backoff of up to
/// two seconds while Redis does not answer, re-syncing every account after each subscription.
pub(super) async fn subscribe(cluster: Weak<Cluster>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(c) = cluster.upgrade() else { return };
        let connect = tokio::time::timeout(c.conn.timeout, c.client.get_async_pubsub()).await;
        let mut pubsub = match connect {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                c.conn.health.failed("subscribe", &e);
                drop(c);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
            Err(_) => {
                c.conn.health.failed("subscribe", &"no answer in time");
                drop(c);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        if let Err(e) = pubsub.subscribe(&c.channel).await {
            c.conn.health.failed("subscribe", &e);
            drop(c);
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        c.conn.health.ok();
        tracing::debug!(channel = %c.channel, "subscribed to the cluster's announcements");
        c.resync_all();
        let channel = c.channel.clone();
        drop(c);
        let mut messages = pubsub.into_on_message();
        while let Some(msg) = messages.next().await {
            let Some(c) = cluster.upgrade() else { return };
            let payload: Vec<u8> = msg.get_payload_bytes().to_vec();
            let Ok(event) = serde_json::from_slice::<Event>(&payload) else {
                tracing::debug!(%channel, "an announcement that is not unishare's was ignored");
                continue;
            };
            if event.o == c.replica {
                continue;
            }
            c.dispatch(event.a, event.g);
        }
        // The connection closed: Redis went away (or was restarted).
        if let Some(c) = cluster.upgrade() {
            c.conn
                .health
                .failed("subscribe", &"the subscription connection closed");
        }
        tokio::time::sleep(backoff).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_round_trip() {
        let m = snapshot_message("hq", "r1", 7);
        let e: Event = serde_json::from_str(&m).unwrap();
        assert_eq!((e.k, e.a, e.o, e.g), ("snap", "hq", "r1", Some(7)));
        let m = write_message("hq", "r1");
        let e: Event = serde_json::from_str(&m).unwrap();
        assert_eq!((e.k, e.g), ("write", None));
    }
}
