//! End to end, over HTTP, against the real binary: writes, read-your-writes, API keys.

mod common;
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_patch_delete_are_read_back_at_once() {
    let v = vendors(40).await;
    // A long TTL: the snapshot would not be refreshed, so reads must reflect the writes.
    let g = Gateway::start(&config(
        &v,
        false,
        "\n[cache]\nttl = \"1h\"\nmax_stale = \"2h\"",
    ));
    g.ready().await;
    let c = reqwest::Client::new();

    // Cloudreve.
    let uri = v.cloudreve.source_uris()[0].clone();
    let (status, created) = send(
        c.post(g.url("/v1/accounts/hq/shares"))
            .json(&json!({"source": {"uri": uri}, "password": "s3cret12", "max_downloads": 10})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["password_protected"], true);
    assert_eq!(created["remaining_downloads"], 10);
    let (status, got) = get(&g.url(&format!("/v1/shares/{id}")), None).await;
    assert_eq!(status, 200);
    assert_eq!(got["id"], id.as_str());
    assert!(walk(&g, "account=hq&limit=100", None).await.contains(&id));

    let expiry = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (status, patched) = send(
        c.patch(g.url(&format!("/v1/shares/{id}")))
            .json(&json!({"expires_at": expiry})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert!(!patched["expires_at"].is_null());
    let (_, got) = get(&g.url(&format!("/v1/shares/{id}")), None).await;
    assert_eq!(got["expires_at"], patched["expires_at"]);

    // Cloudreve cannot change a password: 422 naming the capability, nothing sent.
    let (status, problem) = send(
        c.patch(g.url(&format!("/v1/shares/{id}")))
            .json(&json!({"password": "other123"})),
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["capability"], "update_password");

    let (status, _) = send(c.delete(g.url(&format!("/v1/shares/{id}"))), None).await;
    assert_eq!(status, 204);
    let (status, _) = get(&g.url(&format!("/v1/shares/{id}")), None).await;
    assert_eq!(status, 404);
    assert!(!walk(&g, "account=hq&limit=100", None).await.contains(&id));

    // KooDrive: needs an expiry; no download limit.
    let (file, container) = v.koodrive.files()[0].clone();
    let source = json!({"file_ids": [file], "container_id": container});
    let (status, problem) = send(
        c.post(g.url("/v1/accounts/cn/shares"))
            .json(&json!({"source": source})),
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let (status, problem) = send(
        c.post(g.url("/v1/accounts/cn/shares"))
            .json(&json!({"source": source, "expires_at": expiry, "max_downloads": 3})),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["capability"], "create_with_max_downloads");
    let (status, problem) = send(
        c.post(g.url("/v1/accounts/cn/shares"))
            .json(&json!({"source": source, "expires_at": expiry, "password": "short"})),
        None,
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    let (status, created) = send(
        c.post(g.url("/v1/accounts/cn/shares")).json(
            &json!({"source": source, "expires_at": expiry, "password": "Ab3dEf9h", "comment": "Q4 report", "audience": "organization"}),
        ),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let kid = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["audience"], "organization");
    assert_eq!(created["comment"], "Q4 report");
    let (status, batch) = send(
        c.post(g.url("/v1/shares/revoke"))
            .json(&json!({"ids": [kid, "hq:doesnotexist", "bad id"]})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    let results = batch["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["status"], "revoked");
    assert_eq!(results[1]["status"], "failed");
    assert_eq!(results[2]["error"]["kind"], "invalid_request");
    let (status, _) = get(&g.url(&format!("/v1/shares/{kid}")), None).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_koodrive_detail_read_keeps_what_only_the_list_reported() {
    // KooDrive's detail (`ShareByMeLinkDetail`) has no counters, files or space: a refresh or
    // an update must not turn the listed values into nulls.
    let v = vendors(30).await;
    let g = Gateway::start(&config(
        &v,
        false,
        "\n[cache]\nttl = \"1h\"\nmax_stale = \"2h\"",
    ));
    g.ready().await;
    let (_, list) = get(
        &g.url("/v1/shares?account=cn&status=active&limit=100"),
        None,
    )
    .await;
    let listed = list["shares"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["stats"]["views"].is_u64()
                && s["source"]["files"]
                    .as_array()
                    .is_some_and(|f| !f.is_empty())
        })
        .cloned()
        .expect("an active share with counters and files");
    let id = listed["id"].as_str().unwrap().to_string();

    let (status, fresh) = get(&g.url(&format!("/v1/shares/{id}?refresh=true")), None).await;
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(fresh["stats"], listed["stats"]);
    assert_eq!(fresh["source"], listed["source"]);
    assert_eq!(
        fresh["vendor"]["containerId"],
        listed["vendor"]["containerId"]
    );
    assert_eq!(
        fresh["vendor"]["containerName"],
        listed["vendor"]["containerName"]
    );

    let c = reqwest::Client::new();
    let (status, patched) = send(
        c.patch(g.url(&format!("/v1/shares/{id}")))
            .json(&json!({"comment": "renamed"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["comment"], "renamed");
    assert_eq!(patched["stats"], listed["stats"]);
    assert_eq!(patched["source"], listed["source"]);
    let (_, got) = get(&g.url(&format!("/v1/shares/{id}")), None).await;
    assert_eq!(got["stats"], listed["stats"]);
    assert_eq!(got["comment"], "renamed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_scopes_and_account_limits() {
    let v = vendors(60).await;
    let g = Gateway::start(&config(&v, true, ""));
    g.ready().await;
    let c = reqwest::Client::new();

    // Missing and unknown keys.
    let (status, body) = get(&g.url("/v1/shares"), None).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = get(&g.url("/v1/shares"), Some("not-a-key-at-all-000")).await;
    assert_eq!(status, 401);
    // Health, readiness and metrics need no key.
    assert_eq!(get(&g.url("/healthz"), None).await.0, 200);

    // A read-only key cannot create.
    let uri = v.cloudreve.source_uris()[0].clone();
    let (status, problem) = send(
        c.post(g.url("/v1/accounts/hq/shares"))
            .json(&json!({"source": {"uri": uri}})),
        Some(READER_KEY),
    )
    .await;
    assert_eq!(status, 403, "{problem}");

    // Passwords only with the secrets scope; and never inside the URL without it.
    let (_, body) = get(
        &g.url("/v1/shares?password_protected=true&limit=1000"),
        Some(READER_KEY),
    )
    .await;
    let protected = body["shares"].as_array().unwrap();
    assert!(!protected.is_empty());
    for s in protected {
        assert!(s.get("password").is_none(), "{s}");
    }
    let (_, admin) = get(
        &g.url("/v1/shares?password_protected=true&limit=1000"),
        Some(ADMIN_KEY),
    )
    .await;
    let with_pw = admin["shares"].as_array().unwrap();
    assert!(with_pw.iter().any(|s| s["password"].is_string()));
    for (plain, full) in protected.iter().zip(with_pw) {
        if let Some(pw) = full["password"].as_str() {
            assert!(!plain["url"].as_str().unwrap().contains(pw), "{plain}");
        }
    }

    // A key limited to hq never sees cn.
    let ids = walk(&g, "limit=50", Some(HQ_ONLY_KEY)).await;
    assert_eq!(ids.len(), v.cloudreve.share_count());
    assert!(ids.iter().all(|i| i.starts_with("hq:")));
    let cn_id = format!("cn:{}", v.koodrive.share_ids()[0]);
    let (status, _) = get(&g.url(&format!("/v1/shares/{cn_id}")), Some(HQ_ONLY_KEY)).await;
    assert_eq!(status, 404);
    let (status, _) = get(&g.url(&format!("/v1/shares/{cn_id}")), Some(ADMIN_KEY)).await;
    assert_eq!(status, 200);
    let (status, _) = get(&g.url("/v1/shares?account=cn"), Some(HQ_ONLY_KEY)).await;
    assert_eq!(status, 400);
    let (_, accounts) = get(&g.url("/v1/accounts"), Some(HQ_ONLY_KEY)).await;
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 1);
    let (status, _) = send(
        c.delete(g.url(&format!("/v1/shares/{cn_id}"))),
        Some(HQ_ONLY_KEY),
    )
    .await;
    assert_eq!(status, 404);
}
