//! The behaviors of `vendors/cloudreve-v4.md` §3.7 (read in the BE-4.18 source; see
//! `docs/vendors/cloudreve.md`), against the simulator that follows that source.

mod common;

use chrono::{Duration, Utc};
use unishare_core::{
    CallContext, CreateShare, ErrorKind, Patch, Secret, Share, ShareProvider, ShareStatus,
    SourceInput, SourceKind, UpdateShare,
};
use unishare_testkit::cloudreve::CloudreveSim;

fn ctx() -> CallContext {
    CallContext::with_request_id("b4351ecc-ee1a-4455-bc94-2c3dbcc58538")
}

fn source(sim: &CloudreveSim, tail: &str) -> CreateShare {
    let uri = sim
        .source_uris()
        .into_iter()
        .find(|u| u.ends_with(tail))
        .unwrap_or_else(|| panic!("no source ending in {tail}"));
    CreateShare::new(SourceInput::Uri { uri })
}

fn with_password(mut req: CreateShare, code: &str) -> CreateShare {
    req.password = Some(Secret::new(code));
    req
}

/// The share as the gateway's snapshot holds it: the owner's list record.
async fn listed(p: &impl ShareProvider, native_id: &str) -> Share {
    let page = p.list_page(None, &ctx()).await.expect("list");
    page.shares
        .into_iter()
        .find(|s| s.native_id == native_id)
        .expect("listed")
}

#[tokio::test]
async fn a_password_share_is_read_with_its_code() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let created = p
        .create(&with_password(source(&sim, "/Reports"), "Pw12345"), &ctx())
        .await
        .expect("create");
    assert_eq!(
        created.source.uri.as_deref(),
        Some("cloudreve://bnUn@my/Reports")
    );
    let id = created.native_id.to_string();

    // With the code the snapshot holds: one extended info call.
    let before = sim.counters().get("get");
    let known = listed(&p, &id).await;
    assert_eq!(known.password.as_ref().map(Secret::expose), Some("Pw12345"));
    let got = p
        .get(&id, &ctx().with_known(Some(known)))
        .await
        .expect("get with the known code");
    assert_eq!(sim.counters().get("get") - before, 1);
    assert_eq!(
        got.source.uri.as_deref(),
        Some("cloudreve://bnUn@my/Reports")
    );
    assert_eq!(got.password_protected, Some(true));

    // Without it: 40069 → the owner's plain view tells the code → extended again.
    let before = sim.counters().get("get");
    let got = p.get(&id, &ctx()).await.expect("get learning the code");
    assert_eq!(sim.counters().get("get") - before, 3);
    assert_eq!(got.password.as_ref().map(Secret::expose), Some("Pw12345"));
    assert_eq!(
        got.source.uri.as_deref(),
        Some("cloudreve://bnUn@my/Reports")
    );

    // A stale code in the gateway's copy is corrected the same way.
    let mut stale = listed(&p, &id).await;
    stale.password = Some(Secret::new("wrong999"));
    let got = p
        .get(&id, &ctx().with_known(Some(stale)))
        .await
        .expect("stale code");
    assert_eq!(got.password.as_ref().map(Secret::expose), Some("Pw12345"));

    // And an edit of it goes through (it used to be a 502: 40069 "File not found").
    let patch = UpdateShare {
        max_downloads: Patch::Set(4),
        ..Default::default()
    };
    let updated = p.update(&id, &patch, &ctx()).await.expect("update");
    assert_eq!(updated.remaining_downloads, Some(4));
    assert_eq!(sim.share_password(&id).as_deref(), Some("Pw12345"));
}

#[tokio::test]
async fn a_single_file_share_is_edited_with_the_files_own_uri() {
    let (sim, p) = common::setup(0, 10, 0).await;
    for (tail, uri) in [
        ("/Docs/report.pdf", "cloudreve://bnUn@my/Docs/report.pdf"),
        ("/notes.txt", "cloudreve://bnUn@my/notes.txt"),
        (
            "Ünïcödé – song.mp3",
            "cloudreve://bnUn@my/Music/%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%E2%80%93%20song.mp3",
        ),
    ] {
        let created = p.create(&source(&sim, tail), &ctx()).await.expect("create");
        assert_eq!(created.source.kind, SourceKind::File, "{tail}");
        // The vendor's `source_uri` is the parent folder; the share's source is the file.
        let raw = sim.share_json(&created.native_id).expect("stored");
        assert_ne!(raw["source_uri"].as_str(), Some(uri), "{tail}");
        assert_eq!(created.source.uri.as_deref(), Some(uri), "{tail}");
        let patch = UpdateShare {
            expires_at: Patch::Set(Utc::now() + Duration::days(2)),
            ..Default::default()
        };
        let updated = p
            .update(&created.native_id, &patch, &ctx())
            .await
            .unwrap_or_else(|e| panic!("{tail}: {e}"));
        assert!(updated.expires_at.is_some(), "{tail}");
    }
}

#[tokio::test]
async fn an_exhausted_share_is_re_armed_and_read_as_expired_meanwhile() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let mut req = with_password(source(&sim, "/Docs/report.pdf"), "Pw12345");
    req.max_downloads = Some(1);
    let created = p.create(&req, &ctx()).await.expect("create");
    let id = created.native_id.to_string();
    assert!(sim.record_downloads(&id, 1));

    // Info now answers 404 "Share link expired": the share exists, out of downloads.
    let got = p
        .get(&id, &ctx().with_known(Some(created.clone())))
        .await
        .expect("expired, not gone");
    assert_eq!(got.status, ShareStatus::Expired);
    // Without the gateway's copy it is found in the owner's list.
    let got = p.get(&id, &ctx()).await.expect("from the list");
    assert_eq!(got.status, ShareStatus::Expired);
    assert_eq!(got.remaining_downloads, Some(0));

    // Re-arm: the edit goes out with the file's own URI although info refuses the link.
    let mut known = listed(&p, &id).await;
    known.source.uri.clone_from(&created.source.uri);
    let patch = UpdateShare {
        max_downloads: Patch::Set(5),
        ..Default::default()
    };
    let updated = p
        .update(&id, &patch, &ctx().with_known(Some(known.clone())))
        .await
        .expect("re-armed");
    assert_eq!(updated.status, ShareStatus::Active);
    assert_eq!(updated.remaining_downloads, Some(5));
    assert_eq!(sim.share_json(&id).expect("stored")["expired"], false);

    // An edit that leaves the limit as it is would revive it: refused.
    assert!(sim.record_downloads(&id, 5));
    let patch = UpdateShare {
        expires_at: Patch::Set(Utc::now() + Duration::days(1)),
        ..Default::default()
    };
    let e = p
        .update(&id, &patch, &ctx().with_known(Some(known)))
        .await
        .expect_err("downloads exhausted");
    assert_eq!(e.kind(), ErrorKind::Conflict);

    // With no URI ever learned the edit cannot be sent: a conflict saying why.
    let mut unknown = listed(&p, &id).await;
    unknown.source.uri = None;
    let patch = UpdateShare {
        max_downloads: Patch::Set(5),
        ..Default::default()
    };
    let e = p
        .update(&id, &patch, &ctx().with_known(Some(unknown)))
        .await
        .expect_err("no uri");
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(e.message().contains("file URI"), "{e}");
}

#[tokio::test]
async fn a_time_expired_share_is_re_armed() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let mut req = source(&sim, "/Videos");
    req.expires_at = Some(Utc::now() + Duration::days(1));
    let created = p.create(&req, &ctx()).await.expect("create");
    assert!(sim.set_expires(&created.native_id, Some(Utc::now() - Duration::hours(1))));
    let listed = listed(&p, &created.native_id).await;
    assert_eq!(listed.status, ShareStatus::Expired);
    let mut known = listed;
    known.source.uri.clone_from(&created.source.uri);
    let patch = UpdateShare {
        expires_at: Patch::Set(Utc::now() + Duration::days(7)),
        ..Default::default()
    };
    let updated = p
        .update(&created.native_id, &patch, &ctx().with_known(Some(known)))
        .await
        .expect("re-armed");
    assert_eq!(updated.status, ShareStatus::Active);
}

#[tokio::test]
async fn create_errors_follow_the_source() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let missing = CreateShare::new(SourceInput::Uri {
        uri: "cloudreve://my/no/such/file.txt".into(),
    });
    let e = p.create(&missing, &ctx()).await.expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(e.vendor_code(), Some("40016"));
    let root = CreateShare::new(SourceInput::Uri {
        uri: "cloudreve://my/".into(),
    });
    let e = p.create(&root, &ctx()).await.expect_err("root");
    assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e}");
    assert_eq!(e.vendor_code(), Some("403"));
    assert_eq!(sim.share_count(), 0);
}

#[tokio::test]
async fn a_trashed_source_is_source_deleted() {
    let (sim, p) = common::setup(0, 10, 0).await;
    let mut req = source(&sim, "/budget-2025.xlsx");
    req.expires_at = Some(Utc::now() + Duration::days(3));
    let created = p.create(&req, &ctx()).await.expect("create");
    assert!(sim.trash_source(&created.native_id));
    let listed = listed(&p, &created.native_id).await;
    assert_eq!(listed.status, ShareStatus::SourceDeleted);
    let got = p
        .get(&created.native_id, &ctx().with_known(Some(created.clone())))
        .await
        .expect("get");
    assert_eq!(got.status, ShareStatus::SourceDeleted);
    let got = p.get(&created.native_id, &ctx()).await.expect("get");
    assert_eq!(got.status, ShareStatus::SourceDeleted);
    // Its file no longer resolves: the edit is refused as the server refuses it.
    let patch = UpdateShare {
        max_downloads: Patch::Set(3),
        ..Default::default()
    };
    let e = p
        .update(
            &created.native_id,
            &patch,
            &ctx().with_known(Some(created.clone())),
        )
        .await
        .expect_err("trashed");
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn an_unknown_share_is_not_found_without_scanning_forever() {
    let (sim, p) = common::setup(25, 10, 0).await;
    let e = p.get("zzzzzz", &ctx()).await.expect_err("unknown");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    // "Share not found" is not "Share link expired": no list scan.
    assert_eq!(sim.counters().get("list"), 0);
}
