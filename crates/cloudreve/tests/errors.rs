//! Every documented error path, through the simulator, mapped to its kind.

mod common;

use std::time::Duration;
use unishare_cloudreve::CloudreveAuth;
use unishare_core::{CallContext, ErrorKind, Secret, ShareProvider, UpdateShare};
use unishare_testkit::cloudreve::{fault, CloudreveSim, CloudreveSimConfig};
use unishare_testkit::faults::Fault;

fn ctx() -> CallContext {
    CallContext::default()
}

async fn list_err(
    sim: &CloudreveSim,
    p: &unishare_cloudreve::CloudreveProvider,
    f: Fault,
) -> unishare_core::Error {
    sim.faults().inject("list", f, Some(1));
    let e = p.list_page(None, &ctx()).await.expect_err("fault");
    assert_eq!(e.account(), Some("hq"));
    assert_eq!(e.provider(), Some(unishare_cloudreve::provider()));
    assert_eq!(e.operation(), Some("list"));
    e
}

#[tokio::test]
async fn code_401_refreshes_once_and_retries() {
    let (sim, p) = common::setup(20, 10, 0).await;
    p.list_page(None, &ctx()).await.expect("warm up");
    sim.faults()
        .inject("list", fault::login_required(), Some(1));
    let page = p
        .list_page(None, &ctx())
        .await
        .expect("401 → refresh → retry");
    assert_eq!(page.shares.len(), 10);
    assert_eq!(sim.counters().get("refresh"), 1);
    // Twice in a row: the refreshed token is rejected too → upstream_auth.
    sim.faults()
        .inject("list", fault::login_required(), Some(2));
    let e = p.list_page(None, &ctx()).await.expect_err("401 twice");
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(e.vendor_code(), Some("401"));
}

#[tokio::test]
async fn real_token_expiry_answers_401_and_is_recovered() {
    let (sim, p) = common::setup(20, 10, 0).await;
    p.list_page(None, &ctx()).await.expect("warm up");
    sim.expire_access_tokens();
    p.list_page(None, &ctx()).await.expect("recovered");
    assert_eq!(sim.counters().get("refresh"), 1);
}

#[tokio::test]
async fn envelope_codes_map_to_kinds() {
    let (sim, p) = common::setup(5, 10, 0).await;
    let cases = [
        (403, ErrorKind::Forbidden, false),
        (404, ErrorKind::NotFound, false),
        (40001, ErrorKind::InvalidRequest, false),
        (40020, ErrorKind::UpstreamAuth, false),
        (40007, ErrorKind::Forbidden, false),
        (40089, ErrorKind::UpstreamAuth, false),
        (50001, ErrorKind::UpstreamUnavailable, true),
        (50002, ErrorKind::UpstreamUnavailable, true),
        (50005, ErrorKind::UpstreamUnavailable, true),
        (-1, ErrorKind::UpstreamProtocol, false),
        (40099, ErrorKind::UpstreamProtocol, false),
    ];
    for (code, kind, retryable) in cases {
        let e = list_err(&sim, &p, fault::code(code, "vendor says no")).await;
        assert_eq!(e.kind(), kind, "code {code}: {e}");
        assert_eq!(e.is_retryable(), retryable, "code {code}");
        assert_eq!(e.vendor_code(), Some(code.to_string().as_str()));
    }
    let e = list_err(&sim, &p, fault::code(40099, "brand new")).await;
    assert!(
        e.to_string().contains("40099") && e.to_string().contains("brand new"),
        "{e}"
    );
}

#[tokio::test]
async fn code_50001_is_retried_by_the_policy() {
    let (sim, p) = common::setup(5, 10, 2).await;
    sim.faults().inject("list", fault::code_50001(), Some(2));
    let page = p
        .list_page(None, &ctx())
        .await
        .expect("third attempt succeeds");
    assert_eq!(page.shares.len(), 5);
    assert_eq!(sim.counters().get("list"), 3);
}

#[tokio::test]
async fn transport_failures() {
    let (sim, p) = common::setup(5, 10, 0).await;
    let e = list_err(&sim, &p, fault::plain_404()).await;
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    assert!(!e.is_retryable());
    assert!(e.message().contains("404 page not found"), "{e}");
    let e = list_err(&sim, &p, fault::html_page()).await;
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    let e = list_err(&sim, &p, fault::empty_500()).await;
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
    assert!(e.is_retryable());
    assert!(e.message().contains("500"), "{e}");
    let e = list_err(&sim, &p, fault::proxy_502()).await;
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
    let e = list_err(&sim, &p, Fault::malformed_json()).await;
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    let e = list_err(&sim, &p, Fault::Drop).await;
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable, "{e}");
    assert!(e.is_retryable());
    let e = list_err(&sim, &p, fault::rate_limited(7)).await;
    assert_eq!(
        e.kind(),
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    let cfg = CloudreveSimConfig::default();
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let p = common::provider_with(&sim, common::password_auth(&cfg), 10, 0);
    drop(sim);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = p.list_page(None, &ctx()).await.expect_err("server gone");
    assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable, "{e}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn wrong_password_is_40080() {
    let cfg = CloudreveSimConfig::default();
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let auth = CloudreveAuth::Password {
        email: cfg.email.clone(),
        password: Secret::new("wrong-one"),
    };
    let p = common::provider_with(&sim, auth, 10, 2);
    let e = p.list_page(None, &ctx()).await.expect_err("bad password");
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(e.vendor_code(), Some("40080"));
    assert!(!e.is_retryable());
    assert_eq!(
        sim.counters().get("login"),
        1,
        "auth failures are not retried"
    );
    assert!(!e.to_string().contains("wrong-one"));
}

#[tokio::test]
async fn bad_email_format_is_40001() {
    let cfg = CloudreveSimConfig::default();
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let auth = CloudreveAuth::Password {
        email: "admin@localhost".into(),
        password: Secret::new("demo-password"),
    };
    let p = common::provider_with(&sim, auth, 10, 0);
    let e = p.list_page(None, &ctx()).await.expect_err("bad email");
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(e.vendor_code(), Some("40001"));
}

#[tokio::test]
async fn captcha_is_40026_with_a_hint() {
    let cfg = CloudreveSimConfig {
        login_captcha: true,
        ..Default::default()
    };
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let p = common::provider_with(&sim, common::password_auth(&cfg), 10, 0);
    let e = p.list_page(None, &ctx()).await.expect_err("captcha");
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(e.vendor_code(), Some("40026"));
    assert!(e.message().contains("captcha"), "{e}");
    assert!(e.message().contains("refresh_token"), "{e}");
}

#[tokio::test]
async fn two_factor_is_203() {
    let cfg = CloudreveSimConfig {
        two_factor: true,
        ..Default::default()
    };
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let p = common::provider_with(&sim, common::password_auth(&cfg), 10, 0);
    let e = p.list_page(None, &ctx()).await.expect_err("2fa");
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(e.vendor_code(), Some("203"));
    assert!(
        e.message().starts_with("2FA is enabled on this account"),
        "{e}"
    );
}

#[tokio::test]
async fn refresh_40020_signs_in_again_with_password_auth() {
    let (sim, p) = common::setup(5, 10, 0).await;
    p.list_page(None, &ctx()).await.expect("warm up");
    sim.revoke_refresh_tokens();
    sim.expire_access_tokens();
    p.list_page(None, &ctx()).await.expect("re-login");
    assert_eq!(sim.counters().get("refresh"), 1);
    assert_eq!(sim.counters().get("login"), 2);
}

#[tokio::test]
async fn refresh_40020_fails_token_auth() {
    let cfg = CloudreveSimConfig::default();
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let rt = common::refresh_token_from(&sim, &cfg).await;
    let auth = CloudreveAuth::Token {
        refresh_token: Secret::new(rt.clone()),
    };
    let p = common::provider_with(&sim, auth, 10, 0);
    p.list_page(None, &ctx()).await.expect("token auth works");
    sim.set_password("changed-password");
    sim.expire_access_tokens();
    let e = p
        .list_page(None, &ctx())
        .await
        .expect_err("refresh token dead");
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert_eq!(e.vendor_code(), Some("40020"));
    assert!(e.message().contains("auth.refresh_token"), "{e}");
    assert!(!e.to_string().contains(&rt) && !format!("{e:?}").contains(&rt));
}

#[tokio::test]
async fn refresh_token_used_as_access_token_is_40020() {
    let cfg = CloudreveSimConfig::default();
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let rt = common::refresh_token_from(&sim, &cfg).await;
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v4/share?page_size=10", sim.base_url()))
        .bearer_auth(rt)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v["code"], 40020, "{v}");
}

#[tokio::test]
async fn concurrent_calls_share_one_sign_in_and_one_refresh() {
    let (sim, p) = common::setup(30, 10, 0).await;
    let p = std::sync::Arc::new(p);
    let run = |p: std::sync::Arc<unishare_cloudreve::CloudreveProvider>| async move {
        p.list_page(None, &CallContext::default())
            .await
            .map(|pg| pg.shares.len())
    };
    let results = futures::future::join_all((0..16).map(|_| run(p.clone()))).await;
    assert!(results.iter().all(|r| matches!(r, Ok(10))));
    assert_eq!(sim.counters().get("login"), 1);
    sim.expire_access_tokens();
    let results = futures::future::join_all((0..16).map(|_| run(p.clone()))).await;
    assert!(results.iter().all(|r| matches!(r, Ok(10))), "{results:?}");
    assert_eq!(sim.counters().get("refresh"), 1, "single-flight refresh");
}

#[tokio::test]
async fn unknown_and_undecodable_ids_are_not_found() {
    let (sim, p) = common::setup(3, 10, 0).await;
    let e = p.get("zzzzzzzz", &ctx()).await.expect_err("unknown");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.operation(), Some("get"));
    // The server's hashid middleware: `40001 "Failed to parse object ID"` = no such share,
    // on every route with a share id in the path.
    let e = p.get("not_a-hashid", &ctx()).await.expect_err("bad");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.vendor_code(), Some("40001"));
    let req = UpdateShare {
        max_downloads: unishare_core::Patch::Set(5),
        ..UpdateShare::default()
    };
    let e = p
        .update("not_a-hashid", &req, &ctx())
        .await
        .expect_err("bad");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let out = p
        .revoke(&["not_a-hashid".to_owned()], &ctx())
        .await
        .expect("revoke answers per id");
    assert!(
        matches!(&out[..], [o] if o.result.as_ref().is_err_and(|e| e.kind() == ErrorKind::NotFound)),
        "{out:?}"
    );
    // An id that cannot even be put in a path is refused before any call.
    let e = p.get("a/b", &ctx()).await.expect_err("bad");
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let _ = sim;
}

#[tokio::test]
async fn a_stale_token_on_share_info_is_renewed_not_read_anonymously() {
    // `/share/info` has optional auth: with a token the server no longer accepts it answers
    // as to anyone (no `source_uri`; a password share locked: no password, no expiry).
    let (sim, p) = common::setup(40, 50, 0).await;
    let listed = p.list_page(None, &ctx()).await.expect("list").shares;
    let locked = listed
        .iter()
        .find(|s| s.password.is_some() && s.status == unishare_core::ShareStatus::Active)
        .expect("the seed has active password shares");
    sim.expire_access_tokens();
    let got = p.get(&locked.native_id, &ctx()).await.expect("get");
    assert_eq!(sim.counters().get("refresh"), 1, "renewed once");
    assert_eq!(
        got.password.as_ref().map(|s| s.expose().to_owned()),
        locked.password.as_ref().map(|s| s.expose().to_owned()),
        "the owner's view"
    );
    assert!(got.source.uri.is_some(), "owner_extended answer");
    assert_eq!(got.expires_at, locked.expires_at);
    assert_eq!(got.stats.downloads, locked.stats.downloads);
    // A valid token is not renewed for nothing.
    p.get(&locked.native_id, &ctx()).await.expect("get");
    assert_eq!(sim.counters().get("refresh"), 1);
}
