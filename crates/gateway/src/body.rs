//! A JSON body extractor whose every failure is a 400 problem with a helpful detail: body too
//! large, not JSON, wrong field type, unknown field.

use crate::problem::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use unishare_core::Error;

/// The request body, parsed as JSON into `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let too_large = e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE;
            ApiError(Error::invalid_request(if too_large {
                "the request body is larger than the server accepts (server.max_body_bytes)"
                    .to_string()
            } else {
                format!("could not read the request body: {e}")
            }))
        })?;
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
