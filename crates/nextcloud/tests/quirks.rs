//! Nextcloud's quirks, each against the simulator: one test per row of the README's quirks
//! table.

mod common;

use chrono::{Duration, NaiveTime, Utc};
use common::{provider, provider_with_password, sim, sim_with, ZONE_SECS};
use unishare_core::{
    CallContext, CreateShare, ErrorKind, Patch, PermissionsInput, Secret, ShareProvider,
    ShareStatus, SourceInput, UpdateShare,
};
use unishare_nextcloud::ocs::{decode, ListSeed};
use unishare_nextcloud::ServerZone;
use unishare_testkit::nextcloud::{NextcloudSim, NextcloudSimConfig};

fn ctx() -> CallContext {
    CallContext::default()
}

fn file(sim: &NextcloudSim) -> String {
    sim.paths()
        .into_iter()
        .find(|(p, folder)| !folder && p.ends_with(".pdf"))
        .expect("a file")
        .0
}

fn folder(sim: &NextcloudSim) -> String {
    sim.paths()
        .into_iter()
        .find(|(p, folder)| *folder && p.contains("album"))
        .expect("a folder")
        .0
}

/// A create request for `path` with every option unset.
fn on(path: String) -> CreateShare {
    CreateShare::new(SourceInput::Uri { uri: path })
}

/// A raw GET of the list, with the headers given.
async fn raw_list(sim: &NextcloudSim, version: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let (user, password) = sim.credentials();
    let mut rb = reqwest::Client::new()
        .get(format!(
            "{}/ocs/{version}/apps/files_sharing/api/v1/shares",
            sim.base_url()
        ))
        .basic_auth(user, Some(password));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let resp = rb.send().await.expect("list");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

fn decode_list(status: u16, body: &str) -> unishare_core::Result<unishare_core::Page> {
    let account = unishare_core::AccountName::new("nc").expect("account");
    let seed = ListSeed {
        account: &account,
        zone: ServerZone::UTC,
        now: Utc::now(),
    };
    decode("list", status, None, body.as_bytes(), seed)
}

#[tokio::test]
async fn without_json_asked_the_answer_is_xml_and_decoding_fails_clearly() {
    let sim = sim(5).await;
    let (status, body) = raw_list(&sim, "v2.php", &[("OCS-APIRequest", "true")]).await;
    assert_eq!(status, 200);
    assert!(body.starts_with("<?xml"), "{body}");
    let e = decode_list(status, &body).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    assert!(e.message().contains("XML"), "{e}");
    // The provider asks for JSON and gets it.
    let page = provider(&sim).list_page(None, &ctx()).await.expect("list");
    assert_eq!(page.shares.len(), sim.link_ids().len());
}

#[tokio::test]
async fn without_the_ocs_header_the_csrf_check_fails_with_412() {
    let sim = sim(5).await;
    let (status, body) = raw_list(&sim, "v2.php", &[("Accept", "application/json")]).await;
    assert_eq!(status, 412);
    assert_eq!(body, r#"{"message":"CSRF check failed"}"#);
    let e = decode_list(status, &body).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    assert!(e.message().contains("OCS-APIRequest"), "{e}");
}

#[tokio::test]
async fn v1_answers_ok_with_100_and_failures_with_http_200() {
    let sim = sim(5).await;
    let json = [("OCS-APIRequest", "true"), ("Accept", "application/json")];
    let (status, body) = raw_list(&sim, "v1.php", &json).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#""statuscode":100"#), "{body}");
    assert_eq!(
        decode_list(status, &body).expect("v1 list").shares.len(),
        sim.link_ids().len()
    );
    // A v1 "not found" is HTTP 200 with statuscode 404.
    let (user, password) = sim.credentials();
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/ocs/v1.php/apps/files_sharing/api/v1/shares/424242?format=json",
            sim.base_url()
        ))
        .basic_auth(user, Some(password))
        .header("OCS-APIRequest", "true")
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 200);
    let body = resp.text().await.expect("body");
    let e = decode_list(200, &body).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn a_wrong_app_password_is_upstream_auth_from_ocs_997() {
    let sim = sim(3).await;
    let p = provider_with_password(&sim, "wrong-password");
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth, "{e}");
    assert_eq!(e.vendor_code(), Some("ocs:997"));
    assert!(!e.to_string().contains("wrong-password"), "{e}");
    // Not retried: the policy allows one retry, the simulator saw one list call.
    assert_eq!(sim.counters().get("list"), 1);
}

#[tokio::test]
async fn user_and_group_shares_in_the_list_are_ignored() {
    let sim = sim(40).await;
    let others = sim.other_share_ids();
    assert!(!others.is_empty());
    let page = provider(&sim).list_page(None, &ctx()).await.expect("list");
    assert!(page.skipped.is_empty(), "{:?}", page.skipped);
    let ids: Vec<String> = page
        .shares
        .iter()
        .map(|s| s.native_id.to_string())
        .collect();
    assert_eq!(ids, sim.link_ids());
    assert!(others.iter().all(|o| !ids.contains(o)));
    // And a user share is not found by id, nor updated, nor revoked.
    let p = provider(&sim);
    let e = p.get(&others[0], &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let upd = UpdateShare {
        comment: Patch::Set("x".into()),
        ..Default::default()
    };
    assert_eq!(
        p.update(&others[0], &upd, &ctx()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let out = p
        .revoke(&[others[0].clone()], &ctx())
        .await
        .expect("revoke");
    assert_eq!(
        out[0].result.as_ref().unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(sim.other_share_ids().contains(&others[0]));
}

#[tokio::test]
async fn the_password_hash_is_never_the_access_code() {
    let sim = sim(60).await;
    let page = provider(&sim).list_page(None, &ctx()).await.expect("list");
    let protected: Vec<_> = page
        .shares
        .iter()
        .filter(|s| s.password_protected == Some(true))
        .collect();
    assert!(!protected.is_empty());
    for s in &page.shares {
        assert!(s.password.is_none(), "{}", s.id);
        let json = serde_json::to_string(&s.view(true)).expect("json");
        assert!(!json.contains("argon2"), "{json}");
    }
}

#[tokio::test]
async fn expiry_dates_are_read_and_written_in_the_server_zone() {
    let sim = sim(0).await;
    let p = provider(&sim);
    let zone: ServerZone = "+02:00".parse().expect("zone");
    let mut req = on(file(&sim));
    let asked = Utc::now() + Duration::days(10);
    req.expires_at = Some(asked);
    let s = p.create(&req, &ctx()).await.expect("create");
    let at = s.expires_at.expect("expiry");
    // The first local (+02:00) midnight after the asked time = 22:00 UTC.
    let local = at + Duration::seconds(i64::from(ZONE_SECS));
    assert_eq!(local.time(), NaiveTime::MIN);
    assert!(
        at >= asked && at - asked < Duration::days(1),
        "{at} for {asked}"
    );
    assert_eq!(zone.date_of(at), zone.date_of(asked).succ_opt().unwrap());
    // An expiry later today is not refused as "in the past": it becomes tomorrow.
    let soon = Utc::now() + Duration::minutes(5);
    let mut req = on(file(&sim));
    req.expires_at = Some(soon);
    let s2 = p.create(&req, &ctx()).await.expect("create expiring soon");
    assert!(s2.expires_at.expect("expiry") >= soon);
    assert_eq!(s.status, ShareStatus::Active);
    // The list agrees.
    let page = p.list_page(None, &ctx()).await.expect("list");
    let listed = page.shares.iter().find(|l| l.id == s.id).expect("listed");
    assert_eq!(listed.expires_at, Some(at));
}

#[tokio::test]
async fn a_password_policy_refusal_is_invalid_request_with_the_server_message() {
    let sim = sim_with(NextcloudSimConfig {
        password_min_length: 12,
        ..NextcloudSimConfig::default()
    })
    .await;
    let mut req = on(file(&sim));
    req.password = Some(Secret::new("short-pw"));
    let e = provider(&sim).create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e}");
    assert!(e.message().contains("at least 12 characters"), "{e}");
    assert!(!e.to_string().contains("short-pw"), "{e}");
    assert!(sim.link_ids().is_empty());
}

#[tokio::test]
async fn an_enforced_password_is_the_servers_403() {
    let sim = sim_with(NextcloudSimConfig {
        enforce_password: true,
        ..NextcloudSimConfig::default()
    })
    .await;
    let req = on(file(&sim));
    let e = provider(&sim).create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
    assert!(e.message().contains("Passwords are enforced"), "{e}");
}

#[tokio::test]
async fn a_default_expiry_set_by_the_server_is_reported_not_invented() {
    let sim = sim_with(NextcloudSimConfig {
        default_expire_days: Some(7),
        ..NextcloudSimConfig::default()
    })
    .await;
    let p = provider(&sim);
    let s = p.create(&on(file(&sim)), &ctx()).await.expect("create");
    let at = s.expires_at.expect("the server's default expiry");
    assert!(at > Utc::now() + Duration::days(6) && at < Utc::now() + Duration::days(8));
    // Without a server default, no expiry is made up.
    let sim = sim_with(NextcloudSimConfig::default()).await;
    let s = provider(&sim)
        .create(&on(file(&sim)), &ctx())
        .await
        .expect("create");
    assert_eq!(s.expires_at, None);
}

#[tokio::test]
async fn update_clears_expiry_and_password_with_empty_values() {
    let sim = sim(0).await;
    let p = provider(&sim);
    let mut req = on(file(&sim));
    req.password = Some(Secret::new("Ab3dEf9h-long"));
    req.expires_at = Some(Utc::now() + Duration::days(3));
    req.comment = Some("for the team".into());
    let s = p.create(&req, &ctx()).await.expect("create");
    assert!(s.password_protected == Some(true) && s.expires_at.is_some());
    assert_eq!(s.comment.as_deref(), Some("for the team"));
    let upd = UpdateShare {
        password: Patch::Clear,
        expires_at: Patch::Clear,
        comment: Patch::Clear,
        ..Default::default()
    };
    let s = p.update(&s.native_id, &upd, &ctx()).await.expect("update");
    assert_eq!(s.password_protected, Some(false));
    assert_eq!(s.password, None);
    assert_eq!(s.expires_at, None);
    assert_eq!(s.comment, None);
}

#[tokio::test]
async fn permissions_come_from_the_bits_and_hide_download() {
    let sim = sim(0).await;
    let p = provider(&sim);
    let mut req = on(folder(&sim));
    req.permissions = Some(PermissionsInput {
        edit: Some(true),
        ..Default::default()
    });
    let s = p.create(&req, &ctx()).await.expect("create");
    assert_eq!(s.permissions.edit, Some(true));
    assert_eq!(s.vendor.get("permissions"), Some(serde_json::json!(15)));
    let upd = UpdateShare {
        permissions: Some(PermissionsInput {
            download: Some(false),
            edit: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    };
    let s = p.update(&s.native_id, &upd, &ctx()).await.expect("update");
    assert_eq!(
        (
            s.permissions.preview,
            s.permissions.download,
            s.permissions.edit
        ),
        (Some(true), Some(false), Some(false))
    );
    // Downloads cannot be hidden on create (no such create parameter).
    let mut req = on(file(&sim));
    req.permissions = Some(PermissionsInput {
        download: Some(false),
        ..Default::default()
    });
    let e = p.create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(e.capability(), Some("create_with_permissions"));
    // Previews cannot be turned off (a link that can be read can be previewed).
    let upd = UpdateShare {
        permissions: Some(PermissionsInput {
            preview: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = p.update(&s.native_id, &upd, &ctx()).await.unwrap_err();
    assert_eq!(e.capability(), Some("update_permissions"), "{e}");
    // Public upload on a single file is the server's 400.
    let s = p.create(&on(file(&sim)), &ctx()).await.expect("create");
    let upd = UpdateShare {
        permissions: Some(PermissionsInput {
            edit: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = p.update(&s.native_id, &upd, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e}");
    assert!(e.message().contains("folders"), "{e}");
}

#[tokio::test]
async fn a_missing_source_path_is_reported() {
    let sim = sim(0).await;
    let req = CreateShare::new(SourceInput::Uri {
        uri: "/No/such/file.txt".into(),
    });
    let e = provider(&sim).create(&req, &ctx()).await.unwrap_err();
    assert!(e.message().contains("Wrong path"), "{e}");
}

#[tokio::test]
async fn the_list_is_one_answer() {
    let sim = sim(120).await;
    let p = provider(&sim);
    let page = p.list_page(None, &ctx()).await.expect("list");
    assert!(page.next.is_none());
    assert_eq!(sim.counters().get("list"), 1);
    let e = p
        .list_page(Some(&unishare_core::PageCursor("2".into())), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn a_server_error_is_retried_then_unavailable() {
    use unishare_testkit::faults::Fault;
    let sim = sim(3).await;
    sim.faults()
        .inject("list", Fault::text(503, "Service Unavailable"), Some(1));
    let page = provider(&sim)
        .list_page(None, &ctx())
        .await
        .expect("retried list");
    assert_eq!(page.shares.len(), sim.link_ids().len());
    assert_eq!(sim.counters().get("list"), 2);
    sim.faults()
        .inject("list", Fault::text(503, "maintenance"), None);
    let e = provider(&sim).list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
}

#[tokio::test]
async fn ten_thousand_links_come_in_one_answer_and_all_map() {
    let sim = sim_with(NextcloudSimConfig {
        seed_shares: 10_000,
        seed_expired: false,
        ..NextcloudSimConfig::default()
    })
    .await;
    let page = provider(&sim).list_page(None, &ctx()).await.expect("list");
    assert_eq!(page.shares.len(), 10_000);
    assert!(page.skipped.is_empty());
    assert!(page.next.is_none());
    assert_eq!(sim.counters().get("list"), 1);
}

#[tokio::test]
async fn a_redirect_is_never_followed() {
    use unishare_testkit::faults::Fault;
    let sim = sim(3).await;
    sim.faults().inject(
        "list",
        Fault::text(302, "").with_header("location", "https://sso.example.com/login?token=abc"),
        None,
    );
    let e = provider(&sim).list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol, "{e}");
    assert!(e.message().contains("sso.example.com"), "{e}");
    assert!(!e.message().contains("token=abc"), "{e}");
    // Not retried.
    assert_eq!(sim.counters().get("list"), 1);
}
