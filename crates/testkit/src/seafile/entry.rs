//! This simulator's entry in the simulator list (`sims.rs`).

use super::{SeafileSim, SeafileSimConfig};
use crate::sims::{RunningSim, SimEntry, SimOptions, Starting};

/// The Seafile simulator (current server shapes), as the list holds it. Its built-in
/// credentials are the administrator's login, good for `inventory = "user"` (the admin's own
/// links) and `inventory = "site"` (every user's).
pub static SIM: SimEntry = SimEntry {
    provider: "seafile",
    label: "Seafile",
    start,
    auth: r#"{ method = "password", username = "admin@example.com", password = "admin-pass-1" }"#,
    note: " (links are spread over the admin and two users; views are counted)",
    create_example: None,
};

fn start(o: SimOptions) -> Starting {
    Box::pin(async move {
        let defaults = SeafileSimConfig::default();
        let sim = SeafileSim::start(SeafileSimConfig {
            seed_links: o.seed_shares,
            seed: o.seed.unwrap_or(defaults.seed),
            ..defaults
        })
        .await?;
        Ok(Box::new(sim) as Box<dyn RunningSim>)
    })
}

impl RunningSim for SeafileSim {
    fn base_url(&self) -> String {
        SeafileSim::base_url(self)
    }
    fn native_ids(&self) -> Vec<String> {
        self.all_tokens()
    }
    fn owners(&self) -> usize {
        self.state.lock().users.len()
    }
}
