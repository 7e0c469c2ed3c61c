//! Heap bytes per cached share, by part (issue 8, docs/benchmarks.md): maps real simulator
//! pages (Cloudreve and KooDrive, 1,000 records each) with a counting allocator, then builds
//! the snapshot indexes over them. Run: `cargo run --release -p unishare-gateway --example
//! mem_breakdown`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use unishare_core::{AccountName, Share, VendorInterner};
use unishare_gateway::snapshot::Snapshot;
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded to the system allocator with the caller's layout.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        ALLOCS.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: `p` came from `alloc` with this layout.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> (isize, usize) {
    (LIVE.load(Ordering::Relaxed), ALLOCS.load(Ordering::Relaxed))
}

const N: usize = 1000;

async fn pages() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let cr = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: N,
        ..Default::default()
    })
    .await
    .expect("cloudreve");
    let kd = KooDriveSim::start(KooDriveSimConfig {
        seed_shares: N,
        short_page_probability: 0.0,
        ..Default::default()
    })
    .await
    .expect("koodrive");
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{}/api/v4/session/token", cr.base_url()))
        .json(&serde_json::json!({"email": "admin@cloudreve.org", "password": "demo-password"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login json");
    let token = login["data"]["token"]["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let (mut crp, mut kdp) = (Vec::new(), Vec::new());
    let mut next: Option<String> = None;
    loop {
        let mut req = http
            .get(format!("{}/api/v4/share", cr.base_url()))
            .query(&[("page_size", "100")])
            .bearer_auth(&token);
        if let Some(n) = &next {
            req = req.query(&[("next_page_token", n)]);
        }
        let body = req.send().await.expect("list").bytes().await.expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        crp.push(body.to_vec());
        match v["data"]["pagination"]["next_token"].as_str() {
            Some(n) => next = Some(n.to_owned()),
            None => break,
        }
    }
    let mut cursor = "0".to_owned();
    loop {
        let body = http
            .get(format!("{}/koodrive/ose/v1/share", kd.base_url()))
            .query(&[("pageSize", "100"), ("pageCursor", cursor.as_str())])
            .header(
                "authorization",
                "Bearer+013b4daf12f4099a6eb74e2708000cb7a418409192f3e149",
            )
            .send()
            .await
            .expect("list")
            .bytes()
            .await
            .expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        kdp.push(body.to_vec());
        match v["nextCursor"].as_str().filter(|c| !c.is_empty()) {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    (crp, kdp)
}

fn map_cloudreve(pages: &[Vec<u8>]) -> Vec<Arc<Share>> {
    let account = AccountName::new("hq").expect("account");
    let mut out = Vec::new();
    for p in pages {
        let mut v: serde_json::Value = serde_json::from_slice(p).expect("json");
        if let Some(serde_json::Value::Array(a)) =
            v.pointer_mut("/data/shares").map(serde_json::Value::take)
        {
            for raw in a {
                out.push(Arc::new(
                    unishare_cloudreve::bench::map_record(&account, raw).expect("map"),
                ));
            }
        }
    }
    out
}

fn map_koodrive(pages: &[Vec<u8>]) -> Vec<Arc<Share>> {
    let account = AccountName::new("cn").expect("account");
    let mut out = Vec::new();
    for p in pages {
        let resp = unishare_koodrive::client::decode_one_pass(
            200,
            None,
            p,
            unishare_koodrive::dto::ListBody::one_pass,
        )
        .expect("list");
        let page = unishare_koodrive::mapping::map_page(&account, resp, chrono::Utc::now());
        out.extend(page.shares.into_iter().map(Arc::new));
    }
    out
}

fn report(label: &str, n: usize, before: (isize, usize), after: (isize, usize)) {
    println!(
        "{label:<44} {:>8.0} bytes/share {:>6.1} allocations/share",
        (after.0 - before.0) as f64 / n as f64,
        (after.1 as f64 - before.1 as f64) / n as f64
    );
}

/// Heap bytes per share of the `vendor` texts as mapped (before interning): text plus the
/// `Arc` header of each.
fn vendor_bytes(shares: &[Arc<Share>]) -> f64 {
    let total: usize = shares
        .iter()
        .filter(|s| !s.vendor.is_empty())
        .map(|s| s.vendor.as_json().len() + 16)
        .sum();
    total as f64 / shares.len() as f64
}

/// What the crawl does: equal vendor field sets share one allocation.
fn intern(shares: Vec<Arc<Share>>) -> Vec<Arc<Share>> {
    let mut interner = VendorInterner::default();
    shares
        .into_iter()
        .map(|s| {
            let mut s = Arc::unwrap_or_clone(s);
            s.vendor = interner.intern(std::mem::take(&mut s.vendor));
            Arc::new(s)
        })
        .collect()
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (crp, kdp) = rt.block_on(pages());
    println!(
        "size_of::<Share>() = {} bytes (+16 for the Arc header)",
        std::mem::size_of::<Share>()
    );
    for (label, provider, pages) in [
        ("cloudreve", unishare_cloudreve::provider(), &crp),
        ("koodrive", unishare_koodrive::provider(), &kdp),
    ] {
        let b = live();
        let shares = if provider == unishare_cloudreve::provider() {
            map_cloudreve(pages)
        } else {
            map_koodrive(pages)
        };
        let a = live();
        let n = shares.len();
        report(&format!("{label}: mapped Arc<Share> (all heap)"), n, b, a);
        println!(
            "{:<44} {:>8.0} bytes/share",
            format!("{label}:   of which `vendor` text"),
            vendor_bytes(&shares)
        );
        let b = live();
        let shares = intern(shares);
        let a = live();
        report(&format!("{label}:   change when interned"), n, b, a);
        let b = live();
        let snap = Snapshot::build(
            AccountName::new(label.replace("cloudreve", "hq").replace("koodrive", "cn"))
                .expect("account"),
            provider,
            shares,
            Instant::now(),
            chrono::Utc::now(),
            0,
        );
        let a = live();
        report(&format!("{label}: snapshot indexes"), n, b, a);
        drop(snap);
    }
}
