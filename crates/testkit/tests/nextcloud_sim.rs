//! The Nextcloud simulator on its own: raw answers as the server's source writes them
//! (`docs/vendors/nextcloud.md`), checked without the provider crate.

use base64::Engine;
use serde_json::Value;
use unishare_testkit::nextcloud::{NextcloudSim, NextcloudSimConfig};

/// Minimal HTTP/1.1 request (testkit has no HTTP client dependency): status, content type, body.
async fn call(
    sim: &NextcloudSim,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = sim.base_url().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status: u16 = text[9..12].parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body.to_owned())
}

fn basic(sim: &NextcloudSim) -> String {
    let (user, password) = sim.credentials();
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

const SHARES: &str = "/ocs/v2.php/apps/files_sharing/api/v1/shares";

async fn sim(links: usize) -> NextcloudSim {
    NextcloudSim::start(NextcloudSimConfig {
        seed_shares: links,
        ..NextcloudSimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn xml_unless_json_is_asked_with_list_items_named_element() {
    let sim = sim(8).await;
    let auth = basic(&sim);
    let (status, ct, body) = call(
        &sim,
        "GET",
        SHARES,
        &[("Authorization", &auth), ("OCS-APIRequest", "true")],
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/xml"), "{ct}");
    assert!(body.starts_with("<?xml version=\"1.0\"?>\n<ocs>\n <meta>\n  <status>ok</status>\n  <statuscode>200</statuscode>"), "{body}");
    assert!(
        body.contains("<element>") && body.contains("<parent/>"),
        "{body}"
    );
    // `Accept: application/json` or `format=json` gives JSON.
    for (path, accept) in [
        (SHARES.to_owned(), "application/json"),
        (format!("{SHARES}?format=json"), "*/*"),
    ] {
        let (status, ct, body) = call(
            &sim,
            "GET",
            &path,
            &[
                ("Authorization", &auth),
                ("OCS-APIRequest", "true"),
                ("Accept", accept),
            ],
            "",
        )
        .await;
        assert_eq!(status, 200);
        assert!(ct.starts_with("application/json"), "{ct}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["ocs"]["meta"]["statuscode"], 200);
    }
}

#[tokio::test]
async fn json_is_escaped_like_json_encode_and_passwords_are_hashes() {
    let sim = sim(12).await;
    let auth = basic(&sim);
    let (_, _, body) = call(
        &sim,
        "GET",
        &format!("{SHARES}?format=json"),
        &[("Authorization", &auth), ("OCS-APIRequest", "true")],
        "",
    )
    .await;
    assert!(body.contains(r#"index.php\/s\/"#), "slashes not escaped");
    assert!(
        body.contains(r"\u00e9") && body.contains(r"\u003C"),
        "unicode / tags not escaped"
    );
    assert!(!body.contains("seeded-pw-"), "a plain password leaked");
    let v: Value = serde_json::from_str(&body).unwrap();
    let data = v["ocs"]["data"].as_array().unwrap();
    // Grouped by type as getShares merges them: user, group, then links.
    let types: Vec<i64> = data
        .iter()
        .map(|s| s["share_type"].as_i64().unwrap())
        .collect();
    let mut sorted = types.clone();
    sorted.sort_by_key(|t| match t {
        0 => 0,
        1 => 1,
        _ => 2,
    });
    assert_eq!(types, sorted);
    assert!(types.contains(&0) && types.contains(&1) && types.contains(&3));
    for s in data.iter().filter(|s| s["share_type"] == 3) {
        assert!(s["id"].is_string());
        assert_eq!(s["share_with"], s["password"]);
        if let Some(hash) = s["password"].as_str() {
            assert!(hash.starts_with("3|$argon2id$"), "{hash}");
        }
    }
}

#[tokio::test]
async fn v1_and_v2_status_codes() {
    let sim = sim(2).await;
    let auth = basic(&sim);
    let ok = [("Authorization", auth.as_str()), ("OCS-APIRequest", "true")];
    let (status, _, body) = call(
        &sim,
        "GET",
        &format!("{SHARES}/424242?format=json"),
        &ok,
        "",
    )
    .await;
    assert_eq!(status, 404);
    assert!(body.contains(r#""statuscode":404"#), "{body}");
    let v1 = SHARES.replace("v2.php", "v1.php");
    let (status, _, body) = call(&sim, "GET", &format!("{v1}/424242?format=json"), &ok, "").await;
    assert_eq!(status, 200);
    assert!(
        body.contains(r#""statuscode":404"#) && body.contains(r#""totalitems":"""#),
        "{body}"
    );
    // Refused login: 997 with HTTP 401 on both.
    for path in [SHARES.to_owned(), v1] {
        let (status, _, body) = call(
            &sim,
            "GET",
            &format!("{path}?format=json"),
            &[
                ("Authorization", "Basic YWxpY2U6bm8="),
                ("OCS-APIRequest", "true"),
            ],
            "",
        )
        .await;
        assert_eq!(status, 401, "{path}");
        assert!(body.contains(r#""statuscode":997"#), "{body}");
    }
}

#[tokio::test]
async fn without_the_ocs_header_the_csrf_check_fails() {
    let sim = sim(2).await;
    let auth = basic(&sim);
    let (status, ct, body) = call(
        &sim,
        "GET",
        &format!("{SHARES}?format=json"),
        &[("Authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(status, 412);
    assert!(ct.starts_with("application/json"));
    assert_eq!(body, r#"{"message":"CSRF check failed"}"#);
}

#[tokio::test]
async fn expired_links_are_deleted_when_read_and_today_is_in_the_past() {
    let sim = sim(60).await;
    let auth = basic(&sim);
    let ok = [("Authorization", auth.as_str()), ("OCS-APIRequest", "true")];
    let (_, _, body) = call(&sim, "GET", &format!("{SHARES}?format=json"), &ok, "").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    let links = v["ocs"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["share_type"] == 3)
        .count();
    assert!(links < 60, "some seeded links are expired and must be gone");
    assert_eq!(links, sim.link_ids().len());
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let form = format!("path=%2FDocuments%2Freport-0.pdf&shareType=3&expireDate={today}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("OCS-APIRequest", "true"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, _, body) = call(
        &sim,
        "POST",
        &format!("{SHARES}?format=json"),
        &headers,
        &form,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("Expiration date is in the past"), "{body}");
}
