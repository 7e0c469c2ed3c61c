//! The provider behavior suite against a real Nextcloud server (opt-in; skipped with one line
//! when unset):
//!
//! - `UNISHARE_LIVE_NEXTCLOUD_URL`: the server root, e.g. `https://cloud.example.com`;
//! - `UNISHARE_LIVE_NEXTCLOUD_USER`, `UNISHARE_LIVE_NEXTCLOUD_APP_PASSWORD`: a test user and an
//!   app password of theirs;
//! - `UNISHARE_LIVE_NEXTCLOUD_PATH`: a file of that user the suite may share, e.g.
//!   `/unishare-live.txt`;
//! - `UNISHARE_LIVE_NEXTCLOUD_TIMEZONE` (optional, default `UTC`): the server's zone as an
//!   offset. The suite revokes only the shares it creates.

use std::sync::Arc;
use unishare_core::{AccountName, CreateShare, Secret, SourceInput};
use unishare_nextcloud::{NextcloudAuth, NextcloudConfig, NextcloudProvider, ServerZone};
use unishare_testkit::{behavior, live};

#[tokio::test]
async fn behavior_suite_against_a_live_server() {
    let Some(vars) = live::env(
        "Nextcloud",
        &[
            "UNISHARE_LIVE_NEXTCLOUD_URL",
            "UNISHARE_LIVE_NEXTCLOUD_USER",
            "UNISHARE_LIVE_NEXTCLOUD_APP_PASSWORD",
            "UNISHARE_LIVE_NEXTCLOUD_PATH",
        ],
    ) else {
        return;
    };
    let [url, user, app_password, path] = <[String; 4]>::try_from(vars).expect("four values");
    let mut config = NextcloudConfig::new(
        AccountName::new("live").expect("account name"),
        url,
        NextcloudAuth::AppPassword {
            user,
            app_password: Secret::new(app_password),
        },
    );
    if let Ok(zone) = std::env::var("UNISHARE_LIVE_NEXTCLOUD_TIMEZONE") {
        config.zone = zone
            .parse::<ServerZone>()
            .expect("UNISHARE_LIVE_NEXTCLOUD_TIMEZONE");
    }
    let provider = NextcloudProvider::new(config).expect("provider");
    let request = CreateShare::new(SourceInput::Uri { uri: path });
    let fixture = live::fixture(Arc::new(provider), request, "999999999").await;
    behavior::run(&fixture).await;
}
