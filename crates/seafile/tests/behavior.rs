//! The provider behavior suite over the simulator, for a user's account (by token) and for
//! an administrator's site-wide account (by login).

mod common;

use common::{sim, site_provider, user_provider};
use std::sync::Arc;
use unishare_core::{CreateShare, SourceInput};
use unishare_testkit::behavior::{run, Fixture};

#[tokio::test]
async fn behavior_suite_user_inventory() {
    let sim = sim(40).await;
    let (alice, _, _) = sim.user();
    let fixture = Fixture {
        provider: Arc::new(user_provider(&sim)),
        seeded_ids: sim.tokens_of(&alice),
        create_request: CreateShare::new(SourceInput::Uri {
            uri: sim.free_sources().remove(0),
        }),
        unknown_id: "0123456789abcdef0123".into(),
    };
    run(&fixture).await;
}

#[tokio::test]
async fn behavior_suite_site_inventory() {
    // 250 links: three admin pages of 100.
    let sim = sim(250).await;
    let fixture = Fixture {
        provider: Arc::new(site_provider(&sim)),
        seeded_ids: sim.all_tokens(),
        create_request: CreateShare::new(SourceInput::Uri {
            uri: sim.free_sources().remove(0),
        }),
        unknown_id: "0123456789abcdef0123".into(),
    };
    run(&fixture).await;
}
