//! `[cluster] redis_url` (issue 19), over HTTP against real binaries and a real
//! `redis-server` (Debian's, installed by `scripts/install-redis.sh`, on a free loopback port):
//! replicas share one crawl per account per `cache.ttl`; a replica joining a warm cluster
//! serves every share without crawling; a write on one replica is read on the others; with
//! Redis killed every replica keeps answering 200 (crawling alone) and re-joins when it returns.

mod common;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use unishare_testkit::redis::RedisServer;

fn redis() -> RedisServer {
    RedisServer::start().expect("redis-server (run scripts/install-redis.sh)")
}

fn cluster_config(v: &Vendors, redis: &RedisServer, ttl: &str) -> String {
    config(
        v,
        false,
        &format!(
            "\n[cache]\nttl = \"{ttl}\"\nmax_stale = \"1h\"\n\n[cluster]\nredis_url = \"{}\"\nnamespace = \"e2e\"\nlease = \"5s\"\ntimeout = \"300ms\"\n",
            redis.url()
        ),
    )
}

/// Vendor list calls so far, per account.
fn list_calls(v: &Vendors) -> [u64; 3] {
    [
        v.cloudreve.counters().get("list"),
        v.koodrive.counters().get("list"),
        v.nextcloud.counters().get("list"),
    ]
}

/// Until every share of every account is listed by `g` (the replica serves them all).
async fn serves_everything(g: &Gateway, v: &Vendors) {
    let want = all_ids(v).len();
    for _ in 0..200 {
        let (status, body) = get(&g.url("/v1/shares?limit=1"), None).await;
        assert_eq!(status, 200, "{body}");
        if body["total"].as_u64() == Some(want as u64) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the replica never served all {want} shares");
}

/// A value of the replica's `/metrics`.
async fn metric(g: &Gateway, name: &str) -> Option<f64> {
    let text = reqwest::get(g.url("/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_cost_the_vendor_one_crawl_per_account_per_ttl() {
    let r = redis();
    // One page per account (20 shares), and no short pages: a crawl is one list call.
    let v = vendors_with(20, 0.0).await;
    let cfg = cluster_config(&v, &r, "2s");
    let a = Gateway::start(&cfg);
    a.ready().await;
    serves_everything(&a, &v).await;
    let first = list_calls(&v);
    assert!(first.iter().all(|&n| n >= 1), "{first:?}");

    // Two more replicas join the warm cluster: every share at once, no vendor call.
    let b = Gateway::start(&cfg);
    let c = Gateway::start(&cfg);
    b.ready().await;
    c.ready().await;
    serves_everything(&b, &v).await;
    serves_everything(&c, &v).await;
    assert_eq!(list_calls(&v), first, "a joining replica crawled");

    // Reads on all three replicas through several TTLs: the refreshes are shared.
    let started = Instant::now();
    let replicas = [&a, &b, &c];
    while started.elapsed() < Duration::from_millis(7_000) {
        for g in replicas {
            let (status, _) = get(&g.url("/v1/shares?limit=5"), None).await;
            assert_eq!(status, 200);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let periods = (started.elapsed().as_secs_f64() / 2.0).ceil() as u64 + 1;
    let after = list_calls(&v);
    for (i, (now, before)) in after.iter().zip(first).enumerate() {
        let crawls = now - before;
        // Alone, each replica would crawl once per TTL: about 3 × `periods`.
        assert!(
            (1..=periods).contains(&crawls),
            "account {i}: {crawls} crawls in {periods} TTLs over 3 replicas"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_replica_is_read_on_the_others() {
    let r = redis();
    let v = vendors(30).await;
    let cfg = cluster_config(&v, &r, "1h");
    let a = Gateway::start(&cfg);
    a.ready().await;
    let b = Gateway::start(&cfg);
    b.ready().await;
    serves_everything(&b, &v).await;
    let http = reqwest::Client::new();

    // A create on A is listed by B.
    let uri = v.cloudreve.source_uris()[0].clone();
    let (status, created) = send(
        http.post(a.url("/v1/accounts/hq/shares"))
            .json(&json!({"source": {"uri": uri}, "password": "s3cret12"})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let sent = Instant::now();
    let seen =
        wait_until(|| async { walk(&b, "account=hq&limit=100", None).await.contains(&id) }).await;
    assert!(seen, "B never listed the share created on A");
    // A figure, not a pass condition (timing belongs in bench/cluster.sh).
    println!(
        "a create on A was listed by B after {} ms",
        sent.elapsed().as_millis()
    );

    // A revoke on B disappears from A.
    let (status, _) = send(http.delete(b.url(&format!("/v1/shares/{id}"))), None).await;
    assert_eq!(status, 204);
    let gone =
        wait_until(|| async { !walk(&a, "account=hq&limit=100", None).await.contains(&id) }).await;
    assert!(gone, "A still lists the share revoked on B");

    // A third replica joining now sees neither the share nor a stale copy of it.
    let c = Gateway::start(&cfg);
    c.ready().await;
    serves_everything(&c, &v).await;
    assert!(!walk(&c, "account=hq&limit=100", None).await.contains(&id));
}

/// Polls `check` for up to 5 s (a propagation measured in ms; the bound only ends a broken run).
async fn wait_until<F, Fut>(check: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_killed_every_replica_answers_and_rejoins_when_it_returns() {
    let mut r = redis();
    let v = vendors(20).await;
    let cfg = cluster_config(&v, &r, "1s");
    let a = Gateway::start(&cfg);
    a.ready().await;
    let b = Gateway::start(&cfg);
    b.ready().await;
    serves_everything(&b, &v).await;

    r.kill();
    // Past several TTLs: each replica refreshes alone; every answer is a 200 with every share.
    let down = Instant::now();
    while down.elapsed() < Duration::from_millis(3_500) {
        for g in [&a, &b] {
            let (status, body) = get(&g.url("/v1/shares?limit=1"), None).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["total"].as_u64(), Some(all_ids(&v).len() as u64));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for g in [&a, &b] {
        assert_eq!(metric(g, "unishare_cluster_up").await, Some(0.0));
        assert!(metric(g, "unishare_cluster_fallback_crawls_total").await >= Some(1.0));
    }
    // A write while Redis is away answers at once; it is queued for the others.
    let http = reqwest::Client::new();
    let uri = v.cloudreve.source_uris()[1].clone();
    let (status, body) = send(
        http.post(a.url("/v1/accounts/hq/shares"))
            .json(&json!({"source": {"uri": uri}})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let while_down = body["id"].as_str().expect("id").to_owned();

    r.restart().expect("redis again");
    for g in [&a, &b] {
        let back =
            wait_until(|| async { metric(g, "unishare_cluster_up").await == Some(1.0) }).await;
        assert!(back, "a replica never re-joined");
    }
    // Shared again: a write on B reaches A.
    let uri = v.cloudreve.source_uris()[2].clone();
    let (status, created) = send(
        http.post(b.url("/v1/accounts/hq/shares"))
            .json(&json!({"source": {"uri": uri}})),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let seen =
        wait_until(|| async { walk(&a, "account=hq&limit=100", None).await.contains(&id) }).await;
    assert!(
        seen,
        "after the re-join, A never listed the share created on B"
    );
    // The write A made while Redis was away was sent when it re-joined.
    let seen = wait_until(|| async {
        walk(&b, "account=hq&limit=100", None)
            .await
            .contains(&while_down)
    })
    .await;
    assert!(
        seen,
        "B never listed the share A created while Redis was away"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_or_flapping_redis_never_costs_a_request() {
    let r = std::sync::Arc::new(std::sync::Mutex::new(redis()));
    let v = vendors(20).await;
    let cfg = cluster_config(&v, &r.lock().unwrap(), "500ms");
    let a = Gateway::start(&cfg);
    a.ready().await;
    let b = Gateway::start(&cfg);
    b.ready().await;
    serves_everything(&b, &v).await;
    let want = all_ids(&v).len() as u64;
    let http = reqwest::Client::new();
    let uris = v.cloudreve.source_uris();

    // Hung: Redis stops answering (SIGSTOP) for 2 s, connections open; then it flaps (killed
    // and restarted three times). Reads, refreshes past the TTL and writes all keep answering.
    let faults = {
        let r = std::sync::Arc::clone(&r);
        tokio::task::spawn_blocking(move || {
            r.lock().unwrap().freeze_for(Duration::from_secs(2));
            for _ in 0..3 {
                let mut r = r.lock().unwrap();
                r.kill();
                std::thread::sleep(Duration::from_millis(400));
                r.restart().expect("restart");
                drop(r);
                std::thread::sleep(Duration::from_millis(400));
            }
        })
    };
    let mut requests = 0;
    let mut writes = 0;
    while !faults.is_finished() {
        for g in [&a, &b] {
            let (status, body) = get(&g.url("/v1/shares?limit=1"), None).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(
                body["total"].as_u64().map(|t| t >= want),
                Some(true),
                "{body}"
            );
            requests += 1;
        }
        if requests % 20 == 0 && writes < uris.len() {
            let (status, body) = send(
                http.post(a.url("/v1/accounts/hq/shares"))
                    .json(&json!({"source": {"uri": uris[writes]}})),
                None,
            )
            .await;
            assert_eq!(status, 201, "{body}");
            writes += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    faults.await.expect("faults");
    assert!(
        requests > 50 && writes > 0,
        "{requests} reads, {writes} writes"
    );
    for g in [&a, &b] {
        assert!(metric(g, "unishare_cluster_errors_total").await >= Some(1.0));
        let back =
            wait_until(|| async { metric(g, "unishare_cluster_up").await == Some(1.0) }).await;
        assert!(back, "a replica never re-joined after the flapping");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_restarted_with_redis_and_every_vendor_down_serves_its_store_stale() {
    let mut r = redis();
    let v = vendors(20).await;
    let dir = std::env::temp_dir().join(format!(
        "unishare-e2e-cluster-store-{}-{}",
        std::process::id(),
        r.port()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = format!(
        "{}\n[store]\npath = \"{}\"\n",
        cluster_config(&v, &r, "1h"),
        dir.display()
    );
    let before = {
        let a = Gateway::start(&cfg);
        a.ready().await;
        serves_everything(&a, &v).await;
        let b = Gateway::start(&cfg);
        b.ready().await;
        serves_everything(&b, &v).await;
        // Both replicas write their store (B from what it loaded).
        for _ in 0..200 {
            if ["hq", "cn", "nc"]
                .iter()
                .all(|a| dir.join(format!("{a}.snap")).exists())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        walk(&b, "limit=100", None).await
    };
    r.kill();
    for faults in [
        v.cloudreve.faults(),
        v.koodrive.faults(),
        v.nextcloud.faults(),
    ] {
        faults.inject(
            "*",
            unishare_testkit::faults::Fault::text(503, "down"),
            None,
        );
    }
    let g = Gateway::start(&cfg);
    g.ready().await;
    let (status, body) = get(&g.url("/v1/shares?limit=1"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"].as_u64(), Some(before.len() as u64));
    for a in body["accounts"].as_array().expect("accounts") {
        assert_eq!(a["state"], "stale", "{a}");
    }
    let mut after = walk(&g, "limit=100", None).await;
    let mut before = before;
    after.sort();
    before.sort();
    assert_eq!(after, before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_rate_limit_is_one_for_the_whole_cluster() {
    let r = redis();
    let v = vendors(20).await;
    let sim = |p: &str| unishare_testkit::sims::find(p).expect("a simulator in the list");
    // Only Cloudreve, limited to 6 vendor calls an hour (a burst of 6, then one every 10 min).
    let cfg = format!(
        "\n[server]\nlisten = \"127.0.0.1:0\"\n[cache]\nttl = \"1h\"\nmax_stale = \"2h\"\n\
         [cluster]\nredis_url = \"{}\"\nnamespace = \"e2e-rate\"\n{}",
        r.url(),
        sim("cloudreve").account_toml("hq", &v.cloudreve.base_url(), "rate_limit = \"6/h\"")
    );
    let a = Gateway::start(&cfg);
    a.ready().await;
    let b = Gateway::start(&cfg);
    b.ready().await;
    let http = reqwest::Client::new();
    let uris = v.cloudreve.source_uris();
    let (mut created, mut limited) = (0, 0);
    for (i, uri) in uris.iter().take(12).enumerate() {
        let g = if i % 2 == 0 { &a } else { &b };
        let (status, body) = send(
            http.post(g.url("/v1/accounts/hq/shares"))
                .json(&json!({"source": {"uri": uri}})),
            None,
        )
        .await;
        match status {
            201 => created += 1,
            429 => limited += 1,
            other => panic!("{other}: {body}"),
        }
    }
    // Every vendor call of both replicas came out of one burst of 6 (the crawl's included);
    // two replicas limiting alone would have let about 10 creates through.
    let vendor_calls = v.cloudreve.counters().get("list") + created;
    assert!(
        vendor_calls <= 6,
        "{created} creates + the crawl's calls passed a limit of 6"
    );
    assert!(
        created >= 1 && limited >= 6,
        "{created} created, {limited} limited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_probe_asks_redis_and_never_prints_its_password() {
    let mut r = redis();
    let v = vendors(5).await;
    // Up: PING answers and the version is printed. Down, with a password in the URL: the
    // probe fails, and neither output repeats the password.
    let path = std::env::temp_dir().join(format!("unishare-probe-{}.toml", r.port()));
    let probe = |cfg: String| {
        std::fs::write(&path, cfg).expect("config");
        std::process::Command::new(env!("CARGO_BIN_EXE_unishare"))
            .args(["check-config", "--probe", "--config"])
            .arg(&path)
            .output()
            .expect("check-config")
    };
    let out = probe(cluster_config(&v, &r, "1h"));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("cluster: ok, Redis 7"), "{text}");
    r.kill();
    let down = cluster_config(&v, &r, "1h")
        .replace("redis://127.0.0.1:", "redis://:hunter2-password@127.0.0.1:");
    let out = probe(down);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("cluster: FAILED"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let _ = std::fs::remove_file(&path);
}

/// Starts replica A over `cfg` with Cloudreve's first list answer held back 3 s, and returns
/// once that list call arrived: A then holds hq's lease in the middle of its crawl.
async fn start_slow_crawler(v: &Vendors, cfg: &str) -> Gateway {
    v.cloudreve.faults().inject(
        "list",
        unishare_testkit::faults::Fault::Latency(Duration::from_secs(3)),
        Some(1),
    );
    let a = Gateway::start(cfg);
    for _ in 0..200 {
        if v.cloudreve.counters().get("list") >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(v.cloudreve.counters().get("list"), 1);
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawler_killed_under_its_lease_is_replaced_once_the_lease_lapses() {
    let r = redis();
    let v = vendors(20).await;
    // A is killed in the middle of its crawl.
    let cfg = cluster_config(&v, &r, "1h").replace("lease = \"5s\"", "lease = \"1s\"");
    let mut a = start_slow_crawler(&v, &cfg).await;
    let b = Gateway::start(&cfg);
    // A is killed (SIGKILL) mid-crawl and started again; B and the new A wait while the dead
    // holder's lease lasts, then one of them crawls.
    drop(std::mem::replace(&mut a, Gateway::start(&cfg)));
    serves_everything(&b, &v).await;
    serves_everything(&a, &v).await;
    // The dead holder's list call, then one crawl for both replicas (the other one loaded it).
    assert_eq!(v.cloudreve.counters().get("list"), 2);
    let (_, accounts) = get(&b.url("/v1/accounts"), None).await;
    let hq = accounts["accounts"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["account"] == "hq"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(hq["state"], "fresh", "{hq}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_line_revoke_reads_the_cluster_and_reaches_every_replica() {
    let r = redis();
    let v = vendors(20).await;
    let cfg = cluster_config(&v, &r, "1h");
    let a = Gateway::start(&cfg);
    a.ready().await;
    serves_everything(&a, &v).await;
    let before = list_calls(&v);
    let victim = walk(&a, "account=hq&limit=100", None).await[0].clone();
    // `unishare revoke` in its own process, over the same config: it loads the shared
    // snapshots (no vendor list call) and its revocation (every link matching the victim's
    // name) reaches replica A.
    let (_, body) = get(&a.url(&format!("/v1/shares/{victim}")), None).await;
    let name = body["name"].as_str().expect("name").to_owned();
    let path = std::env::temp_dir().join(format!("unishare-cli-cluster-{}.toml", r.port()));
    std::fs::write(&path, &cfg).expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_unishare"))
        .args([
            "revoke",
            "--yes",
            "--account",
            "hq",
            "--q",
            &name,
            "--config",
        ])
        .arg(&path)
        .env("RUST_LOG", "warn")
        .output()
        .expect("revoke");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(list_calls(&v), before, "the command line crawled: {err}");
    let gone = wait_until(|| async {
        !walk(&a, "account=hq&limit=100", None)
            .await
            .contains(&victim)
    })
    .await;
    assert!(
        gone,
        "replica A still lists the link revoked on the command line"
    );
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_stopped_with_sigterm_hands_its_lease_over_at_once() {
    let r = redis();
    let v = vendors(20).await;
    // A lease of 1 h: only its release at shutdown lets another replica crawl within the test.
    let cfg = cluster_config(&v, &r, "1h")
        .replace("lease = \"5s\"", "lease = \"1h\"")
        .replace(
            "max_stale = \"1h\"",
            "max_stale = \"1h\"\ncold_wait = \"100ms\"",
        );
    let mut a = start_slow_crawler(&v, &cfg).await;
    let b = Gateway::start(&cfg);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &a.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    for _ in 0..200 {
        if a.try_wait().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(a.try_wait().is_some(), "A did not stop");
    serves_everything(&b, &v).await;
}
