//! Bounded soak test (issue 7): both vendor simulators in this process, the real `unishare`
//! binary as a child, mixed client load (lists with filters and sorts, page walks, single
//! gets, accounts, stats) for `SOAK_SECONDS` while faults switch on and off on each vendor.
//! Reports the gateway's RSS at start and end, 5xx answers, other errors, and panics in its
//! log. Run through `scripts/soak.sh`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use unishare_testkit::cloudreve::{fault as cr_fault, CloudreveSim, CloudreveSimConfig};
use unishare_testkit::faults::Fault;
use unishare_testkit::koodrive::{vendor_faults as kd_fault, KooDriveSim, KooDriveSimConfig};

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let binary = std::env::var("UNISHARE_BIN").unwrap_or_else(|_| "target/release/unishare".into());
    let shares: usize = std::env::var("SOAK_SHARES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let cr = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: shares,
        ..Default::default()
    })
    .await?;
    let kd = KooDriveSim::start(KooDriveSimConfig {
        seed_shares: shares,
        ..Default::default()
    })
    .await?;
    let config = format!(
        r#"
[server]
listen = "127.0.0.1:0"
[cache]
ttl = "1s"
max_stale = "1h"
[upstream]
timeout = "500ms"
max_retries = 2
breaker_failures = 5
breaker_cooldown = "2s"
[[accounts]]
name = "hq"
provider = "cloudreve"
base_url = "{}"
auth = {{ method = "password", email = "admin@cloudreve.org", password = "demo-password" }}
[[accounts]]
name = "cn"
provider = "koodrive"
base_url = "{}"
auth = {{ method = "app", app_id = "demo-app", app_secret = "demo-app-secret", user_id = "1505084218764547200" }}
rate_limit = "50/s"
"#,
        cr.base_url(),
        kd.base_url()
    );
    let path = std::env::temp_dir().join(format!("unishare-soak-{}.toml", std::process::id()));
    std::fs::write(&path, config)?;
    let mut child = Command::new(&binary)
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let panics = Arc::new(AtomicU64::new(0));
    let p2 = Arc::clone(&panics);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("panicked") {
                p2.fetch_add(1, Ordering::Relaxed);
                eprintln!("PANIC: {line}");
            }
        }
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(30))?;
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rss_start = rss_kib(pid);
    let ok = Arc::new(AtomicU64::new(0));
    let five = Arc::new(AtomicU64::new(0));
    let other = Arc::new(AtomicU64::new(0));
    let transport = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    let paths = [
        "/v1/shares?limit=50",
        "/v1/shares?limit=200&sort=name&order=asc",
        "/v1/shares?status=active&sort=views",
        "/v1/shares?q=re&limit=20",
        "/v1/shares?account=cn&sort=expires_at",
        "/v1/accounts",
        "/v1/stats",
        "/metrics",
    ];
    let mut workers = Vec::new();
    for w in 0..8usize {
        let (client, base) = (client.clone(), base.clone());
        let (ok, five, other, transport) =
            (ok.clone(), five.clone(), other.clone(), transport.clone());
        workers.push(tokio::spawn(async move {
            let mut i = w;
            while Instant::now() < end {
                let url = format!("{base}{}", paths[i % paths.len()]);
                i += 1;
                match client.get(&url).send().await {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        if s == 200 {
                            ok.fetch_add(1, Ordering::Relaxed);
                        } else if s >= 500 {
                            five.fetch_add(1, Ordering::Relaxed);
                            eprintln!("5xx: {s} {url}");
                        } else {
                            other.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        transport.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    // Faults switch on and off: 5 s phases.
    let mut phase = 0u64;
    while Instant::now() < end {
        cr.faults().clear();
        kd.faults().clear();
        match phase % 6 {
            0 => {}
            1 => cr.faults().inject("list", cr_fault::empty_500(), Some(20)),
            2 => kd.faults().inject("*", kd_fault::throttled(1), None),
            3 => cr
                .faults()
                .inject("*", Fault::Latency(Duration::from_secs(1)), None),
            4 => kd.faults().inject("list", Fault::Drop, None),
            _ => cr.expire_access_tokens(),
        }
        phase += 1;
        tokio::time::sleep(
            Duration::from_secs(5).min(end.saturating_duration_since(Instant::now())),
        )
        .await;
    }
    cr.faults().clear();
    kd.faults().clear();
    for w in workers {
        let _ = w.await;
    }
    let rss_end = rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&path);
    let total = ok.load(Ordering::Relaxed)
        + five.load(Ordering::Relaxed)
        + other.load(Ordering::Relaxed)
        + transport.load(Ordering::Relaxed);
    println!(
        "SOAK seconds={secs} requests={total} ok={} http_5xx={} other_non_200={} transport_errors={} panics={} rss_start_kib={rss_start} rss_end_kib={rss_end} vendor_list_calls_hq={} vendor_list_calls_cn={}",
        ok.load(Ordering::Relaxed),
        five.load(Ordering::Relaxed),
        other.load(Ordering::Relaxed),
        transport.load(Ordering::Relaxed),
        panics.load(Ordering::Relaxed),
        cr.counters().get("list"),
        kd.counters().get("list"),
    );
    if five.load(Ordering::Relaxed) > 0 || panics.load(Ordering::Relaxed) > 0 {
        std::process::exit(1);
    }
    Ok(())
}
