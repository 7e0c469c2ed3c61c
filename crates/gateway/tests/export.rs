//! `GET /v1/export` and `GET /v1/stats` driven in-process (`oneshot`) over fake accounts whose
//! names hold commas, quotes, newlines and unicode: the CSV parsed back by the `csv` crate equals
//! the JSON list field by field; NDJSON lines equal the list; parameters are validated; secrets
//! and account visibility are respected.

mod fake;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use unishare_core::{
    AccountName, Audience, Owner, Permissions, Provider, Secret, Share, ShareId, ShareStatus,
    Source, SourceFile, SourceKind, Stats,
};
use unishare_gateway::export::CSV_COLUMNS;
use unishare_gateway::router;

const NAMES: &[&str] = &[
    "plain",
    "with, comma",
    "with \"quotes\"",
    "multi\nline",
    "crlf\r\nline",
    "新文件 – ünïcødé 🚀",
    "=SUM(A1)",
    " padded ",
    "",
    "semi;colon",
];

fn share(account: &str, provider: Provider, i: usize) -> Share {
    let acc = AccountName::new(account).unwrap();
    let native = format!("s{i:03}");
    let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().unwrap()
        + chrono::Duration::milliseconds(i as i64 * 3_600_123);
    let pw = i % 3 == 0;
    Share {
        id: ShareId::new(&acc, &native).unwrap(),
        account: account.into(),
        provider,
        native_id: native.as_str().into(),
        name: format!("{} {i}", NAMES[i % NAMES.len()]).into(),
        url: format!("http://drive.example/s/{native}").into(),
        secret_url: pw.then(|| Secret::new(format!("http://drive.example/s/{native}/pw{i}"))),
        short_code: (i % 2 == 0).then(|| native.as_str().into()),
        status: ShareStatus::ALL[i % 4],
        audience: [
            Audience::Anyone,
            Audience::Organization,
            Audience::Restricted,
        ][i % 3],
        password_protected: Some(pw),
        password: pw.then(|| Secret::new(format!("pw{i}"))),
        created_at: Some(t),
        expires_at: (i % 4 != 0).then(|| t + chrono::Duration::days(30)),
        permissions: Permissions {
            preview: (i % 2 == 0).then_some(true),
            download: (i % 3 == 1).then_some(false),
            edit: None,
        },
        stats: Stats {
            views: (i % 5 != 0).then_some(i as u64 * 7),
            downloads: (i % 4 != 1).then_some(i as u64),
            saves: (provider == unishare_koodrive::provider()).then_some(i as u64 % 3),
        },
        remaining_downloads: (i % 6 == 0).then_some(i as i64),
        source: Source {
            kind: [SourceKind::File, SourceKind::Folder, SourceKind::Multiple][i % 3],
            uri: (provider == unishare_cloudreve::provider())
                .then(|| format!("cloudreve://my/dir, {i}").into()),
            files: (0..i % 3)
                .map(|f| SourceFile {
                    id: format!("f{f}").into(),
                    name: format!("file \"{f}\", x.txt").into(),
                    size: (f == 0).then_some(1024),
                    mime_type: Some("text/plain".into()),
                })
                .collect(),
        },
        owner: (i % 2 == 1).then(|| {
            Box::new(Owner {
                id: format!("u{i}").into(),
                name: (i % 3 != 0).then(|| "Luke, \"the\" Skywalker".into()),
                email: Some("luke@example.com".into()),
            })
        }),
        comment: (i % 2 == 0).then(|| "note,\n\"quoted\"".into()),
        vendor: json!({"price": i, "nested": {"a": [1, 2]}})
            .as_object()
            .unwrap()
            .clone()
            .into(),
    }
}

async fn app(keys: bool) -> axum::Router {
    let hq = (0..37)
        .map(|i| share("hq", unishare_cloudreve::provider(), i))
        .collect();
    let cn = (0..23)
        .map(|i| share("cn", unishare_koodrive::provider(), i + 100))
        .collect();
    let state = fake::state(
        vec![
            ("hq", unishare_cloudreve::provider(), hq),
            ("cn", unishare_koodrive::provider(), cn),
        ],
        keys,
    )
    .await;
    router(state)
}

async fn call(
    app: &axum::Router,
    uri: &str,
    key: Option<&str>,
) -> (StatusCode, Vec<(String, String)>, Vec<u8>) {
    let mut req = Request::get(uri);
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

async fn list(app: &axum::Router, query: &str, key: Option<&str>) -> Vec<Value> {
    let (status, _, body) = call(app, &format!("/v1/shares?limit=1000&{query}"), key).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(v["next_cursor"].is_null(), "fixture fits one page");
    v["shares"].as_array().unwrap().clone()
}

/// The CSV field a JSON share should produce for `column` (the documented flattening).
fn expected(s: &Value, column: &str) -> String {
    let scalar = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let (head, tail) = column.split_once('_').unwrap_or((column, ""));
    match (head, tail) {
        ("permissions" | "stats", f) => scalar(&s[head][f]),
        ("source", "file_count") => s["source"]["files"].as_array().unwrap().len().to_string(),
        ("source", "files") => s["source"]["files"].to_string(),
        ("source", f) => scalar(&s["source"][f]),
        ("owner", f) => scalar(&s["owner"][f]),
        ("vendor", _) => s["vendor"].to_string(),
        _ => scalar(&s[column]),
    }
}

fn parse_csv(body: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let headers = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

fn compare(json: &[Value], headers: &[String], rows: &[Vec<String>]) {
    assert_eq!(headers, &CSV_COLUMNS.map(String::from));
    assert_eq!(rows.len(), json.len());
    for (s, row) in json.iter().zip(rows) {
        for (c, column) in CSV_COLUMNS.iter().enumerate() {
            match *column {
                // JSON-valued columns: compare as JSON (key order is not significant).
                "source_files" | "vendor" => {
                    let got: Value = serde_json::from_str(&row[c]).unwrap();
                    let want: Value = serde_json::from_str(&expected(s, column)).unwrap();
                    assert_eq!(got, want, "{} column {column}", s["id"]);
                }
                _ => assert_eq!(row[c], expected(s, column), "{} column {column}", s["id"]),
            }
        }
    }
}

#[tokio::test]
async fn csv_parses_back_to_the_json_list_field_by_field() {
    let app = app(true).await;
    for (query, key) in [
        ("sort=name&order=asc", fake::ADMIN),
        ("sort=views&order=desc", fake::ADMIN),
        ("sort=created_at", fake::READER),
        (
            "sort=expires_at&order=asc&status=active&status=expired",
            fake::ADMIN,
        ),
        ("q=comma&provider=cloudreve", fake::READER),
    ] {
        let json = list(&app, query, Some(key)).await;
        assert!(!json.is_empty(), "{query}");
        let (status, headers, body) =
            call(&app, &format!("/v1/export?format=csv&{query}"), Some(key)).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-type"), "text/csv; charset=utf-8");
        let cd = header(&headers, "content-disposition");
        assert!(
            cd.starts_with("attachment; filename=\"unishare-shares-") && cd.ends_with(".csv\""),
            "{cd}"
        );
        // RFC 4180 line ends.
        assert!(body.windows(2).any(|w| w == b"\r\n"));
        let (h, rows) = parse_csv(&body);
        compare(&json, &h, &rows);
    }
    // The quirky names really are there, intact.
    let json = list(&app, "sort=name&order=asc", Some(fake::ADMIN)).await;
    let (_, _, body) = call(
        &app,
        "/v1/export?format=csv&sort=name&order=asc",
        Some(fake::ADMIN),
    )
    .await;
    let (_, rows) = parse_csv(&body);
    for n in [
        "multi\nline 3",
        "crlf\r\nline 4",
        "with \"quotes\" 2",
        "新文件 – ünïcødé 🚀 5",
    ] {
        assert!(rows.iter().any(|r| r[4] == n), "{n:?}");
        assert!(json.iter().any(|s| s["name"] == n));
    }
}

#[tokio::test]
async fn passwords_need_the_secrets_scope() {
    let app = app(true).await;
    let (_, _, admin) = call(&app, "/v1/export?format=csv", Some(fake::ADMIN)).await;
    let (_, _, reader) = call(&app, "/v1/export?format=csv", Some(fake::READER)).await;
    let (_, admin_rows) = parse_csv(&admin);
    let (_, reader_rows) = parse_csv(&reader);
    let pw = CSV_COLUMNS.iter().position(|c| *c == "password").unwrap();
    assert!(admin_rows.iter().filter(|r| !r[pw].is_empty()).count() > 5);
    assert!(
        admin_rows.iter().any(|r| r[5].contains("/pw")),
        "revealed url"
    );
    assert!(reader_rows.iter().all(|r| r[pw].is_empty()));
    assert!(reader_rows.iter().all(|r| !r[5].contains("/pw")));
    let (_, _, nd) = call(&app, "/v1/export", Some(fake::READER)).await;
    assert!(!String::from_utf8(nd).unwrap().contains("\"password\""));
}

#[tokio::test]
async fn ndjson_lines_are_the_json_list() {
    let app = app(false).await;
    for query in ["", "sort=name&order=asc", "account=cn&sort=downloads"] {
        let json = list(&app, query, None).await;
        let (status, headers, body) = call(&app, &format!("/v1/export?{query}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-type"), "application/x-ndjson");
        assert!(header(&headers, "content-disposition").ends_with(".ndjson\""));
        assert_eq!(header(&headers, "x-unishare-partial"), "false");
        let text = String::from_utf8(body).unwrap();
        assert!(text.ends_with('\n'));
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, json, "{query}");
    }
    // An empty result: no lines for NDJSON, the header row alone for CSV.
    let (_, _, body) = call(&app, "/v1/export?q=nothing-matches", None).await;
    assert!(body.is_empty());
    let (_, _, body) = call(&app, "/v1/export?q=nothing-matches&format=csv", None).await;
    assert_eq!(body, format!("{}\r\n", CSV_COLUMNS.join(",")).into_bytes());
}

#[tokio::test]
async fn bad_parameters_are_400_problems() {
    let app = app(true).await;
    for (uri, needle) in [
        ("/v1/export?format=xml", "format must be"),
        ("/v1/export?limit=10", "unknown query parameter \"limit\""),
        ("/v1/export?cursor=abc", "unknown query parameter"),
        ("/v1/export?sort=size", "sort must be"),
        ("/v1/export?format=csv&format=csv", "more than once"),
        ("/v1/export?account=nope", "unknown account"),
        ("/v1/stats?sort=name", "unknown query parameter \"sort\""),
        ("/v1/stats?statu=active", "unknown query parameter"),
        ("/v1/stats?created_after=yesterday", "RFC 3339"),
        ("/v1/stats?account=cn", "unknown account"),
    ] {
        let key = if uri.contains("account=cn") {
            fake::HQ_ONLY
        } else {
            fake::READER
        };
        let (status, headers, body) = call(&app, uri, Some(key)).await;
        assert_eq!(status, 400, "{uri}");
        assert_eq!(header(&headers, "content-type"), "application/problem+json");
        let p: Value = serde_json::from_slice(&body).unwrap();
        assert!(p["detail"].as_str().unwrap().contains(needle), "{uri}: {p}");
    }
    for uri in ["/v1/export", "/v1/stats"] {
        let (status, _, _) = call(&app, uri, Some(fake::WRITER)).await;
        assert_eq!(status, 403, "{uri} needs the read scope");
        let (status, _, _) = call(&app, uri, None).await;
        assert_eq!(status, 401);
    }
}

#[tokio::test]
async fn stats_route_respects_visibility_and_filters() {
    let app = app(true).await;
    let get = |uri: &'static str, key| {
        let app = app.clone();
        async move {
            let (status, _, body) = call(&app, uri, Some(key)).await;
            assert_eq!(status, 200, "{uri}");
            serde_json::from_slice::<Value>(&body).unwrap()
        }
    };
    let all = get("/v1/stats", fake::READER).await;
    let shares = list(&app, "", Some(fake::READER)).await;
    assert_eq!(all["total"]["shares"], shares.len());
    let views: u64 = shares
        .iter()
        .filter_map(|s| s["stats"]["views"].as_u64())
        .sum();
    let unreported = shares
        .iter()
        .filter(|s| s["stats"]["views"].is_null())
        .count();
    assert_eq!(all["total"]["views"], views);
    assert_eq!(all["total"]["views_unreported"], unreported);
    assert_eq!(all["partial"], false);
    assert_eq!(all["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(all["by_account"][0]["account"], "hq");
    assert_eq!(all["by_account"][0]["shares"], 37);
    assert_eq!(all["by_status"].as_array().unwrap().len(), 4);
    assert_eq!(all["top_by_views"].as_array().unwrap().len(), 10);
    assert!(all["top_by_views"][0].get("password").is_none());

    let hq = get("/v1/stats", fake::HQ_ONLY).await;
    assert_eq!(hq["total"]["shares"], 37);
    assert_eq!(hq["by_account"].as_array().unwrap().len(), 1);
    assert!(hq["top_by_views"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["account"] == "hq"));

    let filtered = get(
        "/v1/stats?provider=koodrive&password_protected=true",
        fake::ADMIN,
    )
    .await;
    let expected = shares
        .iter()
        .filter(|s| s["provider"] == "koodrive" && s["password_protected"] == true)
        .count();
    assert_eq!(filtered["total"]["shares"], expected);
    assert_eq!(filtered["password"]["open"], 0);
}

/// The list's response cache keeps a revealing key's body (with access codes) apart from the
/// redacted one, and a key limited to one account apart from one that sees both: whatever the
/// order of requests, each key gets its own view of the same URL.
#[tokio::test]
async fn cached_list_pages_never_cross_keys() {
    let app = app(true).await;
    let uri = "/v1/shares?limit=60&sort=name&order=asc";
    let passwords = |body: &[u8]| -> usize {
        let v: Value = serde_json::from_slice(body).unwrap();
        v["shares"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["password"].is_string())
            .count()
    };
    let accounts = |body: &[u8]| -> Vec<String> {
        let v: Value = serde_json::from_slice(body).unwrap();
        v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["account"].as_str().unwrap().to_owned())
            .collect()
    };
    for _round in 0..2 {
        for (key, reveals) in [(fake::READER, false), (fake::ADMIN, true)] {
            let (status, _, body) = call(&app, uri, Some(key)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(passwords(&body) > 0, reveals, "key {key}");
        }
        let (_, _, body) = call(&app, uri, Some(fake::HQ_ONLY)).await;
        assert_eq!(accounts(&body), ["hq"]);
        assert_eq!(passwords(&body), 0);
    }
}
