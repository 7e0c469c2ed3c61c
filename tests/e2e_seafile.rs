//! Seafile (issue 17), over HTTP against the real binary: a site-wide Seafile account beside a
//! site-wide Cloudreve account; every link of both sites listed; `by_owner` merges the same
//! people (by e-mail) across the two vendors; a revoke of an unknown Seafile link is not an
//! error (the server answers success for any token).

mod common;
use common::*;
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
use unishare_testkit::seafile::{SeafileSim, SeafileSimConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_owner_merges_people_across_cloudreve_and_seafile_site_accounts() {
    let corp = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 30,
        other_users: 2,
        ..CloudreveSimConfig::default()
    })
    .await
    .expect("cloudreve sim");
    let sf = SeafileSim::start(SeafileSimConfig {
        seed_links: 30,
        ..SeafileSimConfig::default()
    })
    .await
    .expect("seafile sim");
    let (admin, password, _) = sf.admin();
    let cfg = format!(
        r#"
[server]
listen = "127.0.0.1:0"

[[accounts]]
name = "corp"
provider = "cloudreve"
base_url = "{}"
inventory = "site"
auth = {{ method = "password", email = "admin@cloudreve.org", password = "demo-password" }}

[[accounts]]
name = "sf"
provider = "seafile"
base_url = "{}"
inventory = "site"
auth = {{ method = "password", username = "{admin}", password = "{password}" }}
"#,
        corp.base_url(),
        sf.base_url()
    );
    let g = Gateway::start(&cfg);
    g.ready().await;

    let ids = walk(&g, "limit=100", None).await;
    assert_eq!(ids.len(), corp.share_ids().len() + sf.all_tokens().len());
    let seafile_ids = walk(&g, "provider=seafile&limit=100", None).await;
    let mut expected: Vec<String> = sf.all_tokens().iter().map(|t| format!("sf:{t}")).collect();
    let mut got = seafile_ids.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);

    let (status, stats) = get(&g.url("/v1/stats"), None).await;
    assert_eq!(status, 200, "{stats}");
    let owners = stats["by_owner"].as_array().expect("by_owner");
    let user1 = "user1@example.com";
    let on_both = corp.share_ids_of(user1).len() + sf.tokens_of(user1).len();
    assert!(
        !corp.share_ids_of(user1).is_empty() && !sf.tokens_of(user1).is_empty(),
        "the seeds give user1 links on both sites"
    );
    let row = owners
        .iter()
        .find(|o| {
            o["owner"]["email"]
                .as_str()
                .map(str::to_lowercase)
                .as_deref()
                == Some(user1)
        })
        .unwrap_or_else(|| panic!("no by_owner row for {user1}: {stats}"));
    assert_eq!(row["shares"], on_both, "{row}");

    // The owner filter spans both vendors too.
    let filtered = walk(&g, &format!("owner={user1}&limit=100"), None).await;
    assert_eq!(filtered.len(), on_both);

    // Revoke: a listed link goes; an unknown token is revoked-or-absent, never an error.
    let victim = seafile_ids[0].clone();
    let (status, body) = send(
        reqwest::Client::new().delete(g.url(&format!("/v1/shares/{victim}"))),
        None,
    )
    .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let token = victim.trim_start_matches("sf:");
    assert!(!sf.all_tokens().iter().any(|t| t == token));
    let (status, body) = send(
        reqwest::Client::new().delete(g.url("/v1/shares/sf:0123456789abcdef0123")),
        None,
    )
    .await;
    assert!(status < 500, "{status} {body}");
}
