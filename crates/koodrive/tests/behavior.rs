//! The provider behavior suite over the simulator, with both auth methods and in both
//! documented answer shapes (the seed page and Huawei's current reference,
//! `vendors/koodrive.md` §11), as an enterprise and as a carrier tenant.

mod common;

use chrono::{Duration, Utc};
use common::{auth, policy, sim_with, Method};
use std::sync::Arc;
use unishare_core::{AccountName, CreateShare, SourceInput};
use unishare_koodrive::{KooDriveConfig, KooDriveProvider};
use unishare_testkit::behavior::{run, Fixture};
use unishare_testkit::koodrive::{DocShape, KooDriveSimConfig};

async fn suite(method: Method, shape: DocShape, carrier: Option<&str>) {
    let sim = sim_with(KooDriveSimConfig {
        seed_shares: 250,
        seed: 11,
        short_page_probability: 0.3,
        shape,
        carrier_agent: carrier.map(str::to_owned),
        ..KooDriveSimConfig::default()
    })
    .await;
    let provider = KooDriveProvider::new(KooDriveConfig {
        page_size: 7,
        policy: policy(2),
        agent_name: carrier.map(str::to_owned),
        ..KooDriveConfig::new(
            AccountName::new("cn").unwrap(),
            sim.base_url(),
            auth(method),
        )
    })
    .expect("valid config");
    let (file_id, container_id) = sim.files().into_iter().next().expect("files");
    let mut create_request = CreateShare::new(SourceInput::Files {
        file_ids: vec![file_id],
        container_id,
    });
    create_request.expires_at = Some(Utc::now() + Duration::days(7));
    let fixture = Fixture {
        provider: Arc::new(provider),
        seeded_ids: sim.share_ids(),
        create_request,
        unknown_id: "1000000000000000001".into(),
    };
    run(&fixture).await;
    // Small pages with a 30% short-page probability: the crawl met short and empty pages.
    assert!(sim.counters().get("list") > 250 / 7);
}

#[tokio::test]
async fn behavior_suite_with_app_auth() {
    suite(Method::App, DocShape::SeedPage, None).await;
}

#[tokio::test]
async fn behavior_suite_with_token_auth() {
    suite(Method::Token, DocShape::SeedPage, None).await;
}

#[tokio::test]
async fn behavior_suite_current_reference_with_app_auth() {
    suite(Method::App, DocShape::CurrentReference, None).await;
}

#[tokio::test]
async fn behavior_suite_current_reference_with_token_auth() {
    suite(Method::Token, DocShape::CurrentReference, None).await;
}

#[tokio::test]
async fn behavior_suite_current_reference_as_a_carrier() {
    suite(
        Method::Token,
        DocShape::CurrentReference,
        Some("demo-carrier"),
    )
    .await;
}
