//! End to end against the real binary: `GET /v1/export` (CSV parsed back and compared field by
//! field with the JSON list), `GET /v1/stats` over real vendors, `unishare export` (complete and
//! partial), `GET /metrics` after traffic, `GET /openapi.json` without a key.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

async fn raw(
    g: &Gateway,
    path: &str,
    key: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = reqwest::Client::new().get(g.url(path));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The CSV value of `column` for a JSON share (the documented flattening).
fn expected(s: &Value, column: &str) -> Value {
    let text = |v: &Value| Value::String(scalar(v));
    match column {
        "source_files" => s["source"]["files"].clone(),
        "vendor" => s["vendor"].clone(),
        "source_file_count" => {
            Value::String(s["source"]["files"].as_array().unwrap().len().to_string())
        }
        c => match c.split_once('_') {
            Some((h @ ("permissions" | "stats" | "source" | "owner"), f)) => text(&s[h][f]),
            _ => text(&s[c]),
        },
    }
}

fn csv_rows(body: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let headers = r.headers().unwrap().iter().map(String::from).collect();
    (headers, r.records().map(|r| r.unwrap()).collect())
}

fn assert_rows_match(json: &[Value], headers: &[String], rows: &[csv::StringRecord]) {
    assert_eq!(rows.len(), json.len());
    for (s, row) in json.iter().zip(rows) {
        for (i, column) in headers.iter().enumerate() {
            let got = match column.as_str() {
                "source_files" | "vendor" => serde_json::from_str(&row[i]).unwrap(),
                _ => Value::String(row[i].to_owned()),
            };
            assert_eq!(got, expected(s, column), "{} {column}", s["id"]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_equals_the_json_list_over_real_vendors() {
    let v = vendors(180).await;
    let g = Gateway::start(&config(&v, true, ""));
    g.ready().await;
    for (query, key) in [
        ("sort=name&order=asc", ADMIN_KEY),
        ("sort=views", READER_KEY),
        ("status=active&sort=expires_at&order=asc", ADMIN_KEY),
    ] {
        let json = walk_shares(&g, query, Some(key)).await;
        let (status, headers, body) =
            raw(&g, &format!("/v1/export?format=csv&{query}"), Some(key)).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        let cd = headers["content-disposition"].to_str().unwrap();
        assert!(
            cd.starts_with("attachment; filename=\"unishare-shares-"),
            "{cd}"
        );
        let (h, rows) = csv_rows(&body);
        assert_eq!(h[..3], ["id", "account", "provider"]);
        assert_rows_match(&json, &h, &rows);
        // NDJSON: the same shares, the same JSON.
        let (_, headers, body) = raw(&g, &format!("/v1/export?{query}"), Some(key)).await;
        assert_eq!(headers["content-type"], "application/x-ndjson");
        let lines: Vec<Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, json);
    }
    // The hq-only key exports hq alone.
    let (_, _, body) = raw(&g, "/v1/export?format=csv", Some(HQ_ONLY_KEY)).await;
    let (_, rows) = csv_rows(&body);
    assert_eq!(rows.len(), 180);
    assert!(rows.iter().all(|r| &r[1] == "hq"));
    let (status, _, _) = raw(&g, "/v1/export?format=pdf", Some(READER_KEY)).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_agree_with_the_list() {
    let v = vendors(150).await;
    let g = Gateway::start(&config(&v, true, ""));
    g.ready().await;
    let shares = walk_shares(&g, "", Some(READER_KEY)).await;
    let (status, stats) = get(&g.url("/v1/stats"), Some(READER_KEY)).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["total"]["shares"], shares.len());
    for counter in ["views", "downloads"] {
        let sum: u64 = shares
            .iter()
            .filter_map(|s| s["stats"][counter].as_u64())
            .sum();
        let missing = shares
            .iter()
            .filter(|s| s["stats"][counter].is_null())
            .count();
        assert_eq!(stats["total"][counter], sum, "{counter}");
        assert_eq!(stats["total"][format!("{counter}_unreported")], missing);
    }
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for s in &shares {
        *by_status
            .entry(s["status"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for row in stats["by_status"].as_array().unwrap() {
        let n = by_status
            .get(row["status"].as_str().unwrap())
            .copied()
            .unwrap_or(0);
        assert_eq!(row["shares"], n, "{row}");
    }
    let protected = shares
        .iter()
        .filter(|s| s["password_protected"] == true)
        .count();
    assert_eq!(stats["password"]["protected"], protected);
    assert_eq!(stats["password"]["open"], shares.len() - protected);
    let top: Vec<u64> = stats["top_by_views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["views"].as_u64().unwrap())
        .collect();
    let mut all: Vec<u64> = shares
        .iter()
        .filter_map(|s| s["stats"]["views"].as_u64())
        .collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(top, all[..10]);
    let states: Vec<&str> = stats["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["fresh", "fresh"]);
    let (_, hq) = get(&g.url("/v1/stats?provider=cloudreve"), Some(HQ_ONLY_KEY)).await;
    assert_eq!(hq["total"]["shares"], 150);
    let (status, _) = get(&g.url("/v1/stats?limit=5"), Some(READER_KEY)).await;
    assert_eq!(status, 400);
}

fn write_config(text: &str, tag: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "unishare-e2e-export-{}-{tag}.toml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_command_crawls_the_vendors_and_reports_failures() {
    let v = vendors(130).await;
    let cfg = write_config(&config(&v, false, ""), "ok");
    let out = std::env::temp_dir().join(format!("unishare-e2e-export-{}.csv", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args(["export", "--format", "csv", "--config"])
        .arg(&cfg)
        .arg("--output")
        .arg(&out)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("hq (cloudreve): 130 share(s) exported, 0 skipped record(s)"),
        "{stderr}"
    );
    assert!(stderr.contains("export complete: 260 share(s)"), "{stderr}");
    let body = std::fs::read_to_string(&out).unwrap();
    let (_, rows) = csv_rows(&body);
    let mut ids: Vec<String> = rows.iter().map(|r| r[0].to_owned()).collect();
    ids.sort();
    assert_eq!(ids, all_ids(&v));
    // No password without --include-passwords; with it, the protected shares have one.
    assert!(rows.iter().all(|r| r[10].is_empty()));

    // Filters as flags, NDJSON on stdout.
    let run = Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args([
            "export",
            "--account",
            "cn",
            "--status",
            "active",
            "--include-passwords",
            "--config",
        ])
        .arg(&cfg)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(lines
        .iter()
        .all(|s| s["account"] == "cn" && s["status"] == "active"));
    assert!(lines
        .iter()
        .filter(|s| s["password_protected"] == true)
        .all(|s| s["password"].is_string()));

    // Into a file, with access codes: readable by its owner only, even when it existed.
    let secret_out = out.with_extension("secret.ndjson");
    std::fs::write(&secret_out, "old").unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args(["export", "--include-passwords", "--config"])
        .arg(&cfg)
        .arg("--output")
        .arg(&secret_out)
        .output()
        .unwrap();
    assert!(run.status.success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");

        // A symbolic link planted at the path is not followed: the export fails and the
        // link's target keeps its content.
        let target = out.with_extension("target.txt");
        let link = out.with_extension("link.ndjson");
        std::fs::write(&target, "untouched").unwrap();
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let run = Command::new(env!("CARGO_BIN_EXE_unishare"))
            .args(["export", "--include-passwords", "--config"])
            .arg(&cfg)
            .arg("--output")
            .arg(&link)
            .output()
            .unwrap();
        assert!(!run.status.success());
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains("symbolic link"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
        let _ = std::fs::remove_file(&link);
        let _ = std::fs::remove_file(&target);
    }

    // A bad flag value is a clear error.
    let run = Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args(["export", "--status", "gone", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("status must be one of"));

    // One account down: the other is still written, the exit code says it failed.
    let broken = config(&v, false, "").replace(&v.koodrive.base_url(), "http://127.0.0.1:9");
    let cfg_broken = write_config(&broken, "broken");
    let run = Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args(["export", "--format", "csv", "--config"])
        .arg(&cfg_broken)
        .arg("--output")
        .arg(&out)
        .env("RUST_LOG", "off")
        .env("UNISHARE_UPSTREAM__MAX_RETRIES", "0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(stderr.contains("cn (koodrive): FAILED"), "{stderr}");
    assert!(stderr.contains("PARTIAL export"), "{stderr}");
    let (_, rows) = csv_rows(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(rows.len(), 130);
    assert!(rows.iter().all(|r| &r[1] == "hq"));
    for p in [cfg, cfg_broken, out, secret_out] {
        let _ = std::fs::remove_file(p);
    }
}

/// Prometheus text → (name, labels) → value, for sample lines.
fn parse_metrics(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("sample line");
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let mut map = BTreeMap::new();
        for pair in labels.split("\",").filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once("=\"").expect("label");
            map.insert(k.to_owned(), v.trim_end_matches('"').to_owned());
        }
        out.push((name.to_owned(), map, value.parse().expect("value")));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_openapi_are_served_without_a_key() {
    let v = vendors(90).await;
    let g = Gateway::start(&config(&v, true, ""));
    g.ready().await;
    for path in [
        "/v1/shares",
        "/v1/shares/hq:nope",
        "/v1/shares/cn:1",
        "/v1/stats",
    ] {
        let _ = get(&g.url(path), Some(READER_KEY)).await;
    }
    let (status, _) = get(&g.url("/v1/shares"), None).await;
    assert_eq!(status, 401);
    let (status, headers, text) = raw(&g, "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let samples = parse_metrics(&text);
    let find = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.2)
    };
    let requests = |route, status| {
        find(
            "unishare_http_requests_total",
            &[("route", route), ("status", status)],
        )
    };
    assert!(requests("/v1/shares", "200").unwrap() >= 1.0);
    assert!(requests("/v1/shares", "401").unwrap() >= 1.0);
    // Templates, not raw paths: both ids count under one series.
    assert!(requests("/v1/shares/{id}", "404").unwrap() >= 2.0);
    assert!(samples
        .iter()
        .all(|(_, l, _)| !l.get("route").is_some_and(|r| r.contains("nope"))));
    assert!(find(
        "unishare_http_request_duration_seconds_bucket",
        &[("route", "/v1/stats"), ("status", "200"), ("le", "+Inf")]
    )
    .is_some());
    for account in ["hq", "cn"] {
        assert_eq!(find("unishare_shares", &[("account", account)]), Some(90.0));
        assert!(
            find(
                "unishare_cache_events_total",
                &[("account", account), ("event", "hit")]
            )
            .unwrap()
                >= 1.0
        );
        for event in ["miss", "stale", "stale_on_error"] {
            assert!(find(
                "unishare_cache_events_total",
                &[("account", account), ("event", event)]
            )
            .is_some());
        }
        assert_eq!(
            find("unishare_skipped_records_total", &[("account", account)]),
            Some(0.0)
        );
        assert_eq!(
            find(
                "unishare_crawls_total",
                &[("account", account), ("outcome", "ok")]
            ),
            Some(1.0)
        );
        assert_eq!(
            find(
                "unishare_crawl_duration_seconds_count",
                &[("account", account), ("outcome", "ok")]
            ),
            Some(1.0)
        );
    }

    let (status, doc) = get(&g.url("/openapi.json"), None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/v1/export"]["get"].is_object());
}
