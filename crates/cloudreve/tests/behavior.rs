//! The shared provider behavior suite, over the simulator, for both sign-in methods.

mod common;

use std::sync::Arc;
use unishare_cloudreve::CloudreveAuth;
use unishare_core::{CreateShare, Secret, SourceInput};
use unishare_testkit::behavior::{self, Fixture};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

fn fixture(sim: &CloudreveSim, provider: unishare_cloudreve::CloudreveProvider) -> Fixture {
    let uri = sim
        .source_uris()
        .into_iter()
        .find(|u| u.ends_with("/Reports"))
        .expect("seeded Reports folder");
    Fixture {
        provider: Arc::new(provider),
        seeded_ids: sim.share_ids(),
        create_request: CreateShare::new(SourceInput::Uri { uri }),
        unknown_id: "zzzzzzzz".into(),
    }
}

#[tokio::test]
async fn behavior_suite_password_auth() {
    let cfg = CloudreveSimConfig {
        seed_shares: 250,
        ..Default::default()
    };
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let p = common::provider_with(&sim, common::password_auth(&cfg), 10, 2);
    behavior::run(&fixture(&sim, p)).await;
    assert_eq!(
        sim.counters().get("login"),
        1,
        "one sign-in for the whole suite"
    );
}

#[tokio::test]
async fn behavior_suite_token_auth() {
    let cfg = CloudreveSimConfig {
        seed_shares: 250,
        pro_fields: true,
        ..Default::default()
    };
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let rt = common::refresh_token_from(&sim, &cfg).await;
    // With a captcha on, only the token method can work.
    sim.set_login_captcha(true);
    let auth = CloudreveAuth::Token {
        refresh_token: Secret::new(rt),
    };
    let p = common::provider_with(&sim, auth, 10, 2);
    behavior::run(&fixture(&sim, p)).await;
    assert_eq!(
        sim.counters().get("login"),
        1,
        "only the test's own sign-in"
    );
    assert!(sim.counters().get("refresh") >= 1);
}

#[tokio::test]
async fn the_live_suites_fixture_works_over_the_simulator() {
    // What `tests/live.rs` runs against a real server, pointed at the simulator instead.
    let cfg = CloudreveSimConfig {
        seed_shares: 40,
        ..Default::default()
    };
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let p = common::provider_with(&sim, common::password_auth(&cfg), 10, 2);
    let request = fixture(
        &sim,
        common::provider_with(&sim, common::password_auth(&cfg), 10, 2),
    )
    .create_request;
    let fx = unishare_testkit::live::fixture(Arc::new(p), request, "zzzzzzzz").await;
    assert_eq!(fx.seeded_ids.len(), 40);
    behavior::run(&fx).await;
    assert_eq!(sim.share_count(), 40, "the suite revoked what it created");
}
