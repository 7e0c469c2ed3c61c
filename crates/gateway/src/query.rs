//! `GET /v1/shares` query: parsing with clear 400s, filters, and execution over snapshots
//! (per-account pre-sorted views, keyset resume by binary search, k-way merge).

use crate::cursor::CursorPos;
use crate::index::Criteria;
use crate::snapshot::Snapshot;
use crate::sort::{KeyValue, Order, SortKey};
pub use crate::walk::{PageResult, Search, Strategy};
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

    /// Positions of the shares of `snap` that match the per-share filters, ascending
    /// (from the snapshot's indexes, see `docs/query-engine.md`).
    pub fn matching(&self, snap: &Snapshot) -> impl Iterator<Item = usize> {
        let positions = crate::walk::positions(snap, &self.search());
        let all: Vec<u32> = positions.iter().collect();
        all.into_iter().map(|i| i as usize)
    }

    /// The per-share filters, as the engine takes them.
    pub fn search(&self) -> Search<'_> {
        Search {
            criteria: Criteria {
                statuses: &self.statuses,
                audience: self.audience,
                protected: self.password_protected,
                owners: &self.owners,
                created_after: self.created_after,
                created_before: self.created_before,
                expires_before: self.expires_before,
            },
            q: self.q.as_deref(),
        }
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

/// Runs a page over the snapshots (already narrowed to the visible, wanted accounts).
pub fn page(
    snaps: &[Arc<Snapshot>],
    filter: &Filter,
    key: SortKey,
    order: Order,
    limit: usize,
    after: Option<&CursorPos>,
) -> PageResult {
    page_with(
        snaps,
        filter,
        (key, order),
        limit,
        after,
        Strategy::default(),
    )
}

/// [`page`] found in a forced way (tests and benches check every way gives the same page).
pub fn page_with(
    snaps: &[Arc<Snapshot>],
    filter: &Filter,
    sort: (SortKey, Order),
    limit: usize,
    after: Option<&CursorPos>,
    strategy: Strategy,
) -> PageResult {
    crate::walk::page(snaps, &filter.search(), sort, limit, after, strategy)
}

/// Number of shares matching `filter` across the snapshots (from the indexes).
pub fn count(snaps: &[Arc<Snapshot>], filter: &Filter) -> usize {
    count_with(snaps, filter, Strategy::default())
}

/// [`count`] found in a forced way.
pub fn count_with(snaps: &[Arc<Snapshot>], filter: &Filter, strategy: Strategy) -> usize {
    crate::walk::count(snaps, &filter.search(), strategy)
}

/// The key value of a share as stored in a cursor.
pub fn key_of(share: &Share, key: SortKey) -> Option<KeyValue<'_>> {
    key.value(share)
}
