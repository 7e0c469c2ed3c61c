//! The one middleware every request passes: it assigns the request id ([`crate::request_id`]),
//! opens the per-request span, checks the Host of a key-less server (`loopback_host.rs`), admits the request under the cap on requests in flight, enforces
//! the request timeout, records the HTTP metrics and echoes the id.

use crate::problem::ApiError;
use crate::request_id;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;
use unishare_core::Error;

/// What the middleware enforces on every request.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Longest time one request may take (`server.request_timeout`).
    pub timeout: Duration,
    /// Requests being handled at once (`limits.max_in_flight`); the health probes are not
    /// counted, so that an overloaded server is not also restarted.
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Refuse requests naming a non-loopback host (a key-less server: `loopback_host.rs`).
    pub loopback_only: bool,
}

/// The middleware: assigns the id, opens the span, checks the host of a key-less server,
/// admits the request under the in-flight cap (503 `overloaded` past it), enforces the timeout,
/// echoes the id.
pub async fn middleware(entry: Entry, req: Request, next: Next) -> Response {
    let timeout = entry.timeout;
    let id = request_id::id_of(req.headers());
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let span =
        tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route);
    let started = std::time::Instant::now();
    let probe = matches!(route, "/healthz" | "/readyz");
    let fut = request_id::scope(Arc::clone(&id), async move {
        if entry.loopback_only {
            if let Some(refused) = crate::loopback_host::refusal(&req) {
                return refused;
            }
        }
        let _admitted = match Arc::clone(&entry.in_flight).try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) if probe => None,
            Err(_) => {
                metrics::counter!("unishare_http_requests_shed_total").increment(1);
                return ApiError(Error::new(
                    unishare_core::ErrorKind::Overloaded,
                    "the server is at limits.max_in_flight requests; retry later",
                ))
                .into_response();
            }
        };
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => ApiError(Error::upstream_unavailable(format!(
                "the request took longer than {} s",
                timeout.as_secs()
            )))
            .into_response(),
        }
    });
    let mut resp = fut.instrument(span.clone()).await;
    let status = resp.status().as_u16();
    span.in_scope(|| {
        tracing::debug!(
            status,
            ms = started.elapsed().as_millis() as u64,
            "request done"
        );
    });
    crate::metrics::record_http(route, status, started.elapsed());
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut()
            .insert(request_id::HEADER_NAME.clone(), v);
    }
    resp
}
