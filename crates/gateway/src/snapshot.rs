//! An account's complete share set, with one pre-sorted index per sort key, so that any sort,
//! filter and page costs memory time only (see `docs/query-engine.md`).

use crate::sort::{cmp_asc, SortKey};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
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
}

/// An account's shares at one point in time. Immutable; changes build a new snapshot.
#[derive(Debug)]
pub struct Snapshot {
    /// The account.
    pub account: AccountName,
    /// The vendor.
    pub provider: Provider,
    /// Every share.
    pub shares: Vec<Arc<Share>>,
    /// Lower-cased names, for `q`, by position.
    pub names_lower: Vec<Box<str>>,
    /// Position by native id.
    pub by_native_id: HashMap<Arc<str>, u32>,
    /// One view per sort key, indexed by [`SortKey::index`].
    pub views: [View; SortKey::COUNT],
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
        let names_lower = shares
            .iter()
            .map(|s| s.name.to_lowercase().into_boxed_str())
            .collect();
        let by_native_id = shares
            .iter()
            .enumerate()
            .map(|(i, s)| (Arc::from(s.native_id.as_str()), i as u32))
            .collect();
        let views = SortKey::ALL.map(|key| build_view(&shares, key));
        Snapshot {
            account,
            provider,
            shares,
            names_lower,
            by_native_id,
            views,
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

    /// A share by native id.
    pub fn get(&self, native_id: &str) -> Option<&Arc<Share>> {
        self.by_native_id
            .get(native_id)
            .map(|&i| &self.shares[i as usize])
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

fn build_view(shares: &[Arc<Share>], key: SortKey) -> View {
    let mut order: Vec<u32> = (0..shares.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| cmp_asc(&shares[a as usize], &shares[b as usize], key));
    let non_null = order.partition_point(|&i| key.value(&shares[i as usize]).is_some());
    View { order, non_null }
}
