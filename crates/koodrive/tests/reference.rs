//! Where Huawei's current KooDrive reference differs from the seed page
//! (`shared/vendors/koodrive.md` §11), one test per point, against the simulator answering in
//! the vendor's documented shapes. The answer bodies themselves are in `golden.rs`.

mod common;

use chrono::{Duration as Days, Utc};
use common::{auth, create_req, policy, sim_with, Method};
use serde_json::Value;
use unishare_core::{
    AccountName, Audience, CallContext, ErrorKind, Patch, PermissionsInput, Secret, ShareProvider,
    UpdateShare,
};
use unishare_koodrive::{KooDriveAuth, KooDriveConfig, KooDriveProvider};
use unishare_testkit::koodrive::{DocShape, KooDriveSim, KooDriveSimConfig};

fn ctx() -> CallContext {
    CallContext::with_request_id("reference-test")
}

fn config(sim: &KooDriveSim, auth: KooDriveAuth, agent: Option<&str>) -> KooDriveConfig {
    KooDriveConfig {
        policy: policy(0),
        agent_name: agent.map(str::to_owned),
        ..KooDriveConfig::new(AccountName::new("cn").unwrap(), sim.base_url(), auth)
    }
}

fn provider(sim: &KooDriveSim, method: Method, agent: Option<&str>) -> KooDriveProvider {
    KooDriveProvider::new(config(sim, auth(method), agent)).expect("valid config")
}

async fn current(seed_shares: usize) -> KooDriveSim {
    sim_with(KooDriveSimConfig {
        seed_shares,
        shape: DocShape::CurrentReference,
        short_page_probability: 0.0,
        ..KooDriveSimConfig::default()
    })
    .await
}

/// The simulator's own answer, read without the provider.
async fn raw(sim: &KooDriveSim, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut rb = reqwest::Client::new()
        .request(method, format!("{}/koodrive/ose/v1{path}", sim.base_url()))
        .header("Authorization", KooDriveSimConfig::default().token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn list_records_without_extract_code_or_permission_are_unknown_not_false() {
    let sim = current(40).await;
    let answer = raw(&sim, reqwest::Method::GET, "/share?pageSize=100", None).await;
    let records = answer["shareLinks"].as_array().unwrap();
    assert_eq!(records.len(), 40);
    assert!(records
        .iter()
        .all(|r| r.get("extractCode").is_none() && r.get("permission").is_none()));
    let page = provider(&sim, Method::App, None)
        .list_page(None, &ctx())
        .await
        .unwrap();
    assert_eq!(page.shares.len(), 40);
    for s in &page.shares {
        assert_eq!(s.password_protected, None, "{}", s.id);
        assert!(s.password.is_none());
        assert_eq!(s.permissions, Default::default());
    }
    // The detail still carries `extractCode`: it is what `get` reports.
    let mut with_code = None;
    for s in &page.shares {
        let path = format!("/share/{}", s.native_id);
        let d = raw(&sim, reqwest::Method::GET, &path, None).await;
        if d["shareLink"]["extractCode"] != "" {
            with_code = Some(s.native_id.clone());
            break;
        }
    }
    let id = with_code.expect("a seeded share with an access code");
    let got = provider(&sim, Method::App, None)
        .get(&id, &ctx())
        .await
        .unwrap();
    assert_eq!(got.password_protected, Some(true));
}

#[tokio::test]
async fn cancel_sub_responses_without_share_id_are_matched_by_position() {
    let sim = current(3).await;
    let ids = sim.share_ids();
    let answer = raw(
        &sim,
        reqwest::Method::POST,
        "/share/cancel",
        Some(serde_json::json!({"shareIds": ["1000000000000000001"]})),
    )
    .await;
    assert!(
        answer["subResponseList"][0].get("shareId").is_none(),
        "{answer}"
    );
    let asked = vec![ids[0].clone(), "1000000000000000003".into(), ids[1].clone()];
    let out = provider(&sim, Method::App, None)
        .revoke(&asked, &ctx())
        .await
        .unwrap();
    assert!(out[0].result.is_ok(), "{:?}", out[0].result);
    assert_eq!(
        out[1].result.as_ref().unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(out[2].result.is_ok(), "{:?}", out[2].result);
    assert_eq!(sim.share_ids(), vec![ids[2].clone()]);
}

#[tokio::test]
async fn permissions_on_create_and_update_are_refused_naming_the_capability() {
    let sim = current(1).await;
    let p = provider(&sim, Method::App, None);
    let mut req = create_req(&sim);
    req.permissions = Some(PermissionsInput {
        download: Some(false),
        ..Default::default()
    });
    let e = p.create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.capability(), Some("create_with_permissions"));
    let upd = UpdateShare {
        permissions: Some(PermissionsInput {
            preview: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = p
        .update(&sim.share_ids()[0], &upd, &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.capability(), Some("update_permissions"));
    // Refused before any vendor call.
    assert_eq!(
        sim.counters().get("create") + sim.counters().get("update"),
        0
    );
    let caps = p.capabilities();
    assert!(!caps.create_with_permissions && !caps.update_permissions);
    assert!(caps.reports_permissions, "the detail still reports them");
}

#[tokio::test]
async fn update_sends_valid_days_only_when_the_expiry_changes() {
    let sim = current(0).await;
    let p = provider(&sim, Method::App, None);
    let s = p.create(&create_req(&sim), &ctx()).await.unwrap();
    let comment = UpdateShare {
        comment: Patch::Set("only the message".into()),
        ..Default::default()
    };
    p.update(&s.native_id, &comment, &ctx()).await.unwrap();
    let body = sim.last_body("update").unwrap();
    assert!(body.get("validDays").is_none(), "{body}");
    assert_eq!(body["comment"], "only the message");
    let expiry = UpdateShare {
        expires_at: Patch::Set(Utc::now() + Days::days(30)),
        ..Default::default()
    };
    p.update(&s.native_id, &expiry, &ctx()).await.unwrap();
    assert_eq!(sim.last_body("update").unwrap()["validDays"], 30);
}

#[tokio::test]
async fn a_carrier_update_without_an_expiry_keeps_the_expiry() {
    // Carrier: `validDays: 0` means "validity not set" (the simulator then removes the
    // expiry); an update that leaves the field out changes nothing.
    let sim = sim_with(KooDriveSimConfig {
        carrier_agent: Some("demo-carrier".into()),
        shape: DocShape::CurrentReference,
        ..KooDriveSimConfig::default()
    })
    .await;
    let p = provider(&sim, Method::Token, Some("demo-carrier"));
    let s = p.create(&create_req(&sim), &ctx()).await.unwrap();
    let before = sim.expire_time(&s.native_id).expect("an expiry");
    let upd = UpdateShare {
        password: Patch::Set(Secret::new("Zz9Yy8Xx")),
        ..Default::default()
    };
    let after = p.update(&s.native_id, &upd, &ctx()).await.unwrap();
    assert_eq!(sim.expire_time(&s.native_id), Some(before));
    let millis = |t: chrono::DateTime<Utc>| t.timestamp_millis();
    assert_eq!(after.expires_at.map(millis), Some(millis(before)));
    assert_eq!(after.password_protected, Some(true));
}

#[tokio::test]
async fn create_sends_valid_days_and_no_zone_less_expire_time() {
    let sim = current(0).await;
    let s = provider(&sim, Method::App, None)
        .create(&create_req(&sim), &ctx())
        .await
        .unwrap();
    let body = sim.last_body("create").unwrap();
    assert_eq!(body["validDays"], 7);
    assert!(body.get("expireTime").is_none(), "{body}");
    assert!(body.get("permission").is_none(), "{body}");
    let days = (s.expires_at.unwrap() - Utc::now()).num_hours();
    assert!((7 * 24 - 1..=7 * 24).contains(&days), "{days}");
}

async fn skewed(skew: Days) -> KooDriveSim {
    sim_with(KooDriveSimConfig {
        seed_shares: 3,
        clock_skew: skew,
        short_page_probability: 0.0,
        ..KooDriveSimConfig::default()
    })
    .await
}

#[tokio::test]
async fn app_signing_learns_the_server_clock_from_its_date_header_and_retries_once() {
    // Server an hour behind us (our X-Date is in its future) and an hour ahead (ours is older
    // than 15 minutes): one rejection, a retry with the corrected clock, then no more.
    for skew in [Days::hours(-1), Days::hours(1)] {
        let sim = skewed(skew).await;
        let p = provider(&sim, Method::App, None);
        let page = p
            .list_page(None, &ctx())
            .await
            .expect("corrected and retried");
        assert_eq!(page.shares.len(), 3);
        assert_eq!(sim.counters().get("list"), 2, "skew {skew}");
        p.list_page(None, &ctx()).await.unwrap();
        assert_eq!(sim.counters().get("list"), 3, "the offset is kept");
    }
    // A server on our clock never sees a future X-Date: every call passes first time.
    let sim = skewed(Days::zero()).await;
    let p = provider(&sim, Method::App, None);
    for _ in 0..5 {
        p.list_page(None, &ctx()).await.unwrap();
    }
    assert_eq!(sim.counters().get("list"), 5);
}

#[tokio::test]
async fn a_signature_still_rejected_after_the_clock_correction_is_upstream_auth() {
    let sim = skewed(Days::hours(-1)).await;
    let bad = KooDriveAuth::App {
        app_id: KooDriveSimConfig::default().app_id,
        app_secret: Secret::new("not-the-secret"),
        user_id: KooDriveSimConfig::default().user_id,
    };
    let p = KooDriveProvider::new(config(&sim, bad, None)).unwrap();
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(
        sim.counters().get("list"),
        2,
        "corrected once, retried once"
    );
}

#[tokio::test]
async fn tokens_are_sent_exactly_as_configured() {
    // A bare cookie token, as the current authentication page shows it.
    let bare = sim_with(KooDriveSimConfig {
        token: "3b911d723003f70a1265124148fdfe486c108b64bf8d0de3".into(),
        seed_shares: 2,
        ..KooDriveSimConfig::default()
    })
    .await;
    let token = |t: &str| KooDriveAuth::Token {
        token: Secret::new(t),
        session_id: Secret::new(KooDriveSimConfig::default().session_id),
    };
    let p = KooDriveProvider::new(config(
        &bare,
        token("3b911d723003f70a1265124148fdfe486c108b64bf8d0de3"),
        None,
    ))
    .unwrap();
    assert_eq!(p.list_page(None, &ctx()).await.unwrap().shares.len(), 2);
    // A prefixed token (the session APIs' form) is sent with its prefix.
    let prefixed = current(2).await;
    let issued = KooDriveSimConfig::default().token;
    assert!(issued.starts_with("Bearer+"));
    let p = KooDriveProvider::new(config(&prefixed, token(&issued), None)).unwrap();
    assert_eq!(p.list_page(None, &ctx()).await.unwrap().shares.len(), 2);
    // The same token without its prefix is another token: nothing is added to it.
    let stripped = issued.trim_start_matches("Bearer+");
    let p = KooDriveProvider::new(config(&prefixed, token(stripped), None)).unwrap();
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
}

#[tokio::test]
async fn carrier_accounts_send_x_hw_agentname_and_cannot_share_organization_only() {
    let sim = sim_with(KooDriveSimConfig {
        carrier_agent: Some("demo-carrier".into()),
        seed_shares: 2,
        ..KooDriveSimConfig::default()
    })
    .await;
    // Without the header the carrier tenant refuses every call.
    let e = provider(&sim, Method::Token, None)
        .list_page(None, &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e}");
    assert!(e.message().contains("X-Hw-Agentname"), "{e}");
    // With it: list, session refresh and writes pass.
    let p = provider(&sim, Method::Token, Some("demo-carrier"));
    assert_eq!(p.list_page(None, &ctx()).await.unwrap().shares.len(), 2);
    p.keep_alive_if_idle_for(std::time::Duration::ZERO, &ctx())
        .await
        .expect("refresh carries the header too");
    assert_eq!(sim.counters().get("session_refresh"), 1);
    let mut req = create_req(&sim);
    req.audience = Some(Audience::Anyone);
    p.create(&req, &ctx()).await.expect("scope 1 is allowed");
    // Carrier createShare takes scope 1 or 3: organization-only is refused before the call.
    let creates = sim.counters().get("create");
    req.audience = Some(Audience::Organization);
    let e = p.create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.capability(), Some("audiences"));
    assert_eq!(sim.counters().get("create"), creates);
    assert!(!p.capabilities().audiences.organization);
    assert!(
        provider(&sim, Method::App, None)
            .capabilities()
            .audiences
            .organization
    );
    // A blank or unsendable agent name is a configuration error.
    for bad in ["", "  ", "bad\nname"] {
        let e = KooDriveProvider::new(config(&sim, auth(Method::App), Some(bad))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{bad:?}");
    }
}
