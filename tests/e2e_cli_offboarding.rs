//! The real binary's `revoke` (offboarding without a server) and `login cloudreve` (the OAuth
//! authorization-code flow), against the Cloudreve simulator.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("unishare-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn config(sim: &CloudreveSim, auth: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "corp"
provider = "cloudreve"
base_url = "{}"
inventory = "site"
auth = {auth}
"#,
        sim.base_url()
    )
}

fn unishare(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run unishare");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_by_owner_lists_asks_and_revokes_exactly_the_owners_links() {
    let sim = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 80,
        other_users: 2,
        ..Default::default()
    })
    .await
    .expect("sim");
    let dir = temp("revoke");
    let path = dir.join("u.toml");
    let auth =
        r#"{ method = "password", email = "admin@cloudreve.org", password = "demo-password" }"#;
    std::fs::write(&path, config(&sim, auth)).expect("config");
    let cfg = path.to_string_lossy().into_owned();
    let (alice, _) = sim.users()[1].clone();
    let mut expected = sim.share_ids_of(&alice);
    expected.sort();
    assert!(!expected.is_empty());

    // Dry run: the ids on stdout, nothing deleted.
    let (ok, out, err) = unishare(
        &[
            "revoke",
            "--config",
            &cfg,
            "--owner",
            &alice.to_uppercase(),
            "--dry-run",
        ],
        "",
    );
    assert!(ok, "{err}");
    let mut listed: Vec<String> = out
        .lines()
        .map(|l| l.trim_start_matches("corp:").to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, expected);
    assert!(
        err.contains(&format!("{} link(s) match", expected.len())),
        "{err}"
    );
    assert!(sim.deleted_ids().is_empty());

    // No filter, or no terminal and no --yes: refused, nothing deleted.
    let (ok, _, err) = unishare(&["revoke", "--config", &cfg, "--yes"], "");
    assert!(!ok && err.contains("at least one filter"), "{err}");
    let (ok, _, err) = unishare(&["revoke", "--config", &cfg, "--owner", &alice], "yes\n");
    assert!(!ok && err.contains("--yes"), "{err}");
    assert!(sim.deleted_ids().is_empty());

    let (ok, _, err) = unishare(
        &["revoke", "--config", &cfg, "--owner", &alice, "--yes"],
        "",
    );
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!("corp: {} revoked, 0 failed", expected.len())),
        "{err}"
    );
    let mut deleted = sim.deleted_ids();
    deleted.sort();
    assert_eq!(deleted, expected, "exactly the owner's links");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_runs_the_code_flow_and_the_grant_serves_a_site_account() {
    let sim = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: 30,
        other_users: 2,
        oauth_client: Some(("app-7".into(), "app-secret-7".into())),
        ..Default::default()
    })
    .await
    .expect("sim");
    let dir = temp("login");
    let token_file = dir.join("corp.refresh");
    let mut child = Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args([
            "login",
            "cloudreve",
            "--base-url",
            &sim.base_url(),
            "--client-id",
            "app-7",
        ])
        .args([
            "--client-secret-env",
            "CORP_APP_SECRET",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
            "--site",
        ])
        .arg("--out")
        .arg(&token_file)
        .env("CORP_APP_SECRET", "app-secret-7")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut consent = None;
    let mut line = String::new();
    while stdout.read_line(&mut line).expect("read") > 0 {
        if let Some(u) = line.trim().strip_prefix("http") {
            consent = Some(url::Url::parse(&format!("http{u}")).expect("consent url"));
            break;
        }
        line.clear();
    }
    let consent = consent.expect("the consent address is printed");
    assert!(consent.path().ends_with("/session/authorize"), "{consent}");
    let q: std::collections::HashMap<String, String> = consent.query_pairs().into_owned().collect();
    assert_eq!(q["scope"], "Shares.Write Admin.Read offline_access");
    // The person approves on the web page; the browser lands on the redirect URI.
    let scopes: Vec<&str> = q["scope"].split(' ').collect();
    let code = sim.authorize(&scopes, Some(&q["code_challenge"]));
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(
        stdin,
        "http://127.0.0.1:9/cb?code={code}&state={}",
        q["state"]
    )
    .expect("write");
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{rest}");
    assert!(rest.contains("method = \"oauth\""), "{rest}");
    assert!(rest.contains("refresh_token_file"), "{rest}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file)
            .expect("token file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let first = std::fs::read_to_string(&token_file).expect("token");
    assert!(!rest.contains(first.trim()), "the token is not printed");

    // The printed auth line serves a site account; the rotated token is written back.
    let auth_line = rest
        .lines()
        .find(|l| l.starts_with("auth = "))
        .expect("auth line")
        .trim_start_matches("auth = ")
        .to_owned();
    let cfg_path = dir.join("u.toml");
    std::fs::write(&cfg_path, config(&sim, &auth_line)).expect("config");
    let cfg = cfg_path.to_string_lossy().into_owned();
    let mut probe = Command::new(env!("CARGO_BIN_EXE_unishare"));
    probe
        .args(["check-config", "--probe", "--config", &cfg])
        .env("CORP_APP_SECRET", "app-secret-7");
    let out = probe.output().expect("probe");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let rotated = std::fs::read_to_string(&token_file).expect("token");
    assert_ne!(rotated, first, "the refresh token was rotated and stored");
    let _ = std::fs::remove_dir_all(&dir);
}
