//! One crawl of 1,000 links over the simulator on loopback: a user account (one list answer,
//! each record mapped) and a site account (10 admin pages, each record completed by its admin
//! detail, 4 at a time). Loopback HTTP dominates; the point is the ratio between the two and a
//! figure to compare releases with.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use unishare_core::retry::RetryPolicy;
use unishare_core::{AccountName, CallContext, Inventory, Secret, ShareProvider};
use unishare_seafile::{SeafileAuth, SeafileConfig, SeafileProvider};
use unishare_testkit::seafile::{SeafileSim, SeafileSimConfig};

const LINKS: usize = 1000;

fn provider(sim: &SeafileSim, token: String, inventory: Inventory) -> SeafileProvider {
    let mut c = SeafileConfig::new(
        AccountName::new("sf").expect("account"),
        sim.base_url(),
        SeafileAuth::Token {
            token: Secret::new(token),
        },
    );
    c.inventory = inventory;
    c.policy = RetryPolicy::new(Duration::from_secs(10), 0);
    SeafileProvider::new(c).expect("provider")
}

async fn crawl(p: &SeafileProvider) -> usize {
    let ctx = CallContext::default();
    let mut cursor = None;
    let mut n = 0;
    loop {
        let page = p.list_page(cursor.as_ref(), &ctx).await.expect("page");
        n += page.shares.len();
        match page.next {
            Some(c) => cursor = Some(c),
            None => return n,
        }
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (sim, user, site) = rt.block_on(async {
        // Every link is the admin's, so both inventories hold all 1,000.
        let sim = SeafileSim::start(SeafileSimConfig::default())
            .await
            .expect("simulator");
        let (admin, _, token) = sim.admin();
        for _ in 0..LINKS {
            sim.add_link(&admin);
        }
        let user = provider(&sim, token.clone(), Inventory::User);
        let site = provider(&sim, token, Inventory::Site);
        (sim, user, site)
    });
    let mut g = c.benchmark_group("seafile_crawl");
    g.throughput(Throughput::Elements(LINKS as u64));
    g.sample_size(10);
    g.bench_function("user_list_1000", |b| {
        b.iter(|| assert_eq!(rt.block_on(crawl(&user)), LINKS))
    });
    g.bench_function("site_crawl_1000", |b| {
        b.iter(|| assert_eq!(rt.block_on(crawl(&site)), LINKS))
    });
    g.finish();
    drop(sim);
}

criterion_group!(benches, bench);
criterion_main!(benches);
