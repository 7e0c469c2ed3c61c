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
//!
//! Two levels: a small table of the most recently used entries, one per hash slot (a hit is
//! one uncontended lock and a compare: what a dashboard repeating the same few queries
//! needs), in front of a `moka` cache that bounds the whole by bytes and age. Keys are
//! hashed once per request with a seeded `foldhash`; no lookup allocates.

use crate::account::{Account, AccountRead, SyncState};
use bytes::Bytes;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most bytes of cached list responses.
pub const PAGE_CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// Lifetime of a cached list response.
pub const PAGE_CACHE_TTL: Duration = Duration::from_secs(60);
/// Slots of the first level (a power of two).
const HOT_SLOTS: usize = 64;
/// Largest body the first level keeps (bounds it to 16 MiB).
const HOT_MAX_BODY: usize = 256 * 1024;

/// The key of one cacheable list response, borrowed from the request: a lookup allocates
/// nothing.
#[derive(Clone, Copy, Debug)]
pub struct PageKey<'a> {
    raw: &'a str,
    /// The body holds access codes.
    reveal: bool,
    /// The accounts read, in order (their generation and sync state are part of the key).
    reads: &'a [(Arc<Account>, AccountRead)],
}

/// A [`PageKey`] as stored next to its body, to tell two keys with the same hash apart.
#[derive(Debug, PartialEq, Eq)]
struct StoredKey {
    raw: Box<str>,
    reveal: bool,
    /// (generation, sync state) of each account read, in order.
    accounts: Box<[(u64, u8)]>,
}

/// A cached body and the full key it answers.
#[derive(Debug)]
struct Entry {
    hash: u64,
    key: StoredKey,
    body: Bytes,
    /// When it was cached (the first level honours [`PAGE_CACHE_TTL`] too).
    at: Instant,
}

impl<'a> PageKey<'a> {
    /// The key of a list response, or `None` when that response must not be cached (an
    /// account failing, syncing or missing).
    pub fn new(
        raw: Option<&'a str>,
        reveal: bool,
        reads: &'a [(Arc<Account>, AccountRead)],
    ) -> Option<PageKey<'a>> {
        for (_, read) in reads {
            if read.error.is_some() || read.snapshot.is_none() || state_code(read.state).is_none() {
                return None;
            }
        }
        Some(PageKey {
            raw: raw.unwrap_or(""),
            reveal,
            reads,
        })
    }

    /// (generation, sync state) of each account read; `new` checked they all have both.
    fn accounts(&self) -> impl Iterator<Item = (u64, u8)> + 'a {
        self.reads.iter().map(|(_, read)| {
            (
                read.snapshot.as_ref().map_or(0, |s| s.generation),
                state_code(read.state).unwrap_or(u8::MAX),
            )
        })
    }

    fn hash_with(&self, hasher: &foldhash::fast::RandomState) -> u64 {
        let mut h = hasher.build_hasher();
        self.raw.hash(&mut h);
        self.reveal.hash(&mut h);
        self.accounts().for_each(|a| a.hash(&mut h));
        h.finish()
    }

    fn matches(&self, stored: &StoredKey) -> bool {
        *stored.raw == *self.raw
            && stored.reveal == self.reveal
            && stored.accounts.iter().copied().eq(self.accounts())
    }

    fn to_stored(self) -> StoredKey {
        StoredKey {
            raw: self.raw.into(),
            reveal: self.reveal,
            accounts: self.accounts().collect(),
        }
    }
}

/// The sync states a cached response may come from.
fn state_code(state: SyncState) -> Option<u8> {
    match state {
        SyncState::Fresh => Some(0),
        SyncState::Stale => Some(1),
        SyncState::Syncing | SyncState::Failed => None,
    }
}

/// The cache (one per [`crate::AppState`]). Second level: entries by the 64-bit hash of their
/// key, each holding its full key, which a lookup compares; two keys with the same hash share
/// an entry (the later insert wins, the other misses).
pub struct PageCache {
    hot: Box<[Mutex<Option<Arc<Entry>>>]>,
    entries: moka::sync::Cache<u64, Arc<Entry>, BuildHasherDefault<Prehashed>>,
    seed: foldhash::fast::RandomState,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache {
            hot: (0..HOT_SLOTS).map(|_| Mutex::new(None)).collect(),
            entries: moka::sync::Cache::builder()
                .max_capacity(PAGE_CACHE_BYTES)
                .weigher(|_: &u64, e: &Arc<Entry>| {
                    u32::try_from(e.body.len() + e.key.raw.len() + 64).unwrap_or(u32::MAX)
                })
                .time_to_live(PAGE_CACHE_TTL)
                .build_with_hasher(BuildHasherDefault::default()),
            seed: foldhash::fast::RandomState::default(),
        }
    }
}

impl PageCache {
    /// The cached body for `key`.
    pub fn get(&self, key: &PageKey<'_>) -> Option<Bytes> {
        let hash = key.hash_with(&self.seed);
        let slot = self.slot(hash);
        {
            let hot = slot.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(e) = hot
                .as_ref()
                .filter(|e| e.hash == hash && key.matches(&e.key))
            {
                if e.at.elapsed() <= PAGE_CACHE_TTL {
                    return Some(e.body.clone());
                }
            }
        }
        let entry = self.entries.get(&hash)?;
        if !key.matches(&entry.key) {
            return None;
        }
        let body = entry.body.clone();
        self.promote(slot, entry);
        Some(body)
    }

    /// Keeps `body` under `key`.
    pub fn insert(&self, key: PageKey<'_>, body: Bytes) {
        let hash = key.hash_with(&self.seed);
        let entry = Arc::new(Entry {
            hash,
            key: key.to_stored(),
            body,
            at: Instant::now(),
        });
        self.entries.insert(hash, Arc::clone(&entry));
        self.promote(self.slot(hash), entry);
    }

    fn slot(&self, hash: u64) -> &Mutex<Option<Arc<Entry>>> {
        // The top bits: moka's own table uses the low ones.
        &self.hot[(hash >> 58) as usize % HOT_SLOTS]
    }

    /// Puts `entry` in the first level (unless its body is too big to keep there).
    fn promote(&self, slot: &Mutex<Option<Arc<Entry>>>, entry: Arc<Entry>) {
        if entry.body.len() <= HOT_MAX_BODY {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(entry);
        }
    }
}

/// The hasher of keys that already are hashes (seeded SipHash outputs): passes them through.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here (`write_u64`); anything else is folded in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::CachePolicy;
    use crate::snapshot::Snapshot;
    use std::time::Instant;
    use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
    use unishare_core::{AccountName, Error, Secret};

    fn account() -> Arc<Account> {
        let config = CloudreveConfig::new(
            AccountName::new("hq").expect("name"),
            "http://127.0.0.1:9",
            CloudreveAuth::Password {
                email: "a@b.c".into(),
                password: Secret::new(String::from("pw")),
            },
        );
        Account::new(
            Arc::new(CloudreveProvider::new(config).expect("provider")),
            CachePolicy {
                ttl: Duration::from_secs(60),
                max_stale: Duration::from_secs(600),
                cold_wait: Duration::from_secs(5),
                max_shares: 10,
                failure_backoff: Duration::ZERO,
            },
        )
    }

    fn read(state: SyncState) -> AccountRead {
        let snapshot = Snapshot::build(
            AccountName::new("hq").expect("name"),
            unishare_cloudreve::provider(),
            Vec::new(),
            Instant::now(),
            chrono::Utc::now(),
            0,
        );
        AccountRead {
            snapshot: Some(Arc::new(snapshot)),
            state,
            error: None,
        }
    }

    #[test]
    fn a_body_answers_only_its_own_key() {
        let cache = PageCache::default();
        let a = account();
        let reads = vec![(Arc::clone(&a), read(SyncState::Fresh))];
        let key = PageKey::new(Some("sort=views"), false, &reads).expect("cacheable");
        assert!(cache.get(&key).is_none());
        cache.insert(key, Bytes::from_static(b"body"));
        assert_eq!(cache.get(&key).as_deref(), Some(&b"body"[..]));

        let other_query = PageKey::new(Some("sort=name"), false, &reads).expect("cacheable");
        let revealing = PageKey::new(Some("sort=views"), true, &reads).expect("cacheable");
        let newer = vec![(Arc::clone(&a), read(SyncState::Fresh))];
        let new_snapshot = PageKey::new(Some("sort=views"), false, &newer).expect("cacheable");
        let mut stale_read = read(SyncState::Stale);
        stale_read.snapshot = reads[0].1.snapshot.clone();
        let stale = vec![(Arc::clone(&a), stale_read)];
        let stale_key = PageKey::new(Some("sort=views"), false, &stale).expect("cacheable");
        for miss in [other_query, revealing, new_snapshot, stale_key] {
            assert!(cache.get(&miss).is_none(), "{miss:?}");
            assert!(!miss.matches(&key.to_stored()), "{miss:?}");
        }
        assert!(key.matches(&key.to_stored()));
    }

    #[test]
    fn responses_with_a_failing_or_syncing_account_are_not_cached() {
        let a = account();
        let mut failing = read(SyncState::Stale);
        failing.error = Some(Error::upstream_unavailable("down"));
        for r in [
            failing,
            read(SyncState::Syncing),
            AccountRead {
                snapshot: None,
                state: SyncState::Failed,
                error: None,
            },
        ] {
            let reads = vec![(Arc::clone(&a), r)];
            assert!(PageKey::new(None, false, &reads).is_none());
        }
    }

    #[test]
    fn both_levels_answer() {
        let cache = PageCache::default();
        let a = account();
        let reads = vec![(Arc::clone(&a), read(SyncState::Fresh))];
        let small = PageKey::new(Some("limit=1"), false, &reads).expect("cacheable");
        let big = PageKey::new(Some("limit=1000"), false, &reads).expect("cacheable");
        cache.insert(small, Bytes::from_static(b"small"));
        cache.insert(big, Bytes::from(vec![b'x'; HOT_MAX_BODY + 1]));
        let in_first_level = |key: &PageKey<'_>| {
            let hash = key.hash_with(&cache.seed);
            let slot = cache.slot(hash).lock().expect("slot");
            slot.as_ref().is_some_and(|e| key.matches(&e.key))
        };
        assert!(!in_first_level(&big), "too big for the first level");
        assert_eq!(cache.get(&big).map(|b| b.len()), Some(HOT_MAX_BODY + 1));
        // Dropped from the first level, still in the second (and promoted back on a hit).
        *cache
            .slot(small.hash_with(&cache.seed))
            .lock()
            .expect("slot") = None;
        assert_eq!(cache.get(&small).as_deref(), Some(&b"small"[..]));
        assert!(in_first_level(&small));
    }

    #[test]
    fn prehashed_keys_pass_through() {
        let h = BuildHasherDefault::<Prehashed>::default();
        assert_eq!(h.hash_one(0xdead_beef_u64), 0xdead_beef);
    }
}
