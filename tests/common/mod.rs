//! Harness for end-to-end tests: simulators in the test process, the real `unishare` binary in
//! a child process on `127.0.0.1:0`, and a small HTTP client.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};
use unishare_testkit::nextcloud::{NextcloudSim, NextcloudSimConfig};

/// Keys used by the tests (inline keys are at least 16 characters).
pub const ADMIN_KEY: &str = "admin-key-0123456789";
pub const READER_KEY: &str = "reader-key-0123456789";
pub const HQ_ONLY_KEY: &str = "hq-only-key-0123456789";

/// The three simulators.
pub struct Vendors {
    pub cloudreve: CloudreveSim,
    pub koodrive: KooDriveSim,
    pub nextcloud: NextcloudSim,
}

pub async fn vendors(shares: usize) -> Vendors {
    vendors_with(shares, 0.2).await
}

pub async fn vendors_with(shares: usize, short_pages: f64) -> Vendors {
    let cloudreve = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: shares,
        ..Default::default()
    })
    .await
    .expect("cloudreve simulator");
    let koodrive = KooDriveSim::start(KooDriveSimConfig {
        seed_shares: shares,
        short_page_probability: short_pages,
        ..Default::default()
    })
    .await
    .expect("koodrive simulator");
    let nextcloud = NextcloudSim::start(NextcloudSimConfig {
        seed_shares: shares,
        zone_offset_secs: 7200,
        ..Default::default()
    })
    .await
    .expect("nextcloud simulator");
    Vendors {
        cloudreve,
        koodrive,
        nextcloud,
    }
}

/// A config over the three simulators, with three API keys (or none when `keys` is false).
/// Each account's table (provider and the simulator's credentials) comes from testkit's
/// simulator list.
pub fn config(v: &Vendors, keys: bool, extra: &str) -> String {
    let sim = |p: &str| unishare_testkit::sims::find(p).expect("a simulator in the list");
    let mut s = format!("\n[server]\nlisten = \"127.0.0.1:0\"\n{extra}\n");
    s.push_str(&sim("cloudreve").account_toml("hq", &v.cloudreve.base_url(), ""));
    s.push_str(&sim("koodrive").account_toml("cn", &v.koodrive.base_url(), ""));
    s.push_str(&sim("nextcloud").account_toml(
        "nc",
        &v.nextcloud.base_url(),
        "server_timezone = \"+02:00\"",
    ));
    if keys {
        s.push_str(&format!(
            r#"
[[api_keys]]
name = "admin"
key = "{ADMIN_KEY}"
scopes = ["read", "write", "secrets"]
accounts = ["*"]

[[api_keys]]
name = "reader"
key = "{READER_KEY}"
scopes = ["read"]
accounts = ["*"]

[[api_keys]]
name = "hq-only"
key = "{HQ_ONLY_KEY}"
scopes = ["read", "write"]
accounts = ["hq"]
"#
        ));
    }
    s
}

static N: AtomicU64 = AtomicU64::new(0);

/// The real binary, serving a config; killed on drop.
pub struct Gateway {
    child: Child,
    pub base: String,
    _config: TempFile,
}

struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Gateway {
    pub fn start(config: &str) -> Gateway {
        let path = std::env::temp_dir().join(format!(
            "unishare-e2e-{}-{}.toml",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, config).expect("write config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_unishare"))
            .args(["serve", "--config"])
            .arg(&path)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start unishare");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("unishare did not print its address");
        Gateway {
            child,
            base,
            _config: TempFile(path),
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the child has exited.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Waits until /readyz answers 200.
    pub async fn ready(&self) {
        let c = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = c.get(self.url("/readyz")).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("gateway never became ready");
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET with an optional key; returns (status, JSON body).
pub async fn get(url: &str, key: Option<&str>) -> (u16, Value) {
    send(reqwest::Client::new().get(url), key).await
}

pub async fn send(mut req: reqwest::RequestBuilder, key: Option<&str>) -> (u16, Value) {
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// Walks every page of `query`, returning share ids in order.
pub async fn walk(g: &Gateway, query: &str, key: Option<&str>) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let mut url = g.url(&format!("/v1/shares?{query}"));
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = get(&url, key).await;
        assert_eq!(status, 200, "{url}: {body}");
        for s in body["shares"].as_array().expect("shares") {
            ids.push(s["id"].as_str().expect("id").to_string());
        }
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
    panic!("walk did not end");
}

/// Every share of a full walk, as JSON objects, in list order.
pub async fn walk_shares(g: &Gateway, query: &str, key: Option<&str>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = g.url(&format!("/v1/shares?limit=1000&{query}"));
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = get(&url, key).await;
        assert_eq!(status, 200, "{body}");
        out.extend(body["shares"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// Every gateway id the simulators hold.
pub fn all_ids(v: &Vendors) -> Vec<String> {
    let mut ids: Vec<String> = v
        .cloudreve
        .share_ids()
        .into_iter()
        .map(|i| format!("hq:{i}"))
        .chain(
            v.koodrive
                .share_ids()
                .into_iter()
                .map(|i| format!("cn:{i}")),
        )
        .chain(
            v.nextcloud
                .link_ids()
                .into_iter()
                .map(|i| format!("nc:{i}")),
        )
        .collect();
    ids.sort();
    ids
}
