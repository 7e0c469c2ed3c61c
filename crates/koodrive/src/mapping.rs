//! KooDrive share records → the unified [`Share`] (`DESIGN.md` §2 mapping table).

use crate::dto::{ListBody, ShareByMeLink, ShareFileInfo};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use unishare_core::lenient::Code;
use unishare_core::{
    AccountName, Audience, Page, PageCursor, Permissions, Secret, Share, ShareId, ShareStatus,
    SkippedRecord, Source, SourceFile, SourceKind, Stats, VendorFieldsBuilder,
};

/// Maps one raw record; `Err` carries the reason and whatever id could be read.
pub fn map_record(
    account: &AccountName,
    raw: &Value,
    now: DateTime<Utc>,
) -> Result<Share, SkippedRecord> {
    let native_id = id_hint(raw);
    let skipped = |reason: String| SkippedRecord {
        native_id: native_id.clone(),
        reason,
    };
    let link = ShareByMeLink::deserialize(raw)
        .map_err(|e| skipped(format!("undecodable share record: {e}")))?;
    map_link(account, link, now).map_err(skipped)
}

/// Maps one record of a list page, decoded straight from its JSON text (no intermediate
/// tree); a record that does not decode is parsed once more only to name its id.
pub fn map_raw(
    account: &AccountName,
    raw: &RawValue,
    now: DateTime<Utc>,
) -> Result<Share, SkippedRecord> {
    match serde_json::from_str::<ShareByMeLink>(raw.get()) {
        Ok(link) => map_decoded(account, link, now),
        Err(_) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(v) => map_record(account, &v, now),
            Err(e) => Err(SkippedRecord {
                native_id: None,
                reason: format!("undecodable share record: {e}"),
            }),
        },
    }
}

/// Maps a decoded record; a skip report names the record's `shareId`.
fn map_decoded(
    account: &AccountName,
    link: ShareByMeLink,
    now: DateTime<Utc>,
) -> Result<Share, SkippedRecord> {
    let native_id = link.share_id.as_ref().map(ToString::to_string);
    map_link(account, link, now).map_err(|reason| SkippedRecord { native_id, reason })
}

/// The `shareId` of a record, for a skip report.
fn id_hint(raw: &Value) -> Option<String> {
    raw.get("shareId").and_then(|v| match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Maps a decoded record.
pub fn map_link(
    account: &AccountName,
    link: ShareByMeLink,
    now: DateTime<Utc>,
) -> Result<Share, String> {
    let native_id = link.share_id.ok_or("record has no shareId")?;
    let id = ShareId::new(account, &native_id).map_err(|e| e.message().to_owned())?;
    let url = link.link_url.ok_or("record has no linkUrl")?;
    let files: Vec<SourceFile> = link
        .files
        .unwrap_or_default()
        .into_iter()
        .map(map_file)
        .collect();
    // The list shows the first file's name for a multi-file share; fall back to it, then to the
    // id, rather than dropping a record for a missing display name.
    let name = link
        .display_name
        .or_else(|| {
            files
                .first()
                .map(|f| f.name.clone())
                .filter(|n| !n.is_empty())
        })
        .unwrap_or_else(|| native_id.clone());
    let status = map_status(link.status.as_ref(), link.expire_time, now);
    let audience = map_audience(link.scope.as_ref());
    // `extractCode` non-empty → protected, `""` → not, key absent → unknown (DESIGN §2; the
    // current reference's list records carry no `extractCode`, vendors/koodrive.md §11).
    let password_protected = link.extract_code.as_ref().map(|c| !c.is_empty());
    let password = link.extract_code.filter(|c| !c.is_empty()).map(Secret::new);
    let permissions = link
        .permission
        .map(|p| Permissions {
            preview: p.preview,
            download: p.download,
            edit: p.edit,
        })
        .unwrap_or_default();
    let kind = match files.len() {
        0 => SourceKind::Unknown,
        1 => SourceKind::File,
        _ => SourceKind::Multiple,
    };
    let mut vendor = VendorFieldsBuilder::default();
    vendor
        .insert_some("scope", link.scope)
        .insert_some("containerId", link.container_id)
        .insert_some("containerName", link.container_name);
    Ok(Share {
        id,
        account: account.as_str().into(),
        provider: crate::provider(),
        native_id,
        name,
        url: url.into(),
        secret_url: None,
        short_code: link.short_url,
        status,
        audience,
        password_protected,
        password,
        created_at: link.share_time,
        expires_at: link.expire_time,
        permissions,
        stats: Stats {
            views: link.view_cnt,
            downloads: link.download_cnt,
            saves: link.save_cnt,
        },
        remaining_downloads: None,
        source: Source {
            kind,
            uri: None,
            files,
        },
        owner: None,
        comment: link.comment,
        vendor: vendor.build(),
    })
}

fn map_file(f: ShareFileInfo) -> SourceFile {
    SourceFile {
        id: f.id.unwrap_or_default(),
        name: f.file_name.unwrap_or_default(),
        size: f.size,
        mime_type: f.mime_type,
    }
}

/// `status`: 0 (or absent) → by `expireTime`; 1 → source deleted; 2 → invalid; 3 → expired;
/// anything else → invalid.
pub fn map_status(
    status: Option<&Code>,
    expire_time: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ShareStatus {
    match status {
        None | Some(Code::Num(0)) => match expire_time {
            Some(at) if at <= now => ShareStatus::Expired,
            _ => ShareStatus::Active,
        },
        Some(Code::Num(1)) => ShareStatus::SourceDeleted,
        Some(Code::Num(3)) => ShareStatus::Expired,
        Some(_) => ShareStatus::Invalid,
    }
}

/// `scope`: 1 → anyone, 2 → organization, 3 → restricted (number or numeric string); anything
/// else (including the doc placeholder 0) → restricted, the most conservative reading.
pub fn map_audience(scope: Option<&Value>) -> Audience {
    let n = match scope {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(1) => Audience::Anyone,
        Some(2) => Audience::Organization,
        _ => Audience::Restricted,
    }
}

/// Maps a list answer into a [`Page`]; bad records go to `skipped`.
pub fn map_page(account: &AccountName, body: ListBody, now: DateTime<Utc>) -> Page {
    match body {
        ListBody::OnePass(answer) => {
            let records = answer.share_links.unwrap_or_default();
            let mapped = records
                .into_iter()
                .map(|link| map_decoded(account, link, now));
            collect_page(account, answer.next_cursor, mapped)
        }
        ListBody::Robust(resp) => {
            let records = resp.share_links.unwrap_or_default();
            let mapped = records.iter().map(|raw| map_raw(account, raw, now));
            collect_page(account, resp.next_cursor, mapped)
        }
    }
}

/// A page from the next cursor and the mapped records; bad records are logged and reported.
fn collect_page(
    account: &AccountName,
    next_cursor: Option<String>,
    mapped: impl Iterator<Item = Result<Share, SkippedRecord>>,
) -> Page {
    let mut page = Page {
        next: next_cursor.filter(|c| !c.trim().is_empty()).map(PageCursor),
        ..Page::default()
    };
    page.shares.reserve(mapped.size_hint().0);
    for result in mapped {
        match result {
            Ok(share) => page.shares.push(share),
            Err(skip) => {
                tracing::warn!(
                    account = %account,
                    provider = "koodrive",
                    native_id = skip.native_id.as_deref().unwrap_or("?"),
                    reason = %skip.reason,
                    "skipping a share record that cannot be mapped"
                );
                page.skipped.push(skip);
            }
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn acct() -> AccountName {
        AccountName::new("cn").unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2025-06-01T00:00:00Z".parse().unwrap()
    }

    fn one(v: Value) -> Result<Share, SkippedRecord> {
        map_record(&acct(), &v, now())
    }

    fn base() -> Value {
        json!({"shareId":"1689743054514187776","linkUrl":"https://x/s/1","displayName":"a"})
    }

    fn with(k: &str, v: Value) -> Value {
        let mut b = base();
        b[k] = v;
        b
    }

    #[test]
    fn statuses() {
        let s = |v: Value| one(v).unwrap().status;
        assert_eq!(s(base()), ShareStatus::Active);
        assert_eq!(s(with("status", json!(0))), ShareStatus::Active);
        let mut past = with("status", json!(0));
        past["expireTime"] = json!("2024-06-03T01:58:35.419Z");
        assert_eq!(s(past), ShareStatus::Expired);
        let mut future = with("status", json!("0"));
        future["expireTime"] = json!("2026-06-03 01:58:35");
        assert_eq!(s(future), ShareStatus::Active);
        assert_eq!(s(with("status", json!(1))), ShareStatus::SourceDeleted);
        assert_eq!(s(with("status", json!("1"))), ShareStatus::SourceDeleted);
        assert_eq!(s(with("status", json!(2))), ShareStatus::Invalid);
        assert_eq!(s(with("status", json!(3))), ShareStatus::Expired);
        assert_eq!(s(with("status", json!(9))), ShareStatus::Invalid);
        assert_eq!(s(with("status", json!("weird"))), ShareStatus::Invalid);
    }

    #[test]
    fn audiences_keep_the_raw_scope() {
        let a = |v: Value| {
            let s = one(with("scope", v.clone())).unwrap();
            assert_eq!(s.vendor.get("scope"), Some(v));
            s.audience
        };
        assert_eq!(a(json!(1)), Audience::Anyone);
        assert_eq!(a(json!("1")), Audience::Anyone);
        assert_eq!(a(json!(2)), Audience::Organization);
        assert_eq!(a(json!(3)), Audience::Restricted);
        assert_eq!(a(json!(0)), Audience::Restricted);
        assert_eq!(a(json!("x")), Audience::Restricted);
    }

    #[test]
    fn counters_numbers_strings_absent() {
        let mut v = base();
        v["viewCnt"] = json!("12");
        v["downloadCnt"] = json!(3);
        let s = one(v).unwrap();
        assert_eq!(
            s.stats,
            Stats {
                views: Some(12),
                downloads: Some(3),
                saves: None
            }
        );
    }

    #[test]
    fn numeric_share_id_keeps_every_digit() {
        let v = json!({"shareId": 1689743054514187777u64, "linkUrl": "u"});
        let s = one(v).unwrap();
        assert_eq!(s.native_id, "1689743054514187777");
        assert_eq!(s.id.as_str(), "cn:1689743054514187777");
    }

    #[test]
    fn bad_records_are_skipped_with_their_id() {
        let e = one(json!({"linkUrl":"u"})).unwrap_err();
        assert_eq!(e.native_id, None);
        let e = one(with("viewCnt", json!("many"))).unwrap_err();
        assert_eq!(e.native_id.as_deref(), Some("1689743054514187776"));
        assert!(e.reason.contains("many"), "{}", e.reason);
        let e = one(json!({"shareId":"1"})).unwrap_err();
        assert!(e.reason.contains("linkUrl"));
    }

    #[test]
    fn source_kinds_and_name_fallback() {
        let s = one(json!({"shareId":"1","linkUrl":"u"})).unwrap();
        assert_eq!(s.source.kind, SourceKind::Unknown);
        assert_eq!(s.name, "1");
        let s = one(json!({"shareId":"1","linkUrl":"u","files":[{"id":"f","fileName":"n.pdf"}]}))
            .unwrap();
        assert_eq!(s.source.kind, SourceKind::File);
        assert_eq!(s.name, "n.pdf");
        let s = one(json!({"shareId":"1","linkUrl":"u","files":[{"id":"f"},{"id":"g"}]})).unwrap();
        assert_eq!(s.source.kind, SourceKind::Multiple);
    }

    #[test]
    fn absent_extract_code_is_unknown() {
        for v in [base(), with("extractCode", Value::Null)] {
            let s = one(v).unwrap();
            assert_eq!(s.password_protected, None);
            assert!(s.password.is_none());
        }
        let s = one(with("extractCode", json!(31945314))).unwrap();
        assert_eq!(s.password_protected, Some(true));
        assert_eq!(s.password.unwrap().expose(), "31945314");
    }

    #[test]
    fn empty_extract_code_is_no_password() {
        let s = one(with("extractCode", json!(""))).unwrap();
        assert_eq!(s.password_protected, Some(false));
        assert!(s.password.is_none());
        let s = one(with("extractCode", json!("Ab3dEf9h"))).unwrap();
        assert_eq!(s.password_protected, Some(true));
        assert_eq!(s.password.unwrap().expose(), "Ab3dEf9h");
    }

    #[test]
    fn page_end_only_without_cursor() {
        let p = |c: Value| {
            let body: ListBody =
                serde_json::from_value(json!({"nextCursor": c, "shareLinks": []})).unwrap();
            map_page(&acct(), body, now()).next
        };
        assert_eq!(p(json!("abc")), Some(PageCursor("abc".into())));
        assert_eq!(p(json!(123)), Some(PageCursor("123".into())));
        assert_eq!(p(json!("")), None);
        assert_eq!(p(Value::Null), None);
        let body: ListBody = serde_json::from_value(json!({"shareLinks": null})).unwrap();
        let page = map_page(&acct(), body, now());
        assert!(page.next.is_none() && page.shares.is_empty());
    }
}
