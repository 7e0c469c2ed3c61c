//! `GET /v1/shares` query: parsing with clear 400s, filters, and execution over snapshots
//! (per-account pre-sorted views, keyset resume by binary search, k-way merge).

use crate::cursor::CursorPos;
use crate::snapshot::{Snapshot, View};
use crate::sort::{KeyValue, Order, SortKey};
use chrono::{DateTime, Utc};
use memchr::memmem;
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::sync::Arc;
use unishare_core::{Audience, Error, Provider, Share, ShareStatus};

/// Largest `limit`.
pub const MAX_LIMIT: usize = 1000;
/// Default `limit`.
pub const DEFAULT_LIMIT: usize = 50;

/// The filters of a list, stats or export request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// `account` (repeatable); empty = all visible accounts.
    pub accounts: Vec<String>,
    /// `provider`.
    pub provider: Option<Provider>,
    /// `status` (repeatable); empty = any.
    pub statuses: Vec<ShareStatus>,
    /// `audience`.
    pub audience: Option<Audience>,
    /// `password_protected`.
    pub password_protected: Option<bool>,
    /// `q`, lower-cased.
    pub q: Option<String>,
    /// `created_after` (exclusive).
    pub created_after: Option<DateTime<Utc>>,
    /// `created_before` (exclusive).
    pub created_before: Option<DateTime<Utc>>,
    /// `expires_before` (exclusive); shares that never expire do not match.
    pub expires_before: Option<DateTime<Utc>>,
    /// `owner` (repeatable): an owner's e-mail (matched case-insensitively) or
    /// owner id (exact); empty = any. Shares without an owner match none.
    pub owners: Vec<String>,
}

/// A parsed `GET /v1/shares` request.
#[derive(Clone, Debug, PartialEq)]
pub struct ListQuery {
    /// Filters.
    pub filter: Filter,
    /// `sort`.
    pub sort: SortKey,
    /// `order`.
    pub order: Order,
    /// `limit`.
    pub limit: usize,
    /// `cursor`, still encoded.
    pub cursor: Option<String>,
}

use crate::query_params::{bad, parse_bool, parse_time};
pub(crate) use crate::query_params::{once, parse_order, parse_sort, unknown_parameter};

impl Filter {
    /// Applies one query pair; `Ok(false)` when the name is not a filter.
    pub fn apply_pair(&mut self, k: &str, v: &str) -> Result<bool, Error> {
        match k {
            "account" => {
                unishare_core::AccountName::new(v)
                    .map_err(|_| bad(format!("account {v:?} is not a valid account name")))?;
                self.accounts.push(v.to_owned());
            }
            "provider" => {
                let p = crate::vendors::find(v).map(|p| p.name()).ok_or_else(|| {
                    let names: Vec<&str> = crate::vendors::names().collect();
                    bad(format!(
                        "provider must be one of {} (got {v:?})",
                        names.join(", ")
                    ))
                })?;
                once(&mut self.provider, k, p)?;
            }
            "status" => {
                let s = ShareStatus::ALL
                    .into_iter()
                    .find(|s| s.as_str() == v)
                    .ok_or_else(|| {
                        bad(format!(
                            "status must be one of active, expired, source_deleted, invalid (got {v:?})"
                        ))
                    })?;
                self.statuses.push(s);
            }
            "audience" => {
                let a = [
                    Audience::Anyone,
                    Audience::Organization,
                    Audience::Restricted,
                ]
                .into_iter()
                .find(|a| a.as_str() == v)
                .ok_or_else(|| {
                    bad(format!(
                        "audience must be one of anyone, organization, restricted (got {v:?})"
                    ))
                })?;
                once(&mut self.audience, k, a)?;
            }
            "password_protected" => once(&mut self.password_protected, k, parse_bool(k, v)?)?,
            "q" => {
                if v.chars().count() > 256 {
                    return Err(bad("q must be at most 256 characters"));
                }
                once(&mut self.q, k, v.to_lowercase())?
            }
            "created_after" => once(&mut self.created_after, k, parse_time(k, v)?)?,
            "created_before" => once(&mut self.created_before, k, parse_time(k, v)?)?,
            "expires_before" => once(&mut self.expires_before, k, parse_time(k, v)?)?,
            "owner" => {
                let v = v.trim();
                if v.is_empty() || v.chars().count() > 256 {
                    return Err(bad(
                        "owner must be an e-mail address or an owner id of 1 to 256 characters",
                    ));
                }
                self.owners.push(v.to_owned());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether the account passes the account/provider filters.
    pub fn wants_account(&self, account: &str, provider: Provider) -> bool {
        (self.accounts.is_empty() || self.accounts.iter().any(|a| a == account))
            && self.provider.is_none_or(|p| p == provider)
    }

    /// Positions of the shares of `snap` that match the per-share filters, in snapshot order
    /// (the filter is prepared once for the whole walk).
    pub fn matching<'a>(&'a self, snap: &'a Snapshot) -> impl Iterator<Item = usize> + 'a {
        let m = Matcher::new(self);
        let names = m.names(snap);
        (0..snap.shares.len()).filter(move |&i| m.matches(snap, i, names.as_deref()))
    }

    /// The filters that read the share itself (everything but `q`).
    fn matches_share(&self, s: &Share) -> bool {
        if !self.statuses.is_empty() && !self.statuses.contains(&s.status) {
            return false;
        }
        if self.audience.is_some_and(|a| a != s.audience) {
            return false;
        }
        if self
            .password_protected
            .is_some_and(|p| s.password_protected != Some(p))
        {
            return false;
        }
        if let Some(after) = self.created_after {
            if s.created_at.is_none_or(|c| c <= after) {
                return false;
            }
        }
        if let Some(before) = self.created_before {
            if s.created_at.is_none_or(|c| c >= before) {
                return false;
            }
        }
        if let Some(before) = self.expires_before {
            if s.expires_at.is_none_or(|e| e >= before) {
                return false;
            }
        }
        if !self.owners.is_empty() && !self.owners.iter().any(|o| owned_by(s, o)) {
            return false;
        }
        true
    }

    /// A canonical text of the filter, for digests.
    fn canonical(&self) -> String {
        let mut accounts = self.accounts.clone();
        accounts.sort();
        accounts.dedup();
        let mut statuses: Vec<&str> = self.statuses.iter().map(|s| s.as_str()).collect();
        statuses.sort();
        statuses.dedup();
        let mut owners: Vec<String> = self.owners.iter().map(|o| o.to_lowercase()).collect();
        owners.sort();
        owners.dedup();
        format!(
            "a={};p={:?};s={};au={:?};pp={:?};q={:?};ca={:?};cb={:?};eb={:?};o={:?}",
            accounts.join(","),
            self.provider.map(|p| p.as_str()),
            statuses.join(","),
            self.audience.map(|a| a.as_str()),
            self.password_protected,
            self.q,
            self.created_after.map(|t| t.timestamp_millis()),
            self.created_before.map(|t| t.timestamp_millis()),
            self.expires_before.map(|t| t.timestamp_millis()),
            owners,
        )
    }
}

/// Whether `owner` (an `owner` filter value) names the share's owner: its e-mail, whatever the
/// case, or its id exactly.
fn owned_by(s: &Share, owner: &str) -> bool {
    s.owner.as_deref().is_some_and(|o| {
        o.id == owner
            || o.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(owner))
    })
}

impl ListQuery {
    /// Parses a raw query string. Unknown parameters are a 400 (a typo should not silently
    /// widen a query).
    pub fn parse(raw: Option<&str>) -> Result<ListQuery, Error> {
        let mut filter = Filter::default();
        let (mut sort, mut order, mut limit, mut cursor) = (None, None, None, None);
        for (k, v) in crate::query_string::pairs(raw.unwrap_or("")) {
            if filter.apply_pair(&k, &v)? {
                continue;
            }
            match &*k {
                "sort" => once(&mut sort, "sort", parse_sort(&v)?)?,
                "order" => once(&mut order, "order", parse_order(&v)?)?,
                "limit" => {
                    let n: usize = v
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            bad(format!("limit must be an integer from 1 to {MAX_LIMIT}"))
                        })?;
                    once(&mut limit, "limit", n)?;
                }
                "cursor" => once(&mut cursor, "cursor", v.into_owned())?,
                other => {
                    return Err(unknown_parameter(
                        other,
                        "the list takes filters, sort, order, limit and cursor",
                    ))
                }
            }
        }
        Ok(ListQuery {
            filter,
            sort: sort.unwrap_or(SortKey::CreatedAt),
            order: order.unwrap_or(Order::Desc),
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            cursor,
        })
    }

    /// Digest binding a cursor to the filters, sort and order (not the limit).
    pub fn digest(&self) -> String {
        let text = format!(
            "{}|{}|{}",
            self.filter.canonical(),
            self.sort.as_str(),
            self.order.as_str()
        );
        hex::encode(&Sha256::digest(text.as_bytes())[..12])
    }
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

/// The per-share part of a [`Filter`], prepared once per query.
struct Matcher<'f> {
    filter: &'f Filter,
    /// `q`, lower-cased, prepared once per query (memchr's SIMD substring search).
    needle: Option<memmem::Finder<'f>>,
    /// Some filter other than `q` reads the share itself.
    reads_share: bool,
}

impl<'f> Matcher<'f> {
    fn new(filter: &'f Filter) -> Matcher<'f> {
        Matcher {
            filter,
            needle: filter.q.as_deref().map(memmem::Finder::new),
            reads_share: !filter.statuses.is_empty()
                || filter.audience.is_some()
                || filter.password_protected.is_some()
                || filter.created_after.is_some()
                || filter.created_before.is_some()
                || filter.expires_before.is_some()
                || !filter.owners.is_empty(),
        }
    }

    /// Whether share `i` matches; `names` is the snapshot's [`LowerNames::containing`] bitset
    /// for `q` when one was built (else each name is searched).
    ///
    /// [`LowerNames::containing`]: crate::snapshot::LowerNames::containing
    #[inline]
    fn matches(&self, snap: &Snapshot, i: usize, names: Option<&[u64]>) -> bool {
        if let Some(n) = &self.needle {
            let hit = match names {
                Some(bits) => bits[i / 64] & (1 << (i % 64)) != 0,
                None => n.find(snap.names_lower.get(i).as_bytes()).is_some(),
            };
            if !hit {
                return false;
            }
        }
        !self.reads_share || self.filter.matches_share(&snap.shares[i])
    }

    /// The bitset of names matching `q` in `snap` (`None` without `q`).
    fn names(&self, snap: &Snapshot) -> Option<Vec<u64>> {
        self.needle.as_ref().map(|n| snap.names_lower.containing(n))
    }

    /// Positions of `snap` that match, in snapshot order.
    fn all<'s>(&'s self, snap: &'s Snapshot) -> impl Iterator<Item = usize> + 's {
        let names = self.names(snap);
        (0..snap.shares.len()).filter(move |&i| self.matches(snap, i, names.as_deref()))
    }
}

/// One account's walk through its view in list order, filtered; `cur` is the view position
/// of the next matching share (the head of this account in the merge).
struct Head<'a> {
    snap: &'a Snapshot,
    view: &'a View,
    segs: [(usize, usize); 2],
    seg: usize,
    rev: bool,
    cur: Option<usize>,
    /// Names searched one by one so far (see [`NAME_SCAN_AFTER`]).
    searched: usize,
    /// The `q` bitset of this snapshot, once built.
    names: Option<Vec<u64>>,
}

/// A walk that has searched this many names one by one builds the snapshot's `q` bitset
/// instead: a filter that matches often finds a page within a few hundred names (random
/// accesses in sort order), one that matches rarely would otherwise touch every name that way.
const NAME_SCAN_AFTER: usize = 2048;

impl<'a> Head<'a> {
    fn new(
        snap: &'a Snapshot,
        key: SortKey,
        order: Order,
        after: Option<&CursorPos>,
        m: &Matcher<'_>,
    ) -> Head<'a> {
        let view = snap.view(key);
        let mut h = Head {
            snap,
            view,
            segs: segments(snap, view, key, order, after),
            seg: 0,
            rev: order == Order::Desc,
            cur: None,
            searched: 0,
            names: None,
        };
        h.advance(m);
        h
    }

    /// Moves `cur` to the next matching position (or `None`).
    #[inline]
    fn advance(&mut self, m: &Matcher<'_>) {
        let order = &self.view.order;
        while self.seg < 2 {
            let (lo, hi) = &mut self.segs[self.seg];
            while lo < hi {
                let p = if self.rev {
                    *hi -= 1;
                    *hi
                } else {
                    *lo += 1;
                    *lo - 1
                };
                if self.names.is_none() && m.needle.is_some() {
                    self.searched += 1;
                    if self.searched > NAME_SCAN_AFTER {
                        self.names = m.names(self.snap);
                    }
                }
                if m.matches(self.snap, order[p] as usize, self.names.as_deref()) {
                    self.cur = Some(p);
                    return;
                }
            }
            self.seg += 1;
        }
        self.cur = None;
    }

    fn share(&self, p: usize) -> &'a Arc<Share> {
        &self.snap.shares[self.view.order[p] as usize]
    }
}

/// Compares the heads of two accounts at view positions `pa`, `pb` in list order.
#[inline]
fn cmp_heads(
    a: &Head<'_>,
    pa: usize,
    b: &Head<'_>,
    pb: usize,
    key: SortKey,
    order: Order,
) -> Ordering {
    let (a_nn, b_nn) = (pa < a.view.non_null, pb < b.view.non_null);
    let by_key = match (a_nn, b_nn) {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => Ordering::Equal,
        (true, true) => {
            if key == SortKey::Name {
                a.share(pa).name.cmp(&b.share(pb).name)
            } else {
                a.view.ints[pa].cmp(&b.view.ints[pb])
            }
        }
    };
    let asc = by_key.then_with(|| a.share(pa).id.as_str().cmp(b.share(pb).id.as_str()));
    match order {
        Order::Asc => asc,
        Order::Desc => asc.reverse(),
    }
}

/// One page of results.
pub struct PageResult {
    /// The shares of the page, in list order.
    pub shares: Vec<Arc<Share>>,
    /// Whether more matching shares follow.
    pub has_more: bool,
}

/// Runs a page over the snapshots (already narrowed to the visible, wanted accounts).
pub fn page(
    snaps: &[Arc<Snapshot>],
    filter: &Filter,
    key: SortKey,
    order: Order,
    limit: usize,
    after: Option<&CursorPos>,
) -> PageResult {
    let m = Matcher::new(filter);
    let mut heads: Vec<Head<'_>> = snaps
        .iter()
        .map(|s| Head::new(s, key, order, after, &m))
        .collect();
    let mut out = Vec::with_capacity(limit.min(1024));
    loop {
        // Few accounts: a linear scan of the heads beats a heap.
        let mut best: Option<(usize, usize)> = None;
        for (h, head) in heads.iter().enumerate() {
            if let Some(p) = head.cur {
                let better = match best {
                    None => true,
                    Some((bh, bp)) => {
                        cmp_heads(head, p, &heads[bh], bp, key, order) == Ordering::Less
                    }
                };
                if better {
                    best = Some((h, p));
                }
            }
        }
        let Some((h, p)) = best else {
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
        out.push(Arc::clone(heads[h].share(p)));
        heads[h].advance(&m);
    }
}

/// Number of shares matching `filter` across the snapshots.
pub fn count(snaps: &[Arc<Snapshot>], filter: &Filter) -> usize {
    let m = Matcher::new(filter);
    snaps.iter().map(|s| m.all(s).count()).sum()
}

/// The key value of a share as stored in a cursor.
pub fn key_of(share: &Share, key: SortKey) -> Option<KeyValue<'_>> {
    key.value(share)
}
