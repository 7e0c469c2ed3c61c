//! An account's complete share set, with one pre-sorted index per sort key, so that any sort,
//! filter and page costs memory time only (see `docs/query-engine.md`).
//!
//! Layout for speed (see `docs/benchmarks.md`): every view keeps its integer keys in view order
//! (`View::ints`), so a keyset resume is a binary search over a contiguous `i64` array and the
//! k-way merge compares integers without touching the shares; lower-cased names live in one
//! contiguous buffer (`LowerNames`) that the `q` filter scans without a pointer chase per name;
//! the native-id index is a sorted array of positions (4 bytes a share, no per-share heap
//! allocation). Shares are stored in creation order and carry filter indexes (`index.rs`),
//! built here, off the request path, each time a snapshot is built or replaced (a crawl, a
//! write through the gateway).

use crate::index::{self, Index};
use crate::sort::{KeyValue, SortKey};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use unishare_core::{AccountName, Provider, Share};

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// One sorted index: positions into [`Snapshot::shares`] in ascending (key, id) order with
/// the shares whose key is `null` last; `non_null` is where the null part starts.
#[derive(Debug, Default)]
pub struct View {
    /// Positions, ascending, nulls last.
    pub order: Vec<u32>,
    /// Count of positions whose key is not null (they come first).
    pub non_null: usize,
    /// For integer keys (times, counters): the key of `order[p]` at index `p`, for the
    /// `non_null` first positions (ascending). Empty for the name key.
    pub ints: Vec<i64>,
}

/// Lower-cased share names in one buffer, indexed by share position (`names[i]` is a `&str`).
#[derive(Debug, Default)]
pub struct LowerNames {
    buf: String,
    /// `ends[i]` is where name `i` ends in `buf`; it starts at `ends[i - 1]` (or 0).
    ends: Vec<usize>,
}

impl LowerNames {
    fn build(shares: &[Arc<Share>]) -> LowerNames {
        let mut buf = String::with_capacity(shares.iter().map(|s| s.name.len()).sum());
        let mut ends = Vec::with_capacity(shares.len());
        for s in shares {
            if s.name.is_ascii() {
                let start = buf.len();
                buf.push_str(&s.name);
                buf[start..].make_ascii_lowercase();
            } else {
                // `str`'s lower-casing (as the query's), not `CompactString`'s char-by-char one.
                buf.push_str(&s.name.as_str().to_lowercase());
            }
            ends.push(buf.len());
        }
        LowerNames { buf, ends }
    }

    /// Name `i`, lower-cased.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    /// The names containing `needle` (lower-cased), as a bitset by position (bit `i % 64` of
    /// word `i / 64`). One SIMD substring scan over the whole buffer instead of one search per
    /// name: what a filter that matches few names needs (see `docs/query-engine.md`).
    pub fn containing(&self, needle: &memchr::memmem::Finder<'_>) -> Vec<u64> {
        let n = self.ends.len();
        let mut bits = vec![0u64; n.div_ceil(64)];
        let len = needle.needle().len();
        if len == 0 {
            (0..n).for_each(|i| bits[i / 64] |= 1 << (i % 64));
            return bits;
        }
        let hay = self.buf.as_bytes();
        let (mut from, mut name) = (0usize, 0usize);
        while from < hay.len() {
            let Some(off) = needle.find(&hay[from..]) else {
                break;
            };
            let at = from + off;
            // The name holding byte `at`: the first whose end is past it.
            name += self.ends[name..].partition_point(|&e| e <= at);
            let Some(&end) = self.ends.get(name) else {
                break;
            };
            if at + len <= end {
                bits[name / 64] |= 1 << (name % 64);
            }
            // Either way nothing else in this name can start a (new) match that counts.
            from = end;
            name += 1;
        }
        bits
    }

    /// Bytes of all names together (what [`LowerNames::containing`] scans).
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no names.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl std::ops::Index<usize> for LowerNames {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i)
    }
}

/// Positions of `shares` in native-id (byte) order, which [`Snapshot::get`] binary-searches.
fn sort_by_native_id(shares: &[Arc<Share>]) -> Vec<u32> {
    sort_by_text(shares, |s| &s.native_id, |a, b| a.cmp(&b))
}

/// Positions of `shares` sorted by the byte order of `text`, then by `tie` (of positions).
///
/// Sorted on a 24-byte prefix of each text first (zero-padded, big-endian: its order agrees
/// with the texts' byte order), so most comparisons are integer compares and never touch the
/// shares: 19-digit KooDrive ids fit whole, most names differ within it. Only texts with the
/// same prefix are compared in full.
fn sort_by_text(
    shares: &[Arc<Share>],
    text: impl Fn(&Share) -> &str,
    tie: impl Fn(u32, u32) -> std::cmp::Ordering,
) -> Vec<u32> {
    let prefix = |t: &str| {
        let mut b = [0u8; 24];
        let n = t.len().min(24);
        b[..n].copy_from_slice(&t.as_bytes()[..n]);
        let (hi, lo) = b.split_at(16);
        (
            u128::from_be_bytes(hi.try_into().unwrap_or_default()),
            u64::from_be_bytes(lo.try_into().unwrap_or_default()),
        )
    };
    let mut keyed: Vec<(u128, u64, u32)> = shares
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (hi, lo) = prefix(text(s));
            (hi, lo, i as u32)
        })
        .collect();
    keyed.sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
            let (x, y) = (text(&shares[a.2 as usize]), text(&shares[b.2 as usize]));
            x.cmp(y).then_with(|| tie(a.2, b.2))
        })
    });
    keyed.into_iter().map(|k| k.2).collect()
}

/// An account's shares at one point in time. Immutable; changes build a new snapshot.
#[derive(Debug)]
pub struct Snapshot {
    /// The account.
    pub account: AccountName,
    /// The vendor.
    pub provider: Provider,
    /// Every share, sorted by creation time (exactly; nulls last; ties on native id).
    pub shares: Vec<Arc<Share>>,
    /// Lower-cased names, for `q`, by position.
    pub names_lower: LowerNames,
    /// Positions sorted by native id (binary-searched by [`Snapshot::get`]).
    by_native_id: Vec<u32>,
    /// One view per sort key, indexed by [`SortKey::index`].
    pub views: [View; SortKey::COUNT],
    /// The filter indexes (`index.rs`).
    pub index: Index,
    /// When the data was read from the vendor (monotonic).
    pub built_at: Instant,
    /// When the data was read from the vendor (wall clock).
    pub synced_at: DateTime<Utc>,
    /// Records the vendor sent that could not be mapped during the crawl.
    pub skipped: usize,
    /// Unique id of this snapshot (changes on every rebuild), for result caches.
    pub generation: u64,
}

impl Snapshot {
    /// Builds a snapshot from crawled shares.
    pub fn build(
        account: AccountName,
        provider: Provider,
        shares: Vec<Arc<Share>>,
        built_at: Instant,
        synced_at: DateTime<Utc>,
        skipped: usize,
    ) -> Snapshot {
        let by_native_id = sort_by_native_id(&shares);
        // Within one account, id order is native-id order (same `{account}:` prefix): the
        // rank of each share in `by_native_id` breaks ties with one integer comparison.
        let mut rank = vec![0u32; shares.len()];
        for (r, &i) in by_native_id.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        // Store the shares in creation order (the `created_*` filters select an interval),
        // and renumber the native-id index and the ranks to match.
        let order = index::created_order(&shares, &rank);
        let mut new_pos = vec![0u32; shares.len()];
        for (j, &i) in order.iter().enumerate() {
            new_pos[i as usize] = j as u32;
        }
        let rank: Vec<u32> = order.iter().map(|&i| rank[i as usize]).collect();
        let by_native_id: Vec<u32> = by_native_id.iter().map(|&i| new_pos[i as usize]).collect();
        let mut slots: Vec<Option<Arc<Share>>> = shares.into_iter().map(Some).collect();
        let shares: Vec<Arc<Share>> = order
            .iter()
            .filter_map(|&i| slots[i as usize].take())
            .collect();
        drop((slots, new_pos, order));
        let names_lower = LowerNames::build(&shares);
        let views = SortKey::ALL.map(|key| build_view(&shares, &rank, &by_native_id, key));
        let expires = &views[SortKey::ExpiresAt.index()];
        let index = Index::build(index::Data {
            shares: &shares,
            expires_order: &expires.order,
            expires_ms: &expires.ints,
        });
        Snapshot {
            account,
            provider,
            shares,
            names_lower,
            by_native_id,
            views,
            index,
            built_at,
            synced_at,
            skipped,
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The view for `key`.
    pub fn view(&self, key: SortKey) -> &View {
        &self.views[key.index()]
    }

    /// What the filter indexes answer over.
    pub fn index_data(&self) -> index::Data<'_> {
        let expires = self.view(SortKey::ExpiresAt);
        index::Data {
            shares: &self.shares,
            expires_order: &expires.order,
            expires_ms: &expires.ints,
        }
    }

    /// A share by native id.
    pub fn get(&self, native_id: &str) -> Option<&Arc<Share>> {
        let p = self
            .by_native_id
            .binary_search_by(|&i| self.shares[i as usize].native_id.as_str().cmp(native_id))
            .ok()?;
        Some(&self.shares[self.by_native_id[p] as usize])
    }

    /// A new snapshot with `upserts` added or replaced and `removed` taken out; keeps the
    /// sync times (the rest of the data is as old as before).
    pub fn with_changes(&self, upserts: &[Arc<Share>], removed: &[String]) -> Snapshot {
        let dropped: HashSet<&str> = removed
            .iter()
            .map(String::as_str)
            .chain(upserts.iter().map(|u| u.native_id.as_str()))
            .collect();
        let mut shares: Vec<Arc<Share>> = self
            .shares
            .iter()
            .filter(|s| !dropped.contains(s.native_id.as_str()))
            .cloned()
            .collect();
        shares.extend(upserts.iter().cloned());
        Snapshot::build(
            self.account.clone(),
            self.provider,
            shares,
            self.built_at,
            self.synced_at,
            self.skipped,
        )
    }
}

/// One view: positions in ascending `(key, id)` order, nulls last. `rank[i]` is share `i`'s
/// place in id order (`by_native_id[rank[i]] == i`): ties compare ranks, not strings.
fn build_view(shares: &[Arc<Share>], rank: &[u32], by_native_id: &[u32], key: SortKey) -> View {
    if key == SortKey::Name {
        let order = sort_by_text(
            shares,
            |s| &s.name,
            |a, b| rank[a as usize].cmp(&rank[b as usize]),
        );
        return View {
            non_null: order.len(),
            order,
            ints: Vec::new(),
        };
    }
    // Integer keys: one u128 per share, sorted as plain integers (several times faster than
    // tuples): bit 96 = null (nulls after every value), bits 32..96 = the key with its sign
    // bit flipped (unsigned order = signed order), bits 0..32 = the rank.
    const SIGN: u64 = 1 << 63;
    let mut keyed: Vec<u128> = shares
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (null, n) = match key.value(s) {
                Some(KeyValue::Int(n)) => (0u128, n),
                _ => (1, 0),
            };
            null << 96 | u128::from(n as u64 ^ SIGN) << 32 | u128::from(rank[i])
        })
        .collect();
    keyed.sort_unstable();
    let non_null = keyed.partition_point(|k| k >> 96 == 0);
    View {
        order: keyed
            .iter()
            .map(|&k| by_native_id[k as u32 as usize])
            .collect(),
        non_null,
        ints: keyed[..non_null]
            .iter()
            .map(|&k| ((k >> 32) as u64 ^ SIGN) as i64)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unishare_core::{Audience, Permissions, ShareId, ShareStatus, Source, Stats, VendorFields};

    fn share(account: &AccountName, native: &str) -> Arc<Share> {
        Arc::new(Share {
            id: ShareId::new(account, native).expect("id"),
            account: account.as_str().into(),
            provider: unishare_koodrive::provider(),
            native_id: native.into(),
            name: native.into(),
            url: "http://x".into(),
            secret_url: None,
            short_code: None,
            status: ShareStatus::Active,
            audience: Audience::Anyone,
            password_protected: Some(false),
            password: None,
            created_at: None,
            expires_at: None,
            permissions: Permissions::default(),
            stats: Stats::default(),
            remaining_downloads: None,
            source: Source::default(),
            owner: None,
            comment: None,
            vendor: VendorFields::new(),
        })
    }

    fn check(ids: &[String]) {
        let account = AccountName::new("cn").expect("account");
        let shares: Vec<Arc<Share>> = ids.iter().map(|i| share(&account, i)).collect();
        let order = sort_by_native_id(&shares);
        let sorted: Vec<&str> = order
            .iter()
            .map(|&i| shares[i as usize].native_id.as_str())
            .collect();
        let mut expected: Vec<&str> = ids.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        let snap = Snapshot::build(
            account,
            unishare_koodrive::provider(),
            shares,
            Instant::now(),
            Utc::now(),
            0,
        );
        for id in ids {
            assert_eq!(
                snap.get(id).map(|s| s.native_id.as_str()),
                Some(id.as_str())
            );
        }
        assert!(snap.get("not-an-id").is_none());
    }

    #[test]
    fn native_id_order_is_byte_order_across_prefix_lengths() {
        let ids: Vec<String> = [
            "1505084218764547200",
            "1505084218764547201",
            "15050842187645472",
            "1505084218764547",
            "150508421876454",
            "b",
            "ab",
            "abc",
            "a",
            "Zz",
            "é1",
            "e",
            "1505084218764547199",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        check(&ids);
    }

    proptest! {
        #[test]
        fn native_id_order_matches_a_plain_sort(
            ids in proptest::collection::hash_set("(1505084218|ab)?[0-9a-zA-Zé_-]{1,22}", 0..200)
        ) {
            let ids: Vec<String> = ids.into_iter().collect();
            check(&ids);
        }
    }
}
