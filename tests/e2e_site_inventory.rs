//! End to end, over HTTP, against the real binary: a site-wide Cloudreve account (every
//! user's links with owners), the owner filter, `by_owner`, and offboarding by filter.

mod common;
use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

async fn site_sim(admin: bool) -> CloudreveSim {
    CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 120,
        other_users: 3,
        admin,
        ..Default::default()
    })
    .await
    .expect("cloudreve simulator")
}

fn site_config(corp: &CloudreveSim, extra_account: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"

[cache]
ttl = "1h"
max_stale = "2h"

[[accounts]]
name = "corp"
provider = "cloudreve"
base_url = "{}"
inventory = "site"
page_size = 25
auth = {{ method = "password", email = "admin@cloudreve.org", password = "demo-password" }}
{extra_account}
"#,
        corp.base_url()
    )
}

async fn revoke(g: &Gateway, body: Value) -> (u16, Value) {
    send(
        reqwest::Client::new()
            .post(g.url("/v1/shares/revoke"))
            .json(&body),
        None,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_users_links_with_owners_and_offboarding_by_owner() {
    let corp = site_sim(true).await;
    let g = Gateway::start(&site_config(&corp, ""));
    g.ready().await;

    let (_, accounts) = get(&g.url("/v1/accounts"), None).await;
    assert_eq!(accounts["accounts"][0]["inventory"], "site", "{accounts}");
    assert_eq!(
        accounts["accounts"][0]["capabilities"]["site_inventory"],
        true
    );

    // Every share of every user, exactly once.
    let ids = walk(&g, "account=corp&limit=17", None).await;
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no share twice");
    let expected: HashSet<String> = corp
        .share_ids()
        .into_iter()
        .map(|n| format!("corp:{n}"))
        .collect();
    assert_eq!(unique, expected.iter().collect());

    // Owner filter: by e-mail (any case) and by id; repeatable.
    let users = corp.users();
    let (alice, alice_id) = users[1].clone();
    let alice_ids: HashSet<String> = corp
        .share_ids_of(&alice)
        .into_iter()
        .map(|n| format!("corp:{n}"))
        .collect();
    assert!(!alice_ids.is_empty());
    let by_email: HashSet<String> = walk(
        &g,
        &format!("owner={}&limit=1000", alice.to_uppercase()),
        None,
    )
    .await
    .into_iter()
    .collect();
    assert_eq!(by_email, alice_ids);
    let by_id: HashSet<String> = walk(&g, &format!("owner={alice_id}"), None)
        .await
        .into_iter()
        .collect();
    assert_eq!(by_id, alice_ids);
    let (bob, _) = users[2].clone();
    let both = walk(&g, &format!("owner={alice}&owner={bob}&limit=1000"), None).await;
    assert_eq!(both.len(), alice_ids.len() + corp.share_ids_of(&bob).len());
    let (_, page) = get(&g.url(&format!("/v1/shares?owner={alice}&limit=1")), None).await;
    assert_eq!(page["shares"][0]["owner"]["email"], alice.as_str());
    assert_eq!(page["total"], alice_ids.len());

    // by_owner: every owner, most links first, counts matching the filter.
    let (status, stats) = get(&g.url("/v1/stats"), None).await;
    assert_eq!(status, 200, "{stats}");
    let owners = stats["by_owner"].as_array().expect("by_owner");
    assert_eq!(owners.len(), 4);
    let total: u64 = owners
        .iter()
        .map(|o| o["shares"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, 120);
    assert!(owners
        .windows(2)
        .all(|w| w[0]["shares"].as_u64() >= w[1]["shares"].as_u64()));
    let alice_row = owners
        .iter()
        .find(|o| o["owner"]["email"] == alice.as_str())
        .expect("alice");
    assert_eq!(alice_row["shares"], alice_ids.len());
    assert_eq!(alice_row["owner"]["id"], alice_id.as_str());

    // Offboarding: a dry run, a stale expectation (409, nothing revoked), the real run.
    let (status, dry) = revoke(&g, json!({"where": {"owner": alice}, "dry_run": true})).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["matched"], alice_ids.len());
    let listed: HashSet<String> = dry["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(listed, alice_ids);
    let (status, problem) = revoke(
        &g,
        json!({"where": {"owner": alice}, "expect": alice_ids.len() + 1}),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["matched"], alice_ids.len());
    assert!(corp.deleted_ids().is_empty(), "nothing revoked on a 409");
    let (status, done) = revoke(
        &g,
        json!({"where": {"owner": [alice.clone()]}, "expect": alice_ids.len()}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["revoked"], alice_ids.len());
    assert_eq!(done["failed"], 0);
    let deleted: HashSet<String> = corp
        .deleted_ids()
        .into_iter()
        .map(|n| format!("corp:{n}"))
        .collect();
    assert_eq!(
        deleted, alice_ids,
        "the vendor saw exactly the owner's deletes"
    );
    assert!(corp.share_ids_of(&alice).is_empty());
    // Read-your-writes: the owner has no links left.
    let (_, after) = get(&g.url(&format!("/v1/shares?owner={alice}")), None).await;
    assert_eq!(after["total"], 0, "{after}");

    // Bad requests are 400s.
    for body in [
        json!({"where": {"owner": alice}}),
        json!({"where": {"owner": alice}, "dry_run": true, "expect": 1}),
        json!({"where": {"nope": 1}, "dry_run": true}),
        json!({"ids": ["corp:x"], "where": {}, "dry_run": true}),
        json!({"where": {"owner": {"a": 1}}, "dry_run": true}),
    ] {
        let (status, problem) = revoke(&g, body.clone()).await;
        assert_eq!(status, 400, "{body} → {problem}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_account_without_admin_rights_is_partial_with_its_error() {
    let corp = site_sim(false).await;
    let other = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 15,
        ..Default::default()
    })
    .await
    .expect("cloudreve simulator");
    let extra = format!(
        r#"
[[accounts]]
name = "hq"
provider = "cloudreve"
base_url = "{}"
auth = {{ method = "password", email = "admin@cloudreve.org", password = "demo-password" }}
"#,
        other.base_url()
    );
    let g = Gateway::start(&site_config(&corp, &extra));
    g.ready().await;
    let (status, page) = get(&g.url("/v1/shares?limit=100"), None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["partial"], true);
    assert_eq!(page["total"], 15, "the other account is still served");
    let err = page["errors"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["account"] == "corp"))
        .expect("corp's error");
    assert_eq!(err["kind"], "upstream_auth", "{err}");
    assert!(
        err["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not a site administrator")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_without_a_site_listing_refuses_site_inventory_at_config_check() {
    let v = vendors(0).await;
    let config = format!(
        r#"
[server]
listen = "127.0.0.1:0"

[[accounts]]
name = "cn"
provider = "koodrive"
base_url = "{}"
inventory = "site"
auth = {{ method = "app", app_id = "demo-app", app_secret = "demo-app-secret", user_id = "1505084218764547200" }}
"#,
        v.koodrive.base_url()
    );
    let path = std::env::temp_dir().join(format!("unishare-site-{}.toml", std::process::id()));
    std::fs::write(&path, config).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&path);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("accounts[0].inventory"), "{stderr}");
    assert!(stderr.contains("no site-wide listing"), "{stderr}");
}
