//! The provider behavior suite over the simulator, with both auth methods.

mod common;

use chrono::{Duration, Utc};
use common::{auth, provider_with, sim_with, Method};
use std::sync::Arc;
use unishare_core::{CreateShare, SourceInput};
use unishare_testkit::behavior::{run, Fixture};
use unishare_testkit::koodrive::KooDriveSimConfig;

async fn suite(method: Method) {
    let sim = sim_with(KooDriveSimConfig {
        seed_shares: 250,
        seed: 11,
        short_page_probability: 0.3,
        ..KooDriveSimConfig::default()
    })
    .await;
    let provider = provider_with(&sim, auth(method), 7, 2);
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
    suite(Method::App).await;
}

#[tokio::test]
async fn behavior_suite_with_token_auth() {
    suite(Method::Token).await;
}
