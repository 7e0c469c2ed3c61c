//! The router, built by one function so tests can drive it with `oneshot`.

use crate::problem::ApiError;
use crate::routes;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use unishare_core::{Error, ErrorKind};

async fn not_found() -> ApiError {
    ApiError(Error::not_found("no such route"))
}

async fn method_not_allowed() -> ApiError {
    ApiError(Error::new(
        ErrorKind::InvalidRequest,
        "method not allowed on this route",
    ))
}

/// The whole HTTP API.
pub fn router(state: Arc<AppState>) -> Router {
    let timeout = state.config.server.request_timeout;
    let max_body = state.config.server.max_body_bytes;
    Router::new()
        .route("/v1/shares", get(routes::list::list))
        .route("/v1/shares/revoke", post(routes::writes::revoke_batch))
        .route(
            "/v1/shares/{id}",
            get(routes::shares::get)
                .patch(routes::writes::update)
                .delete(routes::writes::revoke_one),
        )
        .route("/v1/accounts", get(routes::accounts::list))
        .route(
            "/v1/accounts/{account}/shares",
            post(routes::writes::create),
        )
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(crate::metrics::render))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(move |req, next| {
            crate::request_id::middleware(timeout, req, next)
        }))
        .with_state(state)
}
