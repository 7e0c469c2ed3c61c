//! The cluster's Redis protocol against a real `redis-server` (testkit::redis): the lease and
//! its fencing, the publish refusals, probe and fetch, the write stream, and a Redis that dies.

use super::conn::Conn;
use super::lease::{Acquire, Lease};
use super::snapshots::{self, Keys, Publish, Published};
use super::writes;
use std::sync::Arc;
use std::time::{Duration, Instant};
use unishare_core::Share;
use unishare_testkit::redis::RedisServer;

fn redis() -> RedisServer {
    RedisServer::start().expect("redis-server (run scripts/install-redis.sh)")
}

fn conn(r: &RedisServer) -> Conn {
    let client = redis::Client::open(r.url()).expect("url");
    Conn::open(&client, Duration::from_millis(500)).expect("conn")
}

async fn held(c: &Conn, keys: &Keys, replica: &str, ttl: Duration) -> Lease {
    match Lease::acquire(c, &keys.lease, &keys.fence, replica, ttl).await {
        Acquire::Held(l) => l,
        other => panic!("expected the lease, got {other:?}"),
    }
}

fn publish<'a>(lease: &'a Lease, data: &'a [u8], channel: &'a str) -> Publish<'a> {
    Publish {
        token: &lease.token,
        generation: lease.fence,
        data,
        age: Duration::from_millis(1500),
        writes: "0-0",
        channel,
        message: "{}",
        uid: "test",
    }
}

#[tokio::test]
async fn one_holder_at_a_time_and_each_holder_gets_a_higher_fence() {
    let r = redis();
    let c = conn(&r);
    let keys = Keys::new("t", "hq");
    let a = held(&c, &keys, "ra", Duration::from_secs(10)).await;
    assert_eq!(a.fence, 1);
    assert!(matches!(
        Lease::acquire(&c, &keys.lease, &keys.fence, "rb", Duration::from_secs(10)).await,
        Acquire::Busy
    ));
    drop(a); // freed in the background
    let mut b = None;
    for _ in 0..100 {
        if let Acquire::Held(l) =
            Lease::acquire(&c, &keys.lease, &keys.fence, "rb", Duration::from_secs(10)).await
        {
            b = Some(l);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let b = b.expect("the released lease is taken");
    assert_eq!(b.fence, 2);
    assert_eq!(b.token, "rb:2");
}

#[tokio::test]
async fn a_holder_that_lost_its_lease_or_was_overtaken_cannot_publish() {
    let r = redis();
    let c = conn(&r);
    let keys = Keys::new("t", "hq");
    let a = held(&c, &keys, "ra", Duration::from_secs(10)).await;
    // A's lease vanishes (it expired while A was paused); B takes it.
    let _: Option<i64> = c.run("test", redis::cmd("DEL").arg(&keys.lease)).await;
    let b = held(&c, &keys, "rb", Duration::from_secs(10)).await;
    assert!(b.fence > a.fence);
    assert_eq!(
        snapshots::publish(&c, &keys, &publish(&a, b"old", "t:events")).await,
        Published::LeaseLost
    );
    assert_eq!(
        snapshots::publish(&c, &keys, &publish(&b, b"new", "t:events")).await,
        Published::Yes
    );
    // A holder with a lower fence than what is published is refused even with the lease.
    let _: Option<()> = c
        .run(
            "test",
            redis::cmd("SET")
                .arg(&keys.lease)
                .arg(&a.token)
                .arg("PX")
                .arg(10_000),
        )
        .await;
    assert_eq!(
        snapshots::publish(&c, &keys, &publish(&a, b"old", "t:events")).await,
        Published::Fenced
    );
    let (probe, data) = snapshots::fetch(&c, &keys, 0).await.expect("fetch");
    assert_eq!(data, b"new");
    assert_eq!(probe.generation, b.fence);
    // The age counts from the crawl's start (1.5 s before the publish), by Redis' clock.
    assert!(probe.age >= Duration::from_millis(1500), "{probe:?}");
    assert_eq!(
        snapshots::probe(&c, &keys).await.expect("probe").generation,
        b.fence
    );
}

#[tokio::test]
async fn a_renewed_lease_outlives_its_duration_and_a_taken_one_is_reported_lost() {
    let r = redis();
    let c = conn(&r);
    let keys = Keys::new("t", "hq");
    let a = held(&c, &keys, "ra", Duration::from_millis(300)).await;
    // Three durations later it is still A's (renewed every 100 ms).
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(!a.lost());
    assert!(matches!(
        Lease::acquire(&c, &keys.lease, &keys.fence, "rb", Duration::from_secs(1)).await,
        Acquire::Busy
    ));
    // Someone else's token in the key: the next renewal reports the loss.
    let _: Option<()> = c
        .run("test", redis::cmd("SET").arg(&keys.lease).arg("rb:99"))
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !a.lost() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(a.lost());
}

fn share(native: &str) -> Arc<Share> {
    let mut s = crate::store::tests::share(native, serde_json::json!({"password_protected": true}));
    s.password = Some(unishare_core::Secret::new("pa55"));
    Arc::new(s)
}

#[tokio::test]
async fn writes_are_read_back_in_order_after_an_id_with_their_secrets() {
    let r = redis();
    let c = conn(&r);
    let key = "t:hq:writes";
    let mut ids = Vec::new();
    for (i, origin) in ["ra", "rb", "ra"].iter().enumerate() {
        let s = share(&format!("n{i}"));
        let id = writes::append(
            &c,
            key,
            origin,
            &[s],
            &[format!("gone{i}")],
            "t:events",
            "{}",
        )
        .await
        .expect("append");
        ids.push(id);
    }
    let all = writes::after(&c, key, "0-0").await.expect("read");
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].origin, "rb");
    assert_eq!(all[2].upserts[0].native_id, "n2");
    assert_eq!(
        all[2].upserts[0].password.as_ref().map(|p| p.expose()),
        Some("pa55")
    );
    assert_eq!(all[0].removed, vec!["gone0".to_owned()]);
    let rest = writes::after(&c, key, &ids[0]).await.expect("read");
    assert_eq!(
        rest.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids[1..]
    );
    // An entry that is not ours is passed, empty, so that the reader moves on.
    let _: Option<String> = c
        .run(
            "test",
            redis::cmd("XADD")
                .arg(key)
                .arg("*")
                .arg("origin")
                .arg("x")
                .arg("data")
                .arg("not json"),
        )
        .await;
    let tail = writes::after(&c, key, &ids[2]).await.expect("read");
    assert_eq!(tail.len(), 1);
    assert!(tail[0].upserts.is_empty() && tail[0].removed.is_empty());
}

#[tokio::test]
async fn a_dead_redis_answers_none_in_time_and_the_connection_recovers() {
    let mut r = redis();
    let c = conn(&r);
    let keys = Keys::new("t", "hq");
    assert!(snapshots::probe(&c, &keys).await.is_some());
    assert!(c.health.is_up());
    r.kill();
    let started = Instant::now();
    assert!(snapshots::probe(&c, &keys).await.is_none());
    // Bounded by the command deadline (500 ms), with room for a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!c.health.is_up());
    assert!(matches!(
        Lease::acquire(&c, &keys.lease, &keys.fence, "ra", Duration::from_secs(1)).await,
        Acquire::Unavailable
    ));
    r.restart().expect("restart");
    let mut back = false;
    for _ in 0..100 {
        if snapshots::probe(&c, &keys).await.is_some() {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(back, "the connection never recovered");
    assert!(c.health.is_up());
}

/// One replica's account `hq` over the simulator, in the cluster of `conn` (namespace `t`).
fn replica(
    conn: &Conn,
    sim: &unishare_testkit::cloudreve::CloudreveSim,
    name: &str,
) -> Arc<crate::account::Account> {
    use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
    let defaults = unishare_testkit::cloudreve::CloudreveSimConfig::default();
    let account = unishare_core::AccountName::new("hq").expect("name");
    let mut pc = CloudreveConfig::new(
        account,
        sim.base_url(),
        CloudreveAuth::Password {
            email: defaults.email.clone(),
            password: unishare_core::Secret::new(defaults.password.clone()),
        },
    );
    pc.policy = unishare_core::retry::RetryPolicy::new(Duration::from_secs(5), 0);
    let provider = Arc::new(CloudreveProvider::new(pc).expect("provider"));
    let a = crate::account::Account::new(
        provider,
        crate::account::CachePolicy {
            ttl: Duration::from_secs(60),
            max_stale: Duration::from_secs(600),
            cold_wait: Duration::from_secs(5),
            max_shares: 10_000,
            failure_backoff: Duration::from_secs(30),
        },
    );
    let shared = Arc::new(super::Shared {
        conn: conn.clone(),
        namespace: "t".into(),
        replica: name.into(),
        channel: "t:events".into(),
        lease: Duration::from_secs(5),
        leases: Default::default(),
    });
    a.attach_cluster(super::AccountCluster::new(shared, hq_key(sim)));
    a
}

/// A Cloudreve simulator with `shares` links.
async fn cloudreve(shares: usize) -> unishare_testkit::cloudreve::CloudreveSim {
    use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
    CloudreveSim::start(CloudreveSimConfig {
        seed_shares: shares,
        ..Default::default()
    })
    .await
    .expect("sim")
}

/// The store key [`replica`] gives account `hq` over `sim`.
fn hq_key(sim: &unishare_testkit::cloudreve::CloudreveSim) -> crate::store::StoreKey {
    crate::store::StoreKey {
        account: "hq".into(),
        source: format!("cloudreve {}", sim.base_url()),
    }
}

#[tokio::test]
async fn a_second_replica_loads_instead_of_crawling_and_shares_a_failure() {
    use unishare_testkit::cloudreve::fault;
    let r = redis();
    let c = conn(&r);
    let sim = cloudreve(30).await;
    let a = replica(&c, &sim, "ra");
    let b = replica(&c, &sim, "rb");
    let crawled = a.start_crawl().await.expect("A crawls");
    assert_eq!(crawled.shares.len(), 30);
    let calls = sim.counters().get("list");
    // A publishes in the background.
    let keys = Keys::of("t", &hq_key(&sim));
    for _ in 0..200 {
        if snapshots::probe(&c, &keys).await.map(|p| p.generation) > Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let loaded = b.start_crawl().await.expect("B loads");
    assert_eq!(loaded.shares.len(), 30);
    assert_eq!(sim.counters().get("list"), calls, "B called the vendor");
    let secret = |s: &Arc<crate::snapshot::Snapshot>| {
        s.shares
            .iter()
            .filter_map(|x| x.password.as_ref().map(|p| p.expose().to_owned()))
            .collect::<Vec<_>>()
    };
    assert!(
        !secret(&crawled).is_empty(),
        "the simulator seeds password shares"
    );
    assert_eq!(
        secret(&loaded),
        secret(&crawled),
        "passwords travel with the snapshot"
    );
    assert_eq!(b.cluster().expect("cluster").info().loads, 1);

    // The vendor fails A's next crawl (taken under the lease: the shared one is still there,
    // so make it stale by removing it); B then does not call the vendor during the backoff.
    let _: Option<i64> = c.run("test", redis::cmd("DEL").arg(&keys.snap)).await;
    sim.faults().inject("list", fault::empty_500(), None);
    a.start_crawl().await.expect_err("the vendor fails");
    let calls = sim.counters().get("list");
    for _ in 0..200 {
        if snapshots::recent_failure(&c, &keys).await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let e = b.start_crawl().await.expect_err("shared failure");
    assert!(e.message().contains("another replica"), "{e}");
    assert_eq!(
        sim.counters().get("list"),
        calls,
        "B called the sick vendor"
    );
}

#[test]
fn replicas_share_keys_only_for_the_same_source() {
    let key = |source: &str| crate::store::StoreKey {
        account: "hq".into(),
        source: source.into(),
    };
    let a = Keys::of("ns", &key("cloudreve https://a.example user"));
    assert_eq!(
        a.snap,
        Keys::of("ns", &key("cloudreve https://a.example user")).snap
    );
    assert!(
        a.snap.starts_with("ns:hq:") && a.snap.ends_with(":snap"),
        "{}",
        a.snap
    );
    for other in [
        "cloudreve https://b.example user",
        "cloudreve https://a.example site",
    ] {
        let b = Keys::of("ns", &key(other));
        assert_ne!(a.lease, b.lease);
        assert_ne!(a.snap, b.snap);
        assert_ne!(a.writes, b.writes);
    }
}

#[tokio::test]
async fn a_replica_keeps_its_own_newer_data_over_an_older_shared_snapshot() {
    let r = redis();
    let c = conn(&r);
    let sim = cloudreve(10).await;
    let b = replica(&c, &sim, "rb");
    let mine = b.start_crawl().await.expect("B crawls");
    let key = hq_key(&sim);
    let keys = Keys::of("t", &key);
    // Another replica publishes a snapshot of a crawl an hour old (a newer generation).
    let data = crate::store::encode_snapshot(&key, &mine).expect("encode");
    let _: Option<()> = c
        .run(
            "test",
            redis::cmd("SET")
                .arg(&keys.lease)
                .arg("rx:99")
                .arg("PX")
                .arg(60_000),
        )
        .await;
    let old = Publish {
        token: "rx:99",
        generation: 99,
        data: &data,
        age: Duration::from_secs(3600),
        writes: "0-0",
        channel: "t:events",
        message: "{}",
        uid: "old",
    };
    assert_eq!(snapshots::publish(&c, &keys, &old).await, Published::Yes);
    let calls = sim.counters().get("list");
    let kept = b.start_crawl().await.expect("refresh");
    assert_eq!(
        kept.generation, mine.generation,
        "B replaced newer data by older"
    );
    assert_eq!(b.cluster().expect("cluster").info().loads, 0);
    assert!(b.data_age().expect("age") < Duration::from_secs(60));
    assert_eq!(sim.counters().get("list"), calls);
}
