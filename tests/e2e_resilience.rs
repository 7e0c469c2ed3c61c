//! End to end, over HTTP, against the real binary: a failing vendor, and cold-start coalescing.

mod common;
use common::*;
use std::time::Duration;
use unishare_testkit::faults::Fault;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_vendor_down_gives_200_partial_with_the_others_shares() {
    let v = vendors(50).await;
    v.koodrive
        .faults()
        .inject("*", Fault::text(503, "upstream down"), None);
    let g = Gateway::start(&config(&v, false, ""));
    g.ready().await;
    let (status, body) = get(&g.url("/v1/shares?limit=1000"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["partial"], true);
    let shares = body["shares"].as_array().unwrap();
    assert_eq!(
        shares.len(),
        v.cloudreve.share_count() + v.nextcloud.link_ids().len()
    );
    assert!(shares.iter().all(|s| s["account"] != "cn"));
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["account"], "cn");
    assert_eq!(errors[0]["provider"], "koodrive");
    assert_eq!(errors[0]["kind"], "upstream_unavailable");
    let cn = body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == "cn")
        .unwrap()
        .clone();
    assert_eq!(cn["state"], "failed");

    // The vendor comes back: after the failure backoff the account recovers.
    v.koodrive.faults().clear();
    let mut recovered = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_, body) = get(&g.url("/v1/shares?limit=1"), None).await;
        if body["partial"] == false
            && body["total"]
                == (v.cloudreve.share_count()
                    + v.koodrive.share_count()
                    + v.nextcloud.link_ids().len())
        {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "the account never recovered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_requests_share_one_crawl_per_account() {
    // 320 shares, 100 per page, no short pages: one crawl is exactly 4 list calls.
    let v = vendors_with(320, 0.0).await;
    v.cloudreve
        .faults()
        .inject("list", Fault::Latency(Duration::from_millis(150)), Some(4));
    v.koodrive
        .faults()
        .inject("list", Fault::Latency(Duration::from_millis(150)), Some(4));
    v.cloudreve.counters().reset();
    v.koodrive.counters().reset();
    let g = Gateway::start(&config(&v, false, ""));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let url = g.url("/v1/shares?limit=10");
    let requests = (0..200).map(|_| {
        let client = client.clone();
        let url = url.clone();
        async move { client.get(&url).send().await.map(|r| r.status().as_u16()) }
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(
        statuses.iter().all(|s| matches!(s, Ok(200))),
        "{statuses:?}"
    );
    g.ready().await;
    assert_eq!(v.cloudreve.counters().get("list"), 4);
    assert_eq!(v.koodrive.counters().get("list"), 4);
}
