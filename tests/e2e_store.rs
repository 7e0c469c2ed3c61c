//! `[store] path` (issue 19), over HTTP against the real binary: a restart with every vendor
//! down serves every share at once, `stale`; a damaged file is ignored and only its account
//! starts cold.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::time::Duration;
use unishare_testkit::faults::Fault;

fn store_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "unishare-e2e-store-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// Waits until the store holds a file for each of `accounts` (written after the crawl).
async fn wait_for_files(dir: &Path, accounts: &[&str]) {
    for _ in 0..300 {
        if accounts
            .iter()
            .all(|a| dir.join(format!("{a}.snap")).exists())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the store never got a snapshot of each account");
}

fn states(body: &serde_json::Value) -> Vec<(String, String)> {
    let mut s: Vec<(String, String)> = body["accounts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["account"].as_str().unwrap_or_default().to_owned(),
                        x["state"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    s.sort();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_every_vendor_down_serves_every_share_stale() {
    let v = vendors(60).await;
    let dir = store_dir();
    let cfg = config(
        &v,
        false,
        &format!("\n[store]\npath = \"{}\"\n", dir.display()),
    );
    let before = {
        let g = Gateway::start(&cfg);
        g.ready().await;
        let ids = walk(&g, "limit=50", None).await;
        wait_for_files(&dir, &["hq", "cn", "nc"]).await;
        ids
    };
    assert_eq!(before.len(), all_ids(&v).len());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("hq.snap"))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "a snapshot holds share passwords");
    }

    for faults in [
        v.cloudreve.faults(),
        v.koodrive.faults(),
        v.nextcloud.faults(),
    ] {
        faults.inject("*", Fault::text(503, "down for maintenance"), None);
    }
    let g = Gateway::start(&cfg);
    // Ready at once: the restored snapshots are servable.
    g.ready().await;
    let (status, body) = get(&g.url("/v1/shares?limit=1"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], before.len());
    assert_eq!(
        states(&body),
        vec![
            ("cn".to_owned(), "stale".to_owned()),
            ("hq".to_owned(), "stale".to_owned()),
            ("nc".to_owned(), "stale".to_owned()),
        ]
    );
    let mut after = walk(&g, "limit=50", None).await;
    let mut expected = before.clone();
    after.sort();
    expected.sort();
    assert_eq!(after, expected);
    drop(g);

    // One file damaged: that account starts cold (and fails, its vendor being down); the
    // others are still served from the store.
    let path = dir.join("cn.snap");
    let mut bytes = std::fs::read(&path).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, bytes).expect("write");
    let g = Gateway::start(&cfg);
    let mut served = serde_json::Value::Null;
    for _ in 0..100 {
        let (status, body) = get(&g.url("/v1/shares?limit=1"), None).await;
        if status == 200
            && states(&body)
                .iter()
                .any(|(a, s)| a == "cn" && s == "failed")
        {
            served = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        served["total"],
        v.cloudreve.share_count() + v.nextcloud.link_ids().len(),
        "{served}"
    );
    assert_eq!(served["partial"], true);
    let _ = std::fs::remove_dir_all(dir);
}
