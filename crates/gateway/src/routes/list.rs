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

/// Serialized list responses, so that a dashboard polling the same URL costs a hash lookup.
///
/// The body of a list response is a pure function of: the raw query string (filters, sort,
/// order, limit, cursor) and, for each account read, its
/// snapshot generation and sync state (names, `synced_at`, shares and `total` all follow from
/// the snapshot; generations are unique in the process, so they also pin the [`AppState`] and
/// its cursor key). Only responses without errors or missing accounts, and without secrets
/// (a `secrets` key's responses are never kept), are cached. Entries are
/// weighed by size (at most [`PAGE_CACHE_BYTES`] in all) and expire after [`PAGE_CACHE_TTL`];
/// a new snapshot changes the key, so a stale body is never served.
static PAGE_CACHE: std::sync::OnceLock<moka::sync::Cache<PageKey, bytes::Bytes>> =
    std::sync::OnceLock::new();

/// Most bytes of cached list responses.
pub const PAGE_CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// Lifetime of a cached list response.
pub const PAGE_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PageKey {
    raw: Box<str>,
    /// (generation, sync state) of each account read, in order.
    accounts: Box<[(u64, u8)]>,
}

fn page_cache() -> &'static moka::sync::Cache<PageKey, bytes::Bytes> {
    PAGE_CACHE.get_or_init(|| {
        moka::sync::Cache::builder()
            .max_capacity(PAGE_CACHE_BYTES)
            .weigher(|k: &PageKey, v: &bytes::Bytes| {
                u32::try_from(v.len() + k.raw.len() + 64).unwrap_or(u32::MAX)
            })
            .time_to_live(PAGE_CACHE_TTL)
            .build()
    })
}

fn page_key(
    raw: Option<&str>,
    reveal: bool,
    reads: &[(Arc<crate::account::Account>, AccountRead)],
) -> Option<PageKey> {
    if reveal {
        return None;
    }
    let mut accounts = Vec::with_capacity(reads.len());
    for (_, read) in reads {
        if read.error.is_some() {
            return None;
        }
        let state = match read.state {
            SyncState::Fresh => 0,
            SyncState::Stale => 1,
            SyncState::Syncing | SyncState::Failed => return None,
        };
        accounts.push((read.snapshot.as_ref()?.generation, state));
    }
    Some(PageKey {
        raw: raw.unwrap_or("").into(),
        accounts: accounts.into(),
    })
}

fn json_response(body: bytes::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
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
    let reveal = principal.reveals_secrets();
    let key = page_key(raw.as_deref(), reveal, &reads);
    if let Some(body) = key.as_ref().and_then(|k| page_cache().get(k)) {
        return Ok(json_response(body));
    }
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
    let body = ListResponse {
        shares: page.shares.iter().map(|s| s.view(reveal)).collect(),
        next_cursor,
        total,
        partial,
        accounts,
        errors,
    };
    let mut bytes = Vec::with_capacity(1024 + 1024 * page.shares.len());
    serde_json::to_writer(&mut bytes, &body)
        .map_err(|e| ApiError(Error::internal(format!("serializing the list: {e}"))))?;
    let bytes = bytes::Bytes::from(bytes);
    if let Some(k) = key {
        page_cache().insert(k, bytes.clone());
    }
    Ok(json_response(bytes))
}
