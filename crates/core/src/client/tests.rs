//! The shared client against a local server on 127.0.0.1:0.

use super::*;
use crate::retry::{Idempotency, RetryBudget, RetryPolicy};
use crate::{Error, ErrorKind, Result, Secret};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::routing::{get, post};
use axum::Router;
use reqwest::Method;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

#[derive(Default)]
struct Counts {
    hits: AtomicU32,
    trap: AtomicU32,
    refreshes: AtomicU32,
    flaky: AtomicU32,
}

async fn serve(counts: Arc<Counts>) -> String {
    let app = Router::new()
        .route("/ok", get(|| async { "hello" }))
        .route(
            "/retry-seconds",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "7")],
                    "slow down",
                )
            }),
        )
        .route(
            "/retry-date",
            get(|| async {
                let at = chrono::Utc::now() + chrono::Duration::seconds(120);
                let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, date)],
                    "",
                )
            }),
        )
        .route(
            "/redirect",
            get(|| async {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(header::LOCATION, "/trap?token=abc")],
                    "",
                )
            }),
        )
        .route(
            "/trap",
            get(|State(c): State<Arc<Counts>>| async move {
                c.trap.fetch_add(1, Ordering::SeqCst);
                "followed"
            }),
        )
        .route("/big", get(|| async { "x".repeat(4096) }))
        .route(
            "/big-chunked",
            get(|| async {
                let chunks = (0..8).map(|_| Ok::<_, std::io::Error>("y".repeat(512)));
                axum::body::Body::from_stream(futures::stream::iter(chunks))
            }),
        )
        .route("/hang", get(std::future::pending::<&'static str>))
        .route(
            "/flaky",
            get(|State(c): State<Arc<Counts>>| async move {
                if c.flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                } else {
                    "recovered".into_response()
                }
            }),
        )
        .route(
            "/token",
            post(|State(c): State<Arc<Counts>>| async move {
                let n = c.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
                // Let every concurrent caller pile up behind the one renewal.
                tokio::time::sleep(Duration::from_millis(50)).await;
                format!("fresh-{n}")
            }),
        )
        .route("/api", get(api))
        .with_state(counts);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// `200` for `Bearer fresh-*`, `401` otherwise.
async fn api(State(c): State<Arc<Counts>>, headers: HeaderMap) -> AxumResponse {
    c.hits.fetch_add(1, Ordering::SeqCst);
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth.starts_with("Bearer fresh-") {
        "data".into_response()
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

fn client() -> HttpClient {
    HttpClient::builder("Testvendor").build().expect("client")
}

async fn get_url(http: &HttpClient, url: String) -> Result<Response> {
    http.send(http.request(Method::GET, url)).await
}

#[tokio::test]
async fn an_answer_is_read_with_its_status_date_and_body() {
    let base = serve(Arc::default()).await;
    let r = get_url(&client(), format!("{base}/ok")).await.expect("ok");
    assert_eq!(r.status, 200);
    assert!(r.is_success());
    assert_eq!(&r.body[..], b"hello");
    assert_eq!(r.text(), "hello");
    assert!(r.server_date.is_some(), "axum sends a Date header");
    assert_eq!(r.retry_after, None);
}

#[tokio::test]
async fn retry_after_is_read_in_seconds_and_as_an_http_date() {
    let base = serve(Arc::default()).await;
    let http = client();
    let r = get_url(&http, format!("{base}/retry-seconds"))
        .await
        .expect("answer");
    assert_eq!(r.status, 429);
    assert_eq!(r.retry_after, Some(Duration::from_secs(7)));
    let r = get_url(&http, format!("{base}/retry-date"))
        .await
        .expect("answer");
    assert_eq!(r.status, 503);
    let wait = r.retry_after.expect("an HTTP-date is read");
    // Two minutes ahead, whole seconds, read a moment later.
    assert!(
        wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
}

#[tokio::test]
async fn a_redirect_is_an_error_and_never_followed() {
    let counts = Arc::new(Counts::default());
    let base = serve(counts.clone()).await;
    let e = get_url(&client(), format!("{base}/redirect"))
        .await
        .expect_err("a redirect");
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    assert!(!e.is_retryable());
    let msg = e.to_string();
    assert!(msg.contains("Testvendor") && msg.contains("307"), "{msg}");
    assert!(
        !msg.contains("abc"),
        "the Location's query is not repeated: {msg}"
    );
    assert_eq!(counts.trap.load(Ordering::SeqCst), 0, "followed");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_or_without_a_length() {
    let base = serve(Arc::default()).await;
    let http = HttpClient::builder("Testvendor")
        .max_body(1024)
        .build()
        .expect("client");
    assert_eq!(http.max_body(), 1024);
    for path in ["big", "big-chunked"] {
        let e = get_url(&http, format!("{base}/{path}"))
            .await
            .expect_err(path);
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol, "{path}: {e}");
        assert!(e.message().contains("1024 bytes"), "{e}");
    }
    let roomy = HttpClient::builder("Testvendor")
        .max_body(4096)
        .build()
        .expect("client");
    for path in ["big", "big-chunked"] {
        let r = get_url(&roomy, format!("{base}/{path}")).await.expect(path);
        assert_eq!(r.body.len(), 4096, "{path}");
    }
}

fn source_text(e: &Error) -> String {
    std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_unavailable_with_its_source() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let e = get_url(&client(), format!("http://{addr}/x"))
        .await
        .expect_err("nobody listens");
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
    assert!(e.is_retryable());
    assert!(e.message().contains("could not connect"), "{e}");
    assert!(!source_text(&e).is_empty(), "the reqwest error is kept");
}

#[tokio::test]
async fn a_timeout_is_a_retryable_unavailable() {
    let base = serve(Arc::default()).await;
    let http = HttpClient::builder("Testvendor")
        .request_timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let e = get_url(&http, format!("{base}/hang"))
        .await
        .expect_err("no answer");
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
    assert!(e.is_retryable());
    assert!(e.message().contains("timed out"), "{e}");
}

#[tokio::test]
async fn a_body_cut_short_is_a_retryable_unavailable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut sock, &mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort")
                .await;
            let _ = sock.shutdown().await;
        }
    });
    let e = get_url(&client(), format!("http://{addr}/x"))
        .await
        .expect_err("truncated");
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable, "{e}");
    assert!(e.is_retryable());
    assert!(e.message().contains("reading the answer"), "{e}");
    assert!(!source_text(&e).is_empty());
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        budget: Arc::new(RetryBudget::new(0.2, 100.0)),
        ..RetryPolicy::new(Duration::from_secs(5), 2)
    }
    .with_account("test")
}

#[tokio::test]
async fn call_retries_what_decode_calls_retryable() {
    let counts = Arc::new(Counts::default());
    let base = serve(counts.clone()).await;
    let http = client();
    let url = format!("{base}/flaky");
    let body = http
        .call(
            &fast_policy(),
            "get",
            Idempotency::Idempotent,
            || Ok(http.request(Method::GET, &url)),
            |r| match r.status {
                200 => Ok(r.text().into_owned()),
                s => Err(Error::upstream_unavailable(format!("HTTP {s}"))),
            },
        )
        .await
        .expect("second attempt");
    assert_eq!(body, "recovered");
    assert_eq!(counts.flaky.load(Ordering::SeqCst), 2);
}

/// One exchange with `/api` under the cache: `401` is a rejection.
async fn authorized_get(
    http: &HttpClient,
    base: &str,
    cache: &TokenCache<Secret>,
) -> Result<String> {
    let renew = |_old: Option<Secret>| async {
        let r = http
            .send(http.request(Method::POST, format!("{base}/token")))
            .await?;
        Ok(Fresh {
            value: Secret::new(r.text().into_owned()),
            use_until: None,
        })
    };
    cache
        .call(renew, |token: Secret| async move {
            let r = http
                .send(
                    http.request(Method::GET, format!("{base}/api"))
                        .bearer_auth(token.expose()),
                )
                .await?;
            Ok(match r.status {
                401 => Authorized::Rejected(Error::upstream_auth("rejected after a renewal")),
                _ => Authorized::Done(r.text().into_owned()),
            })
        })
        .await
}

#[tokio::test]
async fn concurrent_callers_share_exactly_one_refresh() {
    let counts = Arc::new(Counts::default());
    let base = serve(counts.clone()).await;
    let http = client();
    let cache = TokenCache::with_token(Secret::new("stale"));
    let calls = (0..16).map(|_| authorized_get(&http, &base, &cache));
    let results = futures::future::join_all(calls).await;
    for r in &results {
        assert_eq!(r.as_deref().ok(), Some("data"), "{r:?}");
    }
    assert_eq!(counts.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(cache.renewals(), 1);
    let now = cache.current().expect("a token");
    assert_eq!(now.value.expose(), "fresh-1");
    assert_eq!(now.generation, 1);
    // The next callers use the cached token: no refresh.
    let calls = (0..8).map(|_| authorized_get(&http, &base, &cache));
    assert!(futures::future::join_all(calls)
        .await
        .iter()
        .all(|r| r.is_ok()));
    assert_eq!(counts.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_empty_cache_renews_once_for_concurrent_first_callers() {
    let counts = Arc::new(Counts::default());
    let base = serve(counts.clone()).await;
    let http = client();
    let cache = TokenCache::<Secret>::new();
    let calls = (0..16).map(|_| authorized_get(&http, &base, &cache));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(counts.refreshes.load(Ordering::SeqCst), 1);
    // Every caller sent once: nobody was rejected.
    assert_eq!(counts.hits.load(Ordering::SeqCst), 16);
}

#[tokio::test]
async fn an_expired_token_is_renewed_before_sending() {
    let cache = TokenCache::<u32>::new();
    let renewed = AtomicU32::new(0);
    let renew = |old: Option<u32>| {
        renewed.fetch_add(1, Ordering::SeqCst);
        async move {
            Ok(Fresh {
                value: old.unwrap_or(100) + 1,
                // Already used up: every get renews.
                use_until: Some(std::time::Instant::now()),
            })
        }
    };
    let a = cache.get(renew).await.expect("first");
    let b = cache.get(renew).await.expect("second");
    assert_eq!((a.value, b.value), (101, 102), "the old value is passed on");
    assert_eq!(renewed.load(Ordering::SeqCst), 2);
    assert!(b.generation > a.generation);
}

#[tokio::test]
async fn a_second_rejection_is_the_error_and_a_failed_renewal_is_retried_next_time() {
    let cache = TokenCache::with_token(1u32);
    let renewals = AtomicU32::new(0);
    let sends = AtomicU32::new(0);
    let r: Result<()> = cache
        .call(
            |_| async {
                renewals.fetch_add(1, Ordering::SeqCst);
                Ok(Fresh {
                    value: 2,
                    use_until: None,
                })
            },
            |_| async {
                sends.fetch_add(1, Ordering::SeqCst);
                Ok(Authorized::Rejected(Error::upstream_auth("still no")))
            },
        )
        .await;
    assert_eq!(r.unwrap_err().message(), "still no");
    assert_eq!(renewals.load(Ordering::SeqCst), 1, "one renewal per call");
    assert_eq!(sends.load(Ordering::SeqCst), 2, "one resend");

    let failing = TokenCache::<u32>::new();
    let e = failing
        .get(|_| async { Err(Error::upstream_unavailable("token endpoint down")) })
        .await
        .expect_err("renewal failed");
    assert!(e.is_retryable());
    assert!(failing.current().is_none(), "nothing installed");
    let t = failing
        .get(|_| async {
            Ok(Fresh {
                value: 9,
                use_until: None,
            })
        })
        .await
        .expect("renewed now");
    assert_eq!(t.value, 9);
}

#[tokio::test]
async fn renew_skips_when_someone_else_already_replaced_the_token() {
    let cache = TokenCache::with_token(1u32);
    let first = cache
        .renew(0, |_| async {
            Ok(Fresh {
                value: 2,
                use_until: None,
            })
        })
        .await
        .expect("renewed");
    // A caller that still holds generation 0 gets the new token without a renewal.
    let again = cache
        .renew(0, |_| async { Err(Error::internal("must not run")) })
        .await
        .expect("no renewal");
    assert_eq!((again.value, again.generation), (2, first.generation));
    assert_eq!(cache.renewals(), 1);
    let secret = TokenCache::with_token(Secret::new("hunter2"));
    assert!(!format!("{secret:?}").contains("hunter2"));
}

#[test]
fn http_dates_parse() {
    let d = parse_http_date("Tue, 01 Dec 2026 21:05:12 GMT").expect("date");
    assert_eq!(d.to_rfc3339(), "2026-12-01T21:05:12+00:00");
    assert!(parse_http_date("yesterday").is_none());
}

#[test]
fn a_site_root_with_a_query_or_a_fragment_is_refused() {
    for bad in [
        "http://h.example/?q=1",
        "https://h.example/seafile?next=/api",
        "https://h.example/#top",
    ] {
        let e = site_root("x base_url", bad).expect_err(bad);
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{bad}");
        assert!(e.message().contains("query or a fragment"), "{e}");
    }
    assert_eq!(
        site_root("x base_url", "https://h.example/seafile/").ok(),
        Some("https://h.example/seafile")
    );
}
