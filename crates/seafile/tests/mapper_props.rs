//! Property tests of the mapper: arbitrary JSON-ish records never panic it, and what it maps
//! keeps the record's values.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use unishare_core::{AccountName, ShareStatus, SourceKind};
use unishare_seafile::dto::{list_records, LinkDto};
use unishare_seafile::mapping::{map_link, parse_source_uri};

fn acct() -> AccountName {
    AccountName::new("sf").unwrap()
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,24}".prop_map(Value::String),
        Just(json!("")),
        Just(json!("2026-01-12T10:00:00+08:00")),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const KEYS: &[&str] = &[
    "token",
    "username",
    "creator_email",
    "creator_name",
    "creator_contact_email",
    "repo_id",
    "repo_name",
    "path",
    "obj_name",
    "obj_id",
    "is_dir",
    "link",
    "view_cnt",
    "ctime",
    "expire_date",
    "is_expired",
    "permissions",
    "password",
    "size",
];

/// A record with any subset of the real keys, each holding any JSON value.
fn record() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..KEYS.len()).prop_map(
        |kv| {
            let mut m = Map::new();
            for (k, v) in kv {
                m.insert(k.to_owned(), v);
            }
            Value::Object(m)
        },
    )
}

fn when() -> impl Strategy<Value = DateTime<Utc>> {
    (1_000_000_000i64..2_000_000_000).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_records_never_panic(rec in record(), now in when()) {
        if let Ok(dto) = serde_json::from_value::<LinkDto>(rec) {
            let _ = map_link(&acct(), dto, now);
        }
    }

    #[test]
    fn arbitrary_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(records) = list_records(&body) {
            for raw in records {
                if let Ok(dto) = serde_json::from_str::<LinkDto>(raw.get()) {
                    let _ = map_link(&acct(), dto, Utc::now());
                }
            }
        }
        let _ = parse_source_uri(&String::from_utf8_lossy(&body));
    }

    #[test]
    fn well_formed_records_keep_their_values(
        token in "[0-9a-f]{20}",
        repo in "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        name in "[A-Za-z0-9 ._-]{1,20}",
        is_dir in any::<bool>(),
        views in 0u64..1_000_000,
        created in when(),
        expires in prop::option::of(when()),
        offset_h in -12i32..=14,
        password in prop::option::of("[A-Za-z0-9]{8,16}"),
        download in any::<bool>(),
        now in when(),
    ) {
        let zone = chrono::FixedOffset::east_opt(offset_h * 3600).unwrap();
        let iso = |t: DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        let path = if is_dir { format!("/{name}/") } else { format!("/{name}") };
        let rec = json!({
            "username": "u@example.com", "repo_id": repo, "repo_name": "Lib", "path": path,
            "obj_name": name, "is_dir": is_dir, "token": token,
            "link": format!("https://s.example/{}/{token}/", if is_dir { "d" } else { "f" }),
            "view_cnt": views, "ctime": iso(created),
            "expire_date": expires.map(iso).unwrap_or_default(),
            "is_expired": expires.is_some_and(|e| now > e),
            "permissions": {"can_edit": false, "can_download": download},
            "password": password.clone().unwrap_or_default(),
        });
        let s = map_link(&acct(), serde_json::from_value(rec).unwrap(), now).unwrap();
        prop_assert_eq!(s.native_id.as_str(), token.as_str());
        prop_assert_eq!(s.id.as_str(), format!("sf:{token}"));
        prop_assert_eq!(s.name.as_str(), name.as_str());
        prop_assert_eq!(s.stats.views, Some(views));
        prop_assert_eq!(s.created_at, Some(created));
        prop_assert_eq!(s.expires_at, expires);
        prop_assert_eq!(s.status == ShareStatus::Expired, expires.is_some_and(|e| e <= now));
        prop_assert_eq!(s.password_protected, Some(password.is_some()));
        prop_assert_eq!(s.password.as_ref().map(|p| p.expose().to_owned()), password);
        prop_assert_eq!(s.permissions.download, Some(download));
        prop_assert_eq!(s.source.kind, if is_dir { SourceKind::Folder } else { SourceKind::File });
        // The source URI round-trips to the library and path a create takes.
        let uri = s.source.uri.clone().unwrap();
        prop_assert_eq!(parse_source_uri(&uri), Some((repo.as_str(), path.as_str())));
        // The unified form round-trips through JSON (secrets revealed).
        let back: unishare_core::Share = serde_json::from_value(serde_json::to_value(s.view(true)).unwrap()).unwrap();
        prop_assert_eq!(back, s);
    }
}
