//! A JSON body extractor whose every failure is a 400 problem with a helpful detail: body too
//! large, not JSON, wrong field type, unknown field.
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
use unishare_core::Error;

/// The request body, parsed as JSON into `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
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
