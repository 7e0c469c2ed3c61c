//! End to end, over HTTP, against the real binary and the Cloudreve simulator that follows the
//! BE-4.18 source (`docs/vendors/cloudreve.md`): the calls that failed against a real server.

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Polls `GET /v1/shares/{id}` (the snapshot) until `done` holds; panics after 20 s.
async fn until(g: &Gateway, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (status, share) = get(&g.url(&format!("/v1/shares/{id}")), None).await;
        if status == 200 && done(&share) {
            return share;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: {share}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn create(g: &Gateway, body: Value) -> (u16, Value) {
    send(
        reqwest::Client::new()
            .post(g.url("/v1/accounts/hq/shares"))
            .json(&body),
        None,
    )
    .await
}

async fn patch(g: &Gateway, id: &str, body: Value) -> (u16, Value) {
    send(
        reqwest::Client::new()
            .patch(g.url(&format!("/v1/shares/{id}")))
            .json(&body),
        None,
    )
    .await
}

fn native(id: &str) -> &str {
    id.split_once(':').map_or(id, |(_, n)| n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_and_single_file_shares_are_read_and_edited() {
    let v = vendors(60).await;
    let g = Gateway::start(&config(
        &v,
        false,
        "\n[cache]\nttl = \"1h\"\nmax_stale = \"2h\"",
    ));
    g.ready().await;

    // A seeded password share the gateway only knows from the list.
    let (_, page) = get(
        &g.url("/v1/shares?account=hq&password_protected=true&status=active&limit=1"),
        None,
    )
    .await;
    let id = page["shares"][0]["id"]
        .as_str()
        .expect("a password share")
        .to_owned();
    let (status, fresh) = get(&g.url(&format!("/v1/shares/{id}?refresh=true")), None).await;
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(fresh["password_protected"], true);
    assert!(fresh["source"]["uri"]
        .as_str()
        .is_some_and(|u| u.starts_with("cloudreve://")));
    let (status, patched) = patch(&g, &id, json!({"max_downloads": 9})).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["remaining_downloads"], 9);
    assert_eq!(
        v.cloudreve.share_json(native(&id)).expect("stored")["remain_downloads"],
        9
    );

    // A single-file password share created through the gateway, edited.
    let uri = v
        .cloudreve
        .source_uris()
        .into_iter()
        .find(|u| u.ends_with("report.pdf"))
        .expect("a file");
    let (status, created) =
        create(&g, json!({"source": {"uri": uri}, "password": "Pw12345"})).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["source"]["kind"], "file");
    assert_eq!(
        created["source"]["uri"],
        "cloudreve://bnUn@my/Docs/report.pdf"
    );
    let id = created["id"].as_str().expect("id").to_owned();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (status, patched) = patch(&g, &id, json!({"expires_at": expiry})).await;
    assert_eq!(status, 200, "{patched}");
    assert!(!patched["expires_at"].is_null());
    let (status, fresh) = get(&g.url(&format!("/v1/shares/{id}?refresh=true")), None).await;
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(fresh["expires_at"], patched["expires_at"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_share_is_re_armed_after_a_crawl() {
    let v = vendors(20).await;
    let g = Gateway::start(&config(
        &v,
        false,
        "\n[cache]\nttl = \"1s\"\nmax_stale = \"1h\"",
    ));
    g.ready().await;
    let uri = v.cloudreve.source_uris()[0].clone();
    let (status, created) = create(
        &g,
        json!({"source": {"uri": uri}, "password": "abc123", "max_downloads": 1}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(v.cloudreve.record_downloads(native(&id), 1));

    // Crawled again: out of downloads, and the URI learned at create is kept.
    let seen = until(&g, &id, "expired after a crawl", |s| {
        s["status"] == "expired"
    })
    .await;
    assert_eq!(seen["source"]["uri"], created["source"]["uri"]);
    let (status, fresh) = get(&g.url(&format!("/v1/shares/{id}?refresh=true")), None).await;
    assert_eq!(status, 200, "an expired share is not a 404: {fresh}");
    assert_eq!(fresh["status"], "expired");

    let (status, rearmed) = patch(&g, &id, json!({"max_downloads": 5})).await;
    assert_eq!(status, 200, "{rearmed}");
    assert_eq!(rearmed["status"], "active");
    assert_eq!(rearmed["remaining_downloads"], 5);
    let (_, read) = get(&g.url(&format!("/v1/shares/{id}")), None).await;
    assert_eq!(read["status"], "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_paths_and_trashed_sources() {
    let v = vendors(10).await;
    let g = Gateway::start(&config(
        &v,
        false,
        "\n[cache]\nttl = \"1s\"\nmax_stale = \"1h\"",
    ));
    g.ready().await;
    let (status, problem) = create(
        &g,
        json!({"source": {"uri": "cloudreve://my/no/such/file.txt"}}),
    )
    .await;
    assert_eq!(status, 404, "{problem}");
    let (status, problem) = create(&g, json!({"source": {"uri": "cloudreve://my/"}})).await;
    assert_eq!(status, 400, "{problem}");

    let uri = v.cloudreve.source_uris()[0].clone();
    let (status, created) = create(&g, json!({"source": {"uri": uri}})).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(v.cloudreve.trash_source(native(&id)));
    let (status, fresh) = get(&g.url(&format!("/v1/shares/{id}?refresh=true")), None).await;
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(fresh["status"], "source_deleted");
    until(&g, &id, "source_deleted after a crawl", |s| {
        s["status"] == "source_deleted"
    })
    .await;
    let (_, page) = get(&g.url("/v1/shares?account=hq&status=source_deleted"), None).await;
    assert!(
        page["shares"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s["id"] == id.as_str())),
        "{page}"
    );
}
