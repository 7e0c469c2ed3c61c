//! This simulator's entry in the simulator list (`sims.rs`).

use super::{NextcloudSim, NextcloudSimConfig};
use crate::sims::{RunningSim, SimEntry, SimOptions, Starting};

/// The Nextcloud simulator (server zone UTC, the account default), as the list holds it.
pub static SIM: SimEntry = SimEntry {
    provider: "nextcloud",
    label: "Nextcloud",
    start,
    auth: r#"{ method = "app_password", user = "alice", app_password = "Xq7pL-wN2mK-8vRtY-3sZaB-c4DeF" }"#,
    note: " (expired ones are deleted by the server when listed)",
    create_example: None,
};

fn start(o: SimOptions) -> Starting {
    Box::pin(async move {
        let defaults = NextcloudSimConfig::default();
        let sim = NextcloudSim::start(NextcloudSimConfig {
            seed_shares: o.seed_shares,
            seed: o.seed.unwrap_or(defaults.seed),
            ..defaults
        })
        .await?;
        Ok(Box::new(sim) as Box<dyn RunningSim>)
    })
}

impl RunningSim for NextcloudSim {
    fn base_url(&self) -> String {
        NextcloudSim::base_url(self)
    }
    fn native_ids(&self) -> Vec<String> {
        self.link_ids()
    }
}
