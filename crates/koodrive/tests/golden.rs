//! Golden fixtures: KooDrive answer bodies in the vendor's own documented shapes, served
//! byte for byte by the simulator and decoded by the provider into the unified shares in the
//! matching `*.expected.json` (the wire form with secrets shown, as `DESIGN.md` §2 maps it).
//!
//! Where each body comes from (vendor notes: `shared/vendors/koodrive.md`; "verbatim" = copied
//! unchanged, "constructed" = built from the page's field table because the page has no
//! example, or an example only in the other shape):
//!
//! | fixture | source |
//! |---|---|
//! | `list_seed_page.json` | verbatim: the example response of "Listing Files Shared by You", the older English `api-koodrive/listShareByMe.html` (`shared/vendors/seeds/002_43690c202c99a2c6.txt`) |
//! | `list_current_reference.json` | constructed: the same body without `permission` and `extractCode`, which the current `ShareByMeLink` table (zh `support.huaweicloud.com/api-koodrive/listShareByMe.html`, updated 2025-12-12; notes §11) no longer has |
//! | `list_current_reference_values.json` | constructed: current `ShareByMeLink` fields with the documented example values (ids, link, space, times: notes §3.1, §3.6, §8); status 2 (已失效) and 1; the "supported in the future" counters 0 or absent |
//! | `detail_seed_page.json` | constructed: `ShareByMeLinkDetail` (`getShareByMeDetail.html`, notes §3.3) in the seed example's placeholder style, with the page's example `shareTime` and `scope: 0` |
//! | `detail_without_extract_code.json` | constructed: a detail without `extractCode` (the hedge of §11: absence means unknown wherever it happens) |
//! | `update_current_reference.json` | constructed: the `updateShare` answer table (zh `updateShare.html`, 2025-12-12; notes §3.4): String counters, status 3 (已过期), ids from the carrier example's first line, `extractCode` from the carrier verify example |
//! | `cancel_carrier_example.json` | verbatim: the example response of carrier `api-koodrive-carrier/batchCancel.html` (notes §3.5), sub-responses with `shareId` |
//! | `cancel_current_reference.json` | constructed: the current `batchCancel.html` table (2025-12-12; notes §11), `ShareSubResponse` = `{code, msg}` only |
//! | `error_13000415.json`, `error_13000417.json` | constructed: the current error-code table rows (HTTP 400, code, English message; notes §11) in the `{code, msg}` envelope (notes §7.2) |
//! | `apig_throttle.json` | verbatim: API Gateway's throttle body as quoted in notes §7.5/§11 (SIB: APIG's own docs) |

mod common;

use common::{provider, sim, Method};
use serde_json::Value;
use std::path::PathBuf;
use unishare_core::{CallContext, ErrorKind, Share, ShareProvider};
use unishare_testkit::faults::Fault;
use unishare_testkit::koodrive::KooDriveSim;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serves `body` exactly as stored (no re-serialisation: key order and spacing kept).
fn serve(sim: &KooDriveSim, route: &str, status: u16, name: &str) {
    let fault = Fault::Respond {
        status,
        content_type: "application/json",
        body: fixture(name),
        headers: Vec::new(),
    };
    sim.faults().inject(route, fault, Some(1));
}

fn wire(s: &Share) -> Value {
    serde_json::to_value(s.view(true)).expect("a share serialises")
}

fn expected(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("expected fixture is JSON")
}

fn ctx() -> CallContext {
    CallContext::with_request_id("golden")
}

async fn list_golden(body: &str, expected_name: &str) -> unishare_core::Page {
    let sim = sim(0).await;
    serve(&sim, "list", 200, body);
    let page = provider(&sim, Method::App)
        .list_page(None, &ctx())
        .await
        .expect("the documented body decodes");
    assert!(page.skipped.is_empty(), "{:?}", page.skipped);
    let shares: Vec<Value> = page.shares.iter().map(wire).collect();
    assert_eq!(Value::Array(shares), expected(expected_name), "{body}");
    page
}

#[tokio::test]
async fn seed_page_list_example_maps_to_its_golden_share() {
    let page = list_golden("list_seed_page.json", "list_seed_page.expected.json").await;
    assert_eq!(page.shares[0].password_protected, Some(true));
}

#[tokio::test]
async fn current_reference_list_without_extract_code_is_password_unknown() {
    let page = list_golden(
        "list_current_reference.json",
        "list_current_reference.expected.json",
    )
    .await;
    let s = &page.shares[0];
    assert_eq!(s.password_protected, None, "absent extractCode is unknown");
    assert!(s.password.is_none());
    assert_eq!(
        s.permissions,
        Default::default(),
        "absent permission is null"
    );
}

#[tokio::test]
async fn current_reference_list_values_map_statuses_and_future_counters() {
    let page = list_golden(
        "list_current_reference_values.json",
        "list_current_reference_values.expected.json",
    )
    .await;
    assert_eq!(page.next, None, "no nextCursor: the last page");
}

async fn get_golden(body: &str, expected_name: &str) -> Share {
    let sim = sim(0).await;
    serve(&sim, "get", 200, body);
    let s = provider(&sim, Method::App)
        .get("1689743054514187776", &ctx())
        .await
        .expect("the documented detail decodes");
    assert_eq!(wire(&s), expected(expected_name), "{body}");
    s
}

#[tokio::test]
async fn seed_page_detail_maps_to_its_golden_share() {
    let s = get_golden("detail_seed_page.json", "detail_seed_page.expected.json").await;
    assert_eq!(s.password_protected, Some(true));
}

#[tokio::test]
async fn detail_without_extract_code_is_password_unknown() {
    let s = get_golden(
        "detail_without_extract_code.json",
        "detail_without_extract_code.expected.json",
    )
    .await;
    assert_eq!(s.password_protected, None);
}

#[tokio::test]
async fn update_answer_with_string_counters_and_status_3_maps_to_its_golden_share() {
    let sim = sim(0).await;
    // The update is answered by the documented body; the read-back after it by a detail
    // that lacks the counters (which the update answer then fills).
    serve(&sim, "update", 200, "update_current_reference.json");
    serve(&sim, "get", 200, "detail_without_extract_code.json");
    let req = unishare_core::UpdateShare {
        comment: unishare_core::Patch::Set("please review".into()),
        ..Default::default()
    };
    let s = provider(&sim, Method::App)
        .update("1689743054514187776", &req, &ctx())
        .await
        .expect("update");
    assert_eq!(wire(&s), expected("update_current_reference.expected.json"));
    // And the update answer on its own: status 3 → expired, String counters → numbers.
    serve(&sim, "get", 200, "update_current_reference.json");
    let alone = provider(&sim, Method::App)
        .get("1689743054514187776", &ctx())
        .await
        .expect("get");
    assert_eq!(alone.status, unishare_core::ShareStatus::Expired);
    assert_eq!(alone.stats.views, Some(12));
    assert_eq!(alone.stats.downloads, Some(0));
    assert_eq!(alone.password_protected, Some(true));
}

#[tokio::test]
async fn carrier_cancel_example_is_matched_by_share_id() {
    let sim = sim(0).await;
    serve(&sim, "cancel", 200, "cancel_carrier_example.json");
    // Asked in the other order: the answer names its share, so position does not matter.
    let ids = vec![
        "1689759841444195841".to_owned(),
        "1689759841444195840".to_owned(),
    ];
    let out = provider(&sim, Method::App)
        .revoke(&ids, &ctx())
        .await
        .unwrap();
    assert_eq!(out[1].native_id, "1689759841444195840");
    assert!(out[1].result.is_ok(), "{:?}", out[1].result);
    let e = out[0].result.as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UpstreamProtocol, "not answered for");
}

#[tokio::test]
async fn current_reference_cancel_without_share_ids_is_matched_by_position() {
    let sim = sim(0).await;
    serve(&sim, "cancel", 200, "cancel_current_reference.json");
    let ids = vec![
        "1689759841444195840".to_owned(),
        "1000000000000000001".to_owned(),
    ];
    let out = provider(&sim, Method::App)
        .revoke(&ids, &ctx())
        .await
        .unwrap();
    assert_eq!(out[0].native_id, ids[0]);
    assert!(out[0].result.is_ok(), "{:?}", out[0].result);
    let e = out[1].result.as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.vendor_code(), Some("13000309"));
    // Three ids, two positional answers: position cannot be trusted, nothing is confirmed.
    serve(&sim, "cancel", 200, "cancel_current_reference.json");
    let three = vec![ids[0].clone(), ids[1].clone(), "1689759841444195842".into()];
    let out = provider(&sim, Method::App)
        .revoke(&three, &ctx())
        .await
        .unwrap();
    for o in &out {
        let e = o.result.as_ref().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol, "{}", o.native_id);
        assert!(e.message().contains("not confirmed"), "{e}");
    }
}

#[tokio::test]
async fn current_error_codes_13000415_and_13000417_are_invalid_requests() {
    let sim = sim(0).await;
    let p = provider(&sim, Method::App);
    for (name, code) in [
        ("error_13000415.json", "13000415"),
        ("error_13000417.json", "13000417"),
    ] {
        serve(&sim, "get", 400, name);
        let e = p.get("1689743054514187776", &ctx()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{name}: {e}");
        assert_eq!(e.vendor_code(), Some(code));
        assert!(!e.is_retryable());
    }
}

#[tokio::test]
async fn apig_throttle_body_is_rate_limited() {
    let sim = sim(0).await;
    serve(&sim, "get", 429, "apig_throttle.json");
    let e = provider(&sim, Method::App)
        .get("1689743054514187776", &ctx())
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }), "{e}");
    assert_eq!(e.vendor_code(), Some("APIG.0308"));
    // The same body on a 200 (a customised gateway) is still throttling, not a success.
    serve(&sim, "get", 200, "apig_throttle.json");
    let e = provider(&sim, Method::App)
        .get("1689743054514187776", &ctx())
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }), "{e}");
}
