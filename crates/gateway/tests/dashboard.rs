//! The dashboard's server side, in-process: `GET /` and every embedded file answer with the
//! page's security headers and their content type; an unknown file is a 404 problem; the
//! dashboard needs no key (the page asks for one), the API still does; `GET /v1/whoami` tells
//! each key its scopes and accounts. The page itself is tested in a browser (tests/e2e_dashboard.rs).

mod fake;

use axum::body::Body;
use axum::http::{Request, Response};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use unishare_gateway::dashboard::CSP;

async fn app(keys: bool) -> axum::Router {
    unishare_gateway::router(
        fake::state(vec![("hq", unishare_cloudreve::provider(), vec![])], keys).await,
    )
}

async fn get(app: &axum::Router, uri: &str, key: Option<&str>) -> Response<Body> {
    let mut req = Request::builder().uri(uri);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    app.clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn body(resp: Response<Body>) -> String {
    String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap()
}

fn header<'a>(resp: &'a Response<Body>, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn assert_page_headers(resp: &Response<Body>, uri: &str) {
    assert_eq!(header(resp, "content-security-policy"), CSP, "{uri}");
    assert_eq!(header(resp, "x-content-type-options"), "nosniff", "{uri}");
    assert_eq!(header(resp, "x-frame-options"), "DENY", "{uri}");
    assert_eq!(header(resp, "referrer-policy"), "no-referrer", "{uri}");
}

#[tokio::test]
async fn the_page_and_its_files_carry_the_security_headers_even_with_keys() {
    let app = app(true).await;
    let resp = get(&app, "/", None).await;
    assert_eq!(resp.status(), 200);
    assert_page_headers(&resp, "/");
    assert_eq!(header(&resp, "content-type"), "text/html; charset=utf-8");
    let html = body(resp).await;
    assert!(html.contains("<title>unishare"));
    for (name, content_type, contents) in unishare_gateway::dashboard::assets::FILES {
        let uri = format!("/dashboard/{name}");
        let resp = get(&app, &uri, None).await;
        assert_eq!(resp.status(), 200, "{uri}");
        assert_page_headers(&resp, &uri);
        assert_eq!(header(&resp, "content-type"), *content_type, "{uri}");
        assert_eq!(body(resp).await, *contents, "{uri}");
    }
    // The API behind it still wants a key.
    assert_eq!(get(&app, "/v1/shares", None).await.status(), 401);
}

#[test]
fn the_policy_allows_no_inline_script_no_other_origin_and_no_framing() {
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'none'",
    ] {
        assert!(CSP.contains(part), "{part}");
    }
    assert!(!CSP.contains("unsafe-inline") && !CSP.contains("unsafe-eval"));
}

#[tokio::test]
async fn an_unknown_file_is_a_404_problem() {
    let app = app(false).await;
    for uri in [
        "/dashboard/nothing.js",
        "/dashboard/..%2Fsrc%2Flib.rs",
        "/dashboard/",
    ] {
        let resp = get(&app, uri, None).await;
        assert_eq!(resp.status(), 404, "{uri}");
        assert_eq!(header(&resp, "content-type"), "application/problem+json");
    }
}

#[tokio::test]
async fn whoami_tells_each_key_its_scopes_and_accounts() {
    let keyed = app(true).await;
    let who = |key| {
        let keyed = keyed.clone();
        async move {
            let resp = get(&keyed, "/v1/whoami", key).await;
            let status = resp.status().as_u16();
            (
                status,
                serde_json::from_str::<Value>(&body(resp).await).unwrap(),
            )
        }
    };
    let (status, admin) = who(Some(fake::ADMIN)).await;
    assert_eq!(status, 200);
    assert_eq!(
        admin,
        json!({"key": "admin", "keys_required": true, "scopes": ["read", "write", "secrets"], "accounts": null})
    );
    let (_, reader) = who(Some(fake::READER)).await;
    assert_eq!(reader["scopes"], json!(["read"]));
    let (_, hq) = who(Some(fake::HQ_ONLY)).await;
    assert_eq!(hq["accounts"], json!(["hq"]));
    let (_, writer) = who(Some(fake::WRITER)).await;
    assert_eq!(writer["scopes"], json!(["write"]));
    let (status, problem) = who(None).await;
    assert_eq!(
        (status, problem["kind"].as_str()),
        (401, Some("unauthenticated"))
    );
    let (status, _) = who(Some("not-a-key-0123456789")).await;
    assert_eq!(status, 401);
    // No key configured: the anonymous caller with every scope.
    let open = app(false).await;
    let resp = get(&open, "/v1/whoami", None).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body(resp).await).unwrap(),
        json!({"key": "anonymous", "keys_required": false, "scopes": ["read", "write", "secrets"], "accounts": null})
    );
}
