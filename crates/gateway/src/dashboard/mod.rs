//! The built-in web dashboard: `GET /` serves a single page, and `GET /dashboard/{file}` its
//! scripts and style sheet, all embedded in the binary at compile time (no CDN, nothing to
//! install). The page reads the HTTP API from the browser (same origin), so it sees exactly
//! what the caller's API key sees; the server side only serves files.
//!
//! Every response carries a strict `Content-Security-Policy` (scripts, styles and API calls
//! from this origin only; no inline script; no frames), `X-Content-Type-Options: nosniff`,
//! `X-Frame-Options: DENY` and `Referrer-Policy: no-referrer`. Design: `docs/dashboard.md`.

pub mod assets;

use crate::problem::ApiError;
use crate::state::AppState;
use axum::extract::Path;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use unishare_core::Error;

/// The page's `Content-Security-Policy`.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The routes of the dashboard (not part of the API document: they serve HTML and scripts).
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(index))
        .route("/dashboard/{file}", get(asset))
}

/// A body with its content type and the page's security headers.
fn respond(content_type: &'static str, body: &'static str) -> Response {
    let headers: [(HeaderName, HeaderValue); 7] = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        // Small files embedded in the binary: revalidate on each load, so a new binary's page
        // is never mixed with an old cached script.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, body).into_response()
}

/// `GET /`: the page.
async fn index() -> Response {
    respond("text/html; charset=utf-8", assets::INDEX_HTML)
}

/// `GET /dashboard/{file}`: one embedded script or style sheet; anything else is a 404.
async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    let (content_type, body) = assets::find(&file).ok_or_else(|| {
        ApiError(Error::not_found(format!(
            "no dashboard file {:?}",
            file.chars().take(64).collect::<String>()
        )))
    })?;
    Ok(respond(content_type, body))
}
