//! The query engine against a naive reference: for random share sets spread over accounts,
//! random filters, every sort key and order, walking all pages with cursors returns exactly the
//! naive filter-then-sort result, each share once, in order.

mod plain;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use std::sync::Arc;
use std::time::Instant;
use unishare_core::{
    AccountName, Audience, Permissions, Share, ShareId, ShareStatus, Source, Stats,
};
use unishare_gateway::cursor::{CursorCodec, CursorPos};
use unishare_gateway::query::{self, Filter, ListQuery};
use unishare_gateway::snapshot::Snapshot;
use unishare_gateway::sort::{cmp_in_order, Order, SortKey};

#[derive(Clone, Debug)]
struct Spec {
    account: usize,
    native: u32,
    name: String,
    views: Option<u64>,
    created: Option<i64>,
    expires: Option<i64>,
    status: usize,
    pw: bool,
}

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap()
}

fn make(spec: &Spec) -> Share {
    let account = AccountName::new(format!("acc{}", spec.account)).unwrap();
    let native = format!("n{}", spec.native);
    Share {
        id: ShareId::new(&account, &native).unwrap(),
        account: account.as_str().into(),
        provider: if spec.account % 2 == 0 {
            unishare_cloudreve::provider()
        } else {
            unishare_koodrive::provider()
        },
        native_id: native.into(),
        name: spec.name.as_str().into(),
        url: "http://x".into(),
        secret_url: None,
        short_code: None,
        status: ShareStatus::ALL[spec.status % 4],
        audience: Audience::Anyone,
        password_protected: Some(spec.pw),
        password: None,
        created_at: spec.created.map(t),
        expires_at: spec.expires.map(t),
        permissions: Permissions::default(),
        stats: Stats {
            views: spec.views,
            downloads: spec.views.map(|v| v / 2),
            saves: None,
        },
        remaining_downloads: None,
        source: Source::default(),
        owner: None,
        comment: None,
        vendor: Default::default(),
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        0u32..400,
        prop::sample::select(vec![
            "Report",
            "report Q4",
            "Zeta",
            "alpha",
            "新文件",
            "Beta",
            "a",
            "",
        ]),
        prop::option::of(0u64..5),
        prop::option::of(0i64..20),
        prop::option::of(0i64..20),
        0usize..4,
        any::<bool>(),
    )
        .prop_map(
            |(account, native, name, views, created, expires, status, pw)| Spec {
                account,
                native,
                name: name.to_string(),
                views,
                created,
                expires,
                status,
                pw,
            },
        )
}

fn snapshots(specs: &[Spec]) -> Vec<Arc<Snapshot>> {
    (0..3)
        .map(|a| {
            let mut seen = std::collections::HashSet::new();
            let shares: Vec<Arc<Share>> = specs
                .iter()
                .filter(|s| s.account == a && seen.insert(s.native))
                .map(|s| Arc::new(make(s)))
                .collect();
            Arc::new(Snapshot::build(
                AccountName::new(format!("acc{a}")).unwrap(),
                if a % 2 == 0 {
                    unishare_cloudreve::provider()
                } else {
                    unishare_koodrive::provider()
                },
                shares,
                Instant::now(),
                Utc::now(),
                0,
            ))
        })
        .collect()
}

fn filter_strategy() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "q=report",
        "status=active",
        "status=active&status=expired",
        "password_protected=true",
        "provider=koodrive",
        "account=acc0&account=acc2",
        "created_after=2023-11-14T22:13:25Z",
        "expires_before=2023-11-14T22:13:30Z",
        "q=a&password_protected=false",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn paging_with_cursors_equals_the_naive_order(
        specs in prop::collection::vec(spec(), 0..120),
        filter in filter_strategy(),
        sort in 0usize..5,
        desc in any::<bool>(),
        limit in 1usize..9,
    ) {
        let snaps = snapshots(&specs);
        let sort = SortKey::ALL[sort];
        let order = if desc { Order::Desc } else { Order::Asc };
        let raw = format!("{filter}&sort={}&order={}&limit={limit}", sort.as_str(), order.as_str());
        let q = ListQuery::parse(Some(&raw)).unwrap();
        let wanted: Vec<Arc<Snapshot>> = snaps
            .iter()
            .filter(|s| q.filter.wants_account(s.account.as_str(), s.provider))
            .cloned()
            .collect();

        // Naive reference: filter everything (a plain scan), sort with the list order.
        let expected = plain::all(&wanted, &q.filter, sort, order);
        prop_assert_eq!(query::count(&wanted, &q.filter), expected.len());

        // Walk every page through encoded cursors.
        let codec = CursorCodec::new(b"test");
        let digest = q.digest();
        let mut got: Vec<Arc<Share>> = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let after = cursor.as_ref().map(|c| codec.decode(c, &digest).unwrap());
            let page = query::page(&wanted, &q.filter, sort, order, limit, after.as_ref());
            prop_assert!(page.shares.len() <= limit);
            got.extend(page.shares.iter().cloned());
            if !page.has_more {
                break;
            }
            let last = page.shares.last().unwrap();
            cursor = Some(codec.encode(&CursorPos::after(last, sort), &digest));
        }
        let got_ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
        let want_ids: Vec<&str> = expected.iter().map(|s| s.id.as_str()).collect();
        prop_assert_eq!(got_ids, want_ids);
    }
}

#[test]
fn nulls_sort_last_in_both_orders_and_ties_break_on_id() {
    let specs = vec![
        Spec {
            account: 0,
            native: 1,
            name: "b".into(),
            views: None,
            created: Some(1),
            expires: None,
            status: 0,
            pw: false,
        },
        Spec {
            account: 0,
            native: 2,
            name: "a".into(),
            views: Some(5),
            created: Some(2),
            expires: None,
            status: 0,
            pw: false,
        },
        Spec {
            account: 1,
            native: 3,
            name: "c".into(),
            views: Some(5),
            created: Some(3),
            expires: None,
            status: 0,
            pw: false,
        },
        Spec {
            account: 2,
            native: 4,
            name: "d".into(),
            views: Some(1),
            created: None,
            expires: None,
            status: 0,
            pw: false,
        },
    ];
    let snaps = snapshots(&specs);
    let ids = |order| {
        query::page(&snaps, &Filter::default(), SortKey::Views, order, 10, None)
            .shares
            .iter()
            .map(|s| s.id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(Order::Desc),
        ["acc1:n3", "acc0:n2", "acc2:n4", "acc0:n1"]
    );
    assert_eq!(
        ids(Order::Asc),
        ["acc2:n4", "acc0:n2", "acc1:n3", "acc0:n1"]
    );
}

#[test]
fn query_parsing_rejects_bad_input_clearly() {
    for (raw, needle) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=x", "limit"),
        ("sort=size", "sort"),
        ("order=up", "order"),
        ("status=gone", "status"),
        ("audience=world", "audience"),
        ("provider=dropbox", "provider"),
        ("password_protected=maybe", "password_protected"),
        ("created_after=yesterday", "created_after"),
        ("account=UPPER", "account"),
        ("bogus=1", "unknown query parameter"),
        ("sort=name&sort=views", "more than once"),
    ] {
        let e = ListQuery::parse(Some(raw)).unwrap_err();
        assert_eq!(e.kind(), unishare_core::ErrorKind::InvalidRequest, "{raw}");
        assert!(e.message().contains(needle), "{raw}: {}", e.message());
    }
    let q = ListQuery::parse(None).unwrap();
    assert_eq!(
        (q.sort, q.order, q.limit),
        (SortKey::CreatedAt, Order::Desc, 50)
    );
}

proptest! {
    #[test]
    fn query_parsing_never_panics(raw in ".{0,200}") {
        let _ = ListQuery::parse(Some(&raw));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The one-scan name search (used once a walk has searched many names one by one, and by
    /// `total`) equals a per-name `contains`, including matches that would span two names,
    /// empty names, unicode and an empty needle.
    #[test]
    fn name_bitset_equals_per_name_search(
        names in prop::collection::vec("[abAB ü新]{0,6}", 0..200),
        needle in "[abü新]{0,3}",
    ) {
        let specs: Vec<Spec> = names
            .iter()
            .enumerate()
            .map(|(i, n)| Spec {
                account: 0,
                native: i as u32,
                name: n.clone(),
                views: None,
                created: None,
                expires: None,
                status: 0,
                pw: false,
            })
            .collect();
        let snap = &snapshots(&specs)[0];
        let bits = snap
            .names_lower
            .containing(&memchr::memmem::Finder::new(needle.as_bytes()));
        for (i, share) in snap.shares.iter().enumerate() {
            let expected = share.name.to_lowercase().contains(needle.as_str());
            prop_assert_eq!(bits[i / 64] & (1 << (i % 64)) != 0, expected, "{:?} in {:?}", needle, share.name);
        }
    }
}

/// A rare `q` makes a walk switch from searching names one by one to the snapshot's bitset
/// part-way (after 2,048 names): pages are still exactly the naive result, across cursors.
#[test]
fn a_rare_name_filter_switches_to_the_bitset_without_changing_results() {
    let specs: Vec<Spec> = (0..9_000u32)
        .map(|i| Spec {
            account: (i % 3) as usize,
            native: i,
            name: if i % 701 == 0 {
                format!("Needle {i}")
            } else {
                format!("hay {i}")
            },
            views: Some(u64::from(i * 7919 % 10_007)),
            created: Some(i64::from(i)),
            expires: None,
            status: 0,
            pw: false,
        })
        .collect();
    let snaps = snapshots(&specs);
    let mut expected: Vec<Arc<Share>> = snaps
        .iter()
        .flat_map(|s| s.shares.iter())
        .filter(|s| s.name.to_lowercase().contains("needle"))
        .cloned()
        .collect();
    expected.sort_by(|a, b| cmp_in_order(a, b, SortKey::Views, Order::Desc));
    assert_eq!(expected.len(), 13);
    let q = ListQuery::parse(Some("q=NEEDLE&sort=views&limit=5")).unwrap();
    assert_eq!(query::count(&snaps, &q.filter), 13);
    let mut got = Vec::new();
    let mut after: Option<CursorPos> = None;
    loop {
        let page = query::page(&snaps, &q.filter, q.sort, q.order, 5, after.as_ref());
        got.extend(page.shares.iter().map(|s| s.id.to_string()));
        match (page.has_more, page.shares.last()) {
            (true, Some(last)) => after = Some(CursorPos::after(last, q.sort)),
            _ => break,
        }
    }
    let want: Vec<String> = expected.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(got, want);
}
