//! The router, built by one function so tests can drive it with `oneshot`.

use crate::problem::ApiError;
use crate::routes;
use crate::state::AppState;
use axum::http::Method;
use axum::routing::{delete, get, patch, post, MethodRouter};
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

/// Every route of the API: method, path template (axum and OpenAPI share the `{param}` syntax)
/// and handler. The router is built from this table alone, and the OpenAPI coverage test
/// compares [`routes`] with the document's paths, so a route cannot be served undocumented.
fn table() -> Vec<(Method, &'static str, MethodRouter<Arc<AppState>>)> {
    vec![
        (Method::GET, "/v1/shares", get(routes::list::list)),
        (
            Method::POST,
            "/v1/shares/revoke",
            post(routes::writes::revoke_batch),
        ),
        (Method::GET, "/v1/shares/{id}", get(routes::shares::get)),
        (
            Method::PATCH,
            "/v1/shares/{id}",
            patch(routes::writes::update),
        ),
        (
            Method::DELETE,
            "/v1/shares/{id}",
            delete(routes::writes::revoke_one),
        ),
        (Method::GET, "/v1/accounts", get(routes::accounts::list)),
        (
            Method::POST,
            "/v1/accounts/{account}/shares",
            post(routes::writes::create),
        ),
        (Method::GET, "/v1/stats", get(routes::stats::stats)),
        (Method::GET, "/v1/whoami", get(routes::whoami::whoami)),
        (Method::GET, "/v1/export", get(routes::export::export)),
        (Method::GET, "/healthz", get(routes::health::healthz)),
        (Method::GET, "/readyz", get(routes::health::readyz)),
        (Method::GET, "/metrics", get(routes::metrics::render)),
        (Method::GET, "/openapi.json", get(crate::openapi::serve)),
    ]
}

/// The (method, path template) of every route the router serves.
pub fn routes() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// The whole HTTP API.
pub fn router(state: Arc<AppState>) -> Router {
    let entry = crate::entry::Entry {
        timeout: state.config.server.request_timeout,
        in_flight: Arc::new(tokio::sync::Semaphore::new(
            state.config.limits.max_in_flight,
        )),
        // Key-less (loopback) mode: refuse foreign Host names (DNS rebinding).
        loopback_only: state.principals.anonymous().is_some(),
    };
    let mut router = Router::new();
    for (_, path, handler) in table() {
        // Several methods of one path merge into one method router.
        router = router.route(path, handler);
    }
    router = router
        .merge(crate::dashboard::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    router
        .layer(axum::middleware::from_fn(move |req, next| {
            crate::entry::middleware(entry.clone(), req, next)
        }))
        .with_state(state)
}
