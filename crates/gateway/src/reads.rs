//! What a read request sees: the accounts it selects (visible to the key and wanted by the
//! filter), each one's snapshot or error, and the `accounts[]` / `errors[]` / `partial` parts
//! of a response. Shared by the list, stats and export routes.

use crate::account::{Account, AccountRead, SyncState};
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::query;
use crate::snapshot::Snapshot;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use unishare_core::{Error, Provider};

/// One account's state in a list, stats or export response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountState {
    /// Account name.
    pub account: String,
    /// `fresh`, `stale`, `syncing` or `failed`.
    pub state: SyncState,
    /// When its data was read from the vendor.
    pub synced_at: Option<DateTime<Utc>>,
}

/// An account that could not be read, in a list or stats response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountError {
    /// Account name.
    pub account: String,
    /// Vendor.
    pub provider: Provider,
    /// Error kind (`upstream_unavailable`, ..., or `syncing`).
    pub kind: &'static str,
    /// What happened.
    pub detail: String,
}

/// The accounts a request reads: visible to the key and wanted by the filter. An account
/// named in the filter that the key cannot see (or that does not exist) is a 400, so that a
/// typo never silently returns nothing.
pub async fn read_accounts(
    state: &AppState,
    principal: &Principal,
    filter: &query::Filter,
) -> Result<Vec<(Arc<Account>, AccountRead)>, ApiError> {
    for name in &filter.accounts {
        if state.account(name).is_none() || !principal.sees(name) {
            return Err(ApiError(Error::invalid_request(format!(
                "unknown account {name:?}"
            ))));
        }
    }
    // Accounts with a snapshot answer at once (no future, no wait); the others are awaited
    // together afterwards, each in its place.
    let mut reads = Vec::with_capacity(state.accounts.len());
    let mut cold = Vec::new();
    let now = std::time::Instant::now();
    for a in state.accounts.iter().filter(|a| {
        principal.sees(a.name.as_str()) && filter.wants_account(a.name.as_str(), a.kind)
    }) {
        let read = a.read_now(now).unwrap_or_else(|| {
            cold.push(reads.len());
            AccountRead {
                snapshot: None,
                state: SyncState::Syncing,
                error: None,
            }
        });
        reads.push((Arc::clone(a), read));
    }
    if !cold.is_empty() {
        let waiting: Vec<Arc<Account>> = cold.iter().map(|&i| Arc::clone(&reads[i].0)).collect();
        let done = futures::future::join_all(waiting.iter().map(|a| a.read())).await;
        for (i, read) in cold.into_iter().zip(done) {
            reads[i].1 = read;
        }
    }
    Ok(reads)
}

/// Splits reads into usable snapshots, per-account states and errors.
pub fn summarize(
    reads: &[(Arc<Account>, AccountRead)],
) -> (
    Vec<Arc<Snapshot>>,
    Vec<AccountState>,
    Vec<AccountError>,
    bool,
) {
    let mut snaps = Vec::new();
    let mut states = Vec::new();
    let mut errors = Vec::new();
    let mut partial = false;
    for (account, read) in reads {
        states.push(AccountState {
            account: account.name.to_string(),
            state: read.state,
            synced_at: read.snapshot.as_ref().map(|s| s.synced_at),
        });
        if let Some(s) = &read.snapshot {
            snaps.push(Arc::clone(s));
        } else {
            partial = true;
        }
        match (&read.error, read.state) {
            (Some(e), _) => errors.push(AccountError {
                account: account.name.to_string(),
                provider: account.kind,
                kind: e.kind().as_str(),
                detail: e.message().to_owned(),
            }),
            (None, SyncState::Syncing) => errors.push(AccountError {
                account: account.name.to_string(),
                provider: account.kind,
                kind: "syncing",
                detail: "the first crawl of this account is still running".into(),
            }),
            _ => {}
        }
    }
    (snaps, states, errors, partial)
}
