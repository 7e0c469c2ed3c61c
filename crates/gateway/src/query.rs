//! `GET /v1/shares` query: parsing with clear 400s, filters, and execution over snapshots
//! (per-account pre-sorted views, keyset resume by binary search, k-way merge).

use crate::cursor::CursorPos;
use crate::snapshot::{Snapshot, View};
use crate::sort::{cmp_in_order, cmp_key_id, KeyValue, Order, SortKey};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
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

fn bad(msg: impl Into<String>) -> Error {
    Error::invalid_request(msg)
}

fn parse_time(name: &str, v: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            bad(format!(
                "{name} must be an RFC 3339 time such as 2026-01-31T00:00:00Z"
            ))
        })
}

fn parse_bool(name: &str, v: &str) -> Result<bool, Error> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(bad(format!("{name} must be true or false"))),
    }
}

fn once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), Error> {
    if slot.is_some() {
        return Err(bad(format!("{name} is given more than once")));
    }
    *slot = Some(value);
    Ok(())
}

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
                let p = v.parse().map_err(|_| {
                    bad(format!(
                        "provider must be one of cloudreve, koodrive (got {v:?})"
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
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether the account passes the account/provider filters.
    pub fn wants_account(&self, account: &str, provider: Provider) -> bool {
        (self.accounts.is_empty() || self.accounts.iter().any(|a| a == account))
            && self.provider.is_none_or(|p| p == provider)
    }

    /// Whether share `i` of `snap` matches the per-share filters.
    pub fn matches(&self, snap: &Snapshot, i: usize) -> bool {
        let s = &snap.shares[i];
        if !self.statuses.is_empty() && !self.statuses.contains(&s.status) {
            return false;
        }
        if self.audience.is_some_and(|a| a != s.audience) {
            return false;
        }
        if self
            .password_protected
            .is_some_and(|p| p != s.password_protected)
        {
            return false;
        }
        if let Some(q) = &self.q {
            if !snap.names_lower[i].contains(q.as_str()) {
                return false;
            }
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
        format!(
            "a={};p={:?};s={};au={:?};pp={:?};q={:?};ca={:?};cb={:?};eb={:?}",
            accounts.join(","),
            self.provider.map(|p| p.as_str()),
            statuses.join(","),
            self.audience.map(|a| a.as_str()),
            self.password_protected,
            self.q,
            self.created_after.map(|t| t.timestamp_millis()),
            self.created_before.map(|t| t.timestamp_millis()),
            self.expires_before.map(|t| t.timestamp_millis()),
        )
    }
}

impl ListQuery {
    /// Parses a raw query string. Unknown parameters are a 400 (a typo should not silently
    /// widen a query).
    pub fn parse(raw: Option<&str>) -> Result<ListQuery, Error> {
        let mut filter = Filter::default();
        let (mut sort, mut order, mut limit, mut cursor) = (None, None, None, None);
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if filter.apply_pair(&k, &v)? {
                continue;
            }
            match &*k {
                "sort" => {
                    let s = SortKey::parse(&v).ok_or_else(|| {
                        bad(format!(
                            "sort must be one of created_at, name, views, downloads, expires_at (got {v:?})"
                        ))
                    })?;
                    once(&mut sort, "sort", s)?;
                }
                "order" => {
                    let o = match &*v {
                        "asc" => Order::Asc,
                        "desc" => Order::Desc,
                        _ => return Err(bad(format!("order must be asc or desc (got {v:?})"))),
                    };
                    once(&mut order, "order", o)?;
                }
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
                    return Err(bad(format!(
                        "unknown query parameter {:?}",
                        other.chars().take(64).collect::<String>()
                    )))
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

/// Positions of `view` in list order, starting after `after` when given.
fn positions<'a>(
    snap: &'a Snapshot,
    view: &'a View,
    key: SortKey,
    order: Order,
    after: Option<&CursorPos>,
) -> Box<dyn Iterator<Item = usize> + 'a> {
    let nn = view.non_null;
    let len = view.order.len();
    let at = |i: u32| -> &Share { &snap.shares[i as usize] };
    let idx = move |r: std::ops::Range<usize>| r.map(move |p| view.order[p] as usize);
    let idx_rev = move |r: std::ops::Range<usize>| r.rev().map(move |p| view.order[p] as usize);
    match (order, after) {
        (Order::Asc, None) => Box::new(idx(0..len)),
        (Order::Desc, None) => Box::new(idx_rev(0..nn).chain(idx_rev(nn..len))),
        (Order::Asc, Some(c)) => {
            let ck = c.key_value();
            let start = view.order.partition_point(|&i| {
                let s = at(i);
                cmp_key_id((key.value(s).as_ref(), s.id.as_str()), (ck.as_ref(), &c.id))
                    != std::cmp::Ordering::Greater
            });
            Box::new(idx(start..len))
        }
        (Order::Desc, Some(c)) => {
            let ck = c.key_value();
            match ck {
                Some(_) => {
                    let end = view.order[..nn].partition_point(|&i| {
                        let s = at(i);
                        cmp_key_id((key.value(s).as_ref(), s.id.as_str()), (ck.as_ref(), &c.id))
                            == std::cmp::Ordering::Less
                    });
                    Box::new(idx_rev(0..end).chain(idx_rev(nn..len)))
                }
                None => {
                    let end = nn
                        + view.order[nn..].partition_point(|&i| at(i).id.as_str() < c.id.as_str());
                    Box::new(idx_rev(nn..end))
                }
            }
        }
    }
}

/// Positions of one account in list order, already filtered.
type Head<'a> = (
    &'a Snapshot,
    std::iter::Peekable<Box<dyn Iterator<Item = usize> + 'a>>,
);

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
    let mut heads: Vec<Head<'_>> = snaps
        .iter()
        .map(|s| {
            let it: Box<dyn Iterator<Item = usize> + '_> = Box::new(
                positions(s, s.view(key), key, order, after).filter(move |&i| filter.matches(s, i)),
            );
            (s.as_ref(), it.peekable())
        })
        .collect();
    let mut out = Vec::with_capacity(limit.min(1024));
    loop {
        // Few accounts: a linear scan of the heads beats a heap.
        let mut best: Option<(usize, &Arc<Share>)> = None;
        for (h, (snap, it)) in heads.iter_mut().enumerate() {
            if let Some(&i) = it.peek() {
                let cand = &snap.shares[i];
                let better = match best {
                    None => true,
                    Some((_, b)) => cmp_in_order(cand, b, key, order) == std::cmp::Ordering::Less,
                };
                if better {
                    best = Some((h, cand));
                }
            }
        }
        let Some((h, share)) = best else {
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
        out.push(Arc::clone(share));
        heads[h].1.next();
    }
}

/// Number of shares matching `filter` across the snapshots.
pub fn count(snaps: &[Arc<Snapshot>], filter: &Filter) -> usize {
    snaps
        .iter()
        .map(|s| {
            (0..s.shares.len())
                .filter(|&i| filter.matches(s, i))
                .count()
        })
        .sum()
}

/// The key value of a share as stored in a cursor.
pub fn key_of(share: &Share, key: SortKey) -> Option<KeyValue<'_>> {
    key.value(share)
}
