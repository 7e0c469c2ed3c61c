//! Request ids: the id of the request being served, kept in a task-local so that the one
//! error conversion (`problem.rs`) and the audit log can name it. The middleware that assigns
//! it is [`crate::entry`].
//!
//! The id comes from the client's `x-request-id` when it is sane (1–128 visible ASCII
//! characters), else a new UUID; it is echoed in `x-request-id`.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// The header.
pub const HEADER: &str = "x-request-id";

/// [`HEADER`] as a ready header name: looked up and inserted without parsing the name.
pub static HEADER_NAME: HeaderName = HeaderName::from_static(HEADER);

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

/// The id of a request with these headers: the client's `x-request-id` when it is sane, else
/// a new UUID.
pub fn id_of(headers: &HeaderMap) -> Arc<str> {
    headers
        .get(&HEADER_NAME)
        .and_then(sane)
        .unwrap_or_else(new_id)
}

/// Runs `fut` as the request `id`: [`current_request_id`] answers `id` inside it.
pub async fn scope<F: Future>(id: Arc<str>, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
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
