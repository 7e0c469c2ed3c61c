//! What a read of an account serves: the snapshot and its state (fresh, stale, syncing or
//! failed), by the cache policy (see the module docs of [`super`]).

use super::Account;
use crate::snapshot::Snapshot;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use unishare_core::Error;

/// How current an account's data is in a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

/// The latest crawl failure.
#[derive(Clone)]
pub(super) struct Failure {
    pub(super) error: Error,
    pub(super) at: Instant,
}

/// The account's snapshot and latest failure, behind one lock.
#[derive(Default)]
pub(super) struct Data {
    pub(super) snapshot: Option<Arc<Snapshot>>,
    pub(super) failure: Option<Failure>,
}

impl Account {
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
        if age <= self.policy.ttl && !self.restored.load(Ordering::Acquire) {
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
}
