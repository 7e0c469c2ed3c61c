//! Golden fixtures: bodies as the server writes them (provenance, file and commit per fixture
//! in `tests/fixtures/README.md`), decoded into the unified shares they must give.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use unishare_core::{AccountName, ErrorKind, Page, Result};
use unishare_nextcloud::ocs::{decode, ListSeed};
use unishare_nextcloud::ServerZone;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("timestamp")
}

fn list(name: &str, http: u16, zone: &str, now: &str) -> Result<Page> {
    let account = AccountName::new("nc").expect("account");
    let seed = ListSeed {
        account: &account,
        zone: zone.parse::<ServerZone>().expect("zone"),
        now: at(now),
    };
    decode("list", http, None, &fixture(name), seed)
}

fn shown(page: &Page) -> Vec<Value> {
    page.shares
        .iter()
        .map(|s| serde_json::to_value(s.view(true)).expect("json"))
        .collect()
}

#[test]
fn current_release_file_and_folder_links_other_types_ignored() {
    let page = list("list_v2_current.json", 200, "UTC", "2026-12-01T12:00:00Z").expect("decode");
    assert!(page.skipped.is_empty(), "{:?}", page.skipped);
    assert!(page.next.is_none());
    let got = shown(&page);
    // User (12), group (13) and e-mail (16) shares are not links.
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0],
        json!({
            "id": "nc:14",
            "account": "nc",
            "provider": "nextcloud",
            "native_id": "14",
            "name": "report.pdf",
            "url": "https://cloud.example.com/index.php/s/Hx9bQ2kLmN4pRsT",
            "short_code": "Hx9bQ2kLmN4pRsT",
            "status": "active",
            "audience": "anyone",
            "password_protected": true,
            "created_at": "2026-01-01T02:00:00Z",
            "expires_at": "2027-03-01T00:00:00Z",
            "permissions": {"preview": true, "download": true, "edit": false},
            "stats": {"views": null, "downloads": null, "saves": null},
            "remaining_downloads": null,
            "source": {
                "kind": "file",
                "uri": "/Documents/report.pdf",
                "files": [{"id": "2051", "name": "report.pdf", "size": 183942, "mime_type": "application/pdf"}]
            },
            "owner": {"id": "alice", "name": "Alice Liddell", "email": null},
            "comment": "Q1 figures <draft>",
            "vendor": {"permissions": 17, "label": "Board"}
        })
    );
    assert_eq!(
        got[1],
        json!({
            "id": "nc:15",
            "account": "nc",
            "provider": "nextcloud",
            "native_id": "15",
            "name": "2026 fête",
            "url": "https://cloud.example.com/index.php/s/aB3cD4eF5gH6iJ7",
            "short_code": "aB3cD4eF5gH6iJ7",
            "status": "active",
            "audience": "anyone",
            "password_protected": false,
            "created_at": "2026-01-01T03:00:00Z",
            "expires_at": null,
            "permissions": {"preview": true, "download": false, "edit": true},
            "stats": {"views": null, "downloads": null, "saves": null},
            "remaining_downloads": null,
            "source": {"kind": "folder", "uri": "/Photos/2026 fête", "files": []},
            "owner": {"id": "alice", "name": "Alice Liddell", "email": null},
            "comment": null,
            "vendor": {"permissions": 31}
        })
    );
    // Revealing secrets shows no password: the server only holds a hash.
    assert!(got.iter().all(|s| s.get("password").is_none()));
    assert!(!serde_json::to_string(&got).unwrap().contains("argon2"));
}

#[test]
fn expiry_is_read_in_the_server_zone_and_drives_the_status() {
    // +02:00: 2027-03-01 00:00 local is 2027-02-28 22:00 UTC.
    let page = list(
        "list_v2_current.json",
        200,
        "+02:00",
        "2027-02-28T21:59:59Z",
    )
    .expect("decode");
    let s = &page.shares[0];
    assert_eq!(s.expires_at, Some(at("2027-02-28T22:00:00Z")));
    assert_eq!(s.status.as_str(), "active");
    // From the first second of the expiry date on, the link is expired.
    let page = list(
        "list_v2_current.json",
        200,
        "+02:00",
        "2027-02-28T22:00:00Z",
    )
    .expect("decode");
    assert_eq!(page.shares[0].status.as_str(), "expired");
    assert_eq!(page.shares[1].status.as_str(), "active");
}

#[test]
fn nextcloud_15_link_with_password_label_and_note() {
    let page = list("list_v2_nc15.json", 200, "UTC", "2019-06-01T00:00:00Z").expect("decode");
    let got = shown(&page);
    assert_eq!(got.len(), 1);
    let s = &got[0];
    assert_eq!(s["id"], "nc:8");
    assert_eq!(s["name"], "press-kit.zip");
    assert_eq!(s["password_protected"], true);
    assert!(s.get("password").is_none());
    assert_eq!(s["expires_at"], "2019-12-31T00:00:00Z");
    assert_eq!(s["comment"], "see page 4");
    assert_eq!(s["vendor"]["label"], "Press kit");
    // No item_size before later releases: size unknown, not 0.
    assert_eq!(s["source"]["files"][0]["size"], Value::Null);
}

#[test]
fn nextcloud_13_v1_password_only_in_share_with() {
    let page = list("list_v1_nc13.json", 200, "UTC", "2018-06-01T00:00:00Z").expect("decode");
    let got = shown(&page);
    assert_eq!(got.len(), 2);
    assert_eq!(
        (
            got[0]["id"].as_str(),
            got[0]["password_protected"].as_bool()
        ),
        (Some("nc:3"), Some(true))
    );
    assert_eq!(
        (
            got[1]["id"].as_str(),
            got[1]["password_protected"].as_bool()
        ),
        (Some("nc:4"), Some(false))
    );
    assert_eq!(got[1]["source"]["kind"], "folder");
    // No hide_download in this release: downloads follow the read bit.
    assert_eq!(
        got[0]["permissions"],
        json!({"preview": true, "download": true, "edit": false})
    );
}

#[test]
fn owncloud_10_named_link_with_string_ids() {
    let page = list(
        "list_v1_owncloud10.json",
        200,
        "UTC",
        "2026-01-01T00:00:00Z",
    )
    .expect("decode");
    let got = shown(&page);
    assert_eq!(got.len(), 1);
    let s = &got[0];
    assert_eq!(s["id"], "nc:21");
    assert_eq!(s["name"], "budget.ods");
    assert_eq!(s["password_protected"], true);
    assert_eq!(s["expires_at"], "2030-01-15T00:00:00Z");
    assert_eq!(s["vendor"]["label"], "Budget link");
    assert_eq!(s["source"]["files"][0]["id"], "812");
}

#[test]
fn the_xml_answer_fails_clearly() {
    let e = list("list_v2_current.xml", 200, "UTC", "2026-12-01T00:00:00Z").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    assert!(e.message().contains("XML, not JSON"), "{e}");
    assert!(e.message().contains("statuscode 200"), "{e}");
}

#[test]
fn refused_logins_and_the_csrf_answer() {
    for (file, http) in [("error_v2_997.json", 401), ("error_v1_997.json", 401)] {
        let e = list(file, http, "UTC", "2026-12-01T00:00:00Z").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UpstreamAuth, "{file}: {e}");
        assert_eq!(e.vendor_code(), Some("ocs:997"));
        assert!(e.message().contains("Current user is not logged in"), "{e}");
    }
    let e = list("error_412_csrf.json", 412, "UTC", "2026-12-01T00:00:00Z").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
    assert!(e.message().contains("OCS-APIRequest"), "{e}");
}
