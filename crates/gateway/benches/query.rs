//! Query engine and cursor benches (issue 8).
//!
//! Data: 10k, 100k and 1M synthetic shares spread over 4 accounts (2 "Cloudreve", 2 "KooDrive"),
//! with realistic field sizes (URL, owner, vendor map) and names drawn from 16 stems plus a
//! number, so `q=report` matches 1 share in 16 (a common word) and `q=report 4242` almost
//! none (a rare word: the first page then has to scan the whole view).
//!
//! Same-run baseline: `naive_first_page` filters every share, sorts the matches with the list
//! order and takes 50 (what an engine without pre-sorted views would do). `total_*`: counts
//! from the indexes (issue 21), each checked against a plain scan first.
//!
//! `cargo bench` runs all sizes; in test mode (`cargo test --all-targets`) only 10k is built
//! and each bench runs once.

use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use unishare_core::{
    AccountName, Audience, Owner, Permissions, Provider, Share, ShareId, ShareStatus, Source,
    SourceKind, Stats,
};
use unishare_gateway::cursor::{CursorCodec, CursorPos};
use unishare_gateway::query::{self, ListQuery};
use unishare_gateway::snapshot::Snapshot;
use unishare_gateway::sort::{cmp_in_order, Order, SortKey};

const STEMS: [&str; 16] = [
    "Quarterly report",
    "Budget",
    "Photos",
    "Meeting notes",
    "Invoice",
    "Design spec",
    "Roadmap",
    "Contract",
    "Backup",
    "Slides",
    "Music",
    "Video",
    "Draft",
    "Archive",
    "Manual",
    "季度报告",
];

fn time(rng: &mut StdRng) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + rng.gen_range(0..60_000_000), 0)
        .single()
        .expect("time")
}

fn share(rng: &mut StdRng, account: &AccountName, provider: Provider, n: usize) -> Share {
    let native = if provider == unishare_cloudreve::provider() {
        format!("c{n:07x}")
    } else if provider == unishare_koodrive::provider() {
        format!("15050842{:011}", n)
    } else {
        n.to_string()
    };
    let mut vendor = Map::new();
    vendor.insert("scope".into(), json!(1));
    vendor.insert(
        "containerId".into(),
        json!("IAAB5thdWzxEoAsiA1681759183084696450"),
    );
    vendor.insert("containerName".into(), json!("Team space"));
    let stem = STEMS[rng.gen_range(0..STEMS.len())];
    Share {
        id: ShareId::new(account, &native).expect("id"),
        account: account.as_str().into(),
        provider,
        name: format!("{stem} {}.pdf", rng.gen_range(0..100_000)).into(),
        url: format!("https://drive.example.com/s/{native}").into(),
        secret_url: None,
        short_code: Some(native.as_str().into()),
        native_id: native.into(),
        status: ShareStatus::ALL[rng.gen_range(0..4)],
        audience: Audience::Anyone,
        password_protected: Some(rng.gen_bool(0.3)),
        password: None,
        created_at: Some(time(rng)),
        expires_at: rng.gen_bool(0.45).then(|| time(rng)),
        permissions: Permissions::default(),
        stats: Stats {
            views: rng.gen_bool(0.9).then(|| rng.gen_range(0..5000)),
            downloads: Some(rng.gen_range(0..300)),
            saves: None,
        },
        remaining_downloads: None,
        source: Source {
            kind: SourceKind::Folder,
            uri: Some("cloudreve://my/Reports".into()),
            files: Vec::new(),
        },
        owner: Some(Box::new(Owner {
            id: "bnUn".into(),
            name: Some("Luke Skywalker".into()),
            email: Some("luke@skywalker.com".into()),
        })),
        comment: None,
        vendor: vendor.into(),
    }
}

fn snapshots(total: usize) -> Vec<Arc<Snapshot>> {
    let mut rng = StdRng::seed_from_u64(8);
    (0..4)
        .map(|a| {
            let account = AccountName::new(format!("acct{a}")).expect("account");
            let provider = if a % 2 == 0 {
                unishare_cloudreve::provider()
            } else {
                unishare_koodrive::provider()
            };
            let shares = (0..total / 4)
                .map(|n| Arc::new(share(&mut rng, &account, provider, n)))
                .collect();
            Arc::new(Snapshot::build(
                account,
                provider,
                shares,
                Instant::now(),
                Utc::now(),
                0,
            ))
        })
        .collect()
}

/// Whether `s` passes the per-share filters the benches use, tested on the share itself (a
/// plain scan, as an engine without indexes would).
fn plain_match(q: &ListQuery, s: &Share) -> bool {
    let f = &q.filter;
    (f.statuses.is_empty() || f.statuses.contains(&s.status))
        && f.q
            .as_ref()
            .is_none_or(|q| s.name.to_lowercase().contains(q.as_str()))
        && f.created_after
            .is_none_or(|a| s.created_at.is_some_and(|c| c > a))
        && f.password_protected
            .is_none_or(|p| s.password_protected == Some(p))
}

/// Every matching share in list order by a plain scan (the reference, and the naive baseline).
fn naive(snaps: &[Arc<Snapshot>], q: &ListQuery) -> Vec<Arc<Share>> {
    let mut all: Vec<Arc<Share>> = Vec::new();
    for s in snaps {
        if !q.filter.wants_account(s.account.as_str(), s.provider) {
            continue;
        }
        all.extend(s.shares.iter().filter(|s| plain_match(q, s)).cloned());
    }
    all.sort_by(|a, b| cmp_in_order(a, b, q.sort, q.order));
    all
}

fn bench_query(c: &mut Criterion) {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let sizes: &[(usize, &str)] = if bench_mode {
        &[(10_000, "10k"), (100_000, "100k"), (1_000_000, "1M")]
    } else {
        &[(10_000, "10k")]
    };
    let common = ListQuery::parse(Some("sort=views&order=desc&limit=50&q=report")).expect("q");
    let rare = ListQuery::parse(Some("sort=views&order=desc&limit=50&q=report 4242")).expect("q");
    // Created times span 2023-11-14 .. 2025-09-10 (`time`); the bound keeps ~60 %.
    let combined = ListQuery::parse(Some(
        "provider=cloudreve&status=active&created_after=2024-08-01T00:00:00Z&q=report&sort=views&limit=50",
    ))
    .expect("q");
    let totals: Vec<(&str, ListQuery)> = [
        ("total_status_active", "status=active"),
        ("total_created_after", "created_after=2024-08-01T00:00:00Z"),
        ("total_password_protected", "password_protected=true"),
        (
            "total_status_and_created_after",
            "status=active&status=expired&created_after=2024-08-01T00:00:00Z",
        ),
        (
            "total_combined_provider_status_created_q",
            "provider=cloudreve&status=active&created_after=2024-08-01T00:00:00Z&q=report",
        ),
    ]
    .into_iter()
    .map(|(n, raw)| (n, ListQuery::parse(Some(raw)).expect("q")))
    .collect();
    let codec = CursorCodec::new(b"bench");
    let mut g = c.benchmark_group("query");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for &(n, label) in sizes {
        let built = Instant::now();
        let snaps = snapshots(n);
        eprintln!("built {label} shares in {:?}", built.elapsed());
        let reference = naive(&snaps, &common);
        // Sanity: the engine agrees with the reference on the first page.
        let first = query::page(&snaps, &common.filter, common.sort, common.order, 50, None);
        assert!(first
            .shares
            .iter()
            .zip(&reference)
            .all(|(a, b)| a.id == b.id));
        // Deep page: resume from a cursor in the middle of the matches, through the codec.
        let digest = common.digest();
        let mid = &reference[reference.len() / 2];
        let cursor = codec.encode(&CursorPos::after(mid, common.sort), &digest);
        let rare_hits = naive(&snaps, &rare).len();
        eprintln!(
            "{label}: q=report matches {}, q=\"report 4242\" matches {rare_hits}",
            reference.len()
        );

        g.bench_with_input(
            BenchmarkId::new("first_page_views_desc_q_common", label),
            &snaps,
            |b, snaps| {
                b.iter(|| query::page(snaps, &common.filter, common.sort, common.order, 50, None))
            },
        );
        g.bench_with_input(
            BenchmarkId::new("first_page_views_desc_q_rare", label),
            &snaps,
            |b, snaps| b.iter(|| query::page(snaps, &rare.filter, rare.sort, rare.order, 50, None)),
        );
        g.bench_with_input(
            BenchmarkId::new("first_page_views_desc_no_filter", label),
            &snaps,
            |b, snaps| {
                let f = Default::default();
                b.iter(|| query::page(snaps, &f, SortKey::Views, Order::Desc, 50, None))
            },
        );
        g.bench_with_input(
            BenchmarkId::new("deep_page_cursor_q_common", label),
            &snaps,
            |b, snaps| {
                b.iter(|| {
                    let after = codec.decode(black_box(&cursor), &digest).expect("cursor");
                    query::page(
                        snaps,
                        &common.filter,
                        common.sort,
                        common.order,
                        50,
                        Some(&after),
                    )
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("total_count_q_common", label),
            &snaps,
            |b, snaps| b.iter(|| query::count(snaps, &common.filter)),
        );
        // `total` from the indexes: one filter, then the combined filter of bench/run.sh's
        // row 1c; each checked against the plain scan first.
        for (name, q) in &totals {
            let wanted: Vec<Arc<Snapshot>> = snaps
                .iter()
                .filter(|s| q.filter.wants_account(s.account.as_str(), s.provider))
                .cloned()
                .collect();
            assert_eq!(
                query::count(&wanted, &q.filter),
                naive(&snaps, q).len(),
                "{name}"
            );
            g.bench_with_input(BenchmarkId::new(*name, label), &wanted, |b, snaps| {
                b.iter(|| query::count(snaps, &q.filter))
            });
        }
        let wanted: Vec<Arc<Snapshot>> = snaps
            .iter()
            .filter(|s| {
                combined
                    .filter
                    .wants_account(s.account.as_str(), s.provider)
            })
            .cloned()
            .collect();
        let first = query::page(
            &wanted,
            &combined.filter,
            combined.sort,
            combined.order,
            50,
            None,
        );
        let reference = naive(&snaps, &combined);
        assert!(first
            .shares
            .iter()
            .map(|s| &s.id)
            .eq(reference.iter().take(50).map(|s| &s.id)));
        g.bench_with_input(
            BenchmarkId::new("first_page_combined", label),
            &wanted,
            |b, snaps| {
                b.iter(|| {
                    query::page(
                        snaps,
                        &combined.filter,
                        combined.sort,
                        combined.order,
                        50,
                        None,
                    )
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("baseline_naive_first_page_q_common", label),
            &snaps,
            |b, snaps| {
                b.iter(|| {
                    let mut all = naive(snaps, &common);
                    all.truncate(50);
                    all
                })
            },
        );
        drop(snaps);
    }
    g.finish();
}

fn bench_cursor(c: &mut Criterion) {
    let codec = CursorCodec::new(b"bench-secret-of-32-bytes-length!");
    let q = ListQuery::parse(Some("sort=views&order=desc&q=report")).expect("q");
    let digest = q.digest();
    let pos = CursorPos {
        int: Some(4242),
        text: None,
        id: "cn:1505084218764547200".into(),
    };
    let encoded = codec.encode(&pos, &digest);
    let mut g = c.benchmark_group("cursor");
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    g.bench_function("encode", |b| {
        b.iter(|| codec.encode(black_box(&pos), &digest))
    });
    g.bench_function("decode", |b| {
        b.iter(|| codec.decode(black_box(&encoded), &digest).expect("decode"))
    });
    g.bench_function("query_digest", |b| b.iter(|| black_box(&q).digest()));
    g.finish();
}

/// Building one account's snapshot at the end of a crawl (indexes and the five sorted
/// views): what a cold start pays once per account, on top of the pages.
fn bench_snapshot_build(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(9);
    let account = AccountName::new("hq").expect("account");
    let shares: Vec<Arc<Share>> = (0..50_000)
        .map(|n| Arc::new(share(&mut rng, &account, unishare_cloudreve::provider(), n)))
        .collect();
    let mut g = c.benchmark_group("snapshot");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    g.throughput(criterion::Throughput::Elements(shares.len() as u64));
    g.bench_function("build_50k", |b| {
        b.iter_batched(
            || shares.clone(),
            |shares| {
                Snapshot::build(
                    account.clone(),
                    unishare_cloudreve::provider(),
                    shares,
                    Instant::now(),
                    Utc::now(),
                    0,
                )
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_query, bench_cursor, bench_snapshot_build);
criterion_main!(benches);
