//! `GET /v1/export`: every matching share, streamed (see [`crate::export`]).

use crate::auth::Principal;
use crate::config::Scope;
use crate::export::{Batches, ExportQuery};
use crate::openapi_params::{FilterParams, FormatParams, SortParams};
use crate::problem::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use unishare_core::Share;

/// Response header set to `true` when some selected account could not be read (its shares are
/// missing from the export).
pub const PARTIAL_HEADER: &str = "x-unishare-partial";
/// Response header listing the accounts missing from a partial export (comma-separated).
pub const MISSING_HEADER: &str = "x-unishare-missing-accounts";

/// Every matching share, streamed with constant memory. CSV columns are documented in the
/// `export` module (`id, account, provider, native_id, name, url, short_code, status, audience,
/// password_protected, password, created_at, expires_at, permissions_preview,
/// permissions_download, permissions_edit, stats_views, stats_downloads, stats_saves,
/// remaining_downloads, source_kind, source_uri, source_file_count, source_files, owner_id,
/// owner_name, owner_email, comment, vendor`).
///
/// `GET /v1/export?format=ndjson|csv` plus the list's filters, `sort` and `order`.
#[utoipa::path(get, path = "/v1/export", tag = "dashboards",
    params(FilterParams, SortParams, FormatParams),
    responses((status = 200, description = "The export, as an attachment",
        content((Share = "application/x-ndjson"), (String = "text/csv")),
        headers(
            ("content-disposition" = String, description = "`attachment; filename=\"unishare-shares-<UTC timestamp>.<ext>\"`"),
            ("x-unishare-partial" = bool, description = "`true` when an account could not be read"),
            ("x-unishare-missing-accounts" = String, description = "Accounts missing from a partial export, comma-separated"),
        ))),
    security(("api_key" = [])))]
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
