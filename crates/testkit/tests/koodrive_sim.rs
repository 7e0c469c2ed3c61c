//! The KooDrive simulator on its own: scale, paging and raw answers.

use serde_json::Value;
use std::time::{Duration, Instant};
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};

async fn get(sim: &KooDriveSim, path_and_query: &str) -> (u16, Value) {
    let resp = reqwest_like(sim, path_and_query).await;
    resp
}

/// Minimal HTTP/1.1 GET with the simulator's default token (testkit has no HTTP client dep).
async fn reqwest_like(sim: &KooDriveSim, path_and_query: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = sim.base_url().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let token = KooDriveSimConfig::default().token;
    let req = format!(
        "GET /koodrive/ose/v1{path_and_query} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    let status: u16 = text[9..12].parse().unwrap();
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn fifty_thousand_shares_page_quickly_and_completely() {
    let started = Instant::now();
    let sim = KooDriveSim::start(KooDriveSimConfig {
        seed_shares: 50_000,
        short_page_probability: 0.1,
        ..KooDriveSimConfig::default()
    })
    .await
    .unwrap();
    assert_eq!(sim.share_count(), 50_000);
    let ids = sim.share_ids();
    assert!(ids
        .iter()
        .all(|id| id.len() == 19 && id.bytes().all(|b| b.is_ascii_digit())));
    let mut cursor = "0".to_owned();
    let mut seen = Vec::with_capacity(50_000);
    let mut pages = 0;
    loop {
        let (status, body) = get(&sim, &format!("/share?pageSize=100&pageCursor={cursor}")).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        for l in body["shareLinks"].as_array().unwrap() {
            seen.push(l["shareId"].as_str().unwrap().to_owned());
        }
        match body.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    assert!(pages > 500);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn answers_look_like_koodrive() {
    let sim = KooDriveSim::start(KooDriveSimConfig {
        seed_shares: 60,
        short_page_probability: 0.0,
        ..KooDriveSimConfig::default()
    })
    .await
    .unwrap();
    let (_, a) = get(&sim, "/share?pageSize=30").await;
    let (_, b) = get(&sim, "/share?pageSize=30").await;
    // code alternates between 0 and "0".
    assert!(a["code"] == 0 || a["code"] == "0");
    assert_ne!(a["code"], b["code"]);
    let links = a["shareLinks"].as_array().unwrap();
    assert_eq!(links.len(), 30);
    let has = |f: &dyn Fn(&Value) -> bool| links.iter().any(f);
    assert!(has(&|l| l["viewCnt"].is_string()));
    assert!(has(&|l| l["viewCnt"].is_number()));
    assert!(has(&|l| l.get("saveCnt").is_none()));
    assert!(has(&|l| l.get("extractCode").is_some()));
    assert!(has(&|l| l["files"].as_array().is_some_and(|f| f.len() > 1)));
    // Unknown ids and bad params are 400 + business code.
    let (status, body) = get(&sim, "/share/1000000000000000001").await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(13000309)));
    let (status, body) = get(&sim, "/share?pageSize=500").await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(13000102)));
    let (status, _) = get(&sim, "/share?pageCursor=garbage").await;
    assert_eq!(status, 400);
    assert_eq!(sim.counters().get("list"), 4);
    assert_eq!(sim.counters().get("get"), 1);
}

#[tokio::test]
async fn paging_is_deterministic_for_a_seed() {
    let walk = |sim: KooDriveSim| async move {
        let mut sizes = Vec::new();
        let mut cursor = "0".to_owned();
        loop {
            let (_, body) = get(&sim, &format!("/share?pageSize=10&pageCursor={cursor}")).await;
            sizes.push(body["shareLinks"].as_array().unwrap().len());
            match body.get("nextCursor").and_then(Value::as_str) {
                Some(c) => cursor = c.to_owned(),
                None => return sizes,
            }
        }
    };
    let cfg = |seed| KooDriveSimConfig {
        seed_shares: 100,
        short_page_probability: 0.5,
        seed,
        ..KooDriveSimConfig::default()
    };
    let mut empty_seen = false;
    for seed in 0..6 {
        let a = walk(KooDriveSim::start(cfg(seed)).await.unwrap()).await;
        assert_eq!(a.iter().sum::<usize>(), 100);
        assert!(a.iter().any(|n| (1..10).contains(n)), "{a:?}");
        empty_seen |= a[..a.len() - 1].contains(&0);
        // Times differ between starts; ids and page cuts do not.
        let b = walk(KooDriveSim::start(cfg(seed)).await.unwrap()).await;
        assert_eq!(a, b);
    }
    assert!(empty_seen, "no empty page before the end");
}
