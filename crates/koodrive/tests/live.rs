//! The provider behavior suite against a real KooDrive tenant (opt-in; skipped with one line
//! when unset):
//!
//! - `UNISHARE_LIVE_KOODRIVE_URL`: the API host, e.g. `https://cn.myhuaweicloud-koodrive.com`;
//! - `UNISHARE_LIVE_KOODRIVE_APP_ID`, `UNISHARE_LIVE_KOODRIVE_APP_SECRET`,
//!   `UNISHARE_LIVE_KOODRIVE_USER_ID`: app authentication for a test user;
//! - `UNISHARE_LIVE_KOODRIVE_FILE_ID`, `UNISHARE_LIVE_KOODRIVE_CONTAINER_ID`: a file the suite
//!   may share. The suite revokes only the shares it creates;
//! - optional `UNISHARE_LIVE_KOODRIVE_AGENT_NAME`: the carrier name of a carrier-edition tenant
//!   (sent as `X-Hw-Agentname`).

use chrono::{Duration, Utc};
use std::sync::Arc;
use unishare_core::{AccountName, CreateShare, Secret, SourceInput};
use unishare_koodrive::{KooDriveAuth, KooDriveConfig, KooDriveProvider};
use unishare_testkit::{behavior, live};

#[tokio::test]
async fn behavior_suite_against_a_live_tenant() {
    let Some(vars) = live::env(
        "KooDrive",
        &[
            "UNISHARE_LIVE_KOODRIVE_URL",
            "UNISHARE_LIVE_KOODRIVE_APP_ID",
            "UNISHARE_LIVE_KOODRIVE_APP_SECRET",
            "UNISHARE_LIVE_KOODRIVE_USER_ID",
            "UNISHARE_LIVE_KOODRIVE_FILE_ID",
            "UNISHARE_LIVE_KOODRIVE_CONTAINER_ID",
        ],
    ) else {
        return;
    };
    let [url, app_id, app_secret, user_id, file_id, container_id] =
        <[String; 6]>::try_from(vars).expect("six values");
    let config = KooDriveConfig {
        agent_name: std::env::var("UNISHARE_LIVE_KOODRIVE_AGENT_NAME")
            .ok()
            .filter(|a| !a.trim().is_empty()),
        ..KooDriveConfig::new(
            AccountName::new("live").expect("account name"),
            url,
            KooDriveAuth::App {
                app_id,
                app_secret: Secret::new(app_secret),
                user_id,
            },
        )
    };
    let provider = KooDriveProvider::new(config).expect("provider");
    let mut request = CreateShare::new(SourceInput::Files {
        file_ids: vec![file_id],
        container_id,
    });
    request.expires_at = Some(Utc::now() + Duration::days(1));
    let fixture = live::fixture(Arc::new(provider), request, "1000000000000000001").await;
    behavior::run(&fixture).await;
}
