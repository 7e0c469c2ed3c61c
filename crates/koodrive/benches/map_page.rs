//! Mapping one page (100 records) of KooDrive list JSON into unified `Share`s.
//!
//! The page is the real wire body of the simulator (`GET /koodrive/ose/v1/share`, pageSize
//! 100, string counters on, as the vendor sometimes sends them), read once at start.
//! `parse_only` is a reference in the same run (decode into a `serde_json::Value`);
//! `parse_and_map` is what `list_page` does after the HTTP call: envelope and records read in
//! one pass (`client::decode_one_pass` with `dto::ListBody::one_pass`), then
//! `mapping::map_page`; `parse_and_map_robust` is the path of an answer the one-pass decoder
//! declines (envelope check, then each record decoded on its own).

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use std::time::Duration;
use unishare_core::AccountName;
use unishare_koodrive::dto::ListBody;
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};

fn fetch_page() -> Vec<u8> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let config = KooDriveSimConfig {
            seed_shares: 500,
            short_page_probability: 0.0,
            ..KooDriveSimConfig::default()
        };
        let token = config.token.clone();
        let sim = KooDriveSim::start(config).await.expect("simulator");
        let body = reqwest::Client::new()
            .get(format!("{}/koodrive/ose/v1/share", sim.base_url()))
            .query(&[
                ("pageSize", "100"),
                ("pageCursor", "0"),
                ("sortType", "4"),
                ("sortDirection", "2"),
            ])
            .header("authorization", token)
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
    let resp = unishare_koodrive::client::decode_one_pass(200, None, body, ListBody::one_pass)
        .expect("list response");
    unishare_koodrive::mapping::map_page(account, resp, Utc::now())
        .shares
        .len()
}

/// The path of an answer the one-pass decoder declines: envelope check, then records one by one.
fn map_robust(account: &AccountName, body: &[u8]) -> usize {
    let resp: ListBody = unishare_koodrive::client::decode(200, None, body).expect("list response");
    unishare_koodrive::mapping::map_page(account, resp, Utc::now())
        .shares
        .len()
}

fn bench(c: &mut Criterion) {
    let body = fetch_page();
    let account = AccountName::new("cn").expect("account");
    assert_eq!(
        map(&account, &body),
        100,
        "one page of 100 records: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    let mut g = c.benchmark_group("koodrive_page_100");
    g.throughput(Throughput::Elements(100));
    g.bench_function("parse_only", |b| {
        b.iter(|| serde_json::from_slice::<Value>(&body).expect("json"))
    });
    g.bench_function("parse_and_map", |b| b.iter(|| map(&account, &body)));
    g.bench_function("parse_and_map_robust", |b| {
        b.iter(|| map_robust(&account, &body))
    });
    g.finish();
    eprintln!("koodrive page body: {} bytes", body.len());
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
