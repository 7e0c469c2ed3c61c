//! Create, update and revoke against the simulator.

mod common;

use chrono::{Duration, Utc};
use serde_json::json;
use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
use unishare_core::{
    AccountName, CallContext, CreateShare, ErrorKind, Patch, Secret, ShareProvider, ShareStatus,
    SourceInput, UpdateShare,
};
use unishare_testkit::cloudreve::{fault, CloudreveSim};

fn ctx() -> CallContext {
    CallContext::with_request_id("b4351ecc-ee1a-4455-bc94-2c3dbcc58538")
}

fn reports(sim: &CloudreveSim) -> CreateShare {
    let uri = sim
        .source_uris()
        .into_iter()
        .find(|u| u.ends_with("/Reports"))
        .expect("Reports");
    CreateShare::new(SourceInput::Uri { uri })
}

#[tokio::test]
async fn create_with_every_option_then_get() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let mut req = reports(&sim);
    let expires = Utc::now() + Duration::days(3);
    req.password = Some(Secret::new("Pw12345"));
    req.expires_at = Some(expires);
    req.max_downloads = Some(5);
    req.vendor = json!({"share_view": true, "show_readme": true})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let s = p.create(&req, &ctx()).await.expect("create");
    assert_eq!(s.status, ShareStatus::Active);
    assert_eq!(s.password_protected, Some(true));
    assert_eq!(s.password.as_ref().map(|x| x.expose()), Some("Pw12345"));
    assert_eq!(s.url, format!("{}/s/{}", sim.base_url(), s.native_id));
    assert_eq!(
        s.secret_url.as_ref().map(|x| x.expose().to_owned()),
        Some(format!("{}/Pw12345", s.url))
    );
    assert_eq!(s.remaining_downloads, Some(5));
    let at = s.expires_at.expect("expiry");
    assert!((at - expires).num_seconds().abs() <= 2, "{at} vs {expires}");
    assert_eq!(s.source.uri.as_deref(), Some("cloudreve://bnUn@my/Reports"));
    assert_eq!(s.name, "Reports");
    assert_eq!(s.vendor.get("share_view"), Some(json!(true)));
    assert_eq!(s.vendor.get("show_readme"), Some(json!(true)));
    assert_eq!(sim.counters().get("create"), 1);
}

#[tokio::test]
async fn create_url_parsing_tolerates_forms() {
    let (sim, p) = common::setup(3, 10, 0).await;
    let id = sim.share_ids()[0].clone();
    let base = sim.base_url();
    for url in [
        format!("{base}/s/{id}"),
        format!("{base}/s/{id}/"),
        format!("{base}/s/{id}/abcdefgh"),
        format!("{base}/s/{id}/abcdefgh/"),
        format!("https://other.example.com/cloud/s/{id}?from=api"),
    ] {
        sim.faults()
            .inject("create", fault::list_data(json!(url)), Some(1));
        let s = p.create(&reports(&sim), &ctx()).await.expect("create");
        assert_eq!(s.native_id, id, "{url}");
    }
    sim.faults()
        .inject("create", fault::list_data(json!("http://x/home")), Some(1));
    let e = p.create(&reports(&sim), &ctx()).await.expect_err("no /s/");
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    sim.faults()
        .inject("create", fault::list_data(json!({"url": 1})), Some(1));
    let e = p
        .create(&reports(&sim), &ctx())
        .await
        .expect_err("not a string");
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
}

#[tokio::test]
async fn create_is_never_retried() {
    let (sim, p) = common::setup(0, 10, 3).await;
    sim.faults().inject("create", fault::empty_500(), Some(1));
    let e = p.create(&reports(&sim), &ctx()).await.expect_err("500");
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
    assert_eq!(sim.counters().get("create"), 1);
    assert_eq!(e.operation(), Some("create"));
}

#[tokio::test]
async fn create_read_back_failure_returns_the_created_share() {
    let (sim, p) = common::setup(0, 10, 0).await;
    sim.faults().inject("get", fault::empty_500(), Some(1));
    let mut req = reports(&sim);
    req.password = Some(Secret::new("abc123"));
    req.max_downloads = Some(2);
    let s = p.create(&req, &ctx()).await.expect("created anyway");
    assert_eq!(sim.share_ids(), vec![s.native_id.clone()]);
    assert_eq!(s.password.as_ref().map(|x| x.expose()), Some("abc123"));
    assert!(!s.url.contains("abc123"));
    assert_eq!(s.remaining_downloads, Some(2));
    assert_eq!(s.name, "Reports");
}

#[tokio::test]
async fn create_rejects_what_cloudreve_cannot_do_before_calling_it() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let mut req = reports(&sim);
    req.comment = Some("hi".into());
    assert_eq!(
        p.create(&req, &ctx()).await.unwrap_err().capability(),
        Some("create_with_comment")
    );
    let mut req = reports(&sim);
    req.password = Some(Secret::new("not alnum!"));
    assert_eq!(
        p.create(&req, &ctx()).await.unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    let mut req = reports(&sim);
    req.vendor = json!({"price": 20})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let e = p.create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.message().contains("price"));
    let req = CreateShare::new(SourceInput::Uri {
        uri: "cloudreve://my/Nope".into(),
    });
    assert_eq!(
        p.create(&req, &ctx()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let req = CreateShare::new(SourceInput::Uri {
        uri: "https://my/Reports".into(),
    });
    assert_eq!(
        p.create(&req, &ctx()).await.unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        sim.counters().get("create"),
        2,
        "only the last two reached the vendor"
    );
}

#[tokio::test]
async fn update_carries_over_unchanged_limits() {
    let (sim, p) = common::setup(0, 10, 1).await;
    let mut req = reports(&sim);
    let expires = Utc::now() + Duration::days(10);
    req.password = Some(Secret::new("keepme"));
    req.expires_at = Some(expires);
    req.max_downloads = Some(5);
    req.vendor = json!({"share_view": true})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let s = p.create(&req, &ctx()).await.expect("create");
    sim.record_downloads(&s.native_id, 2);

    // Only the expiry: the remaining downloads (3) and share_view are kept.
    let new_exp = Utc::now() + Duration::days(2);
    let u = UpdateShare {
        expires_at: Patch::Set(new_exp),
        ..Default::default()
    };
    let s2 = p.update(&s.native_id, &u, &ctx()).await.expect("update");
    assert_eq!(s2.remaining_downloads, Some(3));
    assert!((s2.expires_at.expect("exp") - new_exp).num_seconds().abs() <= 2);
    assert_eq!(s2.vendor.get("share_view"), Some(json!(true)));
    assert_eq!(
        s2.password.as_ref().map(|x| x.expose()),
        Some("keepme"),
        "password untouched"
    );

    // Only the limit: the expiry is kept.
    let u = UpdateShare {
        max_downloads: Patch::Set(9),
        ..Default::default()
    };
    let s3 = p.update(&s.native_id, &u, &ctx()).await.expect("update");
    assert_eq!(s3.remaining_downloads, Some(9));
    assert!((s3.expires_at.expect("exp") - new_exp).num_seconds().abs() <= 2);

    // Clear both.
    let u = UpdateShare {
        max_downloads: Patch::Clear,
        expires_at: Patch::Clear,
        ..Default::default()
    };
    let s4 = p.update(&s.native_id, &u, &ctx()).await.expect("update");
    assert_eq!((s4.remaining_downloads, s4.expires_at), (None, None));

    // Vendor flag only.
    let mut u = UpdateShare::default();
    u.vendor.insert("share_view".into(), json!(false));
    let s5 = p.update(&s.native_id, &u, &ctx()).await.expect("update");
    assert_eq!(
        s5.vendor.get("share_view"),
        None,
        "omitempty: false is absent"
    );
    assert_eq!(s5.password.as_ref().map(|x| x.expose()), Some("keepme"));
}

#[tokio::test]
async fn update_rejects_password_changes_and_unknown_ids() {
    let (sim, p) = common::setup(3, 10, 0).await;
    let id = sim.share_ids()[0].clone();
    let u = UpdateShare {
        password: Patch::Set(Secret::new("abc")),
        ..Default::default()
    };
    let e = p.update(&id, &u, &ctx()).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.capability()),
        (ErrorKind::Unsupported, Some("update_password"))
    );
    let u = UpdateShare {
        comment: Patch::Set("x".into()),
        ..Default::default()
    };
    assert_eq!(
        p.update(&id, &u, &ctx()).await.unwrap_err().capability(),
        Some("update_comment")
    );
    let u = UpdateShare {
        max_downloads: Patch::Set(3),
        ..Default::default()
    };
    let e = p.update("zzzzzzzz", &u, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(sim.counters().get("update"), 0);
}

#[tokio::test]
async fn revoke_reports_each_id_in_order() {
    let (sim, p) = common::setup(20, 10, 0).await;
    let mut ids = sim.share_ids();
    ids.truncate(12);
    ids.insert(3, "zzzzzzzz".into());
    ids.push("bad/id".into());
    let outcomes = p.revoke(&ids, &ctx()).await.expect("revoke");
    let got: Vec<&str> = outcomes.iter().map(|o| o.native_id.as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    for o in &outcomes {
        match o.native_id.as_str() {
            "zzzzzzzz" => assert_eq!(o.result.as_ref().unwrap_err().kind(), ErrorKind::NotFound),
            "bad/id" => assert_eq!(
                o.result.as_ref().unwrap_err().kind(),
                ErrorKind::InvalidRequest
            ),
            _ => assert!(o.result.is_ok(), "{:?}", o.result),
        }
    }
    assert_eq!(sim.share_count(), 8);
    assert_eq!(sim.counters().get("batch_delete"), 0);
    assert!(p.revoke(&[], &ctx()).await.expect("empty").is_empty());
}

#[tokio::test]
async fn revoke_fails_whole_when_auth_fails() {
    let (sim, _) = common::setup(3, 10, 0).await;
    let auth = CloudreveAuth::Password {
        email: "admin@cloudreve.org".into(),
        password: Secret::new("nope-nope"),
    };
    let p = common::provider_with(&sim, auth, 10, 0);
    let e = p.revoke(&sim.share_ids(), &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(e.operation(), Some("revoke"));
    assert_eq!(sim.share_count(), 3);
}

#[tokio::test]
async fn revoke_retries_a_failed_delete() {
    let (sim, p) = common::setup(3, 10, 2).await;
    let id = sim.share_ids()[0].clone();
    // The first DELETE answers 502 (as if a proxy lost the answer), later ones reach the server.
    sim.faults().inject("delete", fault::proxy_502(), Some(1));
    let outcomes = p
        .revoke(std::slice::from_ref(&id), &ctx())
        .await
        .expect("revoke");
    assert!(outcomes[0].result.is_ok());
    assert_eq!(sim.counters().get("delete"), 2);
}

#[tokio::test]
async fn debug_output_has_no_secrets() {
    let (sim, _) = common::setup(1, 10, 0).await;
    let cfg = CloudreveConfig::new(
        AccountName::new("hq").expect("account"),
        format!("{}/", sim.base_url()),
        CloudreveAuth::Password {
            email: "admin@cloudreve.org".into(),
            password: Secret::new("demo-password"),
        },
    );
    assert!(!format!("{cfg:?}").contains("demo-password"));
    let p = CloudreveProvider::new(cfg).expect("provider");
    p.list_page(None, &ctx()).await.expect("list");
    let dbg = format!("{p:?}");
    assert!(
        !dbg.contains("demo-password") && !dbg.contains("cr_acc_") && !dbg.contains("cr_ref_"),
        "{dbg}"
    );
    assert!(dbg.contains("/api/v4"));
    let t = CloudreveAuth::Token {
        refresh_token: Secret::new("cr_ref_secret"),
    };
    assert!(!format!("{t:?}").contains("cr_ref_secret"));
}

#[tokio::test]
async fn base_url_may_already_end_in_api_v4() {
    let (sim, _) = common::setup(2, 10, 0).await;
    let cfg = CloudreveConfig::new(
        AccountName::new("hq").expect("account"),
        format!("{}/api/v4/", sim.base_url()),
        CloudreveAuth::Password {
            email: "admin@cloudreve.org".into(),
            password: Secret::new("demo-password"),
        },
    );
    let p = CloudreveProvider::new(cfg).expect("provider");
    assert_eq!(
        p.list_page(None, &ctx()).await.expect("list").shares.len(),
        2
    );
    let mut bad = CloudreveConfig::new(
        AccountName::new("hq").expect("account"),
        sim.base_url(),
        CloudreveAuth::Token {
            refresh_token: Secret::new("x"),
        },
    );
    bad.page_size = 5;
    let e = CloudreveProvider::new(bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(e.account(), Some("hq"));
}
