//! The provider behavior suite over the simulator (server zone +02:00, user and group shares
//! mixed into the list, some links already expired).

mod common;

use common::{provider, sim};
use std::sync::Arc;
use unishare_core::{CreateShare, SourceInput};
use unishare_testkit::behavior::{run, Fixture};

#[tokio::test]
async fn behavior_suite() {
    let sim = sim(250).await;
    let provider = provider(&sim);
    let (path, _) = sim
        .paths()
        .into_iter()
        .find(|(p, folder)| !folder && p.ends_with(".pdf"))
        .expect("a file");
    let fixture = Fixture {
        provider: Arc::new(provider),
        seeded_ids: sim.link_ids(),
        create_request: CreateShare::new(SourceInput::Uri { uri: path }),
        unknown_id: "999999".into(),
    };
    assert!(!sim.other_share_ids().is_empty());
    run(&fixture).await;
}
