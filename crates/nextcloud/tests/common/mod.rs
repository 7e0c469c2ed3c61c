//! Helpers shared by this crate's tests: a simulator and a provider over it.
#![allow(dead_code)]

use unishare_core::retry::RetryPolicy;
use unishare_core::{AccountName, Secret};
use unishare_nextcloud::{NextcloudAuth, NextcloudConfig, NextcloudProvider, ServerZone};
use unishare_testkit::nextcloud::{NextcloudSim, NextcloudSimConfig};

/// +02:00, the zone the tests' server writes dates in.
pub const ZONE_SECS: i32 = 7200;

pub async fn sim_with(config: NextcloudSimConfig) -> NextcloudSim {
    NextcloudSim::start(NextcloudSimConfig {
        zone_offset_secs: ZONE_SECS,
        ..config
    })
    .await
    .expect("nextcloud simulator")
}

pub async fn sim(links: usize) -> NextcloudSim {
    sim_with(NextcloudSimConfig {
        seed_shares: links,
        ..NextcloudSimConfig::default()
    })
    .await
}

pub fn provider_with_password(sim: &NextcloudSim, app_password: &str) -> NextcloudProvider {
    let (user, _) = sim.credentials();
    let mut config = NextcloudConfig::new(
        AccountName::new("nc").expect("account"),
        sim.base_url(),
        NextcloudAuth::AppPassword {
            user,
            app_password: Secret::new(app_password),
        },
    );
    config.zone = "+02:00".parse::<ServerZone>().expect("zone");
    config.policy = RetryPolicy::new(std::time::Duration::from_secs(5), 1);
    NextcloudProvider::new(config).expect("provider")
}

pub fn provider(sim: &NextcloudSim) -> NextcloudProvider {
    let (_, password) = sim.credentials();
    provider_with_password(sim, &password)
}
