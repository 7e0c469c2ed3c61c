//! Helper processes for `bench/run.sh` (issue 8). Not part of the product.
//!
//! ```text
//! loadbench sims --shares N            start a Cloudreve and a KooDrive simulator with N shares
//!                                      each, plus an empty pair, and a control endpoint; prints
//!                                      one JSON line with their URLs, then runs until killed
//! loadbench baseline --body FILE --listen ADDR
//!                                      a minimal axum server answering every GET with FILE's
//!                                      bytes (application/json): the no-work baseline
//! loadbench burst --url URL --n N      N concurrent GETs at once; prints statuses and times
//! loadbench export --url URL           reads a streamed export; prints lines, bytes, seconds
//! loadbench walk --base URL            walks every page of /v1/shares?limit=1000 with cursors
//! loadbench wait-ready --url URL --every-ms N
//!                                      polls URL over one kept-alive connection until it
//!                                      answers 200 (a new connection per poll costs the
//!                                      gateway ~0.4 ms of CPU, which the cold-start figures
//!                                      would count); gives up after 5 minutes
//! loadbench vendor-crawl --cloudreve URL --koodrive URL
//!                                      crawls both simulators' share lists directly, both at
//!                                      once and page after page as the gateway does, reading
//!                                      only each page's next token: the vendor-only baseline
//! ```
//! Control endpoint of `sims`: `GET /counters`, `POST /reset`, `POST /latency/{ms}` (per list
//! page, both simulators; 0 clears it).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
use unishare_testkit::faults::Fault;
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};

/// The gateway's allocator, so that the baseline gets every advantage the gateway has.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn need(args: &[String], name: &str) -> String {
    arg(args, name).unwrap_or_else(|| {
        eprintln!("missing {name}");
        std::process::exit(2)
    })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("sims") => {
            sims(
                need(&args, "--shares").parse().expect("--shares"),
                arg(&args, "--site-shares").map_or(0, |n| n.parse().expect("--site-shares")),
            )
            .await
        }
        Some("baseline") => baseline(&need(&args, "--body"), &need(&args, "--listen")).await,
        Some("burst") => {
            burst(
                &need(&args, "--url"),
                need(&args, "--n").parse().expect("--n"),
            )
            .await
        }
        Some("export") => export(&need(&args, "--url")).await,
        Some("walk") => walk(&need(&args, "--base")).await,
        Some("wait-ready") => {
            wait_ready(
                &need(&args, "--url"),
                need(&args, "--every-ms").parse().expect("--every-ms"),
            )
            .await
        }
        Some("vendor-crawl") => {
            vendor_crawl(&need(&args, "--cloudreve"), &need(&args, "--koodrive")).await
        }
        _ => Err(
            "usage: loadbench sims|baseline|burst|export|walk|wait-ready|vendor-crawl ...".into(),
        ),
    };
    if let Err(e) = result {
        eprintln!("loadbench: {e}");
        std::process::exit(1);
    }
}

struct Sims {
    cloudreve: CloudreveSim,
    koodrive: KooDriveSim,
    /// A Cloudreve of 10 users for the site-inventory crawl (`--site-shares`), when asked.
    site: Option<CloudreveSim>,
}

async fn sims(shares: usize, site_shares: usize) -> Result<(), String> {
    let start = |n: usize| async move {
        let cloudreve = CloudreveSim::start(CloudreveSimConfig {
            seed_shares: n,
            ..CloudreveSimConfig::default()
        })
        .await?;
        let koodrive = KooDriveSim::start(KooDriveSimConfig {
            seed_shares: n,
            ..KooDriveSimConfig::default()
        })
        .await?;
        Ok::<_, std::io::Error>(Sims {
            cloudreve,
            koodrive,
            site: None,
        })
    };
    let mut full = start(shares).await.map_err(|e| e.to_string())?;
    if site_shares > 0 {
        full.site = Some(
            CloudreveSim::start(CloudreveSimConfig {
                seed_shares: site_shares,
                other_users: 9,
                ..CloudreveSimConfig::default()
            })
            .await
            .map_err(|e| e.to_string())?,
        );
    }
    let full = Arc::new(full);
    let empty = start(0).await.map_err(|e| e.to_string())?;
    let app = Router::new()
        .route("/counters", get(counters))
        .route("/reset", post(reset))
        .route("/latency/{ms}", post(latency))
        .with_state(Arc::clone(&full));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let control = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    println!(
        "{}",
        json!({
            "cloudreve": full.cloudreve.base_url(),
            "koodrive": full.koodrive.base_url(),
            "empty_cloudreve": empty.cloudreve.base_url(),
            "empty_koodrive": empty.koodrive.base_url(),
            "site_cloudreve": full.site.as_ref().map(CloudreveSim::base_url),
            "control": control,
        })
    );
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

async fn counters(State(s): State<Arc<Sims>>) -> Json<Value> {
    Json(json!({
        "cloudreve": s.cloudreve.counters().snapshot(),
        "koodrive": s.koodrive.counters().snapshot(),
        "site": s.site.as_ref().map(|c| c.counters().snapshot()),
    }))
}

async fn reset(State(s): State<Arc<Sims>>) -> &'static str {
    s.cloudreve.counters().reset();
    s.koodrive.counters().reset();
    if let Some(site) = &s.site {
        site.counters().reset();
    }
    "ok"
}

async fn latency(State(s): State<Arc<Sims>>, Path(ms): Path<u64>) -> &'static str {
    for f in [s.cloudreve.faults(), s.koodrive.faults()] {
        f.clear();
        if ms > 0 {
            f.inject("list", Fault::Latency(Duration::from_millis(ms)), None);
        }
    }
    "ok"
}

async fn baseline(body: &str, listen: &str) -> Result<(), String> {
    let bytes = bytes::Bytes::from(std::fs::read(body).map_err(|e| format!("{body}: {e}"))?);
    let handler = move || {
        let bytes = bytes.clone();
        async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                bytes,
            )
        }
    };
    let app = Router::new().fallback(get(handler));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("{listen}: {e}"))?;
    println!(
        "listening on http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

async fn burst(url: &str, n: usize) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (client, url, barrier) = (client.clone(), url.to_owned(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let t = Instant::now();
                let r = client.get(&url).send().await;
                let out = match r {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let body: Value = resp.json().await.unwrap_or(Value::Null);
                        (status, body["partial"].as_bool().unwrap_or(true))
                    }
                    Err(_) => (0, true),
                };
                (out, t.elapsed())
            })
        })
        .collect();
    let mut ok = 0;
    let mut partial = 0;
    let mut failed = 0;
    let mut slowest = Duration::ZERO;
    for t in tasks {
        let ((status, part), took) = t.await.map_err(|e| e.to_string())?;
        slowest = slowest.max(took);
        match (status, part) {
            (200, false) => ok += 1,
            (200, true) => partial += 1,
            _ => failed += 1,
        }
    }
    println!(
        "{}",
        json!({
            "requests": n, "complete": ok, "partial": partial, "failed": failed,
            "slowest_ms": slowest.as_secs_f64() * 1e3,
            "all_ms": started.elapsed().as_secs_f64() * 1e3,
        })
    );
    Ok(())
}

async fn export(url: &str) -> Result<(), String> {
    let started = Instant::now();
    let resp = reqwest::get(url).await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    let mut resp = resp;
    let (mut lines, mut bytes) = (0u64, 0u64);
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"lines": lines, "bytes": bytes, "seconds": secs, "per_sec": lines as f64 / secs})
    );
    Ok(())
}

async fn walk(base: &str) -> Result<(), String> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let (mut shares, mut pages, mut bytes) = (0u64, 0u64, 0u64);
    let mut cursor: Option<String> = None;
    loop {
        let mut req = client
            .get(format!("{base}/v1/shares"))
            .query(&[("limit", "1000"), ("sort", "created_at")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let body = get_page(req).await?;
        bytes += body.len() as u64;
        let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        shares += v["shares"].as_array().map_or(0, |a| a.len() as u64);
        pages += 1;
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"lines": shares, "pages": pages, "bytes": bytes, "seconds": secs, "per_sec": shares as f64 / secs})
    );
    Ok(())
}

/// The string value following `"key":"` in `body`, found without parsing the page (the
/// baseline does no work the gateway would not also do).
fn token_after(body: &[u8], key: &str) -> Option<String> {
    let pat = format!("\"{key}\":\"");
    let at = memchr::memmem::rfind(body, pat.as_bytes())? + pat.len();
    let len = memchr::memchr(b'"', &body[at..])?;
    let token = std::str::from_utf8(&body[at..at + len]).ok()?;
    (!token.is_empty()).then(|| token.to_owned())
}

async fn get_page(req: reqwest::RequestBuilder) -> Result<bytes::Bytes, String> {
    let resp = req.send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    resp.bytes().await.map_err(|e| e.to_string())
}

async fn wait_ready(url: &str, every_ms: u64) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        match client.get(url).send().await {
            Ok(resp) if resp.status().as_u16() == 200 => return Ok(()),
            // Read the body so that the connection goes back to the pool.
            Ok(resp) => drop(resp.bytes().await),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(every_ms)).await;
    }
    Err(format!("{url} not ready after 5 minutes"))
}

async fn vendor_crawl(cloudreve: &str, koodrive: &str) -> Result<(), String> {
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{cloudreve}/api/v4/session/token"))
        .json(&json!({"email": "admin@cloudreve.org", "password": "demo-password"}))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let token = login["data"]["token"]["access_token"]
        .as_str()
        .ok_or("cloudreve sign-in gave no token")?
        .to_owned();
    // Cloudreve follows `next_token`.
    let cr = async {
        let started = Instant::now();
        let (mut pages, mut next) = (0u64, None::<String>);
        loop {
            let mut req = client
                .get(format!("{cloudreve}/api/v4/share"))
                .query(&[("page_size", "100")])
                .bearer_auth(&token);
            if let Some(n) = &next {
                req = req.query(&[("next_page_token", n)]);
            }
            let body = get_page(req).await?;
            pages += 1;
            next = token_after(&body, "next_token");
            if next.is_none() {
                return Ok::<_, String>((pages, started.elapsed().as_secs_f64() * 1e3));
            }
        }
    };
    // KooDrive follows `nextCursor` (user-token auth: no signing in the baseline).
    let kd = async {
        let started = Instant::now();
        let (mut pages, mut cursor) = (0u64, "0".to_owned());
        loop {
            let req = client
                .get(format!("{koodrive}/koodrive/ose/v1/share"))
                .query(&[
                    ("pageSize", "100"),
                    ("pageCursor", cursor.as_str()),
                    ("sortType", "4"),
                    ("sortDirection", "2"),
                ])
                .header(
                    "authorization",
                    "Bearer+013b4daf12f4099a6eb74e2708000cb7a418409192f3e149",
                );
            let body = get_page(req).await?;
            pages += 1;
            match token_after(&body, "nextCursor") {
                Some(c) => cursor = c,
                None => return Ok::<_, String>((pages, started.elapsed().as_secs_f64() * 1e3)),
            }
        }
    };
    let (cr, kd) = tokio::join!(cr, kd);
    let ((cr_pages, cr_ms), (kd_pages, kd_ms)) = (cr?, kd?);
    println!(
        "{}",
        json!({
            "cloudreve": {"pages": cr_pages, "ms": cr_ms},
            "koodrive": {"pages": kd_pages, "ms": kd_ms},
        })
    );
    Ok(())
}
