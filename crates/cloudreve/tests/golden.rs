//! The exact bodies Cloudreve BE-4.18 produces (`tests/fixtures/be-4.18/README.md` names the
//! source of each), served verbatim and decoded into the expected unified shares and errors.

mod common;

use serde_json::Value;
use unishare_core::{
    CallContext, CreateShare, ErrorKind, Patch, Secret, ShareProvider, ShareStatus, SourceInput,
    SourceKind, UpdateShare,
};
use unishare_testkit::cloudreve::CloudreveSim;
use unishare_testkit::faults::Fault;

fn ctx() -> CallContext {
    CallContext::default()
}

fn body(name: &str) -> Value {
    let text = match name {
        "list_owner_view" => include_str!("fixtures/be-4.18/list_owner_view.json"),
        "info_owner_extended_file" => {
            include_str!("fixtures/be-4.18/info_owner_extended_file.json")
        }
        "info_plain_owner" => include_str!("fixtures/be-4.18/info_plain_owner.json"),
        "info_incorrect_password" => include_str!("fixtures/be-4.18/info_incorrect_password.json"),
        "info_link_expired" => include_str!("fixtures/be-4.18/info_link_expired.json"),
        "info_share_not_found" => include_str!("fixtures/be-4.18/info_share_not_found.json"),
        "create_ok" => include_str!("fixtures/be-4.18/create_ok.json"),
        "create_path_not_exist" => include_str!("fixtures/be-4.18/create_path_not_exist.json"),
        "create_root" => include_str!("fixtures/be-4.18/create_root.json"),
        "edit_other_file" => include_str!("fixtures/be-4.18/edit_other_file.json"),
        "delete_unknown" => include_str!("fixtures/be-4.18/delete_unknown.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).expect("fixture is JSON")
}

fn serve(sim: &CloudreveSim, route: &str, fixture: &str) {
    sim.faults()
        .inject(route, Fault::json(200, body(fixture)), Some(1));
}

#[tokio::test]
async fn the_owners_list_decodes_with_the_list_status_rule() {
    let (sim, p) = common::setup(0, 50, 0).await;
    serve(&sim, "list", "list_owner_view");
    let page = p.list_page(None, &ctx()).await.expect("list");
    assert!(page.next.is_none(), "next_token absent = last page");
    assert!(page.skipped.is_empty());
    let [file, exhausted, trashed] = &page.shares[..] else {
        panic!("three shares: {:?}", page.shares);
    };

    assert_eq!(file.id.as_str(), "hq:x9Ab3");
    assert_eq!(file.status, ShareStatus::Active);
    assert_eq!(file.password_protected, Some(true));
    assert_eq!(file.password.as_ref().map(Secret::expose), Some("qwzxkvbn"));
    assert_eq!(file.url, "https://drive.example.com/s/x9Ab3");
    assert_eq!(file.source.kind, SourceKind::File);
    assert_eq!(file.source.uri, None, "the list has no source_uri");
    assert_eq!(
        file.stats.downloads,
        Some(0),
        "omitted when 0 in an owner view"
    );
    assert_eq!(file.stats.views, Some(4));
    assert_eq!(
        file.expires_at.map(|t| t.to_rfc3339()),
        Some("2027-01-05T02:00:00.482913+00:00".to_owned())
    );
    assert_eq!(
        file.owner.as_ref().and_then(|o| o.email.as_deref()),
        Some("luke@skywalker.com")
    );

    assert_eq!(exhausted.status, ShareStatus::Expired);
    assert_eq!(exhausted.remaining_downloads, Some(0));
    assert_eq!(exhausted.password_protected, Some(false));
    assert_eq!(exhausted.source.kind, SourceKind::Folder);
    assert_eq!(exhausted.vendor.get("share_view"), Some(Value::Bool(true)));

    // `expired: true` with a future expiry and downloads left: the source is in the trash.
    assert_eq!(trashed.status, ShareStatus::SourceDeleted);
    assert_eq!(trashed.remaining_downloads, Some(7));
}

#[tokio::test]
async fn a_password_file_share_is_read_through_40069() {
    let (sim, p) = common::setup(0, 10, 0).await;
    // The extended view without the code, the owner's plain view, the extended view again
    // (a route's armed bodies are served in the order they were armed).
    serve(&sim, "get", "info_incorrect_password");
    serve(&sim, "get", "info_plain_owner");
    serve(&sim, "get", "info_owner_extended_file");
    let share = p.get("x9Ab3", &ctx()).await.expect("get");
    assert_eq!(sim.counters().get("get"), 3);
    assert_eq!(
        share.password.as_ref().map(Secret::expose),
        Some("qwzxkvbn")
    );
    assert_eq!(
        share.source.uri.as_deref(),
        Some("cloudreve://bnUn@my/Docs/Q4%20%E2%80%93%20final/report%202025.pdf"),
        "the file's own URI: the parent folder joined with the escaped name"
    );
    assert_eq!(share.stats.downloads, Some(0));
}

#[tokio::test]
async fn error_bodies_map_to_their_kinds() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let create = || {
        CreateShare::new(SourceInput::Uri {
            uri: "cloudreve://my/Reports".into(),
        })
    };
    serve(&sim, "create", "create_path_not_exist");
    let e = p.create(&create(), &ctx()).await.expect_err("40016");
    assert_eq!(
        (e.kind(), e.vendor_code()),
        (ErrorKind::NotFound, Some("40016"))
    );
    serve(&sim, "create", "create_root");
    let e = p.create(&create(), &ctx()).await.expect_err("root");
    assert_eq!(
        (e.kind(), e.vendor_code()),
        (ErrorKind::InvalidRequest, Some("403"))
    );

    serve(&sim, "get", "info_share_not_found");
    let e = p.get("x9Ab3", &ctx()).await.expect_err("unknown");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(
        sim.counters().get("list"),
        0,
        "an unknown share is not searched for"
    );

    // "Share link expired" for a share the gateway never saw: found in the owner's list.
    serve(&sim, "get", "info_link_expired");
    serve(&sim, "list", "list_owner_view");
    let s = p.get("Lm2Kp", &ctx()).await.expect("listed");
    assert_eq!(s.status, ShareStatus::Expired);

    serve(&sim, "delete", "delete_unknown");
    let out = p
        .revoke(&["x9Ab3".to_owned()], &ctx())
        .await
        .expect("revoke");
    assert_eq!(
        out[0].result.as_ref().map_err(|e| e.kind()),
        Err(ErrorKind::NotFound)
    );

    // An edit the server refuses for the file: not found, never a vendor fault.
    let created = {
        serve(&sim, "create", "create_ok");
        serve(&sim, "get", "info_owner_extended_file");
        p.create(&create(), &ctx()).await.expect("create")
    };
    serve(&sim, "get", "info_owner_extended_file");
    serve(&sim, "update", "edit_other_file");
    let patch = UpdateShare {
        max_downloads: Patch::Set(2),
        ..Default::default()
    };
    let e = p
        .update(&created.native_id, &patch, &ctx())
        .await
        .expect_err("other file");
    assert_eq!(e.kind(), ErrorKind::NotFound);
}
