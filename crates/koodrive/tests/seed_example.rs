//! The official "Listing Files Shared by You" example response
//! (`shared/vendors/seeds/002_*.txt`), served verbatim and mapped field by field.

mod common;

use common::{provider, sim, Method};
use serde_json::json;
use unishare_core::{Audience, CallContext, PageCursor, ShareProvider, ShareStatus, SourceKind};
use unishare_testkit::koodrive::vendor_faults::ok_body;

const EXAMPLE: &str = r#"{ "code" : "string", "msg" : "string", "nextCursor" : "string", "shareLinks" : [ { "shareId" : "string", "shortUrl" : "string", "linkUrl" : "string", "shareTime" : "2024-06-03T01:58:35.419Z", "scope" : 0, "files" : [ { "id" : "string", "fileName" : "string", "fileType" : "string", "mimeType" : "string", "size" : 0, "parentFolder" : [ "string" ], "fileSuffix" : "string", "containers" : [ "string" ] } ], "displayName" : "string", "permission" : { "preview" : true, "edit" : true, "download" : true }, "extractCode" : "string", "expireTime" : "2024-06-03T01:58:35.419Z", "status" : 0, "comment" : "string", "viewCnt" : 0, "downloadCnt" : 0, "saveCnt" : 0, "containerId" : "string", "containerName" : "string" } ] }"#;

#[tokio::test]
async fn documented_example_response_maps_verbatim() {
    let sim = sim(0).await;
    let body: serde_json::Value = serde_json::from_str(EXAMPLE).unwrap();
    sim.faults().inject("list", ok_body(body), Some(1));
    let p = provider(&sim, Method::App);
    let page = p
        .list_page(None, &CallContext::default())
        .await
        .expect("placeholder code \"string\" is accepted");

    assert_eq!(page.next, Some(PageCursor("string".into())));
    assert!(page.skipped.is_empty(), "{:?}", page.skipped);
    assert_eq!(page.shares.len(), 1);
    let s = &page.shares[0];
    assert_eq!(s.id.as_str(), "cn:string");
    assert_eq!(s.account, "cn");
    assert_eq!(s.provider, unishare_koodrive::provider());
    assert_eq!(s.native_id, "string");
    assert_eq!(s.name, "string");
    assert_eq!(s.url, "string");
    assert!(s.secret_url.is_none());
    assert_eq!(s.short_code.as_deref(), Some("string"));
    // status 0 + expireTime in 2024 → expired.
    assert_eq!(s.status, ShareStatus::Expired);
    // Undocumented scope 0 → the most conservative audience; raw value kept.
    assert_eq!(s.audience, Audience::Restricted);
    assert_eq!(s.password_protected, Some(true));
    assert_eq!(s.password.as_ref().map(|p| p.expose()), Some("string"));
    let t = "2024-06-03T01:58:35.419Z"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    assert_eq!(s.created_at, Some(t));
    assert_eq!(s.expires_at, Some(t));
    assert_eq!(s.permissions.preview, Some(true));
    assert_eq!(s.permissions.edit, Some(true));
    assert_eq!(s.permissions.download, Some(true));
    assert_eq!(s.stats.views, Some(0));
    assert_eq!(s.stats.downloads, Some(0));
    assert_eq!(s.stats.saves, Some(0));
    assert_eq!(s.remaining_downloads, None);
    assert_eq!(s.source.kind, SourceKind::File);
    assert_eq!(s.source.uri, None);
    assert_eq!(s.source.files.len(), 1);
    let f = &s.source.files[0];
    assert_eq!(f.id, "string");
    assert_eq!(f.name, "string");
    assert_eq!(f.size, Some(0));
    assert_eq!(f.mime_type.as_deref(), Some("string"));
    assert_eq!(s.owner, None);
    assert_eq!(s.comment.as_deref(), Some("string"));
    assert_eq!(
        serde_json::Value::Object(s.vendor.to_map()),
        json!({"scope": 0, "containerId": "string", "containerName": "string"})
    );
    // And the serialized (redacted) form holds no password.
    let v = serde_json::to_value(s).unwrap();
    assert!(v.get("password").is_none());
    assert_eq!(v["status"], "expired");
    assert_eq!(v["audience"], "restricted");
}
