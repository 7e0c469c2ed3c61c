//! `GET /v1/stats`: totals for dashboards, computed from the snapshots only (memory time, no
//! vendor call).
//!
//! Counters a vendor does not report (`null`) are never counted as 0: they are left out of the
//! sums, and every group says how many of its shares had no value (`views_unreported`,
//! `downloads_unreported`). A sum over a group where no share reported the counter is `null`.

use crate::query::{self, Filter};
use crate::reads::{AccountError, AccountState};
use crate::snapshot::Snapshot;
use crate::sort::{Order, SortKey};
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use unishare_core::{Owner, Provider, Share, ShareStatus};

/// How many shares the top lists hold.
pub const TOP_N: usize = 10;
/// How many owners `by_owner` lists.
pub const TOP_OWNERS: usize = 20;

/// How many calendar months `created_by_month` covers (the current one included).
pub const CREATED_MONTHS: usize = 24;

/// Share, view and download totals of one group of shares.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Shares in the group.
    pub shares: u64,
    /// Sum of `stats.views` over the shares that report it; `null` when none does.
    pub views: Option<u64>,
    /// Shares whose vendor does not report views (left out of `views`).
    pub views_unreported: u64,
    /// Sum of `stats.downloads` over the shares that report it; `null` when none does.
    pub downloads: Option<u64>,
    /// Shares whose vendor does not report downloads (left out of `downloads`).
    pub downloads_unreported: u64,
}

impl Totals {
    fn add(&mut self, s: &Share) {
        self.shares += 1;
        add_counter(&mut self.views, &mut self.views_unreported, s.stats.views);
        add_counter(
            &mut self.downloads,
            &mut self.downloads_unreported,
            s.stats.downloads,
        );
    }
}

impl Totals {
    /// Adds another group's totals to this one.
    fn merge(&mut self, other: &Totals) {
        self.shares += other.shares;
        self.views_unreported += other.views_unreported;
        self.downloads_unreported += other.downloads_unreported;
        for (sum, v) in [
            (&mut self.views, other.views),
            (&mut self.downloads, other.downloads),
        ] {
            if let Some(v) = v {
                *sum = Some(sum.unwrap_or(0).saturating_add(v));
            }
        }
    }
}

fn add_counter(sum: &mut Option<u64>, unreported: &mut u64, value: Option<u64>) {
    match value {
        Some(v) => *sum = Some(sum.unwrap_or(0).saturating_add(v)),
        None => *unreported += 1,
    }
}

/// Totals of one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccountTotals {
    /// Account name.
    pub account: String,
    /// Its vendor.
    pub provider: Provider,
    /// Its totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals of one owner (across accounts: owners with the same e-mail, whatever its case,
/// are one owner; an owner without one is one per account and owner id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OwnerTotals {
    /// The owner as the vendor reports it (the first one met, for an e-mail on several
    /// accounts).
    #[schema(value_type = Object)]
    pub owner: Owner,
    /// Its totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals of one provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProviderTotals {
    /// The vendor.
    pub provider: Provider,
    /// Its totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals of one status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusTotals {
    /// The status.
    pub status: ShareStatus,
    /// Its totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Active shares whose `expires_at` falls in the next 24 hours / 7 days (after `generated_at`,
/// at or before `generated_at` + the window).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Expiring {
    /// Expiring within 24 hours.
    pub next_24h: u64,
    /// Expiring within 7 days (includes `next_24h`).
    pub next_7d: u64,
}

/// Password-protected versus open links, and those whose vendor does not say.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PasswordSplit {
    /// `password_protected: true`.
    pub protected: u64,
    /// `password_protected: false`.
    pub open: u64,
    /// `password_protected: null`: the vendor did not report it (never counted as open).
    pub unknown: u64,
}

/// Shares created in one calendar month (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MonthCount {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Matching shares whose `created_at` falls in it.
    pub shares: u64,
}

/// Months since year 0 of a time (UTC), the index `created_by_month` buckets on.
fn month_index(t: DateTime<Utc>) -> i64 {
    i64::from(t.year()) * 12 + i64::from(t.month0())
}

/// Counts of shares created in each of the [`CREATED_MONTHS`] months ending with the month of
/// `now`, oldest first.
struct MonthBuckets {
    first: i64,
    counts: [u64; CREATED_MONTHS],
}

impl MonthBuckets {
    fn new(now: DateTime<Utc>) -> MonthBuckets {
        MonthBuckets {
            first: month_index(now) - (CREATED_MONTHS as i64 - 1),
            counts: [0; CREATED_MONTHS],
        }
    }

    fn add(&mut self, created_at: Option<DateTime<Utc>>) {
        let Some(t) = created_at else { return };
        let i = month_index(t) - self.first;
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| self.counts.get_mut(i)) {
            *slot += 1;
        }
    }

    fn into_vec(self) -> Vec<MonthCount> {
        (self.first..)
            .zip(self.counts)
            .map(|(m, shares)| MonthCount {
                month: format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1),
                shares,
            })
            .collect()
    }
}

/// One entry of a top list (no secrets: the redacted `url`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TopShare {
    /// Gateway id.
    pub id: String,
    /// Account.
    pub account: String,
    /// Vendor.
    pub provider: Provider,
    /// Display name.
    pub name: String,
    /// The link (without an embedded access code); `null` when the vendor's URL is not
    /// `http`/`https`.
    pub url: Option<String>,
    /// Status.
    pub status: ShareStatus,
    /// `stats.views`.
    pub views: Option<u64>,
    /// `stats.downloads`.
    pub downloads: Option<u64>,
}

impl TopShare {
    fn of(s: &Share) -> TopShare {
        TopShare {
            id: s.id.to_string(),
            account: s.account.to_string(),
            provider: s.provider,
            name: s.name.to_string(),
            url: s.view(false).url().map(str::to_owned),
            status: s.status,
            views: s.stats.views,
            downloads: s.stats.downloads,
        }
    }
}

/// The numbers of a stats response (everything but the account states).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatsBody {
    /// The instant the expiry windows are measured from.
    pub generated_at: DateTime<Utc>,
    /// Totals over every matching share.
    pub total: Totals,
    /// Per account (every selected account with a snapshot, even with no matching share).
    pub by_account: Vec<AccountTotals>,
    /// Per provider (only providers with matching shares).
    pub by_provider: Vec<ProviderTotals>,
    /// Per status (every status, in a stable order).
    pub by_status: Vec<StatusTotals>,
    /// Active links expiring soon.
    pub expiring: Expiring,
    /// Password-protected versus open.
    pub password: PasswordSplit,
    /// Matching shares created in each of the last [`CREATED_MONTHS`] calendar months (UTC),
    /// oldest first, ending with the month of `generated_at`; every month is listed (0 when
    /// none). Shares created earlier, later, or at an unknown time are in no month.
    pub created_by_month: Vec<MonthCount>,
    /// The [`TOP_N`] shares with most views (only shares that report views), most first;
    /// ties break on id as in the list.
    pub top_by_views: Vec<TopShare>,
    /// The [`TOP_N`] shares with most downloads (only shares that report downloads).
    pub top_by_downloads: Vec<TopShare>,
    /// The [`TOP_OWNERS`] owners with most links, most first (ties on the owner's e-mail or
    /// id); links whose vendor reports no owner are not counted here.
    pub by_owner: Vec<OwnerTotals>,
}

/// The `GET /v1/stats` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatsResponse {
    /// The numbers.
    #[serde(flatten)]
    pub stats: StatsBody,
    /// True when an account could not be read (its shares are not counted).
    pub partial: bool,
    /// Sync state of every selected account.
    pub accounts: Vec<AccountState>,
    /// Accounts that could not be read.
    pub errors: Vec<AccountError>,
}

fn top(snaps: &[Arc<Snapshot>], filter: &Filter, key: SortKey) -> Vec<TopShare> {
    // The views are pre-sorted with nulls last: the first TOP_N of the descending walk are the
    // top; a null among them means fewer than TOP_N shares report the counter.
    query::page(snaps, filter, key, Order::Desc, TOP_N, None)
        .shares
        .iter()
        .filter(|s| key.value(s).is_some())
        .map(|s| TopShare::of(s))
        .collect()
}

/// Computes the stats of the shares of `snaps` that match `filter`, with expiry windows
/// measured from `now`.
pub fn compute(snaps: &[Arc<Snapshot>], filter: &Filter, now: DateTime<Utc>) -> StatsBody {
    let mut total = Totals::default();
    let mut by_account = Vec::with_capacity(snaps.len());
    let mut by_provider: BTreeMap<Provider, Totals> = BTreeMap::new();
    let mut by_status: BTreeMap<ShareStatus, Totals> = ShareStatus::ALL
        .iter()
        .map(|s| (*s, Totals::default()))
        .collect();
    let mut expiring = Expiring::default();
    let mut password = PasswordSplit::default();
    let mut months = MonthBuckets::new(now);
    let day = now + Duration::hours(24);
    let week = now + Duration::days(7);
    // Per (account, owner id) without allocating per share; merged by e-mail at the end.
    let mut owners: HashMap<(&str, &str), (Totals, &Owner)> = HashMap::new();
    for snap in snaps {
        let mut acc = Totals::default();
        for i in filter.matching(snap) {
            let s = &snap.shares[i];
            acc.add(s);
            if let Some(o) = s.owner.as_deref() {
                owners
                    .entry((s.account.as_str(), o.id.as_str()))
                    .or_insert_with(|| (Totals::default(), o))
                    .0
                    .add(s);
            }
            by_provider.entry(s.provider).or_default().add(s);
            by_status.entry(s.status).or_default().add(s);
            months.add(s.created_at);
            match s.password_protected {
                Some(true) => password.protected += 1,
                Some(false) => password.open += 1,
                None => password.unknown += 1,
            }
            if let (ShareStatus::Active, Some(e)) = (s.status, s.expires_at) {
                if e > now && e <= day {
                    expiring.next_24h += 1;
                }
                if e > now && e <= week {
                    expiring.next_7d += 1;
                }
            }
        }
        total.merge(&acc);
        by_account.push(AccountTotals {
            account: snap.account.to_string(),
            provider: snap.provider,
            totals: acc,
        });
    }
    StatsBody {
        generated_at: now,
        total,
        by_account,
        by_provider: by_provider
            .into_iter()
            .map(|(provider, totals)| ProviderTotals { provider, totals })
            .collect(),
        by_status: by_status
            .into_iter()
            .map(|(status, totals)| StatusTotals { status, totals })
            .collect(),
        expiring,
        password,
        created_by_month: months.into_vec(),
        top_by_views: top(snaps, filter, SortKey::Views),
        top_by_downloads: top(snaps, filter, SortKey::Downloads),
        by_owner: top_owners(owners),
    }
}

/// The owners with most links: groups of the same e-mail (any case) merged.
fn top_owners(groups: HashMap<(&str, &str), (Totals, &Owner)>) -> Vec<OwnerTotals> {
    let mut merged: HashMap<String, OwnerTotals> = HashMap::new();
    for ((account, id), (totals, owner)) in groups {
        let key = match owner.email.as_deref().filter(|e| !e.is_empty()) {
            Some(e) => format!("e:{}", e.to_lowercase()),
            None => format!("i:{account}:{id}"),
        };
        merged
            .entry(key)
            .and_modify(|m| m.totals.merge(&totals))
            .or_insert_with(|| OwnerTotals {
                owner: owner.clone(),
                totals,
            });
    }
    let mut list: Vec<(String, OwnerTotals)> = merged.into_iter().collect();
    list.sort_by(|(ka, a), (kb, b)| {
        b.totals
            .shares
            .cmp(&a.totals.shares)
            .then_with(|| ka.cmp(kb))
    });
    list.into_iter().take(TOP_OWNERS).map(|(_, o)| o).collect()
}
