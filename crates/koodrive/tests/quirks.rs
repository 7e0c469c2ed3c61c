//! KooDrive quirks, each against the simulator (real answers or injected vendor bodies).

mod common;

use chrono::{Duration as Days, Utc};
use common::{auth, create_req, provider, provider_with, sim, Method};
use serde_json::{json, Value};
use std::time::Duration;
use unishare_core::{
    Audience, CallContext, ErrorKind, PageCursor, Patch, Secret, ShareProvider, ShareStatus,
    SourceInput, UpdateShare,
};
use unishare_koodrive::sign::{sign, SignInput};
use unishare_koodrive::{KooDriveAuth, KooDriveConfig, KooDriveProvider};
use unishare_testkit::koodrive::vendor_faults::{
    bad_params, bad_signature, error_object, internal_error, no_permission, ok_body, throttled,
    unauthorized,
};
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};

fn ctx() -> CallContext {
    CallContext::with_request_id("quirk-test")
}

fn link(id: &str, extra: Value) -> Value {
    let mut v = json!({"shareId": id, "linkUrl": format!("https://kd/s/{id}"), "displayName": "n",
                       "shareTime": "2025-01-01T00:00:00.000Z"});
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    v
}

async fn list_with(body: Value) -> unishare_core::Result<unishare_core::Page> {
    let sim = sim(0).await;
    sim.faults().inject("list", ok_body(body), Some(1));
    provider(&sim, Method::App).list_page(None, &ctx()).await
}

#[tokio::test]
async fn empty_page_with_next_cursor_is_not_the_end() {
    let page = list_with(json!({"code": 0, "nextCursor": "c1", "shareLinks": []}))
        .await
        .unwrap();
    assert!(page.shares.is_empty());
    assert_eq!(page.next, Some(PageCursor("c1".into())));
    let page = list_with(json!({"code": 0, "shareLinks": null}))
        .await
        .unwrap();
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn crawl_through_short_and_empty_pages_sees_every_share() {
    let sim = common::sim_with(KooDriveSimConfig {
        seed_shares: 120,
        short_page_probability: 0.6,
        seed: 3,
        ..KooDriveSimConfig::default()
    })
    .await;
    let p = provider_with(&sim, auth(Method::Token), 5, 0);
    let (mut cursor, mut seen, mut empty_mid, mut short_mid) = (None, Vec::new(), 0, 0);
    loop {
        let page = p.list_page(cursor.as_ref(), &ctx()).await.unwrap();
        if page.next.is_some() {
            empty_mid += usize::from(page.shares.is_empty());
            short_mid += usize::from(!page.shares.is_empty() && page.shares.len() < 5);
        }
        seen.extend(page.shares.into_iter().map(|s| s.native_id));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, sim.share_ids());
    assert!(empty_mid > 0, "no empty page met");
    assert!(short_mid > 0, "no short page met");
}

#[tokio::test]
async fn counters_as_strings_numbers_or_absent() {
    let page = list_with(json!({"code": 0, "shareLinks": [
        link("1", json!({"viewCnt": "12", "downloadCnt": 3})),
        link("2", json!({"saveCnt": "0"})),
    ]}))
    .await
    .unwrap();
    let a = &page.shares[0].stats;
    assert_eq!((a.views, a.downloads, a.saves), (Some(12), Some(3), None));
    let b = &page.shares[1].stats;
    assert_eq!((b.views, b.downloads, b.saves), (None, None, Some(0)));
}

#[tokio::test]
async fn code_zero_as_string_or_number() {
    for code in [json!("0"), json!(0)] {
        let page = list_with(
            json!({"code": code, "msg": "Success.", "shareLinks": [link("1", json!({}))]}),
        )
        .await
        .unwrap();
        assert_eq!(page.shares.len(), 1);
    }
    // A non-zero code on a 200 is an error.
    let e = list_with(json!({"code": "13000201", "msg": "x"}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
}

#[tokio::test]
async fn statuses_map_per_the_table() {
    let future = (Utc::now() + Days::days(3)).to_rfc3339();
    let page = list_with(json!({"code": 0, "shareLinks": [
        link("1", json!({"status": 0, "expireTime": "2024-06-03T01:58:35.419Z"})),
        link("2", json!({"status": 0, "expireTime": future})),
        link("3", json!({"status": 3, "expireTime": future})),
        link("4", json!({"status": 1})),
        link("5", json!({"status": "2"})),
        link("6", json!({"status": 0, "expireTime": ""})),
        link("7", json!({"status": 8})),
        link("8", json!({"status": 0, "expireTime": "2024-06-03 01:58:35"})),
    ]}))
    .await
    .unwrap();
    let got: Vec<ShareStatus> = page.shares.iter().map(|s| s.status).collect();
    use ShareStatus::*;
    assert_eq!(
        got,
        [
            Expired,
            Active,
            Expired,
            SourceDeleted,
            Invalid,
            Active,
            Invalid,
            Expired
        ]
    );
    assert_eq!(page.shares[5].expires_at, None);
}

#[tokio::test]
async fn nineteen_digit_ids_sent_as_numbers_keep_every_digit() {
    let body = r#"{"code":0,"shareLinks":[{"shareId":1689743054514187777,"linkUrl":"u","shortUrl":1689743054514187778}]}"#;
    let page = list_with(serde_json::from_str(body).unwrap())
        .await
        .unwrap();
    assert_eq!(page.shares[0].native_id, "1689743054514187777");
    assert_eq!(
        page.shares[0].short_code.as_deref(),
        Some("1689743054514187778")
    );
}

#[tokio::test]
async fn a_bad_record_is_skipped_and_the_rest_mapped() {
    let page = list_with(json!({"code": 0, "nextCursor": "n", "shareLinks": [
        link("1", json!({})),
        link("2", json!({"viewCnt": "many"})),
        {"linkUrl": "no id"},
        link("4", json!({"shareTime": "yesterday"})),
        link("5", json!({"scope": "2"})),
    ]}))
    .await
    .unwrap();
    let ids: Vec<&str> = page.shares.iter().map(|s| s.native_id.as_str()).collect();
    assert_eq!(ids, ["1", "5"]);
    assert_eq!(page.shares[1].audience, Audience::Organization);
    let skipped: Vec<Option<&str>> = page
        .skipped
        .iter()
        .map(|s| s.native_id.as_deref())
        .collect();
    assert_eq!(skipped, [Some("2"), None, Some("4")]);
    assert_eq!(page.next, Some(PageCursor("n".into())));
}

#[tokio::test]
async fn apig_throttle_is_rate_limited_with_retry_after() {
    let sim = sim(3).await;
    sim.faults().inject("list", throttled(3), Some(1));
    let e = provider(&sim, Method::App)
        .list_page(None, &ctx())
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(3))
        }
    );
    assert_eq!(e.vendor_code(), Some("APIGW.0308"));
    assert!(e.is_retryable());
    assert_eq!(e.account(), Some("cn"));
    assert_eq!(e.operation(), Some("list"));
}

#[tokio::test]
async fn drive_kit_error_object_is_understood() {
    let sim = sim(0).await;
    sim.faults().inject("create", error_object(400), Some(1));
    let e = provider(&sim, Method::App)
        .create(&create_req(&sim), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(e.vendor_code(), Some("21004002"));
    assert!(e.message().contains("scope is not allowed"), "{e}");
    assert_eq!(sim.counters().get("create"), 1, "a create is never retried");
}

#[tokio::test]
async fn internal_error_is_retryable_and_retried() {
    let sim = sim(3).await;
    sim.faults().inject("list", internal_error(), Some(1));
    let p = provider_with(&sim, auth(Method::App), 100, 2);
    let page = p.list_page(None, &ctx()).await.unwrap();
    assert_eq!(page.shares.len(), 3);
    assert_eq!(sim.counters().get("list"), 2);

    sim.faults().inject("get", internal_error(), None);
    let e = provider(&sim, Method::App)
        .get("1", &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
    assert!(e.is_retryable());
    assert_eq!(e.vendor_code(), Some("13000201"));
}

#[tokio::test]
async fn business_codes_map_to_kinds() {
    let sim = sim(3).await;
    let p = provider(&sim, Method::App);
    // Real 400 13000309 from the simulator.
    let e = p.get("1000000000000000001", &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.vendor_code(), Some("13000309"));
    assert_eq!(e.operation(), Some("get"));
    // 13000102.
    sim.faults().inject("update", bad_params(), Some(1));
    let id = sim.share_ids()[0].clone();
    let req = UpdateShare {
        comment: Patch::Set("x".into()),
        ..Default::default()
    };
    let e = p.update(&id, &req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(e.vendor_code(), Some("13000102"));
    // 13000410.
    sim.faults().inject("get", no_permission(), Some(1));
    let e = p.get(&id, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    // Real 13000302 (file not in that space) → invalid request; unknown file → not found.
    let files = sim.files();
    let other = files
        .iter()
        .find(|(_, c)| *c != files[0].1)
        .unwrap()
        .1
        .clone();
    let mut req = create_req(&sim);
    req.source = SourceInput::Files {
        file_ids: vec![files[0].0.clone()],
        container_id: other,
    };
    let e = p.create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(e.vendor_code(), Some("13000302"));
    req.source = SourceInput::Files {
        file_ids: vec!["nope".into()],
        container_id: files[0].1.clone(),
    };
    assert_eq!(
        p.create(&req, &ctx()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn token_auth_failure_refreshes_once_then_retries() {
    let sim = sim(2).await;
    let p = provider(&sim, Method::Token);
    sim.faults().inject("list", unauthorized(), Some(1));
    let page = p.list_page(None, &ctx()).await.unwrap();
    assert_eq!(page.shares.len(), 2);
    assert_eq!(sim.counters().get("session_refresh"), 1);
    assert_eq!(sim.counters().get("list"), 2);
    // The refreshed token (the old one is gone at the simulator) keeps working.
    p.list_page(None, &ctx()).await.unwrap();
    assert_eq!(sim.counters().get("session_refresh"), 1);
}

#[tokio::test]
async fn token_auth_failure_twice_is_upstream_auth() {
    let sim = sim(2).await;
    let p = provider(&sim, Method::Token);
    sim.faults().inject("list", unauthorized(), Some(2));
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert!(!e.is_retryable());
    assert_eq!(
        sim.counters().get("session_refresh"),
        1,
        "refreshed exactly once"
    );
    assert_eq!(sim.counters().get("list"), 2);
}

#[tokio::test]
async fn expired_session_is_upstream_auth() {
    let sim = sim(2).await;
    let p = provider(&sim, Method::Token);
    p.list_page(None, &ctx()).await.unwrap();
    sim.set_token_ttl(Duration::from_millis(30));
    tokio::time::sleep(Duration::from_millis(80)).await;
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert!(e.message().contains("refresh"), "{e}");
}

#[tokio::test]
async fn concurrent_auth_failures_share_one_refresh() {
    let sim = sim(2).await;
    let p = std::sync::Arc::new(provider(&sim, Method::Token));
    sim.faults().inject("get", unauthorized(), Some(4));
    let id = sim.share_ids()[0].clone();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (p, id) = (p.clone(), id.clone());
            tokio::spawn(async move { p.get(&id, &ctx()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(sim.counters().get("session_refresh"), 1);
}

#[tokio::test]
async fn app_auth_failure_resigns_once_then_upstream_auth() {
    let sim = sim(2).await;
    let p = provider(&sim, Method::App);
    sim.faults().inject("list", bad_signature(), Some(1));
    assert_eq!(p.list_page(None, &ctx()).await.unwrap().shares.len(), 2);
    sim.faults().inject("list", bad_signature(), Some(2));
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(e.vendor_code(), Some("APIGW.0303"));
    assert_eq!(sim.counters().get("list"), 4);
    assert_eq!(sim.counters().get("session_refresh"), 0);
}

#[tokio::test]
async fn simulator_rejects_a_bad_signature() {
    let sim = sim(1).await;
    let wrong = KooDriveAuth::App {
        app_id: "demo-app".into(),
        app_secret: Secret::new("not-the-secret"),
        user_id: KooDriveSimConfig::default().user_id,
    };
    let e = provider_with(&sim, wrong, 100, 0)
        .list_page(None, &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(e.vendor_code(), Some("APIGW.0303"));
    assert!(e.message().contains("verify aksk signature fail"), "{e}");
}

/// Sends a signed `GET /share` with a chosen `X-Date` straight to the simulator.
async fn signed_get(sim: &KooDriveSim, x_date: String, tamper: bool) -> (u16, Value) {
    let d = KooDriveSimConfig::default();
    let url = url::Url::parse(&format!(
        "{}/koodrive/ose/v1/share?pageSize=2&pageCursor=0",
        sim.base_url()
    ))
    .unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let query = vec![
        ("pageSize".to_string(), "2".to_string()),
        ("pageCursor".to_string(), "0".to_string()),
    ];
    let signed = sign(
        &d.app_id,
        &d.app_secret,
        &SignInput {
            method: "GET",
            path: url.path(),
            query: &query,
            host: &host,
            x_date: &x_date,
            user_id: &d.user_id,
            body: b"",
        },
    );
    let mut authz = signed.authorization;
    if tamper {
        authz = authz.replace("Signature=", "Signature=00");
    }
    let resp = reqwest::Client::new()
        .get(url)
        .header("Authorization", authz)
        .header("X-Date", x_date)
        .header("X-User-Id", d.user_id)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn simulator_verifies_signatures_and_rejects_clock_skew() {
    let sim = sim(2).await;
    let fmt = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    // Our signer and the simulator's independent verifier agree.
    let (status, body) = signed_get(&sim, fmt(Utc::now()), false).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = signed_get(&sim, fmt(Utc::now()), true).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_code"], "APIGW.0303");
    // Older than 15 minutes.
    let (status, body) = signed_get(&sim, fmt(Utc::now() - Days::minutes(16)), false).await;
    assert_eq!(status, 401);
    assert!(
        body["error_msg"]
            .as_str()
            .unwrap()
            .contains("signature expired"),
        "{body}"
    );
    // In the future.
    let (status, body) = signed_get(&sim, fmt(Utc::now() + Days::minutes(2)), false).await;
    assert_eq!(status, 401);
    assert!(body["error_msg"]
        .as_str()
        .unwrap()
        .contains("signature expired"));
    // Any later than the server's clock is refused: no slack (KD-C "cannot be later than
    // the current time", vendors/koodrive.md §11).
    let (status, _) = signed_get(&sim, fmt(Utc::now() + Days::seconds(30)), false).await;
    assert_eq!(status, 401);
    // Slightly old is fine.
    assert_eq!(
        signed_get(&sim, fmt(Utc::now() - Days::minutes(14)), false)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn trace_id_is_accepted_by_the_strict_simulator() {
    // The simulator answers 400 13000102 to an X-Traceid that is not 58 characters.
    let sim = sim(1).await;
    let p = provider(&sim, Method::App);
    for rid in [
        None,
        Some("x"),
        Some("a-very-long-request-id-0190f2c4-7d0e-7cc1-b3a0-3c2f0d8f5e11-and-more"),
    ] {
        let ctx = CallContext {
            request_id: rid.map(str::to_owned),
            ..CallContext::default()
        };
        p.list_page(None, &ctx).await.unwrap();
    }
    let resp = reqwest::Client::new()
        .get(format!("{}/koodrive/ose/v1/share", sim.base_url()))
        .header("X-Traceid", "short")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn revoke_chunks_by_100_and_reports_in_input_order() {
    let sim = sim(150).await;
    let p = provider(&sim, Method::App);
    let mut ids = sim.share_ids();
    ids.insert(3, "1000000000000000001".into());
    ids.push("1000000000000000003".into());
    let out = p.revoke(&ids, &ctx()).await.unwrap();
    assert_eq!(sim.counters().get("cancel"), 2);
    assert_eq!(out.len(), ids.len());
    for (o, id) in out.iter().zip(&ids) {
        assert_eq!(&o.native_id, id);
        if id.starts_with("1000000000000000") {
            assert_eq!(o.result.as_ref().unwrap_err().kind(), ErrorKind::NotFound);
        } else {
            assert!(o.result.is_ok(), "{id}: {:?}", o.result);
        }
    }
    assert_eq!(sim.share_count(), 0);
    assert!(p.revoke(&[], &ctx()).await.unwrap().is_empty());
}

#[tokio::test]
async fn revoke_with_dead_credentials_is_an_error() {
    let sim = sim(1).await;
    sim.faults().inject("cancel", unauthorized(), None);
    let e = provider(&sim, Method::App)
        .revoke(&sim.share_ids(), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
}

#[tokio::test]
async fn create_options_and_update_round_trip() {
    let sim = sim(0).await;
    let p = provider(&sim, Method::Token);
    let mut req = create_req(&sim);
    req.password = Some(Secret::new("Ab3dEf9h"));
    req.comment = Some("季度报告 ✅".into());
    req.audience = Some(Audience::Organization);
    let s = p.create(&req, &ctx()).await.unwrap();
    assert_eq!(s.native_id.len(), 19);
    assert_eq!(s.audience, Audience::Organization);
    assert_eq!(s.password.as_ref().map(|p| p.expose()), Some("Ab3dEf9h"));
    assert_eq!(s.comment.as_deref(), Some("季度报告 ✅"));
    assert_eq!(s.source.kind, unishare_core::SourceKind::File);
    let days = (s.expires_at.unwrap() - Utc::now()).num_hours();
    assert!((7 * 24 - 1..=7 * 24).contains(&days), "{days}");

    let upd = UpdateShare {
        password: Patch::Clear,
        comment: Patch::Clear,
        ..Default::default()
    };
    let s2 = p.update(&s.native_id, &upd, &ctx()).await.unwrap();
    assert_eq!(s2.password_protected, Some(false));
    assert_eq!(s2.comment, None);
    assert_eq!(s2.expires_at, s.expires_at, "no validDays = unchanged");
    let upd = UpdateShare {
        password: Patch::Set(Secret::new("Zz9Yy8Xx")),
        expires_at: Patch::Set(Utc::now() + Days::days(30)),
        ..Default::default()
    };
    let s3 = p.update(&s.native_id, &upd, &ctx()).await.unwrap();
    assert_eq!(s3.password.as_ref().map(|p| p.expose()), Some("Zz9Yy8Xx"));
    assert!(s3.expires_at.unwrap() > Utc::now() + Days::days(29));
}

#[tokio::test]
async fn restricted_audience_and_vendor_keys() {
    let sim = sim(0).await;
    let p = provider(&sim, Method::App);
    let mut req = create_req(&sim);
    req.audience = Some(Audience::Restricted);
    let e = p.create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.message().contains("userIds"));
    req.vendor
        .insert("userIds".into(), json!(["1505084218764547200"]));
    let s = p.create(&req, &ctx()).await.unwrap();
    assert_eq!(s.audience, Audience::Restricted);
    req.vendor.insert("share_view".into(), json!(true));
    let e = p.create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.message().contains("share_view"));
    // Central checks: bad access code, no expiry, a download limit.
    let mut bad = create_req(&sim);
    bad.password = Some(Secret::new("short"));
    assert_eq!(
        p.create(&bad, &ctx()).await.unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    bad.password = None;
    bad.max_downloads = Some(2);
    assert_eq!(
        p.create(&bad, &ctx()).await.unwrap_err().capability(),
        Some("create_with_max_downloads")
    );
    assert_eq!(
        sim.counters().get("create"),
        1,
        "rejected requests never reach the vendor"
    );
}

#[tokio::test]
async fn debug_output_has_no_secret() {
    let sim = sim(0).await;
    let cfg = |auth| {
        KooDriveConfig::new(
            unishare_core::AccountName::new("cn").unwrap(),
            sim.base_url(),
            auth,
        )
    };
    for (auth, secrets) in [
        (
            KooDriveAuth::App {
                app_id: "id".into(),
                app_secret: Secret::new("TOPSECRET-app"),
                user_id: "u".into(),
            },
            vec!["TOPSECRET-app"],
        ),
        (
            KooDriveAuth::Token {
                token: Secret::new("Bearer+TOPSECRET-tok"),
                session_id: Secret::new("TOPSECRET-sid"),
            },
            vec!["TOPSECRET-tok", "TOPSECRET-sid"],
        ),
    ] {
        let c = cfg(auth);
        let p = KooDriveProvider::new(c.clone()).unwrap();
        for s in [format!("{c:?}"), format!("{p:?}"), format!("{:?}", c.auth)] {
            for secret in &secrets {
                assert!(!s.contains(secret), "{s}");
            }
            assert!(s.contains("cn") || s.contains("redacted"), "{s}");
        }
    }
}

#[tokio::test]
async fn bad_configuration_is_rejected() {
    let acct = unishare_core::AccountName::new("cn").unwrap();
    let good = KooDriveConfig::new(
        acct,
        "https://cn.myhuaweicloud-koodrive.com/",
        auth(Method::App),
    );
    assert!(KooDriveProvider::new(good.clone()).is_ok());
    for bad in [
        KooDriveConfig {
            page_size: 0,
            ..good.clone()
        },
        KooDriveConfig {
            page_size: 101,
            ..good.clone()
        },
        KooDriveConfig {
            base_url: "not a url".into(),
            ..good.clone()
        },
        KooDriveConfig {
            base_url: "ftp://x".into(),
            ..good.clone()
        },
        KooDriveConfig {
            auth: KooDriveAuth::Token {
                token: Secret::new(""),
                session_id: Secret::new("s"),
            },
            ..good.clone()
        },
    ] {
        assert_eq!(
            KooDriveProvider::new(bad).unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
    }
}

#[tokio::test]
async fn revoke_trusts_per_id_results_and_flags_ids_left_out() {
    let sim = sim(0).await;
    let p = provider(&sim, Method::App);
    let ids = vec![
        "1689759841444195840".to_owned(),
        "1689759841444195841".to_owned(),
    ];
    // The documented answer shape, listing only the first id.
    sim.faults().inject(
        "cancel",
        ok_body(json!({
            "subResponseList": [{"shareId": "1689759841444195840", "code": 0, "msg": "success"}],
            "code": 0, "msg": "Success."
        })),
        Some(1),
    );
    let out = p.revoke(&ids, &ctx()).await.unwrap();
    assert!(out[0].result.is_ok(), "{:?}", out[0].result);
    let e = out[1].result.as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    assert!(e.message().contains("not confirmed"), "{e}");
    // No per-id list at all: the call's `code: 0` answers for every id.
    sim.faults().inject(
        "cancel",
        ok_body(json!({"code": "0", "msg": "Success."})),
        Some(1),
    );
    let out = p.revoke(&ids, &ctx()).await.unwrap();
    assert!(out.iter().all(|o| o.result.is_ok()), "{out:?}");
}

#[tokio::test]
async fn an_idle_token_session_is_kept_alive_and_app_signing_needs_nothing() {
    let sim = sim(1).await;
    let p = provider(&sim, Method::Token);
    assert!(p.keep_alive_interval().is_some());
    // Used just now (built, nothing idle): no call.
    p.keep_alive(&ctx()).await.expect("nothing due");
    assert_eq!(sim.counters().get("session_refresh"), 0);
    // Idle long enough: one refresh, and the refreshed token works.
    p.keep_alive_if_idle_for(Duration::ZERO, &ctx())
        .await
        .expect("refresh");
    assert_eq!(sim.counters().get("session_refresh"), 1);
    p.list_page(None, &ctx())
        .await
        .expect("list with the new token");
    assert_eq!(sim.counters().get("session_refresh"), 1);

    let app = provider(&sim, Method::App);
    assert!(app.keep_alive_interval().is_none());
    app.keep_alive_if_idle_for(Duration::ZERO, &ctx())
        .await
        .expect("no session");
    assert_eq!(sim.counters().get("session_refresh"), 1);
}

#[tokio::test]
async fn update_reports_the_counters_of_its_answer_which_the_detail_lacks() {
    let sim = sim(20).await;
    let p = provider(&sim, Method::App);
    let listed = p.list_page(None, &ctx()).await.expect("list").shares;
    let s = listed
        .iter()
        .find(|s| s.stats.views.is_some() && s.status == ShareStatus::Active)
        .expect("a listed share with counters");
    // The detail (`ShareByMeLinkDetail`) has no counters: a plain read cannot know them.
    let detail = p.get(&s.native_id, &ctx()).await.expect("get");
    assert_eq!(detail.stats, Default::default());
    // The update answer's `shareLink` has them (typed String).
    let req = UpdateShare {
        comment: Patch::Set("renamed".into()),
        ..UpdateShare::default()
    };
    let updated = p.update(&s.native_id, &req, &ctx()).await.expect("update");
    assert_eq!(updated.comment.as_deref(), Some("renamed"));
    assert_eq!(updated.stats, s.stats);
}
