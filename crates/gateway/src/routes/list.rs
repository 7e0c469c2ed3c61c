//! `GET /v1/shares`: the federated list.

use crate::account::{AccountRead, SyncState};
use crate::auth::Principal;
use crate::config::Scope;
use crate::cursor::CursorPos;
use crate::problem::ApiError;
use crate::query::{self, ListQuery};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use unishare_core::{Error, Provider, ShareView};

/// One account's state in a list response.
#[derive(Serialize)]
pub struct AccountState {
    /// Account name.
    pub account: String,
    /// `fresh`, `stale`, `syncing` or `failed`.
    pub state: SyncState,
    /// When its data was read from the vendor.
    pub synced_at: Option<DateTime<Utc>>,
}

/// One account's error in a list response.
#[derive(Serialize)]
pub struct AccountError {
    /// Account name.
    pub account: String,
    /// Vendor.
    pub provider: Provider,
    /// Error kind (`upstream_unavailable`, ...).
    pub kind: &'static str,
    /// What happened.
    pub detail: String,
}

#[derive(Serialize)]
struct ListResponse<'a> {
    shares: Vec<ShareView<'a>>,
    next_cursor: Option<String>,
    total: usize,
    partial: bool,
    accounts: Vec<AccountState>,
    errors: Vec<AccountError>,
}

/// The accounts a request reads: visible to the key and wanted by the filter. An account
/// named in the filter that the key cannot see (or that does not exist) is a 400, so that a
/// typo never silently returns nothing.
pub async fn read_accounts(
    state: &AppState,
    principal: &Principal,
    filter: &query::Filter,
) -> Result<Vec<(Arc<crate::account::Account>, AccountRead)>, ApiError> {
    for name in &filter.accounts {
        if state.account(name).is_none() || !principal.sees(name) {
            return Err(ApiError(Error::invalid_request(format!(
                "unknown account {name:?}"
            ))));
        }
    }
    let selected: Vec<_> = state
        .accounts
        .iter()
        .filter(|a| {
            principal.sees(a.name.as_str()) && filter.wants_account(a.name.as_str(), a.kind)
        })
        .cloned()
        .collect();
    let reads = futures::future::join_all(selected.iter().map(|a| a.read())).await;
    Ok(selected.into_iter().zip(reads).collect())
}

/// Splits reads into usable snapshots, per-account states and errors.
pub fn summarize(
    reads: &[(Arc<crate::account::Account>, AccountRead)],
) -> (
    Vec<Arc<crate::snapshot::Snapshot>>,
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

/// `GET /v1/shares`.
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    principal.require(Scope::Read)?;
    let q = ListQuery::parse(raw.as_deref())?;
    let digest = q.digest();
    let after = match &q.cursor {
        Some(c) => Some(state.cursors.decode(c, &digest)?),
        None => None,
    };
    let reads = read_accounts(&state, &principal, &q.filter).await?;
    let (snaps, accounts, errors, partial) = summarize(&reads);
    let page = query::page(&snaps, &q.filter, q.sort, q.order, q.limit, after.as_ref());
    let total = state.total(&digest, &snaps, &q.filter);
    let next_cursor = match (page.has_more, page.shares.last()) {
        (true, Some(last)) => Some(
            state
                .cursors
                .encode(&CursorPos::after(last, q.sort), &digest),
        ),
        _ => None,
    };
    let reveal = principal.reveals_secrets();
    let body = ListResponse {
        shares: page.shares.iter().map(|s| s.view(reveal)).collect(),
        next_cursor,
        total,
        partial,
        accounts,
        errors,
    };
    let bytes = serde_json::to_vec(&body)
        .map_err(|e| ApiError(Error::internal(format!("serializing the list: {e}"))))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}
