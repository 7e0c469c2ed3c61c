//! Shared helpers of the KooDrive integration tests.
#![allow(dead_code)]

use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use unishare_core::retry::{BreakerConfig, RetryBudget, RetryPolicy};
use unishare_core::{AccountName, CreateShare, Secret, SourceInput};
use unishare_koodrive::{KooDriveAuth, KooDriveConfig, KooDriveProvider};
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};

/// Which auth method a test uses.
#[derive(Clone, Copy, Debug)]
pub enum Method {
    App,
    Token,
}

pub fn policy(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        attempt_timeout: Duration::from_secs(10),
        deadline: Duration::from_secs(20),
        budget: Arc::new(RetryBudget::new(1.0, 100.0)),
        ..RetryPolicy::default()
    }
    // These suites check error mapping and retries one call at a time: a breaker opening
    // after a run of injected failures would hide the vendor's errors (it has its own tests).
    .with_breaker(BreakerConfig {
        failure_threshold: 0,
        cooldown: Duration::ZERO,
    })
}

pub async fn sim(seed_shares: usize) -> KooDriveSim {
    sim_with(KooDriveSimConfig {
        seed_shares,
        ..KooDriveSimConfig::default()
    })
    .await
}

pub async fn sim_with(config: KooDriveSimConfig) -> KooDriveSim {
    KooDriveSim::start(config).await.expect("simulator starts")
}

pub fn auth(method: Method) -> KooDriveAuth {
    let d = KooDriveSimConfig::default();
    match method {
        Method::App => KooDriveAuth::App {
            app_id: d.app_id,
            app_secret: Secret::new(d.app_secret),
            user_id: d.user_id,
        },
        Method::Token => KooDriveAuth::Token {
            token: Secret::new(d.token),
            session_id: Secret::new(d.session_id),
        },
    }
}

pub fn provider_with(
    sim: &KooDriveSim,
    auth: KooDriveAuth,
    page_size: u32,
    retries: u32,
) -> KooDriveProvider {
    KooDriveProvider::new(KooDriveConfig {
        account: AccountName::new("cn").unwrap(),
        base_url: format!("{}/", sim.base_url()),
        auth,
        policy: policy(retries),
        page_size,
        agent_name: None,
    })
    .expect("valid config")
}

pub fn provider(sim: &KooDriveSim, method: Method) -> KooDriveProvider {
    provider_with(sim, auth(method), 100, 0)
}

/// A create request for the simulator's first file, expiring in 7 days.
pub fn create_req(sim: &KooDriveSim) -> CreateShare {
    let (f, c) = sim
        .files()
        .into_iter()
        .next()
        .expect("the simulator has files");
    let mut r = CreateShare::new(SourceInput::Files {
        file_ids: vec![f],
        container_id: c,
    });
    r.expires_at = Some(Utc::now() + chrono::Duration::days(7));
    r
}
