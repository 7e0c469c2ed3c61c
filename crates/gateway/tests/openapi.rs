//! The OpenAPI document: lists exactly the routes the router serves (the router is built from
//! `app::routes`' table, and every route there is answered by a handler, not the fallback),
//! declares problem+json errors and the API-key scheme, its response schemas match real
//! responses, and every query parameter it documents is one its route takes (the parameters
//! are documented beside the parser, `openapi_params.rs`: this keeps the two in step).

mod fake;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::BTreeSet;
use tower::ServiceExt;
use unishare_gateway::app::routes;

fn spec() -> Value {
    serde_json::from_str(unishare_gateway::openapi::json().unwrap()).unwrap()
}

async fn app() -> axum::Router {
    unishare_gateway::router(
        fake::state(vec![("hq", unishare_cloudreve::provider(), vec![])], false).await,
    )
}

async fn call(app: &axum::Router, method: &str, uri: &str, body: &str) -> (u16, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_document_lists_every_route_the_router_serves() {
    let doc = spec();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if [
                "get", "post", "put", "patch", "delete", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let served: BTreeSet<(String, String)> = routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_owned()))
        .collect();
    assert_eq!(documented, served);
    assert_eq!(served.len(), 14);

    // Each route of the table is answered by its handler, not by the fallbacks.
    let app = app().await;
    for (method, path) in &served {
        let uri = path.replace("{id}", "hq:abc").replace("{account}", "hq");
        let (_, body) = call(&app, method, &uri, "{}").await;
        let detail = body["detail"].as_str().unwrap_or("");
        assert_ne!(detail, "no such route", "{method} {path}");
        assert_ne!(
            detail, "method not allowed on this route",
            "{method} {path}"
        );
    }
    // And the fallbacks do answer paths outside the table.
    let (status, body) = call(&app, "GET", "/v1/nothing", "").await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (404, Some("no such route"))
    );
    let (_, body) = call(&app, "PUT", "/v1/stats", "").await;
    assert_eq!(body["detail"], "method not allowed on this route");
}

#[test]
fn operations_declare_problem_errors_and_the_key_scheme() {
    let doc = spec();
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            if path.starts_with("/v1/") {
                assert!(op["security"].is_array(), "{method} {path} needs a key");
                for status in ["400", "401", "403", "500"] {
                    let r = &responses[status];
                    assert_eq!(
                        r["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                }
            } else {
                assert!(
                    op.get("security").is_none(),
                    "{path} is served without a key"
                );
            }
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} has a success response"
            );
        }
    }
    let export = &doc["paths"]["/v1/export"]["get"];
    let params: Vec<&str> = export["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in [
        "account", "provider", "status", "q", "sort", "order", "format",
    ] {
        assert!(params.contains(&p), "{p}");
    }
    let content = export["responses"]["200"]["content"].as_object().unwrap();
    assert!(content.contains_key("application/x-ndjson") && content.contains_key("text/csv"));
}

fn properties(doc: &Value, schema: &str) -> BTreeSet<String> {
    let s = &doc["components"]["schemas"][schema];
    let mut out: BTreeSet<String> = s["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    // `#[serde(flatten)]` becomes allOf.
    for part in s["allOf"].as_array().into_iter().flatten() {
        if let Some(r) = part["$ref"].as_str() {
            out.extend(properties(
                doc,
                r.trim_start_matches("#/components/schemas/"),
            ));
        }
        if let Some(p) = part["properties"].as_object() {
            out.extend(p.keys().cloned());
        }
    }
    assert!(!out.is_empty(), "schema {schema} has properties");
    out
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn schemas_match_real_responses() {
    let doc = spec();
    let app = unishare_gateway::router(
        fake::state(
            vec![(
                "hq",
                unishare_cloudreve::provider(),
                vec![serde_json::from_value(serde_json::json!({
                    "id": "hq:a1", "account": "hq", "provider": "cloudreve", "native_id": "a1",
                    "name": "n", "url": "http://x/s/a1", "short_code": null, "status": "active",
                    "audience": "anyone", "password_protected": true, "password": "pw123456",
                    "created_at": null, "expires_at": null,
                    "permissions": {"preview": null, "download": null, "edit": null},
                    "stats": {"views": 1, "downloads": null, "saves": null},
                    "remaining_downloads": null,
                    "source": {"kind": "file", "uri": null, "files": []},
                    "owner": null, "comment": null, "vendor": {}
                }))
                .unwrap()],
            )],
            false,
        )
        .await,
    );
    let (_, list) = call(&app, "GET", "/v1/shares", "").await;
    assert_eq!(properties(&doc, "ShareList"), keys(&list));
    assert_eq!(properties(&doc, "Share"), keys(&list["shares"][0]));
    assert_eq!(properties(&doc, "AccountState"), keys(&list["accounts"][0]));
    let (_, stats) = call(&app, "GET", "/v1/stats", "").await;
    assert_eq!(properties(&doc, "StatsResponse"), keys(&stats));
    let (_, problem) = call(&app, "GET", "/v1/stats?bogus=1", "").await;
    assert!(keys(&problem).is_subset(&properties(&doc, "Problem")));
    let (_, accounts) = call(&app, "GET", "/v1/accounts", "").await;
    assert_eq!(
        properties(&doc, "AccountInfo"),
        keys(&accounts["accounts"][0])
    );
    let (_, whoami) = call(&app, "GET", "/v1/whoami", "").await;
    assert_eq!(properties(&doc, "WhoAmI"), keys(&whoami));
    let (_, revoke) = call(&app, "POST", "/v1/shares/revoke", r#"{"ids":["bad"]}"#).await;
    assert_eq!(properties(&doc, "RevokeResponse"), keys(&revoke));
    assert_eq!(
        properties(&doc, "RevokeResult"),
        keys(&revoke["results"][0])
    );
}

/// Collects every `$ref` target in `v`.
fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match (k.as_str(), child) {
                    ("$ref", Value::String(target)) => {
                        out.insert(target.clone());
                    }
                    _ => refs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|c| refs(c, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = spec();
    let mut targets = BTreeSet::new();
    refs(&doc, &mut targets);
    assert!(targets.len() > 5, "{targets:?}");
    for target in &targets {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external reference {target}"));
        assert!(
            doc.pointer(pointer).is_some(),
            "dangling reference {target}"
        );
    }
}

/// A value of `schema` (an OpenAPI parameter schema, `$ref`s into `doc` resolved) that its
/// type accepts, as query text.
fn sample(doc: &Value, schema: &Value) -> String {
    let schema = match schema["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .cloned()
            .unwrap_or(Value::Null),
        None => schema.clone(),
    };
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.as_str().map(str::to_owned).unwrap_or_default();
    }
    for alt in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[alt]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["type"] != "null"))
        {
            return sample(doc, first);
        }
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or(Value::Null),
        t => t.clone(),
    };
    match ty.as_str() {
        Some("array") => sample(doc, &schema["items"]),
        Some("boolean") => "true".into(),
        Some("integer") | Some("number") => {
            schema["minimum"].as_u64().unwrap_or(1).max(1).to_string()
        }
        _ if schema["format"] == "date-time" => "2026-01-01T00:00:00Z".into(),
        _ => "x".into(),
    }
}

#[tokio::test]
async fn every_documented_query_parameter_is_one_the_route_takes() {
    let doc = spec();
    let app = app().await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let uri_path = path.replace("{id}", "hq:abc").replace("{account}", "hq");
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] != "query" {
                continue;
            }
            let name = p["name"].as_str().unwrap();
            let value = sample(&doc, &p["schema"]);
            let uri = format!("{uri_path}?{name}={}", urlencode(&value));
            let (status, body) = call(&app, "GET", &uri, "").await;
            let detail = body["detail"].as_str().unwrap_or_default();
            assert!(
                !detail.contains("unknown query parameter"),
                "{uri}: documented but refused ({status}: {detail})"
            );
            checked += 1;
        }
    }
    // The list, stats and export filters, sort, order, limit, cursor, refresh, format.
    assert!(checked >= 25, "only {checked} parameters checked");
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
