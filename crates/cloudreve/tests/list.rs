//! Listing: the documented examples mapped verbatim, empty and last pages, skipped records,
//! and token expiry in the middle of a crawl.

mod common;

use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;
use unishare_core::{Audience, CallContext, PageCursor, ShareProvider, ShareStatus, SourceKind};
use unishare_testkit::cloudreve::{fault, CloudreveSim, CloudreveSimConfig};
use unishare_testkit::faults::Fault;

fn ctx() -> CallContext {
    CallContext::default()
}

fn utc(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().expect("timestamp")
}

#[tokio::test]
async fn apifox_list_example_maps_verbatim() {
    let (sim, p) = common::setup(0, 50, 0).await;
    let body: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/apifox_list_example.json")).expect("fixture");
    sim.faults().inject("list", Fault::json(200, body), Some(1));
    let page = p.list_page(None, &ctx()).await.expect("list");
    assert!(page.skipped.is_empty(), "{:?}", page.skipped);
    assert!(page.next.is_none(), "no next_token: last page");
    assert_eq!(page.shares.len(), 2);

    let a = &page.shares[0];
    assert_eq!(a.id.as_str(), "hq:g2guA");
    assert_eq!(a.account, "hq");
    assert_eq!(a.provider, unishare_cloudreve::provider());
    assert_eq!(a.native_id, "g2guA");
    assert_eq!(a.short_code.as_deref(), Some("g2guA"));
    assert_eq!(a.name, "Inspirations");
    assert_eq!(a.url, "http://localhost:5173/s/g2guA");
    assert_eq!(
        a.secret_url.as_ref().map(|s| s.expose()),
        Some("http://localhost:5173/s/g2guA/gcqzfaze")
    );
    assert_eq!(a.status, ShareStatus::Active);
    assert_eq!(a.audience, Audience::Anyone);
    assert_eq!(a.password_protected, Some(true));
    assert_eq!(a.password.as_ref().map(|s| s.expose()), Some("gcqzfaze"));
    assert_eq!(a.created_at, Some(utc("2025-06-10T08:16:39Z")));
    assert_eq!(a.expires_at, Some(utc("2025-06-17T08:16:39Z")));
    assert_eq!(a.permissions, unishare_core::Permissions::default());
    assert_eq!(a.stats.views, Some(0));
    assert_eq!(a.stats.downloads, Some(0), "absent downloaded means 0");
    assert_eq!(a.stats.saves, None);
    assert_eq!(a.remaining_downloads, None);
    assert_eq!(a.source.kind, SourceKind::Folder);
    assert_eq!(a.source.uri, None);
    assert!(a.source.files.is_empty());
    let owner = a.owner.as_ref().expect("owner");
    assert_eq!(owner.id, "bnUn");
    assert_eq!(owner.name.as_deref(), Some("Luke Skywalker"));
    assert_eq!(owner.email.as_deref(), Some("luke@skywalker.com"));
    assert_eq!(a.comment, None);
    assert_eq!(
        serde_json::Value::Object(a.vendor.to_map()),
        json!({
            "price": 20,
            "unlocked": true,
            "share_view": true,
            "permission_setting": {
                "same_group": null, "everyone": "AQ==", "other": null, "anonymous": "BQ==",
                "group_explicit": {}, "user_explicit": {}
            }
        })
    );

    let b = &page.shares[1];
    assert_eq!(b.id.as_str(), "hq:8X9FD");
    assert_eq!(b.native_id, "8X9FD");
    assert_eq!(b.short_code.as_deref(), Some("8X9FD"));
    assert_eq!(b.name, "新文件2.txt");
    assert_eq!(b.url, "http://localhost:5173/s/8X9FD");
    assert!(b.secret_url.is_none());
    assert_eq!(b.status, ShareStatus::Active);
    assert_eq!(b.audience, Audience::Anyone);
    assert_eq!(b.password_protected, Some(false));
    assert!(b.password.is_none());
    assert_eq!(b.created_at, Some(utc("2025-06-05T02:27:18Z")));
    assert_eq!(b.expires_at, None);
    assert_eq!(b.stats.views, Some(17));
    assert_eq!(b.stats.downloads, Some(2));
    assert_eq!(b.stats.saves, None);
    assert_eq!(b.remaining_downloads, None);
    assert_eq!(b.source.kind, SourceKind::File);
    assert_eq!(b.source.uri, None);
    let owner = b.owner.as_ref().expect("owner");
    assert_eq!(
        (
            owner.id.as_str(),
            owner.name.as_deref(),
            owner.email.as_deref()
        ),
        ("bnUn", Some("Luke Skywalker"), Some("luke@skywalker.com"))
    );
    assert_eq!(b.comment, None);
    assert_eq!(
        serde_json::Value::Object(b.vendor.to_map()),
        json!({
            "unlocked": true,
            "permission_setting": {
                "same_group": null, "everyone": "AQ==", "other": null, "anonymous": "AQ==",
                "group_explicit": {}, "user_explicit": {}
            }
        })
    );
    // The serialized (redacted) form never carries the password.
    let redacted = serde_json::to_string(&page.shares).expect("json");
    assert!(!redacted.contains("gcqzfaze"), "{redacted}");
}

#[tokio::test]
async fn reconstructed_doc_example_maps() {
    let (sim, p) = common::setup(0, 50, 0).await;
    let body: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/reconstructed_list_example.json"))
            .expect("fixture");
    sim.faults().inject("list", Fault::json(200, body), Some(1));
    let page = p.list_page(None, &ctx()).await.expect("list");
    assert_eq!(page.next, Some(PageCursor("eyJpZCI6ImcyZ3VBIn0=".into())));
    let [s] = page.shares.as_slice() else {
        panic!("{:?}", page.shares)
    };
    assert_eq!(s.native_id, "g2guA");
    assert_eq!(s.url, "https://drive.example.com/s/g2guA");
    assert_eq!(
        s.secret_url.as_ref().map(|u| u.expose()),
        Some("https://drive.example.com/s/g2guA/gcqzfaze")
    );
    assert_eq!(s.remaining_downloads, Some(3));
    assert_eq!((s.stats.views, s.stats.downloads), (Some(12), Some(2)));
    assert_eq!(s.expires_at, Some(utc("2026-08-01T08:16:39.520Z")));
    assert_eq!(s.created_at, Some(utc("2026-07-10T08:16:39Z")));
    assert_eq!(s.password_protected, Some(true));
    assert_eq!(s.source.kind, SourceKind::Folder);
    assert_eq!(
        serde_json::Value::Object(s.vendor.to_map()),
        json!({"unlocked": true, "share_view": true, "show_readme": true, "size": 0})
    );
}

#[tokio::test]
async fn null_shares_is_an_empty_last_page() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let page = p.list_page(None, &ctx()).await.expect("list");
    assert!(page.shares.is_empty() && page.next.is_none() && page.skipped.is_empty());
    // The simulator really sends `null`, as the server does.
    sim.faults().inject(
        "list",
        fault::list_data(
            json!({"shares": null, "pagination": {"page": 0, "page_size": 10, "is_cursor": true}}),
        ),
        Some(1),
    );
    let page = p.list_page(None, &ctx()).await.expect("list");
    assert!(page.shares.is_empty() && page.next.is_none());
}

#[tokio::test]
async fn empty_next_token_or_missing_pagination_ends_the_list() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let rec = json!({"id": "abcd", "visited": 1, "unlocked": true, "expired": false,
                     "url": "http://x/s/abcd", "owner": {"id": "bnUn", "nickname": ""}});
    sim.faults().inject(
        "list",
        fault::list_data(
            json!({"shares": [rec.clone()], "pagination": {"page": 0, "next_token": ""}}),
        ),
        Some(1),
    );
    let page = p.list_page(None, &ctx()).await.expect("list");
    assert_eq!(page.shares.len(), 1);
    assert!(page.next.is_none());
    sim.faults()
        .inject("list", fault::list_data(json!({"shares": [rec]})), Some(1));
    let page = p.list_page(None, &ctx()).await.expect("list");
    assert!(page.next.is_none());
    // Owner with an empty nickname: name None, not "".
    assert_eq!(
        page.shares[0].owner.as_ref().and_then(|o| o.name.clone()),
        None
    );
}

#[tokio::test]
async fn a_bad_record_is_skipped_and_the_rest_maps() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let good = json!({"id": "good1", "name": "ok", "visited": 3, "unlocked": true,
                      "source_type": 0, "owner": {"id": "bnUn", "nickname": "L"},
                      "created_at": "2025-06-05T10:27:18+08:00", "expired": true,
                      "url": "http://x/s/good1", "size": 10, "new_vendor_field": {"x": 1}});
    let bad_time = json!({"id": "bad1", "visited": 0, "unlocked": true, "created_at": "garbage",
                          "url": "http://x/s/bad1", "expired": false});
    let no_id = json!({"visited": 0, "unlocked": true, "url": "http://x/s/", "expired": false});
    let no_url = json!({"id": "nourl", "visited": 0, "expired": false});
    sim.faults().inject(
        "list",
        fault::list_data(json!({"shares": [bad_time, good, no_id, no_url],
                                "pagination": {"next_token": "eyJpZCI6Imdvb2QxIn0="}})),
        Some(1),
    );
    let page = p
        .list_page(None, &ctx())
        .await
        .expect("a bad record never fails the page");
    assert_eq!(page.shares.len(), 1);
    let s = &page.shares[0];
    assert_eq!(s.native_id, "good1");
    // `expired: true` with no expiry and no download limit: a dead source or owner (§3.7).
    assert_eq!(s.status, ShareStatus::SourceDeleted);
    assert_eq!(s.stats.downloads, Some(0));
    assert_eq!(s.vendor.get("size"), Some(json!(10)));
    assert_eq!(page.skipped.len(), 3, "{:?}", page.skipped);
    assert_eq!(page.skipped[0].native_id.as_deref(), Some("bad1"));
    assert!(
        page.skipped[0].reason.contains("garbage"),
        "{}",
        page.skipped[0].reason
    );
    assert_eq!(page.skipped[1].native_id, None);
    assert_eq!(page.skipped[2].native_id.as_deref(), Some("nourl"));
    assert!(page.next.is_some());
}

#[tokio::test]
async fn simulator_records_match_the_documented_shape() {
    let cfg = CloudreveSimConfig {
        seed_shares: 300,
        pro_fields: true,
        ..Default::default()
    };
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let p = common::provider_with(&sim, common::password_auth(&cfg), 100, 0);
    let shares = unishare_testkit::behavior::crawl(&p).await.expect("crawl");
    assert_eq!(shares.len(), 300);
    let ids: Vec<&str> = shares.iter().map(|s| s.native_id.as_str()).collect();
    let mut want = sim.share_ids();
    want.reverse(); // newest (highest id) first
    assert_eq!(ids, want.iter().map(String::as_str).collect::<Vec<_>>());
    let count = |f: &dyn Fn(&unishare_core::Share) -> bool| shares.iter().filter(|s| f(s)).count();
    assert!(count(&|s| s.status == ShareStatus::Expired) > 0);
    assert!(count(&|s| s.remaining_downloads == Some(0) && s.status == ShareStatus::Expired) > 0);
    assert!(count(&|s| s.password_protected == Some(true) && s.secret_url.is_some()) > 0);
    assert!(count(&|s| s.source.kind == SourceKind::Folder) > 0);
    assert!(count(&|s| s.source.kind == SourceKind::File) > 0);
    assert!(count(&|s| s.name == "新文件2.txt") > 0);
    assert!(count(&|s| s.vendor.contains_key("price")) > 0);
    assert!(count(&|s| s.vendor.contains_key("permission_setting")) > 0);
    assert!(count(&|s| s.stats.downloads == Some(0)) > 0);
    for s in &shares {
        assert!(!s.url.ends_with('/'));
        if let (Some(pw), Some(full)) = (&s.password, &s.secret_url) {
            assert_eq!(full.expose(), format!("{}/{}", s.url, pw.expose()));
        }
        assert!(s.created_at.is_some());
    }
    // Every seeded record's raw form follows the omitempty rules.
    for id in sim.share_ids().iter().take(50) {
        let raw = sim.share_json(id).expect("raw");
        assert!(raw["size"].is_number());
        assert!(raw.get("downloaded").is_none_or(|d| d.as_u64() > Some(0)));
        assert!(raw.get("password_protected").is_none_or(|v| v == true));
        assert!(raw["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00")));
    }
}

#[tokio::test]
async fn page_tokens_are_the_vendor_cursor_and_a_bad_one_is_50001() {
    let (_sim, p) = common::setup(25, 10, 0).await;
    let first = p.list_page(None, &ctx()).await.expect("list");
    let token = first.next.clone().expect("next");
    assert!(
        token.0.starts_with("eyJpZCI6"),
        "base64 of {{\"id\":...}}: {}",
        token.0
    );
    let second = p.list_page(Some(&token), &ctx()).await.expect("page 2");
    assert_eq!(second.shares.len(), 10);
    let bad = p
        .list_page(Some(&PageCursor("not-a-token".into())), &ctx())
        .await
        .expect_err("bad token");
    assert_eq!(bad.kind(), unishare_core::ErrorKind::UpstreamUnavailable);
    assert_eq!(bad.vendor_code(), Some("50001"));
}

#[tokio::test]
async fn token_expiry_mid_crawl_refreshes_without_failing() {
    let cfg = CloudreveSimConfig {
        seed_shares: 1000,
        access_ttl: Duration::from_secs(1),
        ..Default::default()
    };
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    // No retries: any failed call would fail the crawl.
    let p = common::provider_with(&sim, common::password_auth(&cfg), 10, 0);
    sim.faults()
        .inject("list", Fault::Latency(Duration::from_millis(40)), None);
    let mut seen = HashSet::new();
    let mut cursor = None;
    loop {
        let page = p
            .list_page(cursor.as_ref(), &ctx())
            .await
            .expect("no call fails");
        for s in page.shares {
            assert!(seen.insert(s.native_id));
        }
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen.len(), 1000);
    assert_eq!(sim.counters().get("list"), 100);
    assert!(
        sim.counters().get("refresh") >= 2,
        "refreshes: {}",
        sim.counters().get("refresh")
    );
    assert_eq!(sim.counters().get("login"), 1);
}
