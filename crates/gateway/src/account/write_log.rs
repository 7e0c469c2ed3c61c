//! Writes made through the gateway: applied to the snapshot at once (read-your-writes) and
//! logged, so that a crawl that started before them does not undo them when it installs.

use super::{lock, Account};
use std::sync::Arc;
use std::time::Instant;
use unishare_core::Share;

/// One write made through the gateway.
#[derive(Clone)]
pub enum Change {
    /// A share created or changed.
    Upsert(Arc<Share>),
    /// A share revoked, by native id.
    Remove(String),
}

/// Folds writes in order: the last change of each share wins (an upsert after a revoke
/// brings the share back; a revoke after an upsert drops it).
pub fn fold(changes: impl IntoIterator<Item = Change>) -> (Vec<Arc<Share>>, Vec<String>) {
    let mut upserts: Vec<Arc<Share>> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    for change in changes {
        match change {
            Change::Upsert(s) => {
                removed.retain(|r| *r != s.native_id);
                upserts.retain(|u| u.native_id != s.native_id);
                upserts.push(s);
            }
            Change::Remove(id) => {
                upserts.retain(|u| u.native_id != id);
                removed.retain(|r| *r != id);
                removed.push(id);
            }
        }
    }
    (upserts, removed)
}

impl Account {
    /// The writes logged since `since`, folded: the last change of each share wins.
    pub(super) fn changes_since(&self, since: Instant) -> (Vec<Arc<Share>>, Vec<String>) {
        let writes = lock(&self.writes);
        fold(
            writes
                .iter()
                .filter(|(at, _)| *at >= since)
                .map(|(_, change)| change.clone()),
        )
    }

    /// Applies a write made through the gateway to the snapshot at once (read-your-writes),
    /// and records it so that a crawl running meanwhile does not undo it. In a `[cluster]`, it
    /// is also sent to the other replicas.
    pub fn apply(&self, upserts: Vec<Arc<Share>>, removed: Vec<String>) {
        self.apply_changes(upserts, removed, true);
    }

    /// [`Self::apply`] of a write another replica made (received through the cluster): the
    /// same, without sending it on.
    pub fn apply_remote(&self, upserts: Vec<Arc<Share>>, removed: Vec<String>) {
        self.apply_changes(upserts, removed, false);
    }

    fn apply_changes(&self, upserts: Vec<Arc<Share>>, removed: Vec<String>, send: bool) {
        let _w = lock(&self.write_lock);
        // Under the write lock: the cluster receives the writes in the order they apply here.
        if let (true, Some(cluster)) = (send, self.cluster.get()) {
            cluster.write(&upserts, &removed);
        }
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
}
