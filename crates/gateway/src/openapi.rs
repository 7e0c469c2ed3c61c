//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the code with `utoipa`.
//!
//! Every schema is derived on the type the API serializes or parses: the model and request
//! types in `unishare-core` (feature `utoipa`), the responses where their handlers build them
//! ([`crate::routes`], [`crate::stats`], [`crate::reads`], [`crate::problem`]). Every operation
//! is the `#[utoipa::path]` of its real handler, listed in [`ApiDoc`]. Every operation gets its
//! problem+json error responses from one table ([`problem_statuses`]). The coverage test checks
//! that the document lists exactly the routes the router serves (`app::routes`).

use crate::problem::{ApiError, Problem};
use crate::routes;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, OnceLock};
use unishare_core::Error;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// The query parameters, documented apart from their hand-written parsers (`query`,
/// `query_params`, `export`, `routes::shares`), which take the raw query string so that an
/// unknown parameter is a 400.
pub use crate::openapi_params::{FilterParams, FormatParams, GetParams, PageParams, SortParams};

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
        routes::list::list,
        routes::shares::get,
        routes::writes::update,
        routes::writes::revoke_one,
        routes::writes::revoke_batch,
        routes::writes::create,
        routes::accounts::list,
        routes::whoami::whoami,
        routes::stats::stats,
        routes::export::export,
        routes::health::healthz,
        routes::health::readyz,
        routes::metrics::render,
        serve
    ),
    components(schemas(Problem, crate::sort::SortKey, crate::sort::Order, crate::export::Format)),
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

/// This document (no API key).
#[utoipa::path(get, path = "/openapi.json", tag = "operations", operation_id = "openapi",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn serve(State(_state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let body = json()?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
