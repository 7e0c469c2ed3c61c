//! Helpers shared by this crate's tests: a simulator and providers over it.
#![allow(dead_code)]

use std::time::Duration;
use unishare_core::retry::RetryPolicy;
use unishare_core::{AccountName, Inventory, Secret};
use unishare_seafile::{SeafileAuth, SeafileConfig, SeafileProvider};
use unishare_testkit::seafile::{SeafileSim, SeafileSimConfig};

pub async fn sim_with(config: SeafileSimConfig) -> SeafileSim {
    SeafileSim::start(config).await.expect("seafile simulator")
}

pub async fn sim(links: usize) -> SeafileSim {
    sim_with(SeafileSimConfig {
        seed_links: links,
        ..SeafileSimConfig::default()
    })
    .await
}

pub fn config(sim: &SeafileSim, auth: SeafileAuth, inventory: Inventory) -> SeafileConfig {
    let mut config = SeafileConfig::new(
        AccountName::new("sf").expect("account"),
        sim.base_url(),
        auth,
    );
    config.inventory = inventory;
    config.policy = RetryPolicy::new(Duration::from_secs(5), 2);
    config
}

pub fn token_auth(token: &str) -> SeafileAuth {
    SeafileAuth::Token {
        token: Secret::new(token),
    }
}

pub fn password_auth(username: &str, password: &str) -> SeafileAuth {
    SeafileAuth::Password {
        username: username.into(),
        password: Secret::new(password),
    }
}

/// Alice's account, by token.
pub fn user_provider(sim: &SeafileSim) -> SeafileProvider {
    let (_, _, token) = sim.user();
    SeafileProvider::new(config(sim, token_auth(&token), Inventory::User)).expect("provider")
}

/// The administrator's site-wide account, by login.
pub fn site_provider(sim: &SeafileSim) -> SeafileProvider {
    let (user, password, _) = sim.admin();
    SeafileProvider::new(config(
        sim,
        password_auth(&user, &password),
        Inventory::Site,
    ))
    .expect("provider")
}
