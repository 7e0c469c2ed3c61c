//! Site-wide inventory (`inventory = "site"`): every user's links through the admin listing
//! `POST /api/v4/admin/share`, against the simulator and a golden BE-4.18 body.

mod common;

use std::collections::{HashMap, HashSet};
use unishare_cloudreve::{CloudreveConfig, CloudreveProvider};
use unishare_core::{
    AccountName, CallContext, ErrorKind, Inventory, Page, PageCursor, Secret, Share, ShareProvider,
    ShareStatus, SourceKind,
};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
use unishare_testkit::faults::Fault;

fn ctx() -> CallContext {
    CallContext::default()
}

fn site_provider(
    sim: &CloudreveSim,
    cfg: &CloudreveSimConfig,
    page_size: u32,
) -> CloudreveProvider {
    let mut c = CloudreveConfig::new(
        AccountName::new("corp").expect("account"),
        sim.base_url(),
        common::password_auth(cfg),
    );
    c.page_size = page_size;
    c.policy = common::policy(0);
    c.inventory = Inventory::Site;
    CloudreveProvider::new(c).expect("provider")
}

async fn sim(shares: usize, other_users: usize, admin: bool) -> (CloudreveSim, CloudreveSimConfig) {
    let cfg = CloudreveSimConfig {
        seed_shares: shares,
        other_users,
        admin,
        ..Default::default()
    };
    (CloudreveSim::start(cfg.clone()).await.expect("sim"), cfg)
}

async fn walk(p: &CloudreveProvider) -> (Vec<Share>, usize) {
    let mut out = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<PageCursor> = None;
    loop {
        let Page { shares, next, .. } = p.list_page(cursor.as_ref(), &ctx()).await.expect("page");
        pages += 1;
        out.extend(shares);
        match next {
            Some(n) => cursor = Some(n),
            None => return (out, pages),
        }
        assert!(pages < 1000, "the crawl does not end");
    }
}

#[tokio::test]
async fn a_site_account_lists_every_users_shares_once_with_owners() {
    let (sim, cfg) = sim(137, 3, true).await;
    let p = site_provider(&sim, &cfg, 10);
    let (shares, pages) = walk(&p).await;
    assert_eq!(pages, 14, "offset pages of 10 over 137 shares");
    let ids: HashSet<&str> = shares.iter().map(|s| s.native_id.as_str()).collect();
    assert_eq!(ids.len(), shares.len(), "each share once");
    let all: HashSet<String> = sim.share_ids().into_iter().collect();
    assert_eq!(ids, all.iter().map(String::as_str).collect());
    // Owners: every share has one, and they are the site's users.
    let users: HashMap<String, String> = sim.users().into_iter().map(|(e, id)| (id, e)).collect();
    let mut per_owner: HashMap<String, usize> = HashMap::new();
    for s in &shares {
        let o = s.owner.as_ref().expect("owner");
        assert_eq!(
            users.get(o.id.as_str()),
            o.email.as_ref().map(|e| e.to_string()).as_ref()
        );
        *per_owner
            .entry(o.email.clone().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    assert_eq!(per_owner.len(), 4);
    for (email, n) in &per_owner {
        assert_eq!(sim.share_ids_of(email).len(), *n, "{email}");
    }
    // Limits and codes come through; a password share keeps its code out of `url`.
    let with_pw = shares
        .iter()
        .find(|s| s.password.is_some())
        .expect("a password share");
    assert_eq!(with_pw.password_protected, Some(true));
    assert!(!with_pw
        .url
        .contains(with_pw.password.as_ref().map(Secret::expose).unwrap_or("-")));
    assert!(shares.iter().any(|s| s.status == ShareStatus::Expired));
    assert!(shares
        .iter()
        .all(|s| s.stats.views.is_some() && s.stats.downloads.is_some()));
    // The user route was never used.
    assert_eq!(sim.counters().get("list"), 0);
}

#[tokio::test]
async fn statuses_are_derived_from_the_raw_record() {
    let (sim, cfg) = sim(60, 2, true).await;
    let ids = sim.share_ids();
    let (victim_owner, _) = sim.users()[2].clone();
    assert!(sim.set_user_status(&victim_owner, "manual_banned"));
    let trashed = ids
        .iter()
        .find(|id| sim.share_ids_of(&victim_owner).iter().all(|v| v != *id))
        .expect("a share of someone else")
        .clone();
    assert!(sim.trash_source(&trashed));
    let p = site_provider(&sim, &cfg, 100);
    let (shares, _) = walk(&p).await;
    let by_id: HashMap<&str, &Share> = shares.iter().map(|s| (s.native_id.as_str(), s)).collect();
    for id in sim.share_ids_of(&victim_owner) {
        let s = by_id[id.as_str()];
        if s.status != ShareStatus::Expired {
            assert_eq!(s.status, ShareStatus::Invalid, "{id}: owner banned");
        }
        assert_eq!(
            s.vendor.get("owner_status"),
            Some(serde_json::json!("manual_banned"))
        );
    }
    let s = by_id[trashed.as_str()];
    assert!(
        matches!(s.status, ShareStatus::SourceDeleted | ShareStatus::Expired),
        "{:?}",
        s.status
    );
}

#[tokio::test]
async fn a_login_that_is_not_an_admin_is_an_account_error() {
    let (sim, cfg) = sim(5, 1, false).await;
    let p = site_provider(&sim, &cfg, 10);
    let e = p.list_page(None, &ctx()).await.expect_err("not an admin");
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth, "{e}");
    assert!(e.message().contains("not a site administrator"), "{e}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_deletion_during_the_crawl_starts_it_again() {
    let (sim, cfg) = sim(45, 1, true).await;
    let p = site_provider(&sim, &cfg, 10);
    let first = p.list_page(None, &ctx()).await.expect("page 1");
    // Someone deletes a share on page 1: every later offset shifts by one.
    let gone = first.shares[0].native_id.to_string();
    let outcome = p
        .revoke(std::slice::from_ref(&gone), &ctx())
        .await
        .expect("revoke");
    assert!(outcome[0].result.is_ok());
    let mut seen: HashSet<String> = first
        .shares
        .iter()
        .map(|s| s.native_id.to_string())
        .collect();
    let mut cursor = first.next;
    let mut restarted = false;
    while let Some(c) = cursor {
        let page = p.list_page(Some(&c), &ctx()).await.expect("page");
        restarted |= page.shares.is_empty() && page.next.is_some();
        seen.extend(page.shares.iter().map(|s| s.native_id.to_string()));
        cursor = page.next;
    }
    assert!(restarted, "the changed total_items restarted the crawl");
    for id in sim.share_ids() {
        assert!(seen.contains(&id), "{id} was skipped");
    }
}

#[tokio::test]
async fn the_golden_admin_page_decodes() {
    let (sim, cfg) = sim(0, 0, true).await;
    let body: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/be-4.18/admin_share_list.json")).expect("json");
    sim.faults()
        .inject("admin_list", Fault::json(200, body), Some(1));
    let p = site_provider(&sim, &cfg, 100);
    let page = p.list_page(None, &ctx()).await.expect("page");
    assert!(page.next.is_none(), "3 of total_items 3");
    let [pw, trashed, banned] = &page.shares[..] else {
        panic!("{:?}", page.shares);
    };
    assert_eq!(pw.id.as_str(), "corp:x9Ab3");
    assert_eq!(pw.url, "https://drive.example.com/s/x9Ab3");
    assert_eq!(pw.password.as_ref().map(Secret::expose), Some("qwzxkvbn"));
    assert_eq!(pw.status, ShareStatus::Active);
    assert_eq!(pw.source.kind, SourceKind::File, "type absent = 0 = file");
    assert_eq!((pw.stats.views, pw.stats.downloads), (Some(4), Some(0)));
    assert_eq!(pw.remaining_downloads, None);
    let o = pw.owner.as_ref().expect("owner");
    assert_eq!(
        (o.id.as_str(), o.name.as_deref(), o.email.as_deref()),
        ("bnUn", Some("Luke Skywalker"), Some("luke@skywalker.com"))
    );
    assert_eq!(
        trashed.status,
        ShareStatus::SourceDeleted,
        "file_children absent"
    );
    assert_eq!(trashed.source.kind, SourceKind::Folder);
    assert_eq!(trashed.password_protected, Some(false));
    assert_eq!(trashed.remaining_downloads, Some(2));
    assert_eq!(banned.status, ShareStatus::Invalid, "owner not active");
    assert_eq!(banned.stats.views, Some(0), "views absent = 0");
}
