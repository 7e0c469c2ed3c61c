//! `stats::compute` against a hand-computed fixture: sums leave unreported (null) counters out
//! and count them, expiry windows, password split, top lists, filters.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;
use unishare_core::{
    AccountName, Audience, Permissions, Provider, Share, ShareId, ShareStatus, Source, Stats,
};
use unishare_gateway::query::Filter;
use unishare_gateway::snapshot::Snapshot;
use unishare_gateway::stats::{compute, StatsBody, Totals};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().unwrap()
}

struct S {
    native: &'static str,
    status: ShareStatus,
    pw: Option<bool>,
    views: Option<u64>,
    downloads: Option<u64>,
    expires_in_h: Option<i64>,
}

fn share(account: &str, provider: Provider, s: &S) -> Arc<Share> {
    let acc = AccountName::new(account).unwrap();
    Arc::new(Share {
        id: ShareId::new(&acc, s.native).unwrap(),
        account: account.into(),
        provider,
        native_id: s.native.into(),
        name: format!("share {}", s.native).into(),
        url: format!("http://x/{}", s.native).into(),
        secret_url: None,
        short_code: None,
        status: s.status,
        audience: Audience::Anyone,
        password_protected: s.pw,
        password: None,
        created_at: Some(now() - Duration::days(30)),
        expires_at: s.expires_in_h.map(|h| now() + Duration::hours(h)),
        permissions: Permissions::default(),
        stats: Stats {
            views: s.views,
            downloads: s.downloads,
            saves: None,
        },
        remaining_downloads: None,
        source: Source::default(),
        owner: None,
        comment: None,
        vendor: Default::default(),
    })
}

fn snap(account: &str, provider: Provider, specs: &[S]) -> Arc<Snapshot> {
    Arc::new(Snapshot::build(
        AccountName::new(account).unwrap(),
        provider,
        specs.iter().map(|s| share(account, provider, s)).collect(),
        Instant::now(),
        now(),
        0,
    ))
}

use ShareStatus::*;

/// hq (Cloudreve):
///   h1 active,  password, views 10, downloads 3, expires in 1 h
///   h2 active,  open,     views 5,  downloads 0, expires in 3 days
///   h3 expired, open,     views 7,  downloads 2, expired a day ago
/// cn (KooDrive):
///   k1 active,          password, views null, downloads null, expires in 8 days
///   k2 source_deleted,  password, views 20,   downloads null, expires in 2 h (not active)
///   k3 active,          open,     views 1,    downloads 9,    never expires
fn fixture() -> Vec<Arc<Snapshot>> {
    let s = |native, status, pw, views, downloads, expires_in_h| S {
        native,
        status,
        pw,
        views,
        downloads,
        expires_in_h,
    };
    vec![
        snap(
            "hq",
            unishare_cloudreve::provider(),
            &[
                s("h1", Active, Some(true), Some(10), Some(3), Some(1)),
                s("h2", Active, Some(false), Some(5), Some(0), Some(72)),
                s("h3", Expired, Some(false), Some(7), Some(2), Some(-24)),
            ],
        ),
        snap(
            "cn",
            unishare_koodrive::provider(),
            &[
                s("k1", Active, Some(true), None, None, Some(8 * 24)),
                s("k2", SourceDeleted, Some(true), Some(20), None, Some(2)),
                s("k3", Active, Some(false), Some(1), Some(9), None),
            ],
        ),
    ]
}

fn t(shares: u64, views: Option<u64>, vu: u64, downloads: Option<u64>, du: u64) -> Totals {
    Totals {
        shares,
        views,
        views_unreported: vu,
        downloads,
        downloads_unreported: du,
    }
}

fn ids(list: &[unishare_gateway::stats::TopShare]) -> Vec<&str> {
    list.iter().map(|s| s.id.as_str()).collect()
}

#[test]
fn totals_match_the_hand_computed_fixture() {
    let st: StatsBody = compute(&fixture(), &Filter::default(), now());
    // views: 10+5+7+20+1 = 43 (k1 unreported); downloads: 3+0+2+9 = 14 (k1, k2 unreported).
    assert_eq!(st.total, t(6, Some(43), 1, Some(14), 2));
    let acc: Vec<(&str, Provider, &Totals)> = st
        .by_account
        .iter()
        .map(|a| (a.account.as_str(), a.provider, &a.totals))
        .collect();
    assert_eq!(
        acc,
        vec![
            (
                "hq",
                unishare_cloudreve::provider(),
                &t(3, Some(22), 0, Some(5), 0)
            ),
            (
                "cn",
                unishare_koodrive::provider(),
                &t(3, Some(21), 1, Some(9), 2)
            ),
        ]
    );
    let prov: Vec<(Provider, &Totals)> = st
        .by_provider
        .iter()
        .map(|p| (p.provider, &p.totals))
        .collect();
    assert_eq!(
        prov,
        vec![
            (
                unishare_cloudreve::provider(),
                &t(3, Some(22), 0, Some(5), 0)
            ),
            (
                unishare_koodrive::provider(),
                &t(3, Some(21), 1, Some(9), 2)
            ),
        ]
    );
    let status: Vec<(ShareStatus, &Totals)> =
        st.by_status.iter().map(|p| (p.status, &p.totals)).collect();
    assert_eq!(
        status,
        vec![
            // h1, h2, k1, k3: views 10+5+1, k1 unreported; downloads 3+0+9, k1 unreported.
            (Active, &t(4, Some(16), 1, Some(12), 1)),
            (Expired, &t(1, Some(7), 0, Some(2), 0)),
            // Only k2, whose downloads are not reported: the sum is null, never 0.
            (SourceDeleted, &t(1, Some(20), 0, None, 1)),
            (Invalid, &t(0, None, 0, None, 0)),
        ]
    );
    // Active and expiring within 24 h: h1 (k2 in 2 h is not active); within 7 days: h1, h2.
    assert_eq!((st.expiring.next_24h, st.expiring.next_7d), (1, 2));
    assert_eq!((st.password.protected, st.password.open), (3, 3));
    assert_eq!(
        ids(&st.top_by_views),
        vec!["cn:k2", "hq:h1", "hq:h3", "hq:h2", "cn:k3"]
    );
    assert_eq!(
        ids(&st.top_by_downloads),
        vec!["cn:k3", "hq:h1", "hq:h3", "hq:h2"]
    );
    assert_eq!(st.top_by_views[0].views, Some(20));
    assert_eq!(st.generated_at, now());
}

#[test]
fn filters_narrow_every_number() {
    let mut f = Filter::default();
    assert!(f.apply_pair("status", "active").unwrap());
    let st = compute(&fixture(), &f, now());
    assert_eq!(st.total, t(4, Some(16), 1, Some(12), 1));
    assert_eq!(st.by_account[0].totals, t(2, Some(15), 0, Some(3), 0));
    assert_eq!(st.by_account[1].totals, t(2, Some(1), 1, Some(9), 1));
    assert_eq!(ids(&st.top_by_views), vec!["hq:h1", "hq:h2", "cn:k3"]);
    assert_eq!((st.password.protected, st.password.open), (2, 2));

    // The route narrows snapshots to the wanted accounts first; a filter matching nothing
    // gives zeros and null sums.
    let mut f = Filter::default();
    assert!(f.apply_pair("q", "no such name").unwrap());
    let st = compute(&fixture(), &f, now());
    assert_eq!(st.total, t(0, None, 0, None, 0));
    assert_eq!(
        st.by_account.len(),
        2,
        "accounts are listed even when empty"
    );
    assert!(st.by_provider.is_empty());
    assert!(st.top_by_views.is_empty());
}

#[test]
fn top_lists_hold_ten_most_first_and_skip_unreported() {
    let specs: Vec<S> = (0..25u64)
        .map(|i| S {
            native: Box::leak(format!("n{i:02}").into_boxed_str()),
            status: Active,
            pw: Some(false),
            // Every fifth share reports no views; downloads tie at 7 for all.
            views: (i % 5 != 0).then_some(i * 10),
            downloads: Some(7),
            expires_in_h: None,
        })
        .collect();
    let snaps = vec![snap("hq", unishare_cloudreve::provider(), &specs)];
    let st = compute(&snaps, &Filter::default(), now());
    assert_eq!(
        ids(&st.top_by_views),
        vec![
            "hq:n24", "hq:n23", "hq:n22", "hq:n21", "hq:n19", "hq:n18", "hq:n17", "hq:n16",
            "hq:n14", "hq:n13"
        ]
    );
    // Ties break on id in the list's descending order.
    assert_eq!(st.top_by_downloads.len(), 10);
    assert_eq!(st.top_by_downloads[0].id, "hq:n24");
    assert_eq!(st.top_by_downloads[9].id, "hq:n15");
    // 5 of 25 unreported: 0, 5, 10, 15, 20 are out of the sum.
    let expected: u64 = (0..25u64).filter(|i| i % 5 != 0).map(|i| i * 10).sum();
    assert_eq!(st.total.views, Some(expected));
    assert_eq!(st.total.views_unreported, 5);
    assert_eq!(st.total.downloads, Some(25 * 7));
}

#[test]
fn unknown_protection_is_its_own_group_and_matches_neither_filter() {
    let s = |native, pw| S {
        native,
        status: Active,
        pw,
        views: None,
        downloads: None,
        expires_in_h: None,
    };
    let snaps = vec![snap(
        "cn",
        unishare_koodrive::provider(),
        &[
            s("u1", None),
            s("u2", None),
            s("p1", Some(true)),
            s("o1", Some(false)),
        ],
    )];
    let st = compute(&snaps, &Filter::default(), now());
    assert_eq!(
        (st.password.protected, st.password.open, st.password.unknown),
        (1, 1, 2)
    );
    for (value, only) in [("true", "cn:p1"), ("false", "cn:o1")] {
        let mut f = Filter::default();
        assert!(f.apply_pair("password_protected", value).unwrap());
        let st = compute(&snaps, &f, now());
        assert_eq!(st.total.shares, 1, "password_protected={value}");
        assert_eq!(st.password.unknown, 0);
        let ids: Vec<String> = f
            .matching(&snaps[0])
            .map(|i| snaps[0].shares[i].id.to_string())
            .collect();
        assert_eq!(ids, vec![only.to_owned()]);
    }
}

fn created(native: &'static str, at: Option<DateTime<Utc>>) -> Arc<Share> {
    let spec = S {
        native,
        status: Active,
        pw: Some(false),
        views: None,
        downloads: None,
        expires_in_h: None,
    };
    let mut s = (*share("hq", unishare_cloudreve::provider(), &spec)).clone();
    s.created_at = at;
    Arc::new(s)
}

#[test]
fn created_by_month_lists_the_last_24_months_oldest_first() {
    let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).single();
    let shares = vec![
        created("this-month", now().checked_sub_signed(Duration::hours(1))),
        created("this-month-2", at(2026, 3, 1)),
        created("last-month", at(2026, 2, 28)),
        created("year-boundary", at(2025, 12, 31)),
        created("first-month", at(2024, 4, 1)),
        created("too-old", at(2024, 3, 31)),
        created("future", at(2026, 4, 1)),
        created("unknown", None),
    ];
    let snap = Arc::new(Snapshot::build(
        AccountName::new("hq").unwrap(),
        unishare_cloudreve::provider(),
        shares,
        Instant::now(),
        now(),
        0,
    ));
    let st = compute(&[snap], &Filter::default(), now());
    let months: Vec<(&str, u64)> = st
        .created_by_month
        .iter()
        .map(|m| (m.month.as_str(), m.shares))
        .collect();
    assert_eq!(months.len(), 24);
    assert_eq!(months[0], ("2024-04", 1));
    assert_eq!(months[23], ("2026-03", 2));
    assert_eq!(months[22], ("2026-02", 1));
    assert_eq!(months[20], ("2025-12", 1));
    assert_eq!(months[8], ("2024-12", 0));
    assert_eq!(months[9], ("2025-01", 0));
    // Too old, in the future or unknown: in no month.
    assert_eq!(months.iter().map(|m| m.1).sum::<u64>(), 5);
    assert_eq!(st.total.shares, 8);
}

#[test]
fn created_by_month_follows_the_filter() {
    let filter = Filter {
        statuses: vec![Active],
        ..Filter::default()
    };
    let all = compute(&fixture(), &Filter::default(), now());
    let st = compute(&fixture(), &filter, now());
    let n = st.total.shares;
    assert!(n > 0 && n < all.total.shares);
    // Every fixture share is created 30 days before 2026-03-01: in January 2026.
    let jan = st.created_by_month.iter().find(|m| m.month == "2026-01");
    assert_eq!(jan.map(|m| m.shares), Some(n));
    let sum: u64 = st.created_by_month.iter().map(|m| m.shares).sum();
    assert_eq!(sum, n);
}
