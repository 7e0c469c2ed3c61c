//! Shared test helpers: a simulator plus a provider over it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;
use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
use unishare_core::retry::{BreakerConfig, RetryBudget, RetryPolicy};
use unishare_core::{AccountName, Secret};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

/// A fast policy: `max_retries` retries with millisecond backoff.
pub fn policy(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        attempt_timeout: Duration::from_secs(10),
        deadline: Duration::from_secs(60),
        budget: Arc::new(RetryBudget::new(1.0, 1000.0)),
        ..RetryPolicy::default()
    }
    // These suites check error mapping and retries one call at a time: a breaker opening
    // after a run of injected failures would hide the vendor's errors (it has its own tests).
    .with_breaker(BreakerConfig {
        failure_threshold: 0,
        cooldown: Duration::ZERO,
    })
}

pub fn password_auth(sim_cfg: &CloudreveSimConfig) -> CloudreveAuth {
    CloudreveAuth::Password {
        email: sim_cfg.email.clone(),
        password: Secret::new(sim_cfg.password.clone()),
    }
}

pub fn provider_with(
    sim: &CloudreveSim,
    auth: CloudreveAuth,
    page_size: u32,
    max_retries: u32,
) -> CloudreveProvider {
    let mut cfg = CloudreveConfig::new(
        AccountName::new("hq").expect("account"),
        sim.base_url(),
        auth,
    );
    cfg.page_size = page_size;
    cfg.policy = policy(max_retries);
    CloudreveProvider::new(cfg).expect("provider")
}

/// A simulator with `shares` seeded shares and a password-auth provider over it.
pub async fn setup(
    shares: usize,
    page_size: u32,
    max_retries: u32,
) -> (CloudreveSim, CloudreveProvider) {
    let cfg = CloudreveSimConfig {
        seed_shares: shares,
        ..Default::default()
    };
    let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
    let p = provider_with(&sim, password_auth(&cfg), page_size, max_retries);
    (sim, p)
}

/// Signs in to the simulator directly and returns the refresh token.
pub async fn refresh_token_from(sim: &CloudreveSim, cfg: &CloudreveSimConfig) -> String {
    let v: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v4/session/token", sim.base_url()))
        .json(&serde_json::json!({"email": cfg.email, "password": cfg.password}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login json");
    assert_eq!(v["code"], 0, "{v}");
    v["data"]["token"]["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned()
}
