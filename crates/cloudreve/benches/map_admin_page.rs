//! Mapping one page (100 records) of the Cloudreve admin listing (`POST /api/v4/admin/share`,
//! site-wide inventory) into unified `Share`s: what a site crawl pays per vendor page.
//!
//! The page is the simulator's real wire body (page 1 of 100,000 shares of 6 users), read once
//! at start; `parse_only` decodes the same body into a `serde_json::Value` as a reference.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use std::time::Duration;
use unishare_core::AccountName;
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};

fn fetch_page() -> Vec<u8> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let config = CloudreveSimConfig {
            seed_shares: 100_000,
            other_users: 5,
            ..CloudreveSimConfig::default()
        };
        let sim = CloudreveSim::start(config).await.expect("simulator");
        let http = reqwest::Client::new();
        let token = sim.access_token();
        http.post(format!("{}/api/v4/admin/share", sim.base_url()))
            .json(
                &serde_json::json!({"page": 1, "page_size": 100, "order_by": "id",
                                      "order_direction": "asc", "conditions": {}, "searches": {}}),
            )
            .bearer_auth(token)
            .send()
            .await
            .expect("admin list")
            .bytes()
            .await
            .expect("body")
            .to_vec()
    })
}

fn bench(c: &mut Criterion) {
    let body = fetch_page();
    let account = AccountName::new("corp").expect("account");
    let map = |body: &[u8]| {
        unishare_cloudreve::bench::map_admin_body(&account, body, 100)
            .expect("admin page")
            .shares
            .len()
    };
    assert_eq!(map(&body), 100, "one page of 100 records");
    let mut g = c.benchmark_group("cloudreve_admin_page_100");
    g.throughput(Throughput::Elements(100));
    g.bench_function("parse_only", |b| {
        b.iter(|| serde_json::from_slice::<Value>(&body).expect("json"))
    });
    g.bench_function("parse_and_map", |b| b.iter(|| map(&body)));
    g.finish();
    eprintln!("cloudreve admin page body: {} bytes", body.len());
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
