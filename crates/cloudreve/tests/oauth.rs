//! `auth = { method = "oauth", … }`: the code exchange, refresh with rotation persisted, and
//! scopes (`40089`), against the simulator (BE-4.18 `service/oauth/oauth.go`,
//! `pkg/auth/jwt.go` `CheckScope`).

mod common;

use unishare_cloudreve::oauth::{self, Grant};
use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
use unishare_core::{
    AccountName, CallContext, CreateShare, ErrorKind, Inventory, Secret, ShareProvider, SourceInput,
};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

const CLIENT: &str = "3f1c9e2a-unishare";
const SECRET: &str = "app-secret-0123456789";

async fn sim() -> CloudreveSim {
    CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 12,
        oauth_client: Some((CLIENT.into(), SECRET.into())),
        ..Default::default()
    })
    .await
    .expect("sim")
}

/// What `unishare login cloudreve` does, with the simulator standing in for the person who
/// consents on the web page.
async fn login(sim: &CloudreveSim, scopes: &str) -> Grant {
    let a =
        oauth::authorize(&sim.base_url(), CLIENT, "http://127.0.0.1:9/cb", scopes).expect("url");
    let challenge = a
        .url
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .map(|(_, v)| v.into_owned());
    let scopes: Vec<&str> = scopes.split(' ').collect();
    let code = sim.authorize(&scopes, challenge.as_deref());
    let pasted = format!("http://127.0.0.1:9/cb?code={code}&state={}", a.state);
    let code = oauth::code_from_input(&pasted, &a.state).expect("code");
    oauth::exchange_code(
        &sim.base_url(),
        CLIENT,
        &Secret::new(SECRET),
        &code,
        &a.code_verifier,
    )
    .await
    .expect("exchange")
}

fn provider(
    sim: &CloudreveSim,
    grant: &Grant,
    persist: Option<std::path::PathBuf>,
    inventory: Inventory,
) -> CloudreveProvider {
    let mut c = CloudreveConfig::new(
        AccountName::new("hq").expect("name"),
        sim.base_url(),
        CloudreveAuth::OAuth {
            client_id: CLIENT.into(),
            client_secret: Secret::new(SECRET),
            refresh_token: grant.refresh_token.clone(),
            persist_to: persist,
        },
    );
    c.policy = common::policy(0);
    c.inventory = inventory;
    CloudreveProvider::new(c).expect("provider")
}

#[tokio::test]
async fn the_grant_is_exchanged_refreshed_and_its_rotation_persisted() {
    let sim = sim().await;
    let grant = login(&sim, oauth::USER_SCOPES).await;
    assert_eq!(grant.scope, oauth::USER_SCOPES);
    let dir = std::env::temp_dir().join(format!("unishare-oauth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("hq.refresh");
    oauth::save_refresh_token(&file, &grant.refresh_token).expect("save");
    let p = provider(&sim, &grant, Some(file.clone()), Inventory::User);
    let page = p
        .list_page(None, &CallContext::default())
        .await
        .expect("list");
    assert_eq!(page.shares.len(), 12);
    let first = std::fs::read_to_string(&file).expect("read");
    assert_ne!(
        first.trim(),
        grant.refresh_token.expose(),
        "rotated at the first refresh"
    );
    // Access tokens die: the next call refreshes from the newest token and stores the next.
    sim.expire_access_tokens();
    p.list_page(None, &CallContext::default())
        .await
        .expect("list again");
    let second = std::fs::read_to_string(&file).expect("read");
    assert_ne!(second, first);
    assert_eq!(sim.counters().get("refresh"), 2);
    assert_eq!(
        sim.counters().get("login"),
        0,
        "an OAuth account never signs in"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_missing_scope_is_an_account_error_naming_it() {
    let sim = sim().await;
    let grant = login(&sim, "Shares.Read offline_access").await;
    let p = provider(&sim, &grant, None, Inventory::User);
    p.list_page(None, &CallContext::default())
        .await
        .expect("Shares.Read lists");
    let uri = sim.source_uris()[0].clone();
    let e = p
        .create(
            &CreateShare::new(SourceInput::Uri { uri }),
            &CallContext::default(),
        )
        .await
        .expect_err("no Shares.Write");
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth, "{e}");
    assert!(e.message().contains("Shares.Write"), "{e}");
    assert_eq!(e.vendor_code(), Some("40089"));

    let site = provider(&sim, &grant, None, Inventory::Site);
    let e = site
        .list_page(None, &CallContext::default())
        .await
        .expect_err("no Admin.Read");
    assert!(e.message().contains("Admin.Read"), "{e}");
}

#[tokio::test]
async fn a_bad_code_or_secret_is_refused_and_no_refresh_token_without_offline_access() {
    let sim = sim().await;
    let a = oauth::authorize(
        &sim.base_url(),
        CLIENT,
        "http://127.0.0.1:9/cb",
        oauth::USER_SCOPES,
    )
    .expect("url");
    let e = oauth::exchange_code(
        &sim.base_url(),
        CLIENT,
        &Secret::new(SECRET),
        "nope",
        &a.code_verifier,
    )
    .await
    .expect_err("unknown code");
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert!(
        e.message()
            .contains("Invalid or expired authorization code"),
        "{e}"
    );
    let code = sim.authorize(&["Shares.Write", "offline_access"], None);
    let e = oauth::exchange_code(
        &sim.base_url(),
        CLIENT,
        &Secret::new("wrong"),
        &code,
        &a.code_verifier,
    )
    .await
    .expect_err("bad secret");
    assert!(
        !e.message().contains("wrong"),
        "the secret is not echoed: {e}"
    );
    let code = sim.authorize(&["Shares.Write"], None);
    let e = oauth::exchange_code(
        &sim.base_url(),
        CLIENT,
        &Secret::new(SECRET),
        &code,
        &a.code_verifier,
    )
    .await
    .expect_err("no offline_access");
    assert!(e.message().contains("offline_access"), "{e}");
}
