//! Errors become HTTP once, here: `application/problem+json` (RFC 9457) with the request id.

use crate::request_id::current_request_id;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use unishare_core::{Error, ErrorKind};

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

/// The HTTP status of an error kind (DESIGN.md §3).
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unsupported => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::MisdirectedRequest => StatusCode::MISDIRECTED_REQUEST,
        ErrorKind::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::UpstreamAuth | ErrorKind::UpstreamProtocol => StatusCode::BAD_GATEWAY,
        ErrorKind::UpstreamUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn title_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest => "Invalid request",
        ErrorKind::Unauthenticated => "Authentication required",
        ErrorKind::Forbidden => "Forbidden",
        ErrorKind::NotFound => "Not found",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::Unsupported => "Not supported by this provider",
        ErrorKind::UnsupportedMediaType => "Unsupported media type",
        ErrorKind::MisdirectedRequest => "Misdirected request",
        ErrorKind::Overloaded => "Server busy",
        ErrorKind::RateLimited { .. } => "Too many requests",
        ErrorKind::UpstreamAuth => "Vendor rejected our credentials",
        ErrorKind::UpstreamProtocol => "Vendor sent an unreadable answer",
        ErrorKind::UpstreamUnavailable => "Vendor unavailable",
        ErrorKind::Internal => "Internal error",
    }
}

/// The problem document (RFC 9457), the body of every error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem<'a> {
    /// `urn:unishare:problem:<kind>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short, kind-level summary.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// What happened, for this request.
    pub detail: &'a str,
    /// The request id (also in the `x-request-id` header).
    pub request_id: String,
    /// Error kind: `invalid_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`,
    /// `unsupported`, `unsupported_media_type`, `misdirected_request`, `overloaded`,
    /// `rate_limited`, `upstream_auth`, `upstream_protocol`, `upstream_unavailable`, `internal`.
    pub kind: &'static str,
    /// The account involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<&'a str>,
    /// The provider involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<unishare_core::Provider>)]
    pub provider: Option<&'static str>,
    /// The capability an `unsupported` error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<&'static str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        render(&self.0, None)
    }
}

/// An error answered with extra problem members (RFC 9457 §3.2 extensions), e.g. the count
/// a conditional revoke found instead of the one it expected.
#[derive(Debug)]
pub struct ApiErrorWith(pub Error, pub serde_json::Map<String, serde_json::Value>);

impl IntoResponse for ApiErrorWith {
    fn into_response(self) -> Response {
        render(&self.0, Some(self.1))
    }
}

fn render(e: &Error, extra: Option<serde_json::Map<String, serde_json::Value>>) -> Response {
    let kind = e.kind();
    let status = status_of(kind);
    let request_id = current_request_id();
    let detail: &str = if kind == ErrorKind::Internal {
        tracing::error!(request_id = %request_id, error = ?e, "internal error");
        "an internal error occurred; the request id identifies it in the logs"
    } else {
        if status.is_server_error() && kind != ErrorKind::Overloaded {
            tracing::warn!(request_id = %request_id, error = %e, "request failed upstream");
        }
        e.message()
    };
    let body = Problem {
        type_: format!("urn:unishare:problem:{}", kind.as_str()),
        title: title_of(kind),
        status: status.as_u16(),
        detail,
        request_id,
        kind: kind.as_str(),
        account: e.account(),
        provider: e.provider().map(|p| p.as_str()),
        capability: e.capability(),
    };
    let bytes = match extra {
        None => serde_json::to_vec(&body),
        Some(extra) => serde_json::to_value(&body).and_then(|v| {
            let mut v = v;
            if let Some(obj) = v.as_object_mut() {
                for (k, x) in extra {
                    obj.entry(k).or_insert(x);
                }
            }
            serde_json::to_vec(&v)
        }),
    };
    let mut resp = (status, bytes.unwrap_or_default()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Some(ra) = e.retry_after() {
        let secs = ra.as_secs() + u64::from(ra.subsec_nanos() > 0);
        if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    } else if matches!(kind, ErrorKind::RateLimited { .. } | ErrorKind::Overloaded) {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}
