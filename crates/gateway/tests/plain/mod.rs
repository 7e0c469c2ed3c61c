//! The plain-scan reference of the query engine (test code only): every filter tested on
//! every share, field by field, then one sort with the list order. The engine answers from
//! indexes; the tests check it against this.
#![allow(dead_code)] // each test file uses its part

use std::sync::Arc;
use unishare_core::Share;
use unishare_gateway::query::Filter;
use unishare_gateway::snapshot::Snapshot;
use unishare_gateway::sort::{cmp_in_order, Order, SortKey};

/// Whether `s` passes every per-share filter of `f` (`account` and `provider` select
/// snapshots, see [`wanted`]).
pub fn matches(f: &Filter, s: &Share) -> bool {
    if !f.statuses.is_empty() && !f.statuses.contains(&s.status) {
        return false;
    }
    if f.audience.is_some_and(|a| a != s.audience) {
        return false;
    }
    if f.password_protected
        .is_some_and(|p| s.password_protected != Some(p))
    {
        return false;
    }
    if let Some(q) = &f.q {
        if !s.name.to_lowercase().contains(q.as_str()) {
            return false;
        }
    }
    if f.created_after
        .is_some_and(|a| s.created_at.is_none_or(|c| c <= a))
    {
        return false;
    }
    if f.created_before
        .is_some_and(|b| s.created_at.is_none_or(|c| c >= b))
    {
        return false;
    }
    if f.expires_before
        .is_some_and(|b| s.expires_at.is_none_or(|e| e >= b))
    {
        return false;
    }
    if !f.owners.is_empty() {
        let owned = |o: &String| {
            s.owner.as_deref().is_some_and(|w| {
                w.id == o.as_str()
                    || w.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(o))
            })
        };
        if !f.owners.iter().any(owned) {
            return false;
        }
    }
    true
}

/// The snapshots `f` selects by account and provider.
pub fn wanted(snaps: &[Arc<Snapshot>], f: &Filter) -> Vec<Arc<Snapshot>> {
    snaps
        .iter()
        .filter(|s| f.wants_account(s.account.as_str(), s.provider))
        .cloned()
        .collect()
}

/// Every share of `snaps` matching `f`, in list order.
pub fn all(snaps: &[Arc<Snapshot>], f: &Filter, key: SortKey, order: Order) -> Vec<Arc<Share>> {
    let mut out: Vec<Arc<Share>> = snaps
        .iter()
        .flat_map(|s| s.shares.iter())
        .filter(|s| matches(f, s))
        .cloned()
        .collect();
    out.sort_by(|a, b| cmp_in_order(a, b, key, order));
    out
}
