//! Serialized list responses, so that a dashboard polling the same URL costs a hash lookup.
//!
//! The body of a list response is a pure function of: the raw query string (filters, sort,
//! order, limit, cursor) and, for each account read, its snapshot generation and sync state
//! (names, `synced_at`, shares and `total` all follow from the snapshot; generations are unique
//! in the process, and the cache belongs to one [`crate::AppState`], so they also pin its cursor
//! key and the key's visible accounts), and whether secrets are revealed (a `secrets` key's
//! body, with access codes, is kept apart from the redacted one and only ever served to a key
//! that reveals too). Only responses without errors or missing accounts are cached. Entries are
//! weighed by size (at most [`PAGE_CACHE_BYTES`] in all) and expire after [`PAGE_CACHE_TTL`]; a
//! new snapshot changes the key, so a stale body is never served.

use crate::account::{Account, AccountRead, SyncState};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// Most bytes of cached list responses.
pub const PAGE_CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// Lifetime of a cached list response.
pub const PAGE_CACHE_TTL: Duration = Duration::from_secs(60);

/// The key of one cached response.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    raw: Box<str>,
    /// The body holds access codes.
    reveal: bool,
    /// (generation, sync state) of each account read, in order.
    accounts: Box<[(u64, u8)]>,
}

impl PageKey {
    /// The key of a list response, or `None` when that response must not be cached (an
    /// account failing, syncing or missing).
    pub fn new(
        raw: Option<&str>,
        reveal: bool,
        reads: &[(Arc<Account>, AccountRead)],
    ) -> Option<PageKey> {
        let mut accounts = Vec::with_capacity(reads.len());
        for (_, read) in reads {
            if read.error.is_some() {
                return None;
            }
            let state = match read.state {
                SyncState::Fresh => 0,
                SyncState::Stale => 1,
                SyncState::Syncing | SyncState::Failed => return None,
            };
            accounts.push((read.snapshot.as_ref()?.generation, state));
        }
        Some(PageKey {
            raw: raw.unwrap_or("").into(),
            reveal,
            accounts: accounts.into(),
        })
    }
}

/// The cache (one per [`crate::AppState`]).
pub struct PageCache(moka::sync::Cache<PageKey, Bytes>);

impl Default for PageCache {
    fn default() -> Self {
        PageCache(
            moka::sync::Cache::builder()
                .max_capacity(PAGE_CACHE_BYTES)
                .weigher(|k: &PageKey, v: &Bytes| {
                    u32::try_from(v.len() + k.raw.len() + 64).unwrap_or(u32::MAX)
                })
                .time_to_live(PAGE_CACHE_TTL)
                .build(),
        )
    }
}

impl PageCache {
    /// The cached body for `key`.
    pub fn get(&self, key: &PageKey) -> Option<Bytes> {
        self.0.get(key)
    }

    /// Keeps `body` under `key`.
    pub fn insert(&self, key: PageKey, body: Bytes) {
        self.0.insert(key, body);
    }
}
