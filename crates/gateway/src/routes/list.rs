//! `GET /v1/shares`: the federated list.

use crate::auth::Principal;
use crate::config::Scope;
use crate::cursor::CursorPos;
use crate::openapi_params::{FilterParams, PageParams, SortParams};
use crate::page_cache::PageKey;
use crate::problem::ApiError;
use crate::query::{self, ListQuery};
use crate::reads::{read_accounts, summarize, AccountError, AccountState};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::Arc;
use unishare_core::{Error, ShareView};

/// The `GET /v1/shares` response.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareList)]
pub struct ListResponse<'a> {
    /// The page, in list order.
    #[schema(value_type = Vec<unishare_core::Share>)]
    pub shares: Vec<ShareView<'a>>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Shares matching the filters (all pages).
    pub total: usize,
    /// True when an account could not be read (its shares are missing).
    pub partial: bool,
    /// Sync state of every selected account.
    pub accounts: Vec<AccountState>,
    /// Accounts that could not be read.
    pub errors: Vec<AccountError>,
}

fn json_response(body: bytes::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Federated list of shares over every visible account.
#[utoipa::path(get, path = "/v1/shares", tag = "shares",
    params(FilterParams, SortParams, PageParams),
    responses((status = 200, description = "One page; `partial` when an account could not be read", body = ListResponse)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    principal.require(Scope::Read)?;
    let q = ListQuery::parse(raw.as_deref())?;
    // The query digest (a SHA-256) binds cursors to their query: needed to check a cursor and
    // to answer a miss, not to serve a repeated first page from the page cache.
    let mut digest = None;
    let after = match &q.cursor {
        Some(c) => Some(
            state
                .cursors
                .decode(c, digest.get_or_insert_with(|| q.digest()))?,
        ),
        None => None,
    };
    let reads = read_accounts(&state, &principal, &q.filter).await?;
    let reveal = principal.reveals_secrets();
    let key = PageKey::new(raw.as_deref(), reveal, &reads);
    if let Some(body) = key.as_ref().and_then(|k| state.pages.get(k)) {
        return Ok(json_response(body));
    }
    let digest = digest.unwrap_or_else(|| q.digest());
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
        state.pages.insert(k, bytes.clone());
    }
    Ok(json_response(bytes))
}
