//! A JSON body extractor whose every failure is a 400 problem with a helpful detail: body too
//! large, not JSON, wrong field type, unknown field; a body not sent as
//! `Content-Type: application/json` is a 415 before it is read (a cross-site form or
//! `text/plain` POST cannot reach a write; `docs/security.md`).
//!
//! The size limit (`server.max_body_bytes`) is enforced here, while the body is read, rather
//! than by a router-wide `DefaultBodyLimit` layer: axum wraps every route in each router layer
//! and clones those boxes on every request, which the read path should not pay for a limit
//! only write bodies need (see `docs/benchmarks.md`).

use crate::problem::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequest, Request};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use unishare_core::{Error, ErrorKind};

/// Fails with 415 unless the request says `Content-Type: application/json` (parameters such
/// as `charset` allowed). Browsers send cross-site requests without a CORS preflight only
/// with `text/plain`, form or multipart bodies, so no web page can make a write this way.
fn require_json_content_type(req: &Request) -> Result<(), ApiError> {
    let essence = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim());
    match essence {
        Some(e) if e.eq_ignore_ascii_case("application/json") => Ok(()),
        _ => Err(ApiError(Error::new(
            ErrorKind::UnsupportedMediaType,
            "a write takes a JSON body: send Content-Type: application/json",
        ))),
    }
}

/// The request body, parsed as JSON into `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        require_json_content_type(&req)?;
        let limit = state.config.server.max_body_bytes;
        let body = Limited::new(req.into_body(), limit);
        let bytes = body.collect().await.map_err(|e| {
            ApiError(Error::invalid_request(if e.is::<LengthLimitError>() {
                "the request body is larger than the server accepts (server.max_body_bytes)"
                    .to_string()
            } else {
                format!("could not read the request body: {e}")
            }))
        })?;
        let bytes = bytes.to_bytes();
        if bytes.is_empty() {
            return Err(ApiError(Error::invalid_request("a JSON body is required")));
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            ApiError(Error::invalid_request(if path == "." || path.is_empty() {
                format!("invalid JSON body: {inner}")
            } else {
                format!("invalid JSON body at {path}: {inner}")
            }))
        })?;
        de.end()
            .map_err(|e| ApiError(Error::invalid_request(format!("invalid JSON body: {e}"))))?;
        Ok(JsonBody(value))
    }
}
