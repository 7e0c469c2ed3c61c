//! Golden fixtures (`tests/fixtures/README.md` names the seahub code behind each) decoded into
//! the unified shares they must become.

use chrono::{DateTime, Utc};
use serde_json::json;
use std::time::Duration;
use unishare_core::{AccountName, ErrorKind, Share, ShareStatus, SourceKind};
use unishare_seafile::dto::{list_records, AdminListDto, LinkDto};
use unishare_seafile::error::{is_auth_refusal, map_error};
use unishare_seafile::mapping::map_link;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn acct() -> AccountName {
    AccountName::new("sf").unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-03-01T00:00:00Z".parse().unwrap()
}

fn user_list(name: &str) -> Vec<Share> {
    let body = fixture(name);
    list_records(&body)
        .unwrap()
        .into_iter()
        .map(|raw| {
            map_link(
                &acct(),
                serde_json::from_str::<LinkDto>(raw.get()).unwrap(),
                now(),
            )
            .unwrap()
        })
        .collect()
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(s.parse().unwrap())
}

#[test]
fn the_single_object_answer_is_one_share() {
    let shares = user_list("list_v1_single_object.json");
    assert_eq!(shares.len(), 1);
    let s = &shares[0];
    assert_eq!(s.id.as_str(), "sf:1e4c9a7b2d5f8e3a6c0b");
    assert_eq!(s.provider.as_str(), "seafile");
    assert_eq!(s.name, "q4.pdf");
    assert_eq!(s.url, "https://cloud.example.com/f/1e4c9a7b2d5f8e3a6c0b/");
    assert_eq!(s.short_code.as_deref(), Some("1e4c9a7b2d5f8e3a6c0b"));
    assert_eq!(s.status, ShareStatus::Active);
    assert_eq!(s.created_at, at("2017-03-01T01:30:00Z"));
    assert_eq!(s.expires_at, None);
    assert_eq!(s.stats.views, Some(12));
    assert_eq!((s.stats.downloads, s.stats.saves), (None, None));
    // v1 says nothing of passwords or permissions.
    assert_eq!(s.password_protected, None);
    assert_eq!(s.permissions, Default::default());
    assert_eq!(s.source.kind, SourceKind::File);
    assert_eq!(
        s.source.uri.as_deref(),
        Some("seafile://7f5e2b1c-0d3a-4e6f-9a8b-1c2d3e4f5a6b/Reports/q4.pdf")
    );
    let owner = s.owner.as_deref().unwrap();
    assert_eq!(owner.id, "alice@example.com");
    assert_eq!(owner.email.as_deref(), Some("alice@example.com"));
    assert_eq!(s.vendor.get("repo_name"), Some(json!("My Library")));
}

#[test]
fn a_list_of_one_is_the_same_share_with_permissions() {
    let shares = user_list("list_v2_list_of_one.json");
    assert_eq!(shares.len(), 1);
    let p = shares[0].permissions;
    assert_eq!(
        (p.preview, p.download, p.edit),
        (None, Some(true), Some(false))
    );
}

#[test]
fn expired_and_password_links_of_the_current_list() {
    let shares = user_list("list_v4.json");
    let [folder, file] = shares.as_slice() else {
        panic!("two shares")
    };
    assert_eq!(folder.status, ShareStatus::Expired);
    assert_eq!(folder.expires_at, at("2026-01-12T02:00:00Z"));
    assert_eq!(folder.source.kind, SourceKind::Folder);
    assert_eq!(folder.password_protected, Some(false));
    assert_eq!(folder.password, None);
    assert_eq!(folder.vendor.get("can_upload"), Some(json!(true)));
    assert_eq!(folder.stats.views, Some(0));
    assert_eq!(file.status, ShareStatus::Active);
    assert_eq!(file.password_protected, Some(true));
    assert_eq!(
        file.password.as_ref().map(|p| p.expose()),
        Some("Tr1cky-Pass")
    );
    assert_eq!(file.permissions.download, Some(false));
    assert_eq!(file.created_at, at("2026-02-01T00:15:30Z"));
    // The code is a secret: absent from the plain serialization, present when revealed.
    let plain = serde_json::to_string(file).unwrap();
    assert!(!plain.contains("Tr1cky-Pass"), "{plain}");
    let shown = serde_json::to_value(file.view(true)).unwrap();
    assert_eq!(shown["password"], "Tr1cky-Pass");
}

#[test]
fn an_admin_page_completed_by_its_details() {
    let body = fixture("admin_list_a2_page.json");
    let page: AdminListDto<'_> = serde_json::from_slice(&body).unwrap();
    assert_eq!(page.count, Some(2));
    let records: Vec<LinkDto> = page
        .share_link_list
        .unwrap()
        .into_iter()
        .map(|r| serde_json::from_str(r.get()).unwrap())
        .collect();
    // A list record alone has no link: it cannot become a share.
    let e = map_link(&acct(), records[1].clone(), now()).unwrap_err();
    assert!(e.reason.contains("link"), "{}", e.reason);
    let detail: LinkDto = serde_json::from_slice(&fixture("admin_detail_bob.json")).unwrap();
    let s = map_link(&acct(), detail.or(records[1].clone()), now()).unwrap();
    assert_eq!(s.id.as_str(), "sf:a0b1c2d3e4f5a6b7c8d9");
    assert_eq!(s.url, "https://cloud.example.com/d/a0b1c2d3e4f5a6b7c8d9/");
    assert_eq!(s.status, ShareStatus::Expired);
    assert_eq!(s.source.kind, SourceKind::Folder);
    assert_eq!(
        s.source.uri.as_deref(),
        Some("seafile://0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f/Apollo/")
    );
    let owner = s.owner.as_deref().unwrap();
    assert_eq!(owner.id, "bob@example.com");
    assert_eq!(owner.name.as_deref(), Some("Bob"));
    assert_eq!(owner.email.as_deref(), Some("bob.contact@example.org"));
    // The admin routes never say whether a link has a password.
    assert_eq!(s.password_protected, None);
}

#[test]
fn the_first_admin_listing_reads_without_expiry_fields() {
    let body = fixture("admin_list_a1_page.json");
    let page: AdminListDto<'_> = serde_json::from_slice(&body).unwrap();
    let rec: LinkDto = serde_json::from_str(page.share_link_list.unwrap()[0].get()).unwrap();
    assert_eq!((rec.expire_date.as_deref(), rec.is_expired), (None, None));
    assert_eq!(rec.creator_email.as_deref(), Some("alice@example.com"));
    assert_eq!(rec.view_cnt, Some(12));
}

#[test]
fn error_bodies_map_to_kinds() {
    let e = map_error("list", 401, &fixture("error_401_invalid_token.json"), None);
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    let body = fixture("error_403_not_provided.json");
    assert!(is_auth_refusal(403, &body));
    assert_eq!(
        map_error("list", 403, &body, None).kind(),
        ErrorKind::UpstreamAuth
    );
    let e = map_error(
        "list",
        429,
        &fixture("error_429_throttled.json"),
        Some(Duration::from_secs(7)),
    );
    assert_eq!(
        e.kind(),
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    let e = map_error("auth", 400, &fixture("auth_token_refused.json"), None);
    assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    assert!(e.message().contains("Unable to login"), "{e}");
    let e = map_error("create", 400, &fixture("error_400_exists.json"), None);
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let ok: unishare_seafile::dto::AuthTokenDto =
        serde_json::from_slice(&fixture("auth_token_ok.json")).unwrap();
    assert_eq!(
        ok.token.as_deref(),
        Some("24fd3c026886e3121b2ca630805ed425c272cb96")
    );
}
