//! `GET /v1/export`: every matching share, streamed (see [`crate::export`]).

use crate::auth::Principal;
use crate::config::Scope;
use crate::export::{Batches, ExportQuery};
use crate::problem::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Response header set to `true` when some selected account could not be read (its shares are
/// missing from the export).
pub const PARTIAL_HEADER: &str = "x-unishare-partial";
/// Response header listing the accounts missing from a partial export (comma-separated).
pub const MISSING_HEADER: &str = "x-unishare-missing-accounts";

/// `GET /v1/export?format=ndjson|csv` plus the list's filters, `sort` and `order`.
pub async fn export(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    principal.require(Scope::Read)?;
    // Held by the stream until the last byte is sent (or the client goes away).
    let slot = principal.limits().try_export()?;
    let query = ExportQuery::parse(raw.as_deref())?;
    let reads = crate::reads::read_accounts(&state, &principal, &query.filter).await?;
    let (snaps, _states, _errors, partial) = crate::reads::summarize(&reads);
    let missing: Vec<&str> = reads
        .iter()
        .filter(|(_, r)| r.snapshot.is_none())
        .map(|(a, _)| a.name.as_str())
        .collect();
    let format = query.format;
    let batches = Batches::new(snaps, query, principal.reveals_secrets());
    let stream = futures::StreamExt::map(batches.into_stream(), move |chunk| {
        let _held = &slot;
        chunk
    });
    let mut resp = Body::from_stream(stream).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        format.file_name(chrono::Utc::now())
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        PARTIAL_HEADER,
        HeaderValue::from_static(if partial { "true" } else { "false" }),
    );
    if !missing.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&missing.join(",")) {
            headers.insert(MISSING_HEADER, v);
        }
    }
    Ok(resp)
}
