//! Mapping one Nextcloud list answer of 1,000 public links (plus the 250 user and group
//! shares the same answer carries) into unified `Share`s.
//!
//! The body is the real wire answer of the simulator (`GET /ocs/v2.php/apps/files_sharing/
//! api/v1/shares?format=json`, escaped the way PHP's `json_encode` writes it), read once at
//! start. `parse_only` is a reference in the same run (decode into a `serde_json::Value`);
//! `parse_and_map` is what `list_page` does after the HTTP call: the envelope streamed in one
//! pass, each record mapped as it is read (`ocs::decode` with `ocs::ListSeed`).

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use std::time::Duration;
use unishare_core::AccountName;
use unishare_nextcloud::ocs::{decode, ListSeed};
use unishare_nextcloud::ServerZone;
use unishare_testkit::nextcloud::{NextcloudSim, NextcloudSimConfig};

const LINKS: usize = 1000;

fn fetch_list() -> Vec<u8> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sim = NextcloudSim::start(NextcloudSimConfig {
            seed_shares: LINKS,
            seed_expired: false,
            ..NextcloudSimConfig::default()
        })
        .await
        .expect("simulator");
        let (user, password) = sim.credentials();
        let body = reqwest::Client::new()
            .get(format!(
                "{}/ocs/v2.php/apps/files_sharing/api/v1/shares",
                sim.base_url()
            ))
            .query(&[("format", "json")])
            .header("OCS-APIRequest", "true")
            .basic_auth(user, Some(password))
            .send()
            .await
            .expect("list")
            .bytes()
            .await
            .expect("list body");
        body.to_vec()
    })
}

fn map(account: &AccountName, body: &[u8]) -> usize {
    let seed = ListSeed {
        account,
        zone: ServerZone::UTC,
        now: Utc::now(),
    };
    decode("list", 200, None, body, seed)
        .expect("list answer")
        .shares
        .len()
}

fn bench(c: &mut Criterion) {
    let body = fetch_list();
    let account = AccountName::new("nc").expect("account");
    assert_eq!(
        map(&account, &body),
        LINKS,
        "one answer of {LINKS} links: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    let mut g = c.benchmark_group("nextcloud_list_1000");
    g.throughput(Throughput::Elements(LINKS as u64));
    g.bench_function("parse_only", |b| {
        b.iter(|| serde_json::from_slice::<Value>(&body).expect("json"))
    });
    g.bench_function("parse_and_map", |b| b.iter(|| map(&account, &body)));
    g.finish();
    eprintln!("nextcloud list body: {} bytes", body.len());
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
