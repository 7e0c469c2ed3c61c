//! The indexed query engine against a plain scan (`plain/mod.rs`): random shares (unknown
//! `password_protected`, random owners, times that tie to the millisecond and differ below it,
//! every status and audience), random combinations of every filter, every sort key and order,
//! random limits, every way the engine can find a page or a count (walking the sort view,
//! sorting the matches, switching part-way; `q` one name at a time or by one scan), before and
//! after writes applied to the snapshot: the same pages, cursor walk and `total`.

mod plain;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::sync::Arc;
use std::time::Instant;
use unishare_core::{
    AccountName, Audience, Owner, Permissions, Provider, Share, ShareId, ShareStatus, Source, Stats,
};
use unishare_gateway::cursor::{CursorCodec, CursorPos};
use unishare_gateway::query::{self, Filter, ListQuery, Strategy as Way};
use unishare_gateway::snapshot::Snapshot;
use unishare_gateway::sort::{Order, SortKey};

const ACCOUNTS: usize = 3;
const NAMES: [&str; 8] = [
    "Report",
    "report Q4",
    "Zeta",
    "alpha",
    "新文件",
    "Beta",
    "a",
    "",
];
const OWNERS: [(&str, Option<&str>); 4] = [
    ("u1", Some("Luke@Example.com")),
    ("u2", Some("leia@example.com")),
    ("u3", None),
    ("luke@example.com", None),
];
const OWNER_FILTERS: [&str; 6] = [
    "luke@example.com",
    "LEIA@EXAMPLE.COM",
    "u3",
    "U1",
    "u2",
    "nobody",
];

/// A time on a coarse grid (so that keys tie) with one of three sub-millisecond offsets.
fn time(step: i64, sub: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).single().expect("time")
        + Duration::milliseconds(step)
        + Duration::microseconds([0, 300, 999][sub as usize % 3])
}

#[derive(Clone, Debug)]
struct Spec {
    account: usize,
    native: u32,
    name: usize,
    views: Option<u64>,
    created: Option<(i64, i64)>,
    expires: Option<(i64, i64)>,
    status: usize,
    audience: usize,
    protected: Option<bool>,
    owner: Option<usize>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            0..ACCOUNTS,
            0u32..300,
            0..NAMES.len(),
            prop::option::of(0u64..4),
        ),
        (
            prop::option::of((0i64..8, 0i64..3)),
            prop::option::of((0i64..8, 0i64..3)),
        ),
        (
            0usize..4,
            0usize..3,
            prop::option::of(any::<bool>()),
            prop::option::of(0..OWNERS.len()),
        ),
    )
        .prop_map(
            |(
                (account, native, name, views),
                (created, expires),
                (status, audience, protected, owner),
            )| Spec {
                account,
                native,
                name,
                views,
                created,
                expires,
                status,
                audience,
                protected,
                owner,
            },
        )
}

fn account(a: usize) -> AccountName {
    AccountName::new(format!("acc{a}")).expect("account")
}

fn provider(a: usize) -> Provider {
    if a % 2 == 0 {
        unishare_cloudreve::provider()
    } else {
        unishare_koodrive::provider()
    }
}

fn make(s: &Spec) -> Arc<Share> {
    let account = account(s.account);
    let native = format!("n{}", s.native);
    Arc::new(Share {
        id: ShareId::new(&account, &native).expect("id"),
        account: account.as_str().into(),
        provider: provider(s.account),
        native_id: native.into(),
        name: NAMES[s.name].into(),
        url: "http://x".into(),
        secret_url: None,
        short_code: None,
        status: ShareStatus::ALL[s.status],
        audience: [
            Audience::Anyone,
            Audience::Organization,
            Audience::Restricted,
        ][s.audience],
        password_protected: s.protected,
        password: None,
        created_at: s.created.map(|(t, u)| time(t, u)),
        expires_at: s.expires.map(|(t, u)| time(t, u)),
        permissions: Permissions::default(),
        stats: Stats {
            views: s.views,
            downloads: s.views.map(|v| v / 2),
            saves: None,
        },
        remaining_downloads: None,
        source: Source::default(),
        owner: s.owner.map(|o| {
            let (id, email) = OWNERS[o];
            Box::new(Owner {
                id: id.into(),
                name: None,
                email: email.map(Into::into),
            })
        }),
        comment: None,
        vendor: Default::default(),
    })
}

fn snapshots(specs: &[Spec]) -> Vec<Arc<Snapshot>> {
    (0..ACCOUNTS)
        .map(|a| {
            let mut seen = std::collections::HashSet::new();
            let shares: Vec<Arc<Share>> = specs
                .iter()
                .filter(|s| s.account == a && seen.insert(s.native))
                .map(make)
                .collect();
            Arc::new(Snapshot::build(
                account(a),
                provider(a),
                shares,
                Instant::now(),
                Utc::now(),
                0,
            ))
        })
        .collect()
}

/// A random filter: each filter present or not, with random values.
#[derive(Clone, Debug)]
struct FilterSpec {
    accounts: Vec<usize>,
    provider: Option<usize>,
    statuses: Vec<usize>,
    audience: Option<usize>,
    protected: Option<bool>,
    owners: Vec<usize>,
    q: Option<&'static str>,
    created_after: Option<(i64, i64)>,
    created_before: Option<(i64, i64)>,
    expires_before: Option<(i64, i64)>,
}

fn filter_spec() -> impl Strategy<Value = FilterSpec> {
    let maybe_time = || prop::option::weighted(0.3, (-1i64..9, 0i64..3));
    (
        (
            prop::collection::vec(0..ACCOUNTS, 0..3),
            prop::option::weighted(0.2, 0usize..2),
            prop::collection::vec(0usize..4, 0..3),
            prop::option::weighted(0.3, 0usize..3),
            prop::option::weighted(0.3, any::<bool>()),
        ),
        (
            prop::collection::vec(0..OWNER_FILTERS.len(), 0..3),
            prop::option::weighted(
                0.3,
                prop::sample::select(vec!["report", "a", "e", "新", "zeta", "x", "q4"]),
            ),
            maybe_time(),
            maybe_time(),
            maybe_time(),
        ),
    )
        .prop_map(
            |(
                (accounts, provider, statuses, audience, protected),
                (owners, q, created_after, created_before, expires_before),
            )| FilterSpec {
                accounts,
                provider,
                statuses,
                audience,
                protected,
                owners,
                q,
                created_after,
                created_before,
                expires_before,
            },
        )
}

fn filter(f: &FilterSpec) -> Filter {
    let t = |x: Option<(i64, i64)>| x.map(|(a, b)| time(a, b));
    Filter {
        accounts: f.accounts.iter().map(|&a| format!("acc{a}")).collect(),
        provider: f.provider.map(provider),
        statuses: f.statuses.iter().map(|&s| ShareStatus::ALL[s]).collect(),
        audience: f.audience.map(|a| {
            [
                Audience::Anyone,
                Audience::Organization,
                Audience::Restricted,
            ][a]
        }),
        password_protected: f.protected,
        q: f.q.map(str::to_owned),
        created_after: t(f.created_after),
        created_before: t(f.created_before),
        expires_before: t(f.expires_before),
        owners: f
            .owners
            .iter()
            .map(|&o| OWNER_FILTERS[o].to_owned())
            .collect(),
    }
}

/// Every way the engine can be made to work.
fn strategies() -> Vec<Way> {
    let mut out = Vec::new();
    for walk in [None, Some(true), Some(false)] {
        for name_scan_after in [0, 3, 2048] {
            for q_scan in [None, Some(true), Some(false)] {
                out.push(Way {
                    walk,
                    name_scan_after,
                    q_scan,
                });
            }
        }
    }
    out
}

/// Checks `total`, the first page and the full cursor walk of one query in every way.
fn check(
    snaps: &[Arc<Snapshot>],
    f: &Filter,
    sort: SortKey,
    order: Order,
    limit: usize,
) -> Result<(), TestCaseError> {
    let wanted = plain::wanted(snaps, f);
    let expected = plain::all(&wanted, f, sort, order);
    let want_ids: Vec<&str> = expected.iter().map(|s| s.id.as_str()).collect();
    let q = ListQuery {
        filter: f.clone(),
        sort,
        order,
        limit,
        cursor: None,
    };
    let codec = CursorCodec::new(b"test");
    let digest = q.digest();
    for strategy in strategies() {
        prop_assert_eq!(
            query::count_with(&wanted, f, strategy),
            expected.len(),
            "total, {:?}",
            strategy
        );
        let mut got: Vec<Arc<Share>> = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..=expected.len() {
            let after = cursor
                .as_ref()
                .map(|c| codec.decode(c, &digest).expect("cursor"));
            let page = query::page_with(&wanted, f, (sort, order), limit, after.as_ref(), strategy);
            prop_assert!(page.shares.len() <= limit);
            got.extend(page.shares.iter().cloned());
            prop_assert_eq!(page.has_more, got.len() < expected.len(), "{:?}", strategy);
            if !page.has_more {
                break;
            }
            let last = page.shares.last().expect("a page with more has shares");
            cursor = Some(codec.encode(&CursorPos::after(last, sort), &digest));
        }
        let got_ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
        prop_assert_eq!(&got_ids, &want_ids, "{:?}", strategy);
    }
    // `matching` (stats, revoke-by-filter) is the same set.
    let mut by_matching: Vec<&str> = wanted
        .iter()
        .flat_map(|s| f.matching(s).map(move |i| s.shares[i].id.as_str()))
        .collect();
    let mut want_sorted = want_ids.clone();
    by_matching.sort_unstable();
    want_sorted.sort_unstable();
    prop_assert_eq!(by_matching, want_sorted);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn every_filter_combination_equals_a_plain_scan(
        specs in prop::collection::vec(spec(), 0..90),
        f in filter_spec(),
        sort in 0usize..5,
        desc in any::<bool>(),
        limit in 1usize..7,
    ) {
        let snaps = snapshots(&specs);
        let order = if desc { Order::Desc } else { Order::Asc };
        check(&snaps, &filter(&f), SortKey::ALL[sort], order, limit)?;
    }

    /// Writes build the next snapshot (`Snapshot::with_changes`): its indexes answer for the
    /// new share set, not the old one.
    #[test]
    fn indexes_follow_writes(
        specs in prop::collection::vec(spec(), 0..60),
        upserts in prop::collection::vec(spec(), 0..20),
        removed in prop::collection::vec(0u32..300, 0..20),
        f in filter_spec(),
        sort in 0usize..5,
        limit in 1usize..7,
    ) {
        let before = snapshots(&specs);
        let after: Vec<Arc<Snapshot>> = before
            .iter()
            .enumerate()
            .map(|(a, snap)| {
                let mut seen = std::collections::HashSet::new();
                let ups: Vec<Arc<Share>> = upserts
                    .iter()
                    .filter(|s| s.account == a && seen.insert(s.native))
                    .map(make)
                    .collect();
                let gone: Vec<String> = removed.iter().map(|n| format!("n{n}")).collect();
                Arc::new(snap.with_changes(&ups, &gone))
            })
            .collect();
        check(&after, &filter(&f), SortKey::ALL[sort], Order::Desc, limit)?;
    }
}

/// Shares stored in creation order, ties broken below the millisecond and then by id, nulls
/// last; the native-id lookup still finds every share.
#[test]
fn shares_are_stored_in_exact_creation_order() {
    let specs: Vec<Spec> = (0..30u32)
        .map(|i| Spec {
            account: 0,
            native: 29 - i,
            name: 0,
            views: None,
            created: (i % 7 != 0).then_some((i64::from(i % 3), i64::from(i % 2))),
            expires: None,
            status: 0,
            audience: 0,
            protected: None,
            owner: None,
        })
        .collect();
    let snap = &snapshots(&specs)[0];
    let keys: Vec<_> = snap
        .shares
        .iter()
        .map(|s| {
            (
                s.created_at.is_none(),
                s.created_at,
                s.native_id.to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for s in &specs {
        let id = format!("n{}", s.native);
        assert_eq!(
            snap.get(&id).map(|s| s.native_id.as_str()),
            Some(id.as_str())
        );
    }
}

/// The indexes' memory: 4 bytes a share for the expiry rank, plus the bitmaps (about 1 bit a
/// share per status, audience and protection value at these densities, a run for an owner
/// who owns everything). Bounded here at 12 bytes a share for 60,000 shares of mixed values
/// (the figure is in docs/benchmarks.md, run P).
#[test]
fn index_memory_per_share_is_small() {
    let specs: Vec<Spec> = (0..60_000u32)
        .map(|i| Spec {
            account: 0,
            native: i,
            name: (i % 8) as usize,
            views: Some(u64::from(i % 97)),
            created: Some((i64::from(i), 0)),
            expires: (i % 3 == 0).then_some((i64::from(i * 7 % 60_000), 1)),
            status: (i.wrapping_mul(2_654_435_761) >> 7) as usize % 4,
            audience: (i % 5 == 0) as usize,
            protected: [Some(true), Some(false), None][(i % 3) as usize],
            owner: Some(0),
        })
        .collect();
    let snap = &snapshots(&specs)[0];
    let per_share = snap.index.heap_bytes() as f64 / specs.len() as f64;
    eprintln!("index heap bytes per share: {per_share:.2}");
    assert!(per_share <= 12.0, "{per_share}");
}
