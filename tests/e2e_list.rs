//! End to end, over HTTP, against the real binary: the federated list.

mod common;
use common::*;
use std::collections::HashSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_walks_return_every_share_exactly_once_for_every_sort_and_order() {
    let v = vendors(140).await;
    let g = Gateway::start(&config(&v, false, ""));
    g.ready().await;
    let expected = all_ids(&v);
    for sort in ["created_at", "name", "views", "downloads", "expires_at"] {
        for order in ["asc", "desc"] {
            let ids = walk(&g, &format!("sort={sort}&order={order}&limit=37"), None).await;
            let unique: HashSet<&String> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len(), "{sort} {order}: duplicates");
            let mut sorted = ids.clone();
            sorted.sort();
            assert_eq!(sorted, expected, "{sort} {order}: not every share");
        }
    }
    let (_, body) = get(&g.url("/v1/shares?limit=1"), None).await;
    assert_eq!(body["total"], expected.len());
    assert_eq!(body["partial"], false);
    let states: Vec<&str> = body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["fresh", "fresh", "fresh"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_select_what_they_say() {
    let v = vendors(120).await;
    let g = Gateway::start(&config(&v, false, ""));
    g.ready().await;
    let list = |q: &str| {
        let url = g.url(&format!("/v1/shares?limit=1000&{q}"));
        async move {
            let (status, body) = get(&url, None).await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let all = list("").await;
    let n_all = all["total"].as_u64().unwrap();
    let mut seen = 0;
    for (q, check) in [
        ("status=expired", ("status", "expired")),
        ("provider=koodrive", ("provider", "koodrive")),
        ("account=hq", ("account", "hq")),
        ("audience=organization", ("audience", "organization")),
    ] {
        let body = list(q).await;
        let shares = body["shares"].as_array().unwrap();
        assert!(!shares.is_empty(), "{q} matched nothing");
        assert!(shares.iter().all(|s| s[check.0] == check.1), "{q}");
        assert_eq!(body["total"].as_u64().unwrap(), shares.len() as u64);
        seen += shares.len();
    }
    assert!(seen > 0 && (seen as u64) < 4 * n_all);
    let body = list("password_protected=true&status=active").await;
    for s in body["shares"].as_array().unwrap() {
        assert_eq!(s["password_protected"], true);
        assert_eq!(s["status"], "active");
    }
    // q is a case-insensitive substring of the name.
    let first_name = all["shares"][0]["name"].as_str().unwrap().to_string();
    let needle: String = first_name
        .chars()
        .take(3)
        .collect::<String>()
        .to_uppercase();
    let body = list(&format!("q={}", urlencode(&needle))).await;
    let shares = body["shares"].as_array().unwrap();
    assert!(!shares.is_empty());
    for s in shares {
        assert!(s["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains(&needle.to_lowercase()));
    }
    // expires_before excludes links that never expire.
    let body = list("expires_before=2100-01-01T00:00:00Z").await;
    assert!(body["shares"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| !s["expires_at"].is_null()));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_problem_json_400() {
    let v = vendors(30).await;
    let g = Gateway::start(&config(&v, false, ""));
    g.ready().await;
    let (_, first) = get(&g.url("/v1/shares?limit=5&sort=name"), None).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let mut tampered = cursor.clone().into_bytes();
    tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for url in [
        format!("/v1/shares?limit=5&sort=name&cursor={tampered}"),
        format!("/v1/shares?limit=5&sort=views&cursor={cursor}"),
        format!("/v1/shares?limit=5&sort=name&status=active&cursor={cursor}"),
        "/v1/shares?limit=0".to_string(),
        "/v1/shares?sort=size".to_string(),
        "/v1/shares/not-an-id".to_string(),
    ] {
        let resp = reqwest::get(g.url(&url)).await.unwrap();
        assert_eq!(resp.status(), 400, "{url}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{url}"
        );
        assert!(resp.headers().contains_key("x-request-id"));
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["status"], 400);
        assert!(body["request_id"].as_str().is_some_and(|r| !r.is_empty()));
        assert!(!body["detail"].as_str().unwrap().is_empty());
    }
    // The same cursor with the same query still works.
    let (status, _) = get(
        &g.url(&format!("/v1/shares?limit=5&sort=name&cursor={cursor}")),
        None,
    )
    .await;
    assert_eq!(status, 200);
    // A client's request id is echoed.
    let resp = reqwest::Client::new()
        .get(g.url("/v1/shares/hq:nope"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["x-request-id"], "trace-me-42");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["request_id"], "trace-me-42");
}
