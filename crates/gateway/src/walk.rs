//! Running a query over snapshots: the indexes select the candidates of each snapshot
//! (`index.rs`), `q` narrows them over the lower-cased names, and a page is a k-way merge of
//! per-account heads, each walking its sort view (testing membership) or, when the matches
//! are few, sorting just them. See `docs/query-engine.md`.

use crate::cursor::CursorPos;
use crate::index::{Criteria, Positions, Selection};
use crate::snapshot::{Snapshot, View};
use crate::sort::{cmp_in_order, cmp_pairs_in_order, KeyValue, Order, SortKey};
use memchr::memmem::Finder;
use roaring::RoaringBitmap;
use std::cmp::Ordering;
use std::sync::Arc;
use unishare_core::Share;

/// A query's per-share filters: what the indexes answer, and `q` (lower-cased).
#[derive(Clone, Copy, Debug, Default)]
pub struct Search<'f> {
    /// Everything but `q`.
    pub criteria: Criteria<'f>,
    /// `q`, lower-cased.
    pub q: Option<&'f str>,
}

/// How a page and a count are found. The default chooses by cost; tests force each way to
/// check that all of them give the same answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strategy {
    /// Walk the sort view testing membership (`Some(true)`), sort the matches
    /// (`Some(false)`), or choose by their estimated number (`None`).
    pub walk: Option<bool>,
    /// Names a walk searches one by one before it builds the snapshot's `q` bitset.
    pub name_scan_after: usize,
    /// Test `q` on the candidates one by one (`Some(false)`), with one scan of every name
    /// (`Some(true)`), or choose by their number (`None`).
    pub q_scan: Option<bool>,
}

impl Default for Strategy {
    fn default() -> Self {
        Strategy {
            walk: None,
            name_scan_after: 2048,
            q_scan: None,
        }
    }
}

/// Searching one name costs about as much as scanning this many bytes of the names buffer:
/// below that many candidates per byte, `q` is tested on the candidates alone.
const NAME_COST_BYTES: u64 = 64;

/// One page of results.
pub struct PageResult {
    /// The shares of the page, in list order.
    pub shares: Vec<Arc<Share>>,
    /// Whether more matching shares follow.
    pub has_more: bool,
}

/// One snapshot's part of a query.
struct Plan<'a> {
    snap: &'a Snapshot,
    sel: Selection,
    needle: Option<&'a Finder<'a>>,
    /// The `q` bitset of this snapshot, once built.
    names: Option<Vec<u64>>,
    /// Names searched one by one so far.
    searched: usize,
    strategy: Strategy,
}

impl<'a> Plan<'a> {
    fn new(
        snap: &'a Snapshot,
        search: &Search<'_>,
        needle: Option<&'a Finder<'a>>,
        strategy: Strategy,
    ) -> Plan<'a> {
        Plan {
            snap,
            sel: snap.index.select(snap.index_data(), &search.criteria),
            needle,
            names: None,
            searched: 0,
            strategy,
        }
    }

    /// Whether share `i` matches (during a walk: `q` one name at a time, or by the bitset).
    #[inline]
    fn contains(&mut self, i: u32) -> bool {
        let snap = self.snap;
        if !self.sel.contains(&snap.index, snap.index_data(), i) {
            return false;
        }
        let Some(n) = self.needle else {
            return true;
        };
        match &self.names {
            Some(bits) => bit(bits, i),
            None => {
                self.searched += 1;
                n.find(snap.names_lower.get(i as usize).as_bytes())
                    .is_some()
            }
        }
    }

    /// The matching positions, exactly, ascending.
    fn positions(&self) -> Positions {
        let snap = self.snap;
        let cand = self.sel.positions(&snap.index, snap.index_data());
        let Some(n) = self.needle else {
            return cand;
        };
        if cand.is_empty() {
            return cand;
        }
        if let Some(bits) = &self.names {
            return Positions::Bits(keep(&cand, |i| bit(bits, i)));
        }
        if self.one_by_one(&cand) {
            let names = &snap.names_lower;
            return Positions::Bits(keep(&cand, |i| {
                n.find(names.get(i as usize).as_bytes()).is_some()
            }));
        }
        let bits = snap.names_lower.containing(n);
        Positions::Bits(keep(&cand, |i| bit(&bits, i)))
    }

    /// How many shares match.
    fn count(&self) -> u64 {
        let snap = self.snap;
        let Some(n) = self.needle else {
            return self.sel.count(&snap.index, snap.index_data());
        };
        let cand = self.sel.positions(&snap.index, snap.index_data());
        match &cand {
            Positions::Range(r) if !self.one_by_one(&cand) => {
                count_bits(&snap.names_lower.containing(n), r.start, r.end)
            }
            _ => self.positions().len(),
        }
    }

    /// Whether `q` is tested on `cand` one name at a time (rather than by one scan).
    fn one_by_one(&self, cand: &Positions) -> bool {
        match self.strategy.q_scan {
            Some(scan) => !scan,
            None => {
                cand.len().saturating_mul(NAME_COST_BYTES) < self.snap.names_lower.bytes() as u64
            }
        }
    }
}

#[inline]
fn bit(bits: &[u64], i: u32) -> bool {
    bits[i as usize / 64] & (1 << (i % 64)) != 0
}

/// The positions of `cand` for which `pred` holds.
fn keep(cand: &Positions, mut pred: impl FnMut(u32) -> bool) -> RoaringBitmap {
    RoaringBitmap::from_sorted_iter(cand.iter().filter(|&i| pred(i))).unwrap_or_default()
}

/// Set bits of `bits` at positions `lo..hi`.
fn count_bits(bits: &[u64], lo: u32, hi: u32) -> u64 {
    let (lo, hi) = (lo as usize, hi as usize);
    if lo >= hi {
        return 0;
    }
    let (wl, wh) = (lo / 64, (hi - 1) / 64);
    let mask_lo = u64::MAX << (lo % 64);
    let mask_hi = u64::MAX >> (63 - (hi - 1) % 64);
    if wl == wh {
        return u64::from((bits[wl] & mask_lo & mask_hi).count_ones());
    }
    let inner: u64 = bits[wl + 1..wh]
        .iter()
        .map(|w| u64::from(w.count_ones()))
        .sum();
    inner
        + u64::from((bits[wl] & mask_lo).count_ones())
        + u64::from((bits[wh] & mask_hi).count_ones())
}

/// Where a keyset resume starts in `view`: the segments of view positions still to visit, in
/// list order (`rev` = walk each segment from its end).
fn segments(
    snap: &Snapshot,
    view: &View,
    key: SortKey,
    order: Order,
    after: Option<&CursorPos>,
) -> [(usize, usize); 2] {
    let nn = view.non_null;
    let len = view.order.len();
    let id_at = |p: usize| snap.shares[view.order[p] as usize].id.as_str();
    // Ascending (key, id) comparison of view position `p` (non-null part) with the cursor.
    let cmp_at = |p: usize, ck: &KeyValue<'_>, cid: &str| -> Ordering {
        let by_key = match (key, ck) {
            (SortKey::Name, KeyValue::Str(t)) => {
                snap.shares[view.order[p] as usize].name.as_str().cmp(t)
            }
            (SortKey::Name, KeyValue::Int(_)) => Ordering::Greater,
            (_, KeyValue::Int(n)) => view.ints[p].cmp(n),
            (_, KeyValue::Str(_)) => Ordering::Less,
        };
        by_key.then_with(|| id_at(p).cmp(cid))
    };
    match (order, after) {
        (Order::Asc, None) => [(0, len), (len, len)],
        (Order::Desc, None) => [(0, nn), (nn, len)],
        (Order::Asc, Some(c)) => match c.key_value() {
            Some(ck) => {
                let start = partition(0, nn, |p| cmp_at(p, &ck, &c.id) != Ordering::Greater);
                [(start, len), (len, len)]
            }
            None => {
                let start = partition(nn, len, |p| id_at(p) <= c.id.as_str());
                [(start, len), (len, len)]
            }
        },
        (Order::Desc, Some(c)) => match c.key_value() {
            Some(ck) => {
                let end = partition(0, nn, |p| cmp_at(p, &ck, &c.id) == Ordering::Less);
                [(0, end), (nn, len)]
            }
            None => {
                let end = partition(nn, len, |p| id_at(p) < c.id.as_str());
                [(nn, end), (len, len)]
            }
        },
    }
}

/// First position in `lo..hi` where `pred` is false (`pred` true then false over the range).
fn partition(mut lo: usize, mut hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Whether `members` matches are few enough, against `walk` view positions left to visit,
/// that sorting them beats walking: a walk visits about `(limit + 1) · walk / members`
/// positions (a few ns each), sorting costs about `members · log members` comparisons that
/// read the shares (tens of ns each); `members²` against `walk` keeps the rule cheap.
fn sparse(members: u64, walk: u64, limit: usize) -> bool {
    members.saturating_mul(members).saturating_mul(16) <= (limit as u64 + 1).saturating_mul(walk)
}

/// How a head finds its next share.
enum Mode {
    /// Walking view segments in list order, testing each share.
    Walk {
        segs: [(usize, usize); 2],
        seg: usize,
    },
    /// The remaining matches (at most `limit + 1`), in list order.
    Sorted { items: Vec<u32>, at: usize },
}

/// One account's matches in list order; `cur` is the position (in the snapshot) of its next
/// share (the head of this account in the merge).
struct Head<'a> {
    plan: Plan<'a>,
    view: &'a View,
    mode: Mode,
    key: SortKey,
    order: Order,
    limit: usize,
    cur: Option<u32>,
}

impl<'a> Head<'a> {
    fn new(
        plan: Plan<'a>,
        key: SortKey,
        order: Order,
        limit: usize,
        after: Option<&CursorPos>,
    ) -> Head<'a> {
        let snap = plan.snap;
        let view = snap.view(key);
        let segs = segments(snap, view, key, order, after);
        let left = (segs[0].1 - segs[0].0 + segs[1].1 - segs[1].0) as u64;
        let walk = plan
            .strategy
            .walk
            .unwrap_or_else(|| !sparse(plan.sel.estimate(), left, limit));
        let mut h = Head {
            plan,
            view,
            mode: Mode::Walk { segs, seg: 0 },
            key,
            order,
            limit,
            cur: None,
        };
        if !walk {
            let members = h.plan.positions();
            h.sort_from(&members, |s| {
                after.is_none_or(|c| cmp_to_cursor(s, key, order, c) == Ordering::Greater)
            });
        }
        h.advance();
        h
    }

    /// Switches to [`Mode::Sorted`] over the `members` that `keep`.
    fn sort_from(&mut self, members: &Positions, keep: impl Fn(&Share) -> bool) {
        let shares = &self.plan.snap.shares;
        let (key, order) = (self.key, self.order);
        let mut items: Vec<u32> = members
            .iter()
            .filter(|&i| keep(&shares[i as usize]))
            .collect();
        let cmp =
            |a: &u32, b: &u32| cmp_in_order(&shares[*a as usize], &shares[*b as usize], key, order);
        let want = self.limit + 1;
        if items.len() > want {
            items.select_nth_unstable_by(want - 1, cmp);
            items.truncate(want);
        }
        items.sort_unstable_by(cmp);
        self.mode = Mode::Sorted { items, at: 0 };
    }

    /// Moves `cur` to the next matching share (or `None`).
    fn advance(&mut self) {
        loop {
            let rev = self.order == Order::Desc;
            let (segs, seg) = match &mut self.mode {
                Mode::Sorted { items, at } => {
                    self.cur = items.get(*at).copied();
                    *at += 1;
                    return;
                }
                Mode::Walk { segs, seg } => (segs, seg),
            };
            let mut switch_at = None;
            self.cur = None;
            'walk: while *seg < 2 {
                let (lo, hi) = &mut segs[*seg];
                while lo < hi {
                    let p = if rev { *hi - 1 } else { *lo };
                    let i = self.view.order[p];
                    if self.plan.needle.is_some()
                        && self.plan.names.is_none()
                        && self.plan.searched >= self.plan.strategy.name_scan_after
                    {
                        switch_at = Some(i);
                        break 'walk;
                    }
                    if rev {
                        *hi -= 1;
                    } else {
                        *lo += 1;
                    }
                    if self.plan.contains(i) {
                        self.cur = Some(i);
                        return;
                    }
                }
                *seg += 1;
            }
            let Some(next) = switch_at else {
                return;
            };
            let rest = left(segs);
            self.switch_to_bitset(next, rest);
        }
    }

    /// A walk that searched many names builds the `q` bitset; if the exact matches then are
    /// few, it sorts those at or after share `next` (the next to visit) instead of walking on.
    fn switch_to_bitset(&mut self, next: u32, left: u64) {
        let snap = self.plan.snap;
        self.plan.names = self.plan.needle.map(|n| snap.names_lower.containing(n));
        if self.plan.strategy.walk == Some(true) {
            return;
        }
        let members = self.plan.positions();
        if sparse(members.len(), left, self.limit) {
            let (key, order) = (self.key, self.order);
            let next = Arc::clone(&snap.shares[next as usize]);
            self.sort_from(&members, |s| {
                cmp_in_order(s, &next, key, order) != Ordering::Less
            });
        }
    }

    fn share(&self, i: u32) -> &'a Arc<Share> {
        &self.plan.snap.shares[i as usize]
    }
}

/// Where share `s` stands against a cursor position, in list order.
fn cmp_to_cursor(s: &Share, key: SortKey, order: Order, c: &CursorPos) -> Ordering {
    cmp_pairs_in_order(
        (key.value(s).as_ref(), s.id.as_str()),
        (c.key_value().as_ref(), c.id.as_str()),
        order,
    )
}

/// View positions left in `segs`.
fn left(segs: &[(usize, usize); 2]) -> u64 {
    segs.iter().map(|(lo, hi)| (hi - lo) as u64).sum()
}

/// Runs a page over the snapshots (already narrowed to the visible, wanted accounts).
pub fn page(
    snaps: &[Arc<Snapshot>],
    search: &Search<'_>,
    (key, order): (SortKey, Order),
    limit: usize,
    after: Option<&CursorPos>,
    strategy: Strategy,
) -> PageResult {
    let finder = search.q.map(Finder::new);
    let mut heads: Vec<Head<'_>> = snaps
        .iter()
        .map(|s| {
            let plan = Plan::new(s, search, finder.as_ref(), strategy);
            Head::new(plan, key, order, limit, after)
        })
        .collect();
    let mut out = Vec::with_capacity(limit.min(1024));
    loop {
        // Few accounts: a linear scan of the heads beats a heap.
        let mut best: Option<(usize, &Arc<Share>)> = None;
        for (h, head) in heads.iter().enumerate() {
            if let Some(i) = head.cur {
                let s = head.share(i);
                if best.is_none_or(|(_, b)| cmp_in_order(s, b, key, order) == Ordering::Less) {
                    best = Some((h, s));
                }
            }
        }
        let Some((h, s)) = best else {
            return PageResult {
                shares: out,
                has_more: false,
            };
        };
        if out.len() == limit {
            return PageResult {
                shares: out,
                has_more: true,
            };
        }
        out.push(Arc::clone(s));
        heads[h].advance();
    }
}

/// Number of shares matching `search` across the snapshots.
pub fn count(snaps: &[Arc<Snapshot>], search: &Search<'_>, strategy: Strategy) -> usize {
    let finder = search.q.map(Finder::new);
    snaps
        .iter()
        .map(|s| Plan::new(s, search, finder.as_ref(), strategy).count() as usize)
        .sum()
}

/// The positions of `snap` matching `search`, ascending.
pub fn positions(snap: &Snapshot, search: &Search<'_>) -> Positions {
    let finder = search.q.map(Finder::new);
    Plan::new(snap, search, finder.as_ref(), Strategy::default()).positions()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_bits_in_a_range_matches_a_loop() {
        let bits: Vec<u64> = (0..5u64)
            .map(|w| w.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        for lo in 0..320u32 {
            for hi in lo..=320 {
                let want = (lo..hi).filter(|&i| bit(&bits, i)).count() as u64;
                assert_eq!(count_bits(&bits, lo, hi), want, "{lo}..{hi}");
            }
        }
    }

    #[test]
    fn few_matches_are_sorted_many_are_walked() {
        assert!(sparse(0, 100_000, 50));
        assert!(sparse(100, 100_000, 50));
        assert!(!sparse(50_000, 100_000, 50));
    }
}
