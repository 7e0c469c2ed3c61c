//! Mapping one page (100 records) of Cloudreve list JSON into unified `Share`s.
//!
//! The page is the real wire body of the simulator (`GET /api/v4/share?page_size=100`), read
//! once at start. `parse_only` is a reference in the same run: decoding the body into a
//! `serde_json::Value` and nothing else. `parse_and_map` is what a crawl pays per page: the
//! envelope, the list data and each record decoded from JSON text and mapped, through the
//! `#[doc(hidden)] unishare_cloudreve::bench::map_list_body` entry point (the same
//! `mapping::map_list_data` that `list_page` calls).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use std::time::Duration;
use unishare_core::AccountName;
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

fn fetch_page() -> Vec<u8> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let config = CloudreveSimConfig {
            seed_shares: 500,
            pro_fields: true,
            ..CloudreveSimConfig::default()
        };
        let sim = CloudreveSim::start(config).await.expect("simulator");
        let http = reqwest::Client::new();
        let token = sim.access_token();
        let body = http
            .get(format!("{}/api/v4/share", sim.base_url()))
            .query(&[("page_size", "100"), ("order_direction", "desc")])
            .bearer_auth(token)
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
    unishare_cloudreve::bench::map_list_body(account, body)
        .expect("list page")
        .shares
        .len()
}

fn bench(c: &mut Criterion) {
    let body = fetch_page();
    let account = AccountName::new("hq").expect("account");
    assert_eq!(map(&account, &body), 100, "one page of 100 records");
    let mut g = c.benchmark_group("cloudreve_page_100");
    g.throughput(Throughput::Elements(100));
    g.bench_function("parse_only", |b| {
        b.iter(|| serde_json::from_slice::<Value>(&body).expect("json"))
    });
    g.bench_function("parse_and_map", |b| b.iter(|| map(&account, &body)));
    g.finish();
    eprintln!("cloudreve page body: {} bytes", body.len());
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
