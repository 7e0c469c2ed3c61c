//! Fault injection and request counting shared by the simulators.
//!
//! A simulator route calls [`Faults::before`] with its route name first; an injected fault
//! either delays the request ([`Fault::Latency`]) or replaces the answer. Each route also
//! counts what it served in [`Counters`], so tests can assert how many vendor calls a
//! gateway made (coalescing, retry budgets).

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// One fault.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer this instead of the real response.
    Respond {
        /// HTTP status.
        status: u16,
        /// `Content-Type`.
        content_type: &'static str,
        /// The body, as is.
        body: String,
        /// Extra headers (e.g. `Retry-After`).
        headers: Vec<(&'static str, String)>,
    },
    /// Start a 200 answer, then drop the connection mid-body.
    Drop,
}

impl Fault {
    /// An HTTP answer with a JSON body.
    pub fn json(status: u16, body: serde_json::Value) -> Fault {
        Fault::Respond {
            status,
            content_type: "application/json",
            body: body.to_string(),
            headers: Vec::new(),
        }
    }

    /// An HTTP answer with a plain-text body (e.g. gin's `404 page not found`).
    pub fn text(status: u16, body: &str) -> Fault {
        Fault::Respond {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.to_owned(),
            headers: Vec::new(),
        }
    }

    /// A 200 answer whose body is not valid JSON.
    pub fn malformed_json() -> Fault {
        Fault::Respond {
            status: 200,
            content_type: "application/json",
            body: "{\"code\":0,\"data\":{\"shares\":[{\"id\":".to_owned(),
            headers: Vec::new(),
        }
    }

    /// Adds a header to a [`Fault::Respond`].
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Fault {
        if let Fault::Respond { headers, .. } = &mut self {
            headers.push((name, value.into()));
        }
        self
    }

    fn into_response(self) -> Response {
        match self {
            Fault::Latency(_) => StatusCode::OK.into_response(),
            Fault::Respond {
                status,
                content_type,
                body,
                headers,
            } => {
                let mut resp = Response::new(Body::from(body));
                *resp.status_mut() =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                resp.headers_mut().insert(
                    axum::http::header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type),
                );
                for (name, value) in headers {
                    if let Ok(v) = HeaderValue::from_str(&value) {
                        resp.headers_mut().insert(HeaderName::from_static(name), v);
                    }
                }
                resp
            }
            Fault::Drop => {
                let stream = futures::stream::iter(vec![
                    Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{\"code\":0,\"da")),
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "injected connection drop",
                    )),
                ]);
                let mut resp = Response::new(Body::from_stream(stream));
                resp.headers_mut().insert(
                    axum::http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                resp
            }
        }
    }
}

#[derive(Debug)]
struct Rule {
    route: String,
    fault: Fault,
    remaining: Option<u32>,
}

/// The faults armed on one simulator. Route names are the simulator's own (`"list"`,
/// `"login"`, ...); `"*"` matches every route.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Rule>>,
}

impl Faults {
    /// Arms `fault` on `route` for the next `times` requests (`None` = until cleared).
    pub fn inject(&self, route: &str, fault: Fault, times: Option<u32>) {
        self.lock().push(Rule {
            route: route.to_owned(),
            fault,
            remaining: times,
        });
    }

    /// Disarms every fault.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take(&self, route: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let idx = rules
            .iter()
            .position(|r| r.route == route || r.route == "*")?;
        let fault = rules[idx].fault.clone();
        if let Some(n) = &mut rules[idx].remaining {
            *n -= 1;
            if *n == 0 {
                rules.remove(idx);
            }
        }
        Some(fault)
    }

    /// Applies the next fault armed for `route`: sleeps for latency (and returns `None` so the
    /// route answers normally), or returns the response that replaces the real one.
    pub async fn before(&self, route: &str) -> Option<Response> {
        match self.take(route)? {
            Fault::Latency(d) => {
                tokio::time::sleep(d).await;
                None
            }
            other => Some(other.into_response()),
        }
    }
}

/// Requests served, by route name.
#[derive(Debug, Default)]
pub struct Counters {
    map: Mutex<HashMap<String, u64>>,
}

impl Counters {
    /// Counts one request on `route`.
    pub fn hit(&self, route: &str) {
        let mut m = self.map.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry(route.to_owned()).or_default() += 1;
    }

    /// Requests served on `route` so far.
    pub fn get(&self, route: &str) -> u64 {
        let m = self.map.lock().unwrap_or_else(|p| p.into_inner());
        m.get(route).copied().unwrap_or(0)
    }

    /// Every route's count.
    pub fn snapshot(&self) -> HashMap<String, u64> {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Resets every count to zero.
    pub fn reset(&self) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn faults_fire_the_given_number_of_times() {
        let f = Faults::default();
        f.inject("list", Fault::text(404, "404 page not found"), Some(2));
        assert!(f.before("get").await.is_none());
        assert_eq!(f.before("list").await.unwrap().status(), 404);
        assert_eq!(f.before("list").await.unwrap().status(), 404);
        assert!(f.before("list").await.is_none());
        f.inject("*", Fault::json(500, serde_json::json!({})), None);
        assert_eq!(f.before("anything").await.unwrap().status(), 500);
        f.clear();
        assert!(f.before("anything").await.is_none());
    }

    #[test]
    fn counters_count() {
        let c = Counters::default();
        c.hit("list");
        c.hit("list");
        assert_eq!(c.get("list"), 2);
        assert_eq!(c.get("get"), 0);
        c.reset();
        assert_eq!(c.get("list"), 0);
    }
}
