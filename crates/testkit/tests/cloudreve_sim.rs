//! The Cloudreve simulator on its own: wire shapes, quirks and scale.

use serde_json::{json, Value};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

async fn login(sim: &CloudreveSim) -> String {
    let v: Value = reqwest_post(
        sim,
        "/api/v4/session/token",
        json!({"email": "admin@cloudreve.org", "password": "demo-password"}),
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
    v["data"]["token"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn raw(
    sim: &CloudreveSim,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = sim.base_url().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn reqwest_post(sim: &CloudreveSim, path: &str, body: Value) -> Value {
    let (_, b) = raw(sim, "POST", path, None, Some(body)).await;
    serde_json::from_str(&b).unwrap_or(Value::Null)
}

async fn get_json(sim: &CloudreveSim, path: &str, token: &str) -> Value {
    let (status, b) = raw(sim, "GET", path, Some(token), None).await;
    assert_eq!(status, 200, "{b}");
    serde_json::from_str(&b).unwrap_or(Value::Null)
}

#[tokio::test]
async fn cloudreve_sim_wire_shapes_and_quirks() {
    let sim = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 30,
        ..Default::default()
    })
    .await
    .expect("sim");
    let (status, body) = raw(&sim, "GET", "/api/v3/site/ping", None, None).await;
    assert_eq!((status, body.as_str()), (404, "404 page not found"));
    let (_, body) = raw(&sim, "GET", "/api/v4/site/ping", None, None).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap_or_default(),
        json!({"code": 0, "data": "4.18.0", "msg": ""})
    );
    let t = login(&sim).await;
    // page_size is required, 10..=100.
    assert_eq!(get_json(&sim, "/api/v4/share", &t).await["code"], 40001);
    assert_eq!(
        get_json(&sim, "/api/v4/share?page_size=101", &t).await["code"],
        40001
    );
    // Anonymous → 401.
    let (_, b) = raw(&sim, "GET", "/api/v4/share?page_size=10", None, None).await;
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap_or_default()["code"],
        401
    );
    // Bad page token → 50001.
    let v = get_json(&sim, "/api/v4/share?page_size=10&next_page_token=xyz", &t).await;
    assert_eq!(
        (v["code"].clone(), v["msg"].clone()),
        (json!(50001), json!("Failed to list shares"))
    );
    // Ascending by default, descending on request; the last page has no next_token.
    let asc = get_json(&sim, "/api/v4/share?page_size=10", &t).await;
    let ids: Vec<String> = asc["data"]["shares"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids, sim.share_ids()[..10].to_vec());
    let mut token = String::new();
    let mut seen = 0;
    loop {
        let q = if token.is_empty() {
            String::new()
        } else {
            format!("&next_page_token={token}")
        };
        let v = get_json(
            &sim,
            &format!("/api/v4/share?page_size=10&order_direction=desc{q}"),
            &t,
        )
        .await;
        seen += v["data"]["shares"].as_array().map_or(0, Vec::len);
        match v["data"]["pagination"]
            .get("next_token")
            .and_then(Value::as_str)
        {
            Some(n) => token = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 30);
    // Info: unknown → 404 "Share not found"; owner_extended adds source_uri.
    let v = get_json(&sim, "/api/v4/share/info/zzzzzzzz", &t).await;
    assert_eq!(
        (v["code"].clone(), v["msg"].clone()),
        (json!(404), json!("Share not found"))
    );
    // Create returns the URL string; edit needs the share's own uri.
    let (_, b) = raw(
        &sim,
        "PUT",
        "/api/v4/share",
        Some(&t),
        Some(json!({"uri": "cloudreve://my/Reports", "is_private": true, "password": "abc"})),
    )
    .await;
    let v: Value = serde_json::from_str(&b).unwrap_or_default();
    let url = v["data"].as_str().unwrap_or_default().to_owned();
    assert!(url.ends_with("/abc"), "{v}");
    let id = url.rsplit('/').nth(1).unwrap_or_default().to_owned();
    let (_, b) = raw(
        &sim,
        "POST",
        &format!("/api/v4/share/{id}"),
        Some(&t),
        Some(json!({"uri": "cloudreve://my/Videos", "downloads": 3})),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap_or_default()["msg"],
        "share link not found"
    );
    // §3.7: the extended view opens the share with the query's password, owner or not.
    let v = get_json(
        &sim,
        &format!("/api/v4/share/info/{id}?owner_extended=true"),
        &t,
    )
    .await;
    assert_eq!(
        (&v["code"], &v["msg"]),
        (&json!(40069), &json!("File not found"))
    );
    let v = get_json(
        &sim,
        &format!("/api/v4/share/info/{id}?owner_extended=true&password=abc"),
        &t,
    )
    .await;
    assert_eq!(v["data"]["source_uri"], "cloudreve://bnUn@my/Reports");
    assert_eq!(v["data"]["password"], "abc");
    assert!(v["data"].get("downloaded").is_none() && v["data"].get("expires").is_none());
    // Password over 32 or not alphanumeric → 40001.
    let (_, b) = raw(
        &sim,
        "PUT",
        "/api/v4/share",
        Some(&t),
        Some(json!({"uri": "cloudreve://my/Reports", "is_private": true, "password": "a-b"})),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap_or_default()["code"],
        40001
    );
    // Batch delete: a bad id gives the documented two concatenated objects.
    let (_, b) = raw(
        &sim,
        "DELETE",
        "/api/v4/share",
        Some(&t),
        Some(json!({"ids": ["bad-id!"]})),
    )
    .await;
    assert!(b.contains("}{"), "{b}");
    let (_, b) = raw(
        &sim,
        "DELETE",
        "/api/v4/share",
        Some(&t),
        Some(json!({"ids": [id, "zzzzzzzz"]})),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap_or_default(),
        json!({"code": 0, "msg": ""})
    );
    assert_eq!(sim.share_count(), 30);
    assert_eq!(sim.counters().get("batch_delete"), 2);
}

#[tokio::test]
async fn cloudreve_sim_handles_50k_shares() {
    let sim = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 50_000,
        ..Default::default()
    })
    .await
    .expect("sim");
    assert_eq!(sim.share_count(), 50_000);
    let t = login(&sim).await;
    let v = get_json(&sim, "/api/v4/share?page_size=100&order_direction=desc", &t).await;
    let token = v["data"]["pagination"]["next_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for _ in 0..20 {
        let v = get_json(
            &sim,
            &format!("/api/v4/share?page_size=100&order_direction=desc&next_page_token={token}"),
            &t,
        )
        .await;
        assert_eq!(v["data"]["shares"].as_array().map_or(0, Vec::len), 100);
    }
    // Same seed, same data.
    let again = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 50,
        ..Default::default()
    })
    .await
    .expect("sim");
    let other = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 50,
        ..Default::default()
    })
    .await
    .expect("sim");
    assert_eq!(again.share_ids(), other.share_ids());
}

/// `code` and `msg` of an envelope.
fn code_msg(v: &Value) -> (Value, Value) {
    (v["code"].clone(), v["msg"].clone())
}

async fn call(sim: &CloudreveSim, method: &str, path: &str, t: &str, body: Value) -> Value {
    let (status, b) = raw(sim, method, path, Some(t), Some(body)).await;
    assert_eq!(status, 200, "{b}");
    serde_json::from_str(&b).unwrap_or(Value::Null)
}

/// The id in a share URL `{site}/s/{id}[/{password}]`.
fn id_of(url: &Value) -> String {
    let url = url.as_str().unwrap_or_default();
    let tail = url.split("/s/").nth(1).unwrap_or_default();
    tail.split('/').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn cloudreve_sim_follows_the_second_read_of_the_source() {
    // vendors/cloudreve-v4.md §3.7, each behavior as BE-4.18 answers it.
    let sim = CloudreveSim::start(CloudreveSimConfig::default())
        .await
        .expect("sim");
    let t = login(&sim).await;

    // Create: a missing path is 40016, the root 403, both under "src file not found".
    let v = call(
        &sim,
        "PUT",
        "/api/v4/share",
        &t,
        json!({"uri": "cloudreve://my/nope"}),
    )
    .await;
    assert_eq!(code_msg(&v), (json!(40016), json!("src file not found")));
    let v = call(
        &sim,
        "PUT",
        "/api/v4/share",
        &t,
        json!({"uri": "cloudreve://my/"}),
    )
    .await;
    assert_eq!(code_msg(&v), (json!(403), json!("src file not found")));

    // A single-file password share: its source_uri is the parent folder, percent-encoded,
    // and only with the code; the uid@ and the plain form both create.
    let v = call(
        &sim,
        "PUT",
        "/api/v4/share",
        &t,
        json!({"uri": "cloudreve://bnUn@my/Music/%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%E2%80%93%20song.mp3",
               "is_private": true, "password": "pw1", "downloads": 1}),
    )
    .await;
    let id = id_of(&v["data"]);
    let info = |q: &str| format!("/api/v4/share/info/{id}{q}");
    let v = get_json(&sim, &info("?owner_extended=true"), &t).await;
    assert_eq!(code_msg(&v), (json!(40069), json!("File not found")));
    let v = get_json(&sim, &info("?owner_extended=true&password=nope"), &t).await;
    assert_eq!(v["code"], 40069);
    let v = get_json(&sim, &info("?owner_extended=true&password=pw1"), &t).await;
    assert_eq!(v["data"]["source_uri"], "cloudreve://bnUn@my/Music");
    assert_eq!(v["data"]["name"], "Ünïcödé – song.mp3");
    // The plain view tells the owner the code.
    let v = get_json(&sim, &info(""), &t).await;
    assert_eq!(v["data"]["password"], "pw1");
    assert_eq!(v["data"].get("source_uri"), None);

    // Edit with the folder: "share link not found"; with the file itself (either form): ok.
    let edit = format!("/api/v4/share/{id}");
    let v = call(
        &sim,
        "POST",
        &edit,
        &t,
        json!({"uri": "cloudreve://bnUn@my/Music", "downloads": 2}),
    )
    .await;
    assert_eq!(code_msg(&v), (json!(404), json!("share link not found")));
    let own = "cloudreve://my/Music/%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%E2%80%93%20song.mp3";

    // Out of downloads: info refuses it, the list calls it expired, an edit re-arms it.
    assert!(sim.record_downloads(&id, 1));
    let v = get_json(&sim, &info("?owner_extended=true&password=pw1"), &t).await;
    assert_eq!(code_msg(&v), (json!(404), json!("Share link expired")));
    assert_eq!(sim.share_json(&id).expect("stored")["expired"], true);
    let v = call(&sim, "POST", &edit, &t, json!({"uri": own, "downloads": 3})).await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"], format!("{}/s/{id}/pw1", sim.base_url()));
    let stored = sim.share_json(&id).expect("stored");
    assert_eq!(
        (
            stored["expired"].clone(),
            stored["remain_downloads"].clone()
        ),
        (json!(false), json!(3))
    );

    // An edit replaces every limit: no downloads clears the limit, the password stays.
    let v = call(&sim, "POST", &edit, &t, json!({"uri": own})).await;
    assert_eq!(v["code"], 0, "{v}");
    let stored = sim.share_json(&id).expect("stored");
    assert_eq!(stored.get("remain_downloads"), None);
    assert_eq!(stored["password"], "pw1");

    // A trashed source: the list says expired with no reason in the limits; info refuses;
    // the path no longer resolves for an edit.
    assert!(sim.trash_source(&id));
    let stored = sim.share_json(&id).expect("stored");
    assert_eq!(stored["expired"], true);
    assert_eq!(stored.get("expires"), None);
    let v = get_json(&sim, &info(""), &t).await;
    assert_eq!(code_msg(&v), (json!(404), json!("Share link expired")));
    let v = call(&sim, "POST", &edit, &t, json!({"uri": own, "downloads": 3})).await;
    assert_eq!(code_msg(&v), (json!(40016), json!("src file not found")));

    // Delete of an unknown share.
    let (_, b) = raw(&sim, "DELETE", "/api/v4/share/zzzzzz", Some(&t), None).await;
    let v: Value = serde_json::from_str(&b).unwrap_or_default();
    assert_eq!(code_msg(&v), (json!(404), json!("share not found")));
}
