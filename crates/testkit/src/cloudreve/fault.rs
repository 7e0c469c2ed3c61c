//! Cloudreve-specific faults to arm with [`crate::faults::Faults::inject`].

use crate::faults::Fault;
use serde_json::json;

/// An HTTP 200 envelope carrying `code` and `msg` (how Cloudreve reports every error).
pub fn code(code: i64, msg: &str) -> Fault {
    Fault::json(
        200,
        json!({"code": code, "msg": msg, "correlation_id": "b4351ecc-ee1a-4455-bc94-2c3dbcc58538"}),
    )
}

/// `401 Login required`: the access token was not accepted.
pub fn login_required() -> Fault {
    code(401, "Login required")
}

/// `50001 Failed to list shares` (e.g. an invalid page token).
pub fn code_50001() -> Fault {
    code(50001, "Failed to list shares")
}

/// `404 Share not found`.
pub fn share_not_found() -> Fault {
    code(404, "Share not found")
}

/// gin's HTTP 404 `404 page not found` for an unknown route (e.g. a v3 server).
pub fn plain_404() -> Fault {
    Fault::text(404, "404 page not found")
}

/// An HTTP 200 HTML page (a proxy or frontend answering instead of the API).
pub fn html_page() -> Fault {
    Fault::Respond {
        status: 200,
        content_type: "text/html; charset=utf-8",
        body: "<!doctype html><html><head><title>Cloudreve</title></head><body></body></html>"
            .to_owned(),
        headers: Vec::new(),
    }
}

/// A recovered panic: HTTP 500 with an empty body.
pub fn empty_500() -> Fault {
    Fault::text(500, "")
}

/// HTTP 502 from a reverse proxy.
pub fn proxy_502() -> Fault {
    Fault::Respond {
        status: 502,
        content_type: "text/html",
        body: "<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned(),
        headers: Vec::new(),
    }
}

/// HTTP 429 from a proxy, with `Retry-After`.
pub fn rate_limited(retry_after_secs: u64) -> Fault {
    Fault::text(429, "Too Many Requests").with_header("retry-after", retry_after_secs.to_string())
}

/// A list answer with any `data` (e.g. a hand-written page).
pub fn list_data(data: serde_json::Value) -> Fault {
    Fault::json(200, json!({"code": 0, "data": data, "msg": ""}))
}
