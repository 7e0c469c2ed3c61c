//! This simulator's entry in the simulator list (`sims.rs`).

use super::{CloudreveSim, CloudreveSimConfig};
use crate::sims::{RunningSim, SimEntry, SimOptions, Starting};

/// The Cloudreve simulator, as the list holds it.
pub static SIM: SimEntry = SimEntry {
    provider: "cloudreve",
    label: "Cloudreve",
    start,
    auth: r#"{ method = "password", email = "admin@cloudreve.org", password = "demo-password" }"#,
    note: "",
    create_example: Some(
        r#"{"source": {"uri": "cloudreve://my/Reports"}, "password": "s3cret12", "max_downloads": 10}"#,
    ),
};

fn start(o: SimOptions) -> Starting {
    Box::pin(async move {
        let defaults = CloudreveSimConfig::default();
        let sim = CloudreveSim::start(CloudreveSimConfig {
            seed_shares: o.seed_shares,
            other_users: o.other_users,
            seed: o.seed.unwrap_or(defaults.seed),
            ..defaults
        })
        .await?;
        Ok(Box::new(sim) as Box<dyn RunningSim>)
    })
}

impl RunningSim for CloudreveSim {
    fn base_url(&self) -> String {
        CloudreveSim::base_url(self)
    }
    fn native_ids(&self) -> Vec<String> {
        self.share_ids()
    }
    fn owners(&self) -> usize {
        self.users().len()
    }
}
