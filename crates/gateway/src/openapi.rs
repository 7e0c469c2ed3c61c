//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the code with `utoipa`.
//!
//! Schemas of the model and request types are derived on the types themselves (`unishare-core`
//! feature `utoipa`); the stats response is derived on [`crate::stats`]. Responses built as
//! ad-hoc JSON in handlers are described by the `*Doc` types below, and a test compares real
//! responses with them. Every operation gets its problem+json error responses from one table
//! ([`problem_statuses`]). The coverage test checks that the document lists exactly the routes
//! of [`crate::app::routes`], the table the router is built from.

use crate::problem::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use unishare_core::{Capabilities, Error, Provider};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// A problem document (RFC 9457), the body of every error.
#[derive(Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDoc {
    /// `urn:unishare:problem:<kind>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short, kind-level summary.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened, for this request.
    pub detail: String,
    /// The request id (also in the `x-request-id` header).
    pub request_id: String,
    /// Error kind: `invalid_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`,
    /// `unsupported`, `unsupported_media_type`, `misdirected_request`, `overloaded`,
    /// `rate_limited`, `upstream_auth`, `upstream_protocol`, `upstream_unavailable`, `internal`.
    pub kind: String,
    /// The account involved.
    pub account: Option<String>,
    /// The provider involved.
    pub provider: Option<Provider>,
    /// The capability an `unsupported` error is about.
    pub capability: Option<String>,
}

/// How current an account's data is.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SyncState)]
pub enum SyncStateDoc {
    /// Younger than `cache.ttl`.
    Fresh,
    /// Older than `ttl` (a refresh runs), or the vendor fails and it is younger than `max_stale`.
    Stale,
    /// No snapshot yet; the first crawl runs.
    Syncing,
    /// No usable snapshot and the vendor fails.
    Failed,
}

/// One account's state in a list, stats or export response.
#[derive(Serialize, ToSchema)]
#[schema(as = AccountState)]
pub struct AccountStateDoc {
    /// Account name.
    pub account: String,
    /// Sync state.
    pub state: SyncStateDoc,
    /// When its data was read from the vendor.
    pub synced_at: Option<DateTime<Utc>>,
}

/// An account that could not be read.
#[derive(Serialize, ToSchema)]
#[schema(as = AccountError)]
pub struct AccountErrorDoc {
    /// Account name.
    pub account: String,
    /// Vendor.
    pub provider: Provider,
    /// Error kind (`upstream_unavailable`, ..., or `syncing`).
    pub kind: String,
    /// What happened.
    pub detail: String,
}

/// `GET /v1/shares` response.
#[derive(Serialize, ToSchema)]
#[schema(as = ShareList)]
pub struct ListResponseDoc {
    /// The page, in list order.
    pub shares: Vec<unishare_core::Share>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Shares matching the filters (all pages).
    pub total: u64,
    /// True when an account could not be read (its shares are missing).
    pub partial: bool,
    /// Sync state of every selected account.
    pub accounts: Vec<AccountStateDoc>,
    /// Accounts that could not be read.
    pub errors: Vec<AccountErrorDoc>,
}

/// The latest crawl error of an account.
#[derive(Serialize, ToSchema)]
#[schema(as = AccountLastError)]
pub struct LastErrorDoc {
    /// Error kind.
    pub kind: String,
    /// What happened.
    pub detail: String,
    /// How long ago.
    pub seconds_ago: u64,
}

/// Cache counters of an account.
#[derive(Serialize, ToSchema)]
#[schema(as = AccountCache)]
pub struct CacheDoc {
    /// Reads served from a fresh snapshot.
    pub hit: u64,
    /// Reads that found no snapshot.
    pub miss: u64,
    /// Reads served from a snapshot past its ttl.
    pub stale: u64,
    /// Reads served stale because the vendor fails.
    pub stale_on_error: u64,
    /// Crawls that completed.
    pub crawls_ok: u64,
    /// Crawls that failed.
    pub crawls_failed: u64,
    /// Vendor records skipped by crawls.
    pub skipped_records: u64,
}

/// Account health in `GET /v1/accounts`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AccountHealth)]
pub enum HealthStateDoc {
    /// Vendor calls succeed.
    Ok,
    /// The last crawl or recent vendor calls failed.
    Degraded,
    /// The circuit breaker is open or half-open.
    Open,
}

/// Upstream limits and call counts of an account.
#[derive(Serialize, ToSchema)]
#[schema(as = AccountUpstream)]
pub struct UpstreamDoc {
    /// Vendor calls in flight at most.
    pub max_concurrency: u64,
    /// Vendor calls in flight now.
    pub in_flight: u64,
    /// The configured rate limit (`accounts[].rate_limit`), if any.
    pub rate_limit: Option<String>,
    /// Retries the budget allows now.
    pub retry_budget_available: u64,
    /// Call counts since start.
    pub counts: unishare_core::retry::UpstreamStatsSnapshot,
}

/// One account in `GET /v1/accounts`.
#[derive(Serialize, ToSchema)]
#[schema(as = AccountInfo)]
pub struct AccountInfoDoc {
    /// Account name.
    pub account: String,
    /// Vendor.
    pub provider: Provider,
    /// What the account's provider can do.
    pub capabilities: Capabilities,
    /// Whose links the account lists: `user` (its own) or `site` (every user's).
    pub inventory: unishare_core::Inventory,
    /// `ok`; `degraded` (the last crawl or recent vendor calls failed); `open` (the circuit
    /// breaker is open or half-open: vendor calls fail fast).
    pub health: HealthStateDoc,
    /// The account's circuit breaker.
    pub breaker: Option<unishare_core::retry::BreakerSnapshot>,
    /// The account's upstream limits and call counts.
    pub upstream: Option<UpstreamDoc>,
    /// Sync state.
    pub state: SyncStateDoc,
    /// When its data was read from the vendor.
    pub synced_at: Option<DateTime<Utc>>,
    /// Shares in the snapshot.
    pub shares: Option<u64>,
    /// A crawl runs.
    pub crawling: bool,
    /// Duration of the last completed crawl.
    pub last_crawl_ms: u64,
    /// The latest crawl error.
    pub last_error: Option<LastErrorDoc>,
    /// Cache counters.
    pub cache: CacheDoc,
}

/// `GET /v1/accounts` response.
#[derive(Serialize, ToSchema)]
#[schema(as = AccountList)]
pub struct AccountsResponseDoc {
    /// Every account the key may see, in configuration order.
    pub accounts: Vec<AccountInfoDoc>,
}

/// `POST /v1/shares/revoke` body: either `ids`, or `where` with `dry_run: true` (report what
/// matches) or `expect: N` (revoke if the filter still matches exactly N shares, else `409`
/// with `matched`).
#[derive(Serialize, ToSchema)]
#[schema(as = RevokeRequest)]
pub struct RevokeRequestDoc {
    /// Gateway share ids (1 to 1000).
    pub ids: Option<Vec<String>>,
    /// The filters of `GET /v1/shares` by name (arrays for the repeatable ones), e.g.
    /// `{"owner": "alice@example.com", "status": ["active", "expired"]}`.
    #[serde(rename = "where")]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde_json::Map<String, serde_json::Value>>,
    /// Only report what `where` matches: `{"matched": N, "ids": [...], "partial", "errors"}`.
    pub dry_run: Option<bool>,
    /// The number of shares the caller saw `where` match (from a dry run).
    pub expect: Option<u64>,
}

/// A failed id's error.
#[derive(Serialize, ToSchema)]
#[schema(as = RevokeError)]
pub struct RevokeErrorDoc {
    /// Error kind.
    pub kind: String,
    /// What happened.
    pub detail: String,
}

/// One id's result.
#[derive(Serialize, ToSchema)]
#[schema(as = RevokeResult)]
pub struct RevokeResultDoc {
    /// The id as sent.
    pub id: String,
    /// `revoked` or `failed`.
    pub status: String,
    /// Why it failed (absent when revoked).
    pub error: Option<RevokeErrorDoc>,
}

/// `POST /v1/shares/revoke` response: per-id results in request order.
#[derive(Serialize, ToSchema)]
#[schema(as = RevokeResponse)]
pub struct RevokeResponseDoc {
    /// One result per id, in request order.
    pub results: Vec<RevokeResultDoc>,
    /// Ids revoked.
    pub revoked: u64,
    /// Ids that failed.
    pub failed: u64,
}

/// `GET /healthz` response.
#[derive(Serialize, ToSchema)]
#[schema(as = Health)]
pub struct HealthDoc {
    /// Always `ok`.
    pub status: String,
}

/// `GET /readyz` response.
#[derive(Serialize, ToSchema)]
#[schema(as = Ready)]
pub struct ReadyDoc {
    /// Every account finished its first crawl.
    pub ready: bool,
    /// Accounts still in their first crawl (when not ready).
    pub waiting_for: Option<Vec<String>>,
}

pub use crate::openapi_params::{
    FilterParams, FormatDoc, FormatParams, GetParams, OrderDoc, PageParams, SortKeyDoc, SortParams,
};

/// Documentation-only twins of the handlers: `utoipa::path` reads their attributes.
#[allow(dead_code)]
mod paths {
    use super::*;
    use crate::stats::StatsResponse;
    use unishare_core::{CreateShare, Share, UpdateShare};

    /// Federated list of shares over every visible account.
    #[utoipa::path(get, path = "/v1/shares", tag = "shares",
        params(FilterParams, SortParams, PageParams),
        responses((status = 200, description = "One page; `partial` when an account could not be read", body = ListResponseDoc)),
        security(("api_key" = [])))]
    fn list() {}

    /// One share, from the snapshot (or from the vendor with `refresh=true`).
    #[utoipa::path(get, path = "/v1/shares/{id}", tag = "shares",
        params(("id" = String, Path, description = "Gateway id `{account}:{native_id}`"), GetParams),
        responses((status = 200, description = "The share (`password` only with the `secrets` scope)", body = Share)),
        security(("api_key" = [])))]
    fn get_share() {}

    /// Changes the password, expiry, comment, download limit or permissions of a link.
    #[utoipa::path(patch, path = "/v1/shares/{id}", tag = "shares",
        params(("id" = String, Path, description = "Gateway id `{account}:{native_id}`")),
        request_body = UpdateShare,
        responses((status = 200, description = "The changed share", body = Share)),
        security(("api_key" = [])))]
    fn update() {}

    /// Revokes one link.
    #[utoipa::path(delete, path = "/v1/shares/{id}", tag = "shares",
        params(("id" = String, Path, description = "Gateway id `{account}:{native_id}`")),
        responses((status = 204, description = "Revoked")),
        security(("api_key" = [])))]
    fn revoke_one() {}

    /// Revokes up to 1000 links by id, or every link a filter matches (offboarding); one
    /// result per id.
    #[utoipa::path(post, path = "/v1/shares/revoke", tag = "shares",
        request_body = RevokeRequestDoc,
        responses(
            (status = 200, description = "Per-id results, in request order (a dry run: `matched` and `ids`)", body = RevokeResponseDoc),
            (status = 409, description = "`where` no longer matches `expect` shares (`matched` says how many); nothing was revoked"),
        ),
        security(("api_key" = [])))]
    fn revoke_batch() {}

    /// Creates a link on an account.
    #[utoipa::path(post, path = "/v1/accounts/{account}/shares", tag = "shares",
        params(("account" = String, Path, description = "Configured account name")),
        request_body = CreateShare,
        responses((status = 201, description = "The new share", body = Share)),
        security(("api_key" = [])))]
    fn create() {}

    /// Accounts: provider, capabilities, health and sync state (no secrets).
    #[utoipa::path(get, path = "/v1/accounts", tag = "accounts",
        responses((status = 200, description = "Every visible account", body = AccountsResponseDoc)),
        security(("api_key" = [])))]
    fn accounts() {}

    /// Totals for dashboards, from the snapshots (no vendor call). Counters a vendor does not
    /// report are left out of the sums and counted in `*_unreported`.
    #[utoipa::path(get, path = "/v1/stats", tag = "dashboards",
        params(FilterParams),
        responses((status = 200, description = "Totals", body = StatsResponse)),
        security(("api_key" = [])))]
    fn stats() {}

    /// Every matching share, streamed with constant memory. CSV columns are documented in the
    /// `export` module (`id, account, provider, native_id, name, url, short_code, status,
    /// audience, password_protected, password, created_at, expires_at, permissions_preview,
    /// permissions_download, permissions_edit, stats_views, stats_downloads, stats_saves,
    /// remaining_downloads, source_kind, source_uri, source_file_count, source_files, owner_id,
    /// owner_name, owner_email, comment, vendor`).
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
    fn export() {}

    /// Liveness (no API key).
    #[utoipa::path(get, path = "/healthz", tag = "operations",
        responses((status = 200, description = "The process answers", body = HealthDoc)))]
    fn healthz() {}

    /// Readiness: every account crawled once, or failed (no API key).
    #[utoipa::path(get, path = "/readyz", tag = "operations",
        responses(
            (status = 200, description = "Ready", body = ReadyDoc),
            (status = 503, description = "First crawls still running", body = ReadyDoc)))]
    fn readyz() {}

    /// Prometheus metrics, text exposition format (no API key).
    #[utoipa::path(get, path = "/metrics", tag = "operations",
        responses((status = 200, description = "Prometheus text", body = String, content_type = "text/plain")))]
    fn metrics() {}

    /// This document (no API key).
    #[utoipa::path(get, path = "/openapi.json", tag = "operations",
        responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
    fn openapi() {}
}

/// The problem+json statuses an operation can answer, by method and path template.
pub fn problem_statuses(method: &str, path: &str) -> &'static [u16] {
    match (method, path) {
        (_, p) if !p.starts_with("/v1/") => &[],
        ("get", "/v1/shares/{id}") => &[400, 401, 403, 404, 421, 429, 500, 502, 503],
        ("patch", "/v1/shares/{id}") | ("post", "/v1/accounts/{account}/shares") => {
            &[400, 401, 403, 404, 409, 415, 421, 422, 429, 500, 502, 503]
        }
        ("delete", "/v1/shares/{id}") => &[400, 401, 403, 404, 409, 421, 422, 429, 500, 502, 503],
        ("post", "/v1/shares/revoke") => &[400, 401, 403, 415, 421, 429, 500, 503],
        _ => &[400, 401, 403, 421, 429, 500, 503],
    }
}

fn problem_title(status: u16) -> &'static str {
    match status {
        400 => "Invalid request (bad parameter, cursor or JSON)",
        401 => "Missing or unknown API key",
        403 => "The API key lacks the scope",
        404 => "No such share or account (or not visible to the key)",
        409 => "The vendor refused the change as conflicting with the share's state",
        422 => "The provider cannot honour an option (names the capability)",
        415 => "The body is not sent as Content-Type: application/json",
        421 => "A server without API keys answers loopback Host names only",
        429 => "Rate limited: the vendor, or the API key's rate_limit, or its concurrent exports (see Retry-After)",
        500 => "Internal error",
        502 => "The vendor rejected our credentials, sent garbage or redirected",
        503 => "Vendor unavailable, the request timed out, or the server is at a limit (see Retry-After)",
        _ => "Error",
    }
}

struct Additions;

impl Modify for Additions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = doc.components.as_mut() {
            c.add_security_scheme(
                "api_key",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some("`Authorization: Bearer <api key>`"))
                        .build(),
                ),
            );
        }
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops: [(&str, &mut Option<Operation>); 4] = [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("patch", &mut item.patch),
                ("delete", &mut item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                for &status in problem_statuses(method, path) {
                    let resp = ResponseBuilder::new()
                        .description(problem_title(status))
                        .content(
                            "application/problem+json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        )
                        .build();
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert(resp.into());
                }
            }
        }
    }
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "unishare",
        description = "One share-link API over many cloud-drive vendors. Errors are application/problem+json; every response carries x-request-id."
    ),
    paths(
        paths::list,
        paths::get_share,
        paths::update,
        paths::revoke_one,
        paths::revoke_batch,
        paths::create,
        paths::accounts,
        crate::routes::whoami::whoami,
        paths::stats,
        paths::export,
        paths::healthz,
        paths::readyz,
        paths::metrics,
        paths::openapi
    ),
    components(schemas(ProblemDoc, SortKeyDoc, OrderDoc, FormatDoc)),
    modifiers(&Additions),
    tags(
        (name = "shares", description = "List, read, create, change and revoke links"),
        (name = "accounts", description = "Configured vendor accounts"),
        (name = "dashboards", description = "Stats and exports"),
        (name = "operations", description = "Health, readiness, metrics, this document (no API key)")
    )
)]
pub struct ApiDoc;

/// The document as JSON text (built once).
pub fn json() -> Result<&'static str, Error> {
    static DOC: OnceLock<Result<String, String>> = OnceLock::new();
    match DOC.get_or_init(|| ApiDoc::openapi().to_json().map_err(|e| e.to_string())) {
        Ok(s) => Ok(s.as_str()),
        Err(e) => Err(Error::internal(format!(
            "building the OpenAPI document: {e}"
        ))),
    }
}

/// `GET /openapi.json` (no API key).
pub async fn serve(State(_state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let body = json()?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
