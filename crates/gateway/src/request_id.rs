//! Request ids, the per-request span, the cap on requests in flight and the request timeout,
//! in one middleware.
//!
//! The id comes from the client's `x-request-id` when it is sane (1–128 visible ASCII
//! characters), else a new UUID. It is kept in a task-local so that the one error conversion
//! (`problem.rs`) can put it in every problem document, and it is echoed in `x-request-id`.

use crate::problem::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;
use unishare_core::Error;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// The header.
pub const HEADER: &str = "x-request-id";

/// [`HEADER`] as a ready header name: looked up and inserted without parsing the name.
static HEADER_NAME: HeaderName = HeaderName::from_static(HEADER);

/// The current request's id, or `"-"` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(|id| id.to_string())
        .unwrap_or_else(|_| "-".to_string())
}

fn sane(v: &HeaderValue) -> Option<Arc<str>> {
    let s = v.to_str().ok()?;
    let ok = (1..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| Arc::from(s))
}

/// A new random (version 4) UUID, from the thread's userspace generator: no system call and
/// no formatting machinery on the request path.
fn new_id() -> Arc<str> {
    let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    Arc::from(
        &*uuid
            .hyphenated()
            .encode_lower(&mut uuid::Uuid::encode_buffer()),
    )
}

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
/// admits the request under the in-flight cap
/// (503 `overloaded` past it), enforces the timeout, echoes the id.
pub async fn middleware(entry: Entry, req: Request, next: Next) -> Response {
    let timeout = entry.timeout;
    let id = req
        .headers()
        .get(&HEADER_NAME)
        .and_then(sane)
        .unwrap_or_else(new_id);
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let span =
        tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route);
    let started = std::time::Instant::now();
    let probe = matches!(route, "/healthz" | "/readyz");
    let fut = REQUEST_ID.scope(Arc::clone(&id), async move {
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
        resp.headers_mut().insert(HEADER_NAME.clone(), v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_distinct_version_4_uuids() {
        let ids: Vec<Arc<str>> = (0..1000).map(|_| new_id()).collect();
        for id in &ids {
            let u = uuid::Uuid::parse_str(id).expect("a UUID");
            assert_eq!(u.get_version_num(), 4, "{id}");
            assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(id.len(), 36);
            assert_eq!(id.to_ascii_lowercase(), **id);
        }
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }

    #[test]
    fn client_ids_are_kept_only_when_sane() {
        let ok = HeaderValue::from_static("abc-123");
        assert_eq!(sane(&ok).as_deref(), Some("abc-123"));
        assert!(sane(&HeaderValue::from_static("")).is_none());
        assert!(sane(&HeaderValue::from_static("has space")).is_none());
        let long = "x".repeat(129);
        assert!(sane(&HeaderValue::from_str(&long).unwrap()).is_none());
    }
}
