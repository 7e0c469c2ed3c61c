//! Filter indexes of one snapshot, so that the filters of a query (and its `total`) cost far
//! less than a scan of every share (see `docs/query-engine.md`, "Indexes").
//!
//! - **Creation time**: a snapshot stores its shares sorted by `created_at` (exact, nulls last,
//!   ties on native id), so `created_after` / `created_before` select one interval of
//!   positions, found by binary search.
//! - **Enumerated fields** (`status`, `audience`, `password_protected`, `owner`): one compressed
//!   bitmap ([`RoaringBitmap`]) of positions per value, intersected (values of one repeatable
//!   filter are united). A share whose `password_protected` is unknown (`null`) is in neither
//!   of that filter's bitmaps, so it matches neither `true` nor `false`.
//! - **Expiry**: `exp_rank[i]` is share `i`'s place in the `expires_at` view (nulls after every
//!   value), so `expires_before` is one integer comparison per share against a cut found by
//!   binary search; only the shares in the cut's own millisecond are compared exactly.
//!
//! `account` and `provider` are not here: they select whole snapshots (one account each).
//! `q` is the caller's (`walk.rs`), over the snapshot's lower-cased names.

use chrono::{DateTime, Utc};
use roaring::RoaringBitmap;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use unishare_core::{Audience, Share, ShareStatus};

/// Number of audiences.
const AUDIENCES: usize = 3;

/// The slot of an audience in [`Index::audience`].
fn audience_slot(a: Audience) -> usize {
    match a {
        Audience::Anyone => 0,
        Audience::Organization => 1,
        Audience::Restricted => 2,
    }
}

/// The slot of a status in [`Index::status`] (its place in [`ShareStatus::ALL`]).
fn status_slot(s: ShareStatus) -> usize {
    ShareStatus::ALL
        .iter()
        .position(|&x| x == s)
        .unwrap_or_default()
}

/// The indexes of one snapshot (built with it, never changed: a write builds a new snapshot).
#[derive(Debug, Default)]
pub struct Index {
    /// Positions by status, in [`ShareStatus::ALL`] order.
    status: [RoaringBitmap; ShareStatus::ALL.len()],
    /// Positions by audience.
    audience: [RoaringBitmap; AUDIENCES],
    /// Positions with `password_protected` `false` (0) and `true` (1); `null` is in neither.
    protected: [RoaringBitmap; 2],
    /// Positions by owner id (exact).
    owner_ids: HashMap<Box<str>, RoaringBitmap>,
    /// Positions by owner e-mail, ASCII-lower-cased (the filter ignores ASCII case).
    owner_emails: HashMap<Box<str>, RoaringBitmap>,
    /// Shares with a `created_at` (positions `0..created`; the rest have none).
    created: u32,
    /// `exp_rank[i]`: the place of share `i` in the `expires_at` view.
    exp_rank: Vec<u32>,
}

/// What an index is built from and answers over: the snapshot's shares (sorted by creation
/// time, see [`created_order`]) and its `expires_at` view.
#[derive(Clone, Copy, Debug)]
pub struct Data<'a> {
    /// The shares, by position.
    pub shares: &'a [Arc<Share>],
    /// The `expires_at` view: positions ascending by (expiry, id), nulls last.
    pub expires_order: &'a [u32],
    /// The expiry (epoch ms) of `expires_order[p]`, for its non-null part.
    pub expires_ms: &'a [i64],
}

/// The filters an index answers (the per-share filters of a query, but `q`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Criteria<'a> {
    /// `status` (any of them); empty = any.
    pub statuses: &'a [ShareStatus],
    /// `audience`.
    pub audience: Option<Audience>,
    /// `password_protected`.
    pub protected: Option<bool>,
    /// `owner` (any of them: an id exactly, or an e-mail whatever its ASCII case); empty = any.
    pub owners: &'a [String],
    /// `created_after` (exclusive).
    pub created_after: Option<DateTime<Utc>>,
    /// `created_before` (exclusive).
    pub created_before: Option<DateTime<Utc>>,
    /// `expires_before` (exclusive).
    pub expires_before: Option<DateTime<Utc>>,
}

/// Positions of `shares` sorted by `created_at` exactly (not only to the millisecond), nulls
/// last, ties on native id (`rank[i]` is share `i`'s place in native-id order): the order a
/// snapshot stores its shares in, so that a creation-time bound is an interval of positions.
pub fn created_order(shares: &[Arc<Share>], rank: &[u32]) -> Vec<u32> {
    // One u128 per share: seconds with the sign bit flipped (null: all ones, after any real
    // time), nanoseconds, then the rank for ties.
    let mut keyed: Vec<(u128, u32)> = shares
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (secs, nanos) = match s.created_at {
                Some(t) => (
                    (t.timestamp() as u64) ^ (1 << 63),
                    t.timestamp_subsec_nanos(),
                ),
                None => (u64::MAX, u32::MAX),
            };
            let key = u128::from(secs) << 64 | u128::from(nanos) << 32 | u128::from(rank[i]);
            (key, i as u32)
        })
        .collect();
    keyed.sort_unstable_by_key(|k| k.0);
    keyed.into_iter().map(|k| k.1).collect()
}

impl Index {
    /// Builds the indexes of `data` (whose shares are in [`created_order`]).
    pub fn build(data: Data<'_>) -> Index {
        let mut ix = Index::default();
        for (i, s) in data.shares.iter().enumerate() {
            let i = i as u32;
            ix.status[status_slot(s.status)].insert(i);
            ix.audience[audience_slot(s.audience)].insert(i);
            if let Some(p) = s.password_protected {
                ix.protected[usize::from(p)].insert(i);
            }
            if let Some(o) = s.owner.as_deref() {
                push_to(&mut ix.owner_ids, &o.id, i);
                if let Some(e) = o.email.as_deref() {
                    push_to(&mut ix.owner_emails, &e.to_ascii_lowercase(), i);
                }
            }
            if s.created_at.is_some() {
                ix.created = i + 1;
            }
        }
        ix.exp_rank = vec![0; data.shares.len()];
        for (p, &i) in data.expires_order.iter().enumerate() {
            ix.exp_rank[i as usize] = p as u32;
        }
        let bitmaps = ix
            .status
            .iter_mut()
            .chain(ix.audience.iter_mut())
            .chain(ix.protected.iter_mut())
            .chain(ix.owner_ids.values_mut())
            .chain(ix.owner_emails.values_mut());
        for b in bitmaps {
            b.optimize();
        }
        ix
    }

    /// Heap bytes the indexes hold (roaring's serialized size, close to its memory).
    pub fn heap_bytes(&self) -> usize {
        let maps = |m: &HashMap<Box<str>, RoaringBitmap>| {
            m.iter()
                .map(|(k, b)| k.len() + b.serialized_size() + 48)
                .sum::<usize>()
        };
        self.status
            .iter()
            .chain(&self.audience)
            .chain(&self.protected)
            .map(RoaringBitmap::serialized_size)
            .sum::<usize>()
            + maps(&self.owner_ids)
            + maps(&self.owner_emails)
            + self.exp_rank.capacity() * 4
    }

    /// The positions of `data` that match `c` (as a [`Selection`]).
    pub fn select(&self, data: Data<'_>, c: &Criteria<'_>) -> Selection {
        let n = data.shares.len() as u32;
        let mut range = 0..n;
        if c.created_after.is_some() || c.created_before.is_some() {
            let shares = &data.shares[..self.created as usize];
            let lo = c.created_after.map_or(0, |a| {
                shares.partition_point(|s| s.created_at.is_some_and(|t| t <= a))
            });
            let hi = c.created_before.map_or(shares.len(), |b| {
                shares.partition_point(|s| s.created_at.is_some_and(|t| t < b))
            });
            range = lo as u32..(hi.max(lo) as u32);
        }
        let mut sets: Vec<RoaringBitmap> = Vec::new();
        if !c.statuses.is_empty() {
            let mut slots: Vec<usize> = c.statuses.iter().map(|&s| status_slot(s)).collect();
            slots.sort_unstable();
            slots.dedup();
            sets.push(union(slots.iter().map(|&s| &self.status[s])));
        }
        if let Some(a) = c.audience {
            sets.push(self.audience[audience_slot(a)].clone());
        }
        if let Some(p) = c.protected {
            sets.push(self.protected[usize::from(p)].clone());
        }
        if !c.owners.is_empty() {
            let empty = RoaringBitmap::new();
            let by_id = c.owners.iter().map(|o| self.owner_ids.get(o.as_str()));
            let by_email = c
                .owners
                .iter()
                .map(|o| self.owner_emails.get(o.to_ascii_lowercase().as_str()));
            let found: Vec<&RoaringBitmap> = by_id.chain(by_email).flatten().collect();
            sets.push(if found.is_empty() {
                empty
            } else {
                union(found.into_iter())
            });
        }
        // Smallest first: every intersection is then at most that small.
        sets.sort_unstable_by_key(RoaringBitmap::len);
        let bits = sets.into_iter().reduce(|a, b| a & b).map(|mut b| {
            if range != (0..n) {
                b.remove_range(..range.start);
                b.remove_range(range.end..);
            }
            b
        });
        let expires = c.expires_before.map(|before| {
            let ms = before.timestamp_millis();
            ExpiryCut {
                lo: data.expires_ms.partition_point(|&e| e < ms) as u32,
                hi: data.expires_ms.partition_point(|&e| e <= ms) as u32,
                before,
            }
        });
        Selection {
            n,
            range,
            bits,
            expires,
        }
    }

    /// Whether share `i` passes `cut`.
    #[inline]
    fn expires_ok(&self, data: Data<'_>, cut: &ExpiryCut, i: u32) -> bool {
        let r = self.exp_rank[i as usize];
        r < cut.lo
            || (r < cut.hi
                && data.shares[i as usize]
                    .expires_at
                    .is_some_and(|e| e < cut.before))
    }
}

fn push_to(map: &mut HashMap<Box<str>, RoaringBitmap>, key: &str, i: u32) {
    match map.get_mut(key) {
        Some(b) => {
            b.insert(i);
        }
        None => {
            map.insert(
                key.into(),
                RoaringBitmap::from_sorted_iter([i]).unwrap_or_default(),
            );
        }
    }
}

fn union<'b>(mut sets: impl Iterator<Item = &'b RoaringBitmap>) -> RoaringBitmap {
    let mut out = sets.next().cloned().unwrap_or_default();
    for s in sets {
        out |= s;
    }
    out
}

/// An `expires_before` bound as view places: shares placed before `lo` expire before it,
/// shares placed at `hi` or later do not (or never expire); those in between (the bound's own
/// millisecond) are compared exactly.
#[derive(Clone, Debug)]
struct ExpiryCut {
    lo: u32,
    hi: u32,
    before: DateTime<Utc>,
}

/// The positions of one snapshot that match a [`Criteria`]: an interval (creation time),
/// optionally intersected with a bitmap (enumerated filters, already within the interval) and
/// an expiry cut.
#[derive(Clone, Debug)]
pub struct Selection {
    n: u32,
    range: Range<u32>,
    bits: Option<RoaringBitmap>,
    expires: Option<ExpiryCut>,
}

/// A set of positions, exactly.
#[derive(Clone, Debug)]
pub enum Positions {
    /// Every position of an interval.
    Range(Range<u32>),
    /// The positions of a bitmap.
    Bits(RoaringBitmap),
}

impl Positions {
    /// How many positions.
    pub fn len(&self) -> u64 {
        match self {
            Positions::Range(r) => u64::from(r.end - r.start),
            Positions::Bits(b) => b.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The positions, ascending.
    pub fn iter(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            Positions::Range(r) => Box::new(r.clone()),
            Positions::Bits(b) => Box::new(b.iter()),
        }
    }

    /// Whether `i` is in the set.
    #[inline]
    pub fn contains(&self, i: u32) -> bool {
        match self {
            Positions::Range(r) => r.contains(&i),
            Positions::Bits(b) => b.contains(i),
        }
    }
}

impl Selection {
    /// Whether position `i` is selected.
    #[inline]
    pub fn contains(&self, ix: &Index, data: Data<'_>, i: u32) -> bool {
        self.range.contains(&i)
            && self.bits.as_ref().is_none_or(|b| b.contains(i))
            && self
                .expires
                .as_ref()
                .is_none_or(|c| ix.expires_ok(data, c, i))
    }

    /// Selected positions before the expiry cut is applied (exact when there is none).
    fn before_expiry(&self) -> u64 {
        match &self.bits {
            Some(b) => b.len(),
            None => u64::from(self.range.end - self.range.start),
        }
    }

    /// An estimate of how many positions are selected (exact without `expires_before`; with
    /// it, the share of the snapshot that expires before the bound, applied to the rest).
    pub fn estimate(&self) -> u64 {
        let rest = self.before_expiry();
        match &self.expires {
            None => rest,
            Some(_) if self.n == 0 => 0,
            Some(c) => rest * u64::from(c.hi) / u64::from(self.n),
        }
    }

    /// The selected positions, exactly.
    pub fn positions(&self, ix: &Index, data: Data<'_>) -> Positions {
        let base = match &self.bits {
            Some(b) => Positions::Bits(b.clone()),
            None => Positions::Range(self.range.clone()),
        };
        let Some(cut) = &self.expires else {
            return base;
        };
        // Test every candidate, or every share that might expire in time: the fewer.
        let bits = if base.len() <= u64::from(cut.hi) {
            RoaringBitmap::from_sorted_iter(base.iter().filter(|&i| ix.expires_ok(data, cut, i)))
                .unwrap_or_default()
        } else {
            data.expires_order[..cut.hi as usize]
                .iter()
                .copied()
                .filter(|&i| base.contains(i) && ix.expires_ok(data, cut, i))
                .collect()
        };
        Positions::Bits(bits)
    }

    /// How many positions are selected, exactly.
    pub fn count(&self, ix: &Index, data: Data<'_>) -> u64 {
        match &self.expires {
            None => self.before_expiry(),
            Some(cut) if self.bits.is_none() && self.range == (0..self.n) => {
                // Only the expiry bound: the cut itself, and its own millisecond tested.
                u64::from(cut.lo)
                    + data.expires_order[cut.lo as usize..cut.hi as usize]
                        .iter()
                        .filter(|&&i| ix.expires_ok(data, cut, i))
                        .count() as u64
            }
            Some(_) => self.positions(ix, data).len(),
        }
    }
}
