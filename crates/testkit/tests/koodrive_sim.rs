//! The KooDrive simulator on its own: scale, paging and raw answers.

use serde_json::Value;
use std::time::{Duration, Instant};
use unishare_testkit::koodrive::{DocShape, KooDriveSim, KooDriveSimConfig};

async fn get(sim: &KooDriveSim, path_and_query: &str) -> (u16, Value) {
    let token = KooDriveSimConfig::default().token;
    let auth = format!("Authorization: {token}");
    let (status, _, body) = http(sim, "GET", path_and_query, &[&auth], None).await;
    (status, body)
}

/// Minimal HTTP/1.1 exchange (testkit has no HTTP client dependency): status, the header
/// block as text, and the JSON body (`null` when it is not JSON).
async fn http(
    sim: &KooDriveSim,
    method: &str,
    path_and_query: &str,
    headers: &[&str],
    body: Option<&Value>,
) -> (u16, String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = sim.base_url().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut req = format!("{method} /koodrive/ose/v1{path_and_query} HTTP/1.1\r\nHost: {addr}\r\n");
    for h in headers {
        req.push_str(&format!("{h}\r\n"));
    }
    req.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    let status: u16 = text[9..12].parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (
        status,
        head.to_owned(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
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

fn token_header() -> String {
    format!("Authorization: {}", KooDriveSimConfig::default().token)
}

#[tokio::test]
async fn the_current_reference_shape_drops_extract_code_and_permission_from_list_records() {
    for (shape, in_list) in [
        (DocShape::SeedPage, true),
        (DocShape::CurrentReference, false),
    ] {
        let sim = KooDriveSim::start(KooDriveSimConfig {
            seed_shares: 30,
            shape,
            short_page_probability: 0.0,
            ..KooDriveSimConfig::default()
        })
        .await
        .unwrap();
        let (_, list) = get(&sim, "/share?pageSize=100").await;
        let links = list["shareLinks"].as_array().unwrap();
        assert_eq!(links.len(), 30);
        // Seed page: every record says, `""` for a share without a code.
        assert_eq!(
            links.iter().all(|l| l.get("extractCode").is_some()),
            in_list,
            "{shape:?}"
        );
        assert!(links
            .iter()
            .all(|l| l.get("extractCode").is_some() == in_list
                && (in_list || l.get("permission").is_none())));
        if in_list {
            assert!(links.iter().any(|l| l["extractCode"] == ""));
            assert!(links.iter().any(|l| l.get("permission").is_some()));
        }
        // The detail has both keys in either shape.
        let id = links[0]["shareId"].as_str().unwrap();
        let (_, detail) = get(&sim, &format!("/share/{id}")).await;
        assert!(
            detail["shareLink"].get("extractCode").is_some(),
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn cancel_sub_responses_name_the_share_only_in_the_seed_shape() {
    for (shape, named) in [
        (DocShape::SeedPage, true),
        (DocShape::CurrentReference, false),
    ] {
        let sim = KooDriveSim::start(KooDriveSimConfig {
            seed_shares: 2,
            shape,
            ..KooDriveSimConfig::default()
        })
        .await
        .unwrap();
        let ids = sim.share_ids();
        let body = serde_json::json!({"shareIds": [ids[0], "1000000000000000001", ids[1]]});
        let (status, _, answer) = http(
            &sim,
            "POST",
            "/share/cancel",
            &[&token_header()],
            Some(&body),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        let subs = answer["subResponseList"].as_array().unwrap();
        assert_eq!(subs.len(), 3, "one answer per id, in request order");
        assert!(
            subs.iter().all(|s| s.get("shareId").is_some() == named),
            "{answer}"
        );
        let codes: Vec<i64> = subs
            .iter()
            .map(|s| match &s["code"] {
                Value::String(c) => c.parse().unwrap(),
                c => c.as_i64().unwrap(),
            })
            .collect();
        assert_eq!(codes, [0, 13000309, 0]);
        assert_eq!(sim.last_body("cancel"), Some(body));
        assert_eq!(sim.share_count(), 0);
    }
}

#[tokio::test]
async fn a_carrier_tenant_requires_its_agent_name_and_refuses_scope_2() {
    let sim = KooDriveSim::start(KooDriveSimConfig {
        seed_shares: 1,
        carrier_agent: Some("demo-carrier".into()),
        ..KooDriveSimConfig::default()
    })
    .await
    .unwrap();
    let (status, body) = get(&sim, "/share").await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(13000102)));
    let agent = "X-Hw-Agentname: demo-carrier";
    let (status, _, _) = http(&sim, "GET", "/share", &[&token_header(), agent], None).await;
    assert_eq!(status, 200);
    let (status, _, _) = http(
        &sim,
        "GET",
        "/share",
        &[&token_header(), "X-Hw-Agentname: other"],
        None,
    )
    .await;
    assert_eq!(status, 400);
    let (file, container) = sim.files()[0].clone();
    let create = |scope: u8| serde_json::json!({"scope": scope, "fileIds": [file], "containerId": container, "validDays": 7});
    let (status, _, answer) = http(
        &sim,
        "POST",
        "/share",
        &[&token_header(), agent],
        Some(&create(2)),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_i64()),
        (400, Some(13000102)),
        "{answer}"
    );
    let (status, _, answer) = http(
        &sim,
        "POST",
        "/share",
        &[&token_header(), agent],
        Some(&create(1)),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    // validDays 0 on a carrier update: "validity period is not set" — the expiry goes.
    let id = answer["shareLink"]["shareId"].as_str().unwrap().to_owned();
    assert!(sim.expire_time(&id).is_some());
    let zero = serde_json::json!({"validDays": 0});
    let path = format!("/share/{id}");
    let (status, _, _) = http(&sim, "PUT", &path, &[&token_header(), agent], Some(&zero)).await;
    assert_eq!(status, 200);
    assert_eq!(sim.expire_time(&id), None);
}

#[tokio::test]
async fn answers_carry_the_simulators_clock_and_tokens_match_exactly() {
    let sim = KooDriveSim::start(KooDriveSimConfig {
        clock_skew: chrono::Duration::hours(-3),
        token: "3b911d723003f70a".into(),
        ..KooDriveSimConfig::default()
    })
    .await
    .unwrap();
    let (status, head, _) = http(
        &sim,
        "GET",
        "/share",
        &["Authorization: 3b911d723003f70a"],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let date = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("date: ")
                .or_else(|| l.strip_prefix("Date: "))
        })
        .expect("a Date header");
    let date = chrono::DateTime::parse_from_rfc2822(date).unwrap();
    let behind = chrono::Utc::now() - date.with_timezone(&chrono::Utc);
    assert!(
        (chrono::Duration::minutes(170)..chrono::Duration::minutes(190)).contains(&behind),
        "{behind}"
    );
    // The token exactly as issued, or it is another token.
    let (status, _, _) = http(
        &sim,
        "GET",
        "/share",
        &["Authorization: Bearer+3b911d723003f70a"],
        None,
    )
    .await;
    assert_ne!(status, 200);
}
