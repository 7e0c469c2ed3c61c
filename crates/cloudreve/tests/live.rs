//! The provider behavior suite against a real Cloudreve v4 server (opt-in; skipped with one
//! line when unset):
//!
//! - `UNISHARE_LIVE_CLOUDREVE_URL`: the site root, e.g. `https://drive.example.com`;
//! - `UNISHARE_LIVE_CLOUDREVE_EMAIL`, `UNISHARE_LIVE_CLOUDREVE_PASSWORD`: a test account;
//! - `UNISHARE_LIVE_CLOUDREVE_SOURCE`: a file or folder URI the suite may share, e.g.
//!   `cloudreve://my/unishare-live`. The suite revokes only the shares it creates.

use std::sync::Arc;
use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
use unishare_core::{AccountName, CreateShare, Secret, SourceInput};
use unishare_testkit::{behavior, live};

#[tokio::test]
async fn behavior_suite_against_a_live_server() {
    let Some(vars) = live::env(
        "Cloudreve",
        &[
            "UNISHARE_LIVE_CLOUDREVE_URL",
            "UNISHARE_LIVE_CLOUDREVE_EMAIL",
            "UNISHARE_LIVE_CLOUDREVE_PASSWORD",
            "UNISHARE_LIVE_CLOUDREVE_SOURCE",
        ],
    ) else {
        return;
    };
    let [url, email, password, source] = <[String; 4]>::try_from(vars).expect("four values");
    let config = CloudreveConfig::new(
        AccountName::new("live").expect("account name"),
        url,
        CloudreveAuth::Password {
            email,
            password: Secret::new(password),
        },
    );
    let provider = CloudreveProvider::new(config).expect("provider");
    let request = CreateShare::new(SourceInput::Uri { uri: source });
    let fixture = live::fixture(Arc::new(provider), request, "zzzzzzzz").await;
    behavior::run(&fixture).await;
}
