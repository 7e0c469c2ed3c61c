//! Every Seafile quirk the adapter handles, against the simulator (or a fault injected into it
//! with the server's own body).

mod common;

use common::{config, password_auth, sim, sim_with, site_provider, token_auth, user_provider};
use serde_json::json;
use std::time::Duration;
use unishare_core::paging::SiteCursor;
use unishare_core::{
    CallContext, CreateShare, ErrorKind, Inventory, Patch, PermissionsInput, ShareProvider,
    SourceInput, UpdateShare,
};
use unishare_seafile::SeafileProvider;
use unishare_testkit::faults::Fault;
use unishare_testkit::seafile::{
    AdminListing, SeafileSim, SeafileSimConfig, ServerVersion, Throttle,
};

fn ctx() -> CallContext {
    CallContext::default()
}

fn versioned(links: usize, version: ServerVersion) -> SeafileSimConfig {
    SeafileSimConfig {
        seed_links: links,
        version,
        ..SeafileSimConfig::default()
    }
}

#[tokio::test]
async fn the_single_object_answer_lists_one_share() {
    let sim = sim_with(versioned(12, ServerVersion::V1)).await;
    let (alice, _, _) = sim.user();
    sim.keep_one_link(&alice);
    let page = user_provider(&sim).list_page(None, &ctx()).await.unwrap();
    assert_eq!(page.shares.len(), 1);
    assert!(page.skipped.is_empty());
    assert_eq!(page.next, None);
    assert_eq!(page.shares[0].native_id, sim.tokens_of(&alice)[0].as_str());
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let sim = sim(6).await;
    sim.faults().inject(
        "list",
        Fault::json(
            429,
            json!({"detail": "Request was throttled. Expected available in 1 second."}),
        )
        .with_header("retry-after", "1"),
        Some(1),
    );
    let page = user_provider(&sim).list_page(None, &ctx()).await.unwrap();
    assert!(!page.shares.is_empty());
    assert_eq!(sim.counters().get("list"), 2);
}

#[tokio::test]
async fn the_throttle_of_the_server_is_honoured() {
    let sim = sim_with(SeafileSimConfig {
        seed_links: 6,
        throttle: Some(Throttle {
            requests: 1,
            window: Duration::from_secs(1),
        }),
        ..SeafileSimConfig::default()
    })
    .await;
    let p = user_provider(&sim);
    p.list_page(None, &ctx()).await.unwrap();
    // The second call inside the window is throttled, waits its Retry-After, then passes.
    p.list_page(None, &ctx()).await.unwrap();
    assert_eq!(sim.counters().get("list"), 3);
}

/// A user-inventory provider signing in with the simulator user's password.
fn password_provider(sim: &SeafileSim) -> SeafileProvider {
    let (user, password, _) = sim.user();
    SeafileProvider::new(config(
        sim,
        password_auth(&user, &password),
        Inventory::User,
    ))
    .unwrap()
}

#[tokio::test]
async fn a_password_account_logs_in_once_and_again_when_the_token_is_refused() {
    let sim = sim(6).await;
    let p = password_provider(&sim);
    p.list_page(None, &ctx()).await.unwrap();
    p.list_page(None, &ctx()).await.unwrap();
    assert_eq!(sim.counters().get("auth"), 1);
    sim.faults().inject(
        "list",
        Fault::json(401, json!({"detail": "Invalid token"})),
        Some(1),
    );
    p.list_page(None, &ctx()).await.unwrap();
    assert_eq!(sim.counters().get("auth"), 2);
}

#[tokio::test]
async fn concurrent_first_calls_of_a_password_account_sign_in_once() {
    let sim = sim(6).await;
    let p = password_provider(&sim);
    let ctx = ctx();
    let calls = (0..8).map(|_| p.list_page(None, &ctx));
    for page in futures::future::join_all(calls).await {
        page.unwrap();
    }
    // One sign-in in flight (the shared `TokenCache`); the others waited and used its key.
    assert_eq!(sim.counters().get("auth"), 1);
    assert_eq!(sim.counters().get("list"), 8);
}

#[tokio::test]
async fn a_refused_token_is_upstream_auth_and_never_retried() {
    let sim = sim(6).await;
    let p = SeafileProvider::new(config(
        &sim,
        token_auth("deadbeefdeadbeef"),
        Inventory::User,
    ))
    .unwrap();
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert!(!e.to_string().contains("deadbeef"), "{e}");
    assert_eq!(sim.counters().get("list"), 1);
    // Old servers answer 403 "credentials were not provided": the same.
    let old = sim_with(versioned(0, ServerVersion::V1)).await;
    let p = SeafileProvider::new(config(&old, token_auth("deadbeef"), Inventory::User)).unwrap();
    assert_eq!(
        p.list_page(None, &ctx()).await.unwrap_err().kind(),
        ErrorKind::UpstreamAuth
    );
}

#[tokio::test]
async fn bad_logins_and_two_factor_prompts_are_upstream_auth() {
    let sim = sim_with(SeafileSimConfig {
        two_factor: true,
        ..SeafileSimConfig::default()
    })
    .await;
    let (user, password, _) = sim.user();
    let p = SeafileProvider::new(config(
        &sim,
        password_auth(&user, &password),
        Inventory::User,
    ))
    .unwrap();
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert!(e.message().contains("method = \"token\""), "{e}");
    assert!(!format!("{e} {e:?}").contains(&password));
    let p = SeafileProvider::new(config(
        &sim,
        password_auth(&user, "wrong-password"),
        Inventory::User,
    ))
    .unwrap();
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert!(!format!("{e} {e:?}").contains("wrong-password"));
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let sim = sim(0).await;
    sim.faults().inject(
        "list",
        Fault::text(302, "").with_header("location", "https://login.example.net/sso?next=/api"),
        None,
    );
    let e = user_provider(&sim)
        .list_page(None, &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    assert!(
        e.message().contains("login.example.net") && !e.message().contains("sso"),
        "{e}"
    );
}

fn create_req(uri: String) -> CreateShare {
    CreateShare::new(SourceInput::Uri { uri })
}

#[tokio::test]
async fn a_second_link_for_a_path_is_a_conflict() {
    let sim = sim(0).await;
    let p = user_provider(&sim);
    let req = create_req(sim.free_sources().remove(0));
    p.create(&req, &ctx()).await.unwrap();
    assert_eq!(
        p.create(&req, &ctx()).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    let bad = create_req("seafile://not-hex!/x".into());
    assert_eq!(
        p.create(&bad, &ctx()).await.unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
}

#[tokio::test]
async fn old_servers_cannot_take_an_expiry_and_say_so() {
    let sim = sim_with(versioned(0, ServerVersion::V1)).await;
    let p = user_provider(&sim);
    let mut req = create_req(sim.free_sources().remove(0));
    req.expires_at = Some(chrono::Utc::now() + chrono::Duration::days(3));
    let e = p.create(&req, &ctx()).await.unwrap_err();
    assert_eq!(e.capability(), Some("create_with_expiry"), "{e}");
    let created = p
        .create(&create_req(sim.free_sources().remove(1)), &ctx())
        .await
        .unwrap();
    let update = UpdateShare {
        expires_at: Patch::Set(chrono::Utc::now() + chrono::Duration::days(3)),
        ..Default::default()
    };
    let e = p
        .update(&created.native_id, &update, &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.capability(), Some("update_expiry"), "{e}");
}

#[tokio::test]
async fn a_permissions_only_put_changes_permissions_and_refuses_expiry() {
    let sim = sim_with(versioned(0, ServerVersion::V3)).await;
    let p = user_provider(&sim);
    let created = p
        .create(&create_req(sim.free_sources().remove(0)), &ctx())
        .await
        .unwrap();
    assert_eq!(created.permissions.download, Some(true));
    let update = UpdateShare {
        permissions: Some(PermissionsInput {
            download: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    };
    let updated = p.update(&created.native_id, &update, &ctx()).await.unwrap();
    assert_eq!(
        (updated.permissions.download, updated.permissions.edit),
        (Some(false), Some(false))
    );
    let update = UpdateShare {
        expires_at: Patch::Set(chrono::Utc::now() + chrono::Duration::days(3)),
        ..Default::default()
    };
    let e = p
        .update(&created.native_id, &update, &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.capability(), Some("update_expiry"), "{e}");
    let clear = UpdateShare {
        expires_at: Patch::Clear,
        ..Default::default()
    };
    let e = p
        .update(&created.native_id, &clear, &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn revoking_an_unknown_token_is_revoked_or_absent() {
    let sim = sim(3).await;
    let out = user_provider(&sim)
        .revoke(&["0123456789abcdef0123".into()], &ctx())
        .await
        .unwrap();
    assert!(out[0].result.is_ok());
    // The first admin route answers 404 for it: the same outcome.
    let sim = sim_with(SeafileSimConfig {
        seed_links: 3,
        admin_listing: AdminListing::A1,
        ..SeafileSimConfig::default()
    })
    .await;
    let out = site_provider(&sim)
        .revoke(&["0123456789abcdef0123".into()], &ctx())
        .await
        .unwrap();
    assert!(out[0].result.is_ok(), "{:?}", out[0].result);
}

#[tokio::test]
async fn a_site_account_lists_owners_and_revokes_anyones_link_but_edits_only_its_own() {
    let sim = sim(9).await;
    let p = site_provider(&sim);
    let page = p.list_page(None, &ctx()).await.unwrap();
    assert_eq!(page.shares.len(), 9);
    let (bob, _, _) = sim.other_user();
    let bobs = page
        .shares
        .iter()
        .find(|s| s.owner.as_ref().is_some_and(|o| o.id == bob.as_str()))
        .expect("a link of Bob's");
    assert_eq!(bobs.owner.as_ref().unwrap().name.as_deref(), Some("User 2"));
    assert!(bobs.url.starts_with(&sim.base_url()));
    let update = UpdateShare {
        expires_at: Patch::Set(chrono::Utc::now() + chrono::Duration::days(3)),
        ..Default::default()
    };
    assert_eq!(
        p.update(&bobs.native_id, &update, &ctx())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Forbidden
    );
    let out = p
        .revoke(&[bobs.native_id.to_string()], &ctx())
        .await
        .unwrap();
    assert!(out[0].result.is_ok());
    assert!(!sim.all_tokens().contains(&bobs.native_id.to_string()));
}

#[tokio::test]
async fn a_count_change_during_a_site_crawl_restarts_it() {
    let sim = sim(150).await;
    let p = site_provider(&sim);
    let first = p.list_page(None, &ctx()).await.unwrap();
    assert_eq!(first.shares.len(), 100);
    let next = first.next.expect("a second page");
    let (alice, _, _) = sim.user();
    sim.add_link(&alice);
    let restarted = p.list_page(Some(&next), &ctx()).await.unwrap();
    assert!(restarted.shares.is_empty());
    let cursor = SiteCursor::parse(restarted.next.as_ref().unwrap(), "Seafile").unwrap();
    assert_eq!((cursor.page, cursor.total, cursor.restarts), (1, 151, 1));
}

#[tokio::test]
async fn a_user_token_cannot_list_the_site() {
    let sim = sim(3).await;
    let (_, _, token) = sim.user();
    let p = SeafileProvider::new(config(&sim, token_auth(&token), Inventory::Site)).unwrap();
    let e = p.list_page(None, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert!(e.message().contains("not a Seafile administrator"), "{e}");
}

#[tokio::test]
async fn a_link_deleted_between_list_and_detail_is_left_out() {
    let sim = sim(5).await;
    let victim = sim.all_tokens()[2].clone();
    sim.faults().inject(
        "admin_get",
        Fault::json(
            404,
            json!({"error_msg": format!("Share link {victim} not found.")}),
        ),
        Some(1),
    );
    let page = site_provider(&sim).list_page(None, &ctx()).await.unwrap();
    assert_eq!(page.shares.len(), 4);
    assert!(page.skipped.is_empty());
}

#[tokio::test]
async fn bad_configuration_is_refused_without_a_call() {
    let sim = sim(0).await;
    for url in ["ftp://x", "not a url", "http://host/?q=1"] {
        let mut c = config(&sim, token_auth("abc"), Inventory::User);
        c.base_url = url.into();
        assert_eq!(
            SeafileProvider::new(c).err().map(|e| e.kind()),
            Some(ErrorKind::InvalidRequest),
            "{url}"
        );
    }
    let c = config(&sim, token_auth("a b"), Inventory::User);
    assert!(SeafileProvider::new(c).is_err());
    let c = config(&sim, password_auth("", "x"), Inventory::User);
    assert!(SeafileProvider::new(c).is_err());
    assert_eq!(sim.counters().snapshot().values().sum::<u64>(), 0);
}

#[tokio::test]
async fn a_user_account_never_reads_another_users_link() {
    let sim = sim(9).await;
    let (bob, _, _) = sim.other_user();
    let theirs = sim.tokens_of(&bob).remove(0);
    // The server answers the detail of any token; the account refuses what is not its own.
    let e = user_provider(&sim).get(&theirs, &ctx()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let (alice, _, _) = sim.user();
    let mine = sim.tokens_of(&alice).remove(0);
    user_provider(&sim).get(&mine, &ctx()).await.unwrap();
}
