//! The binary's lifecycle: graceful shutdown on SIGTERM, `check-config` (with and without
//! `--probe`), and refusing to serve anonymously on a non-loopback address.

mod common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

fn write_config(name: &str, toml: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "unishare-lifecycle-{}-{name}.toml",
        std::process::id()
    ));
    std::fs::write(&path, toml).unwrap();
    path
}

fn unishare(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("run unishare")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_gracefully() {
    let v = vendors(10).await;
    let mut g = Gateway::start(&config(&v, false, ""));
    g.ready().await;
    let pid = g.pid();
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(code) = g.try_wait() {
            assert!(code.success(), "exit status {code:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_validates_and_probes() {
    let v = vendors(10).await;
    let good = write_config("good", &config(&v, true, ""));
    let out = unishare(&["check-config", "--config", good.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 account(s), 3 API key(s)"), "{stdout}");

    let out = unishare(&[
        "check-config",
        "--probe",
        "--config",
        good.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("hq (cloudreve): ok")
            && stdout.contains("cn (koodrive): ok")
            && stdout.contains("nc (nextcloud): ok"),
        "{stdout}"
    );

    // Wrong credentials: the probe fails, naming the account; the exit code says so.
    let bad_pw = write_config(
        "badpw",
        &config(&v, true, "").replace("demo-password", "wrong-password"),
    );
    let out = unishare(&[
        "check-config",
        "--probe",
        "--config",
        bad_pw.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("hq (cloudreve): FAILED") && stdout.contains("upstream_auth"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("wrong-password"),
        "the password leaked: {stdout}"
    );

    // A config error names the key and the file, and exits non-zero.
    let broken = write_config("broken", "[cache]\nttl = \"soon\"\n");
    let out = unishare(&["check-config", "--config", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cache.ttl") && stderr.contains("broken"),
        "{stderr}"
    );

    for p in [good, bad_pw, broken] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn anonymous_serving_on_a_public_address_is_refused() {
    let path = write_config("public", "[server]\nlisten = \"0.0.0.0:0\"\n");
    let out = unishare(&["serve", "--config", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("server.listen") && stderr.contains("loopback"),
        "{stderr}"
    );
    let _ = std::fs::remove_file(path);
}
