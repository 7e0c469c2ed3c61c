//! End to end, over HTTP, against the real binary: KooDrive as Huawei's current reference
//! describes it (`shared/vendors/koodrive.md` §11) next to the older seed page, and a carrier
//! tenant configured with `agent_name`.

mod common;
use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use unishare_testkit::koodrive::{DocShape, KooDriveSim, KooDriveSimConfig};

async fn kd(shape: DocShape, carrier: Option<&str>, seed: u64) -> KooDriveSim {
    KooDriveSim::start(KooDriveSimConfig {
        seed_shares: 60,
        seed,
        shape,
        carrier_agent: carrier.map(str::to_owned),
        short_page_probability: 0.2,
        ..KooDriveSimConfig::default()
    })
    .await
    .expect("koodrive simulator")
}

/// Three KooDrive accounts: `cur` (current reference), `seed` (seed page) and `carrier`
/// (current reference, carrier tenant, token auth with `agent_name`).
fn three_accounts(cur: &KooDriveSim, seed: &KooDriveSim, carrier: &KooDriveSim) -> String {
    let d = KooDriveSimConfig::default();
    let app = format!(
        r#"{{ method = "app", app_id = "{}", app_secret = "{}", user_id = "{}" }}"#,
        d.app_id, d.app_secret, d.user_id
    );
    format!(
        r#"
[server]
listen = "127.0.0.1:0"

[[accounts]]
name = "cur"
provider = "koodrive"
base_url = "{}"
auth = {app}

[[accounts]]
name = "seed"
provider = "koodrive"
base_url = "{}"
auth = {app}

[[accounts]]
name = "carrier"
provider = "koodrive"
base_url = "{}"
auth = {{ method = "token", token = "{}", session_id = "{}", agent_name = "demo-carrier" }}
"#,
        cur.base_url(),
        seed.base_url(),
        carrier.base_url(),
        d.token,
        d.session_id,
    )
}

fn ids(shares: &[Value]) -> HashSet<String> {
    shares
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_without_extract_code_is_password_unknown_and_matches_neither_filter() {
    let (cur, seed, carrier) = (
        kd(DocShape::CurrentReference, None, 3).await,
        kd(DocShape::SeedPage, None, 4).await,
        kd(DocShape::CurrentReference, Some("demo-carrier"), 5).await,
    );
    let g = Gateway::start(&three_accounts(&cur, &seed, &carrier));
    g.ready().await;

    let current = walk_shares(&g, "account=cur", None).await;
    assert_eq!(current.len(), cur.share_count());
    assert!(current.iter().all(|s| s["password_protected"].is_null()
        && s.get("password").is_none()
        && s["permissions"] == json!({"preview": null, "download": null, "edit": null})));
    // The carrier tenant answered (X-Hw-Agentname from `agent_name`), in the same shape.
    let from_carrier = walk_shares(&g, "account=carrier", None).await;
    assert_eq!(from_carrier.len(), carrier.share_count());
    assert!(from_carrier
        .iter()
        .all(|s| s["password_protected"].is_null()));

    // The seed-page account says true or false for every share; the filters split it, and
    // shares whose protection is unknown match neither value.
    let seeded = walk_shares(&g, "account=seed", None).await;
    let protected = walk_shares(&g, "password_protected=true", None).await;
    let open = walk_shares(&g, "password_protected=false", None).await;
    assert!(!protected.is_empty() && !open.is_empty());
    for s in protected.iter().chain(&open) {
        assert_eq!(s["account"], "seed", "{}", s["id"]);
    }
    let split: HashSet<String> = ids(&protected).union(&ids(&open)).cloned().collect();
    assert_eq!(split, ids(&seeded));
    assert!(protected.iter().all(|s| s["password_protected"] == true));
    assert!(open.iter().all(|s| s["password_protected"] == false));

    // The stats count them as unknown, never as open.
    let (status, stats) = get(&g.url("/v1/stats?account=cur"), None).await;
    assert_eq!(status, 200, "{stats}");
    let n = cur.share_count() as u64;
    assert_eq!(
        stats["password"],
        json!({"protected": 0, "open": 0, "unknown": n}),
        "{stats}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_against_sub_responses_without_share_id_reports_success() {
    let (cur, seed, carrier) = (
        kd(DocShape::CurrentReference, None, 6).await,
        kd(DocShape::SeedPage, None, 7).await,
        kd(DocShape::CurrentReference, Some("demo-carrier"), 8).await,
    );
    let g = Gateway::start(&three_accounts(&cur, &seed, &carrier));
    g.ready().await;
    let c = reqwest::Client::new();
    let native = cur.share_ids();

    // One by one.
    let one = format!("cur:{}", native[0]);
    let (status, body) = send(c.delete(g.url(&format!("/v1/shares/{one}"))), None).await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = get(&g.url(&format!("/v1/shares/{one}")), None).await;
    assert_eq!(status, 404);

    // In a batch, with an unknown id in the middle: every answer is matched by position.
    let batch = vec![
        format!("cur:{}", native[1]),
        "cur:1000000000000000001".to_owned(),
        format!("cur:{}", native[2]),
        format!("carrier:{}", carrier.share_ids()[0]),
    ];
    let (status, body) = send(
        c.post(g.url("/v1/shares/revoke"))
            .json(&json!({ "ids": batch })),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().expect("results");
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        statuses,
        ["revoked", "failed", "revoked", "revoked"],
        "{body}"
    );
    assert_eq!(results[1]["error"]["kind"], "not_found", "{body}");
    let left: HashSet<String> = cur.share_ids().into_iter().collect();
    for gone in &native[..3] {
        assert!(!left.contains(gone), "{gone} still exists");
    }
    assert_eq!(left.len(), native.len() - 3);
    let listed = ids(&walk_shares(&g, "account=cur", None).await);
    assert!(!listed.contains(&batch[0]) && !listed.contains(&batch[2]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_on_create_and_organization_links_on_a_carrier_are_422_naming_the_capability() {
    let (cur, seed, carrier) = (
        kd(DocShape::CurrentReference, None, 9).await,
        kd(DocShape::SeedPage, None, 10).await,
        kd(DocShape::CurrentReference, Some("demo-carrier"), 11).await,
    );
    let g = Gateway::start(&three_accounts(&cur, &seed, &carrier));
    g.ready().await;
    let c = reqwest::Client::new();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (file, container) = cur.files()[0].clone();
    let source = json!({"file_ids": [file], "container_id": container});

    let (status, problem) = send(
        c.post(g.url("/v1/accounts/cur/shares")).json(&json!({
            "source": source, "expires_at": expiry, "permissions": {"download": false}
        })),
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        problem["capability"], "create_with_permissions",
        "{problem}"
    );
    assert_eq!(
        cur.counters().get("create"),
        0,
        "nothing sent to the vendor"
    );
    let some = format!("cur:{}", cur.share_ids()[0]);
    let (status, problem) = send(
        c.patch(g.url(&format!("/v1/shares/{some}")))
            .json(&json!({"permissions": {"preview": true}})),
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["capability"], "update_permissions", "{problem}");
    assert_eq!(cur.counters().get("update"), 0);

    // Without permissions the same create works, and reads back with a known password state.
    let (status, created) = send(
        c.post(g.url("/v1/accounts/cur/shares"))
            .json(&json!({"source": source, "expires_at": expiry, "password": "Ab3dEf9h"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["password_protected"], true);

    // A carrier tenant takes scope 1 or 3 only.
    let (file, container) = carrier.files()[0].clone();
    let source = json!({"file_ids": [file], "container_id": container});
    let (status, problem) = send(
        c.post(g.url("/v1/accounts/carrier/shares")).json(&json!({
            "source": source, "expires_at": expiry, "audience": "organization"
        })),
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["capability"], "audiences", "{problem}");
    assert_eq!(carrier.counters().get("create"), 0);
    let (status, created) = send(
        c.post(g.url("/v1/accounts/carrier/shares"))
            .json(&json!({"source": source, "expires_at": expiry, "audience": "anyone"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
}
