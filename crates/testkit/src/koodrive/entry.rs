//! This simulator's entry in the simulator list (`sims.rs`).

use super::{KooDriveSim, KooDriveSimConfig};
use crate::sims::{RunningSim, SimEntry, SimOptions, Starting};

/// The KooDrive simulator, as the list holds it.
pub static SIM: SimEntry = SimEntry {
    provider: "koodrive",
    label: "KooDrive",
    start,
    auth: r#"{ method = "app", app_id = "demo-app", app_secret = "demo-app-secret", user_id = "1505084218764547200" }"#,
    note: "",
    create_example: None,
};

fn start(o: SimOptions) -> Starting {
    Box::pin(async move {
        let defaults = KooDriveSimConfig::default();
        let sim = KooDriveSim::start(KooDriveSimConfig {
            seed_shares: o.seed_shares,
            seed: o.seed.unwrap_or(defaults.seed),
            ..defaults
        })
        .await?;
        Ok(Box::new(sim) as Box<dyn RunningSim>)
    })
}

impl RunningSim for KooDriveSim {
    fn base_url(&self) -> String {
        KooDriveSim::base_url(self)
    }
    fn native_ids(&self) -> Vec<String> {
        self.share_ids()
    }
}
