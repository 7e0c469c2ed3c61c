//! End to end, over HTTP, against the real binary: the Nextcloud account next to the other
//! two (public links only, hashes never shown, server-zone dates, the server's own refusals),
//! and `unishare demo` serving three vendors.

mod common;
use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nextcloud_links_are_listed_created_updated_and_revoked() {
    let v = vendors(30).await;
    let g = Gateway::start(&config(
        &v,
        true,
        "\n[cache]\nttl = \"1h\"\nmax_stale = \"2h\"",
    ));
    g.ready().await;
    let c = reqwest::Client::new();

    // Only the public links, never the user and group shares the same vendor list carries.
    let ids = walk(&g, "account=nc&limit=100", Some(READER_KEY)).await;
    let mut expected: Vec<String> = v
        .nextcloud
        .link_ids()
        .into_iter()
        .map(|i| format!("nc:{i}"))
        .collect();
    expected.sort();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    for other in v.nextcloud.other_share_ids() {
        assert!(!ids.contains(&format!("nc:{other}")));
    }
    let (status, body) = get(
        &g.url("/v1/shares?provider=nextcloud&limit=200"),
        Some(ADMIN_KEY),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for s in body["shares"].as_array().unwrap() {
        assert_eq!(s["provider"], "nextcloud");
        assert_eq!(
            s["stats"],
            json!({"views": null, "downloads": null, "saves": null})
        );
        // Even with the secrets scope: the server only has a hash, which is never shown.
        assert!(
            s.get("password").is_none() || s["password"].is_null(),
            "{s}"
        );
    }
    assert!(
        !body.to_string().contains("argon2"),
        "a password hash leaked"
    );

    // Create with a password and an expiry; read back at once.
    let path = v
        .nextcloud
        .paths()
        .into_iter()
        .find(|(p, folder)| !folder && p.ends_with(".md"))
        .unwrap()
        .0;
    let expiry = (chrono::Utc::now() + chrono::Duration::days(5))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (status, created) = send(
        c.post(g.url("/v1/accounts/nc/shares")).json(&json!({
            "source": {"uri": path},
            "password": "correct-horse-9",
            "expires_at": expiry,
            "comment": "for review",
            "vendor": {"label": "Review copy"}
        })),
        Some(ADMIN_KEY),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["password_protected"], true);
    assert_eq!(created["comment"], "for review");
    assert_eq!(created["vendor"]["label"], "Review copy");
    // The server keeps the date and expires at its local midnight (+02:00).
    let at: chrono::DateTime<chrono::Utc> =
        created["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(at.format("%H:%M:%S").to_string(), "22:00:00");
    let (status, got) = get(&g.url(&format!("/v1/shares/{id}")), Some(READER_KEY)).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["expires_at"], created["expires_at"]);

    // The server's password policy speaks for itself: 400 with its message.
    let (status, problem) = send(
        c.patch(g.url(&format!("/v1/shares/{id}")))
            .json(&json!({"password": "short"})),
        Some(ADMIN_KEY),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem.to_string().contains("at least 8 characters"),
        "{problem}"
    );
    assert!(!problem.to_string().contains("short\""), "{problem}");

    // Clearing the expiry and hiding downloads.
    let (status, patched) = send(
        c.patch(g.url(&format!("/v1/shares/{id}")))
            .json(&json!({"expires_at": null, "permissions": {"download": false}})),
        Some(ADMIN_KEY),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert!(patched["expires_at"].is_null());
    assert_eq!(patched["permissions"]["download"], false);

    // A download limit is not something Nextcloud has: 422 naming the capability.
    let (status, problem) = send(
        c.patch(g.url(&format!("/v1/shares/{id}")))
            .json(&json!({"max_downloads": 3})),
        Some(ADMIN_KEY),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["capability"], "update_max_downloads");

    let (status, _) = send(
        c.delete(g.url(&format!("/v1/shares/{id}"))),
        Some(ADMIN_KEY),
    )
    .await;
    assert!(status == 204 || status == 200, "{status}");
    let (status, _) = get(&g.url(&format!("/v1/shares/{id}")), Some(READER_KEY)).await;
    assert_eq!(status, 404);
    assert!(!walk(&g, "account=nc&limit=100", Some(READER_KEY))
        .await
        .contains(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_serves_every_vendor() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args(["demo", "--listen", "127.0.0.1:0", "--shares", "20"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the demo");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut banner = String::new();
    let mut base = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        if let Some(url) = line
            .trim()
            .strip_prefix("unishare demo: open the dashboard at ")
        {
            base = Some(url.trim().trim_end_matches('/').to_owned());
        }
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("Press Ctrl-C") {
            break;
        }
    }
    let base = base.unwrap_or_else(|| panic!("no address in the banner:\n{banner}"));
    assert!(banner.contains("simulated Nextcloud"), "{banner}");
    let mut providers = Vec::new();
    for _ in 0..100 {
        let (status, body) = get(&format!("{base}/v1/accounts"), None).await;
        if status == 200 {
            providers = body["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["provider"].as_str().unwrap().to_owned())
                .collect();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = get(
        &format!("{base}/v1/shares?provider=nextcloud&limit=5"),
        None,
    )
    .await;
    // The site-wide account lists the links of several owners.
    let (_, stats) = get(&format!("{base}/v1/stats?account=corp"), None).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        providers,
        ["cloudreve", "koodrive", "nextcloud", "cloudreve", "seafile"]
    );
    assert_eq!(status, 200, "{body}");
    assert!(!body["shares"].as_array().unwrap().is_empty(), "{body}");
    assert!(banner.contains("site-wide"), "{banner}");
    let owners = stats["by_owner"].as_array().map_or(0, Vec::len);
    assert!(
        owners > 1,
        "several owners in the site-wide account: {stats}"
    );
}
