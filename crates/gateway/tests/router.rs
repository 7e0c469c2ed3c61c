//! The router driven in-process with `oneshot`: every bad input is a 4xx problem+json with a
//! request id, never a panic or a 500.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;
use unishare_gateway::config::Config;
use unishare_gateway::{router, AppState};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

async fn app() -> (axum::Router, CloudreveSim) {
    app_with("").await
}

async fn app_with(extra: &str) -> (axum::Router, CloudreveSim) {
    let sim = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 20,
        ..Default::default()
    })
    .await
    .unwrap();
    let toml = format!(
        "{extra}\n[server]\nmax_body_bytes = 1024\n[[accounts]]\nname = \"hq\"\nprovider = \"cloudreve\"\nbase_url = \"{}\"\nauth = {{ method = \"password\", email = \"admin@cloudreve.org\", password = \"demo-password\" }}\n",
        sim.base_url()
    );
    let config = Config::from_toml_str(&toml, "test.toml").unwrap();
    let state: Arc<AppState> = AppState::from_config(config).unwrap();
    (router(state), sim)
}

async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, String, serde_json::Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(resp.headers().contains_key("x-request-id"));
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, ct, json)
}

fn post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn bad_bodies_are_400_problems_with_helpful_details() {
    let (app, _sim) = app().await;
    let cases: Vec<(Request<Body>, &str)> = vec![
        (post("/v1/accounts/hq/shares", "{not json"), "invalid JSON"),
        (post("/v1/accounts/hq/shares", ""), "JSON body is required"),
        (
            post(
                "/v1/accounts/hq/shares",
                r#"{"source": {"uri": "cloudreve://my/x"}, "colour": 1}"#,
            ),
            "colour",
        ),
        (
            post(
                "/v1/accounts/hq/shares",
                r#"{"source": {"uri": "cloudreve://my/x"}, "max_downloads": "ten"}"#,
            ),
            "max_downloads",
        ),
        (
            post(
                "/v1/accounts/hq/shares",
                format!(r#"{{"source": {{"uri": "{}"}}}}"#, "x".repeat(4000)),
            ),
            "larger than",
        ),
        (post("/v1/shares/revoke", r#"{"ids": []}"#), "1 to 1000"),
        (
            Request::patch("/v1/shares/hq:abc")
                .header("content-type", "application/json; charset=utf-8")
                .body(Body::from(r#"{"expires_at": "tomorrow"}"#))
                .unwrap(),
            "expires_at",
        ),
    ];
    for (req, needle) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let (status, ct, body) = call(&app, req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        assert_eq!(ct, "application/problem+json");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{what}: {detail}");
        assert!(body["request_id"].as_str().is_some());
    }
}

/// A write body must be sent as JSON: a `text/plain` or form POST (what a web page can send
/// cross-site without a preflight) is a 415 before the body is read, in every mode.
#[tokio::test]
async fn writes_without_a_json_content_type_are_415() {
    let (app, sim) = app().await;
    let body = r#"{"ids": ["hq:abc"]}"#;
    let before = sim.counters().snapshot();
    for (method, uri, ct) in [
        ("POST", "/v1/shares/revoke", Some("text/plain")),
        (
            "POST",
            "/v1/shares/revoke",
            Some("text/plain;charset=UTF-8"),
        ),
        (
            "POST",
            "/v1/shares/revoke",
            Some("application/x-www-form-urlencoded"),
        ),
        (
            "POST",
            "/v1/shares/revoke",
            Some("multipart/form-data; boundary=x"),
        ),
        ("POST", "/v1/shares/revoke", Some("application/jsonx")),
        ("POST", "/v1/shares/revoke", None),
        ("POST", "/v1/accounts/hq/shares", Some("text/plain")),
        ("PATCH", "/v1/shares/hq:abc", Some("text/plain")),
    ] {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let (status, ctype, problem) = call(&app, req.body(Body::from(body)).unwrap()).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{method} {uri} {ct:?}: {problem}"
        );
        assert_eq!(ctype, "application/problem+json");
        assert_eq!(problem["kind"], "unsupported_media_type");
    }
    assert_eq!(
        sim.counters().snapshot(),
        before,
        "a refused write reached the vendor"
    );
    // The same body as JSON (any case, with parameters) is accepted.
    let req = Request::post("/v1/shares/revoke")
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(Body::from(body))
        .unwrap();
    let (status, _, results) = call(&app, req).await;
    assert_eq!(status, StatusCode::OK, "{results}");
}

/// `limits.max_exports_per_key`: an export holds its slot while its body is unread; one more
/// is a 429 with `Retry-After`; the slot is free again once the first body is dropped.
#[tokio::test]
async fn concurrent_exports_per_key_are_capped() {
    let (app, _sim) = app_with("[limits]\nmax_exports_per_key = 1\n").await;
    let export = || Request::get("/v1/export").body(Body::empty()).unwrap();
    let first = app.clone().oneshot(export()).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = app.clone().oneshot(export()).await.unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.headers()["retry-after"], "1");
    let body = second.into_body().collect().await.unwrap().to_bytes();
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("limits.max_exports_per_key"));
    // Reading the first export to its end releases the slot.
    first.into_body().collect().await.unwrap();
    let third = app.clone().oneshot(export()).await.unwrap();
    assert_eq!(third.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_accounts_and_ids_are_404_problems() {
    let (app, _sim) = app().await;
    for uri in ["/nope", "/v1/shares/zz:abc", "/v1/shares/hq:doesnotexist"] {
        let (status, ct, body) = call(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(ct, "application/problem+json");
        assert_eq!(body["kind"], "not_found");
    }
    let (status, _, _) = call(
        &app,
        post(
            "/v1/accounts/nope/shares",
            r#"{"source": {"uri": "cloudreve://my/x"}}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = call(
        &app,
        Request::put("/v1/shares").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(status.is_client_error(), "{body}");
}

#[tokio::test]
async fn unsupported_options_are_422_naming_the_capability_before_any_vendor_call() {
    let (app, sim) = app().await;
    sim.counters().reset();
    let (status, _, body) = call(
        &app,
        post(
            "/v1/accounts/hq/shares",
            r#"{"source": {"uri": "cloudreve://my/Reports"}, "audience": "organization"}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["capability"], "audiences");
    assert_eq!(body["account"], "hq");
    assert_eq!(sim.counters().get("create"), 0);
}
