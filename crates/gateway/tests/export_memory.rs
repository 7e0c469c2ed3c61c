//! `GET /v1/export` of 100 000 shares streams with bounded memory: the resident set grows by
//! less than 50 MB while a body several times larger than that goes to a sink. Alone in its
//! test binary so that no other test allocates meanwhile.

mod fake;

use axum::body::Body;
use axum::http::Request;
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;
use unishare_core::{
    AccountName, Audience, Permissions, Share, ShareId, ShareStatus, Source, Stats,
};

fn vm_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn share(account: &str, i: usize) -> Share {
    let acc = AccountName::new(account).unwrap();
    let native = format!("{i:08}");
    let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().unwrap()
        + chrono::Duration::seconds(i as i64 * 17);
    Share {
        id: ShareId::new(&acc, &native).unwrap(),
        account: account.into(),
        provider: unishare_cloudreve::provider(),
        native_id: native.as_str().into(),
        name: format!("Quarterly report, \"final\" {i}").into(),
        url: format!("https://drive.example.com/s/{native}").into(),
        secret_url: None,
        short_code: Some(native.as_str().into()),
        status: ShareStatus::ALL[i % 4],
        audience: Audience::Anyone,
        password_protected: Some(false),
        password: None,
        created_at: Some(t),
        expires_at: None,
        permissions: Permissions::default(),
        stats: Stats {
            views: Some(i as u64 % 997),
            downloads: Some(i as u64 % 31),
            saves: None,
        },
        remaining_downloads: None,
        source: Source::default(),
        owner: None,
        // ~600 bytes per share, so that the body (~75 MB of CSV) is larger than the bound.
        comment: Some("x".repeat(600).into()),
        vendor: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_of_100k_shares_streams_in_bounded_memory() {
    const N: usize = 100_000;
    let hq = (0..N / 2).map(|i| share("hq", i)).collect();
    let cn = (N / 2..N).map(|i| share("cn", i)).collect();
    let state = fake::state(
        vec![
            ("hq", unishare_cloudreve::provider(), hq),
            ("cn", unishare_cloudreve::provider(), cn),
        ],
        false,
    )
    .await;
    let app = unishare_gateway::router(state);
    for format in ["csv", "ndjson"] {
        let before = vm_rss_kb();
        let mut peak = before;
        let resp = app
            .clone()
            .oneshot(
                Request::get(format!("/v1/export?format={format}&sort=views"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let mut body = resp.into_body();
        let (mut bytes, mut lines, mut chunks) = (0usize, 0usize, 0usize);
        while let Some(frame) = body.frame().await {
            let frame = frame.expect("frame");
            if let Some(data) = frame.data_ref() {
                bytes += data.len();
                lines += data.iter().filter(|&&b| b == b'\n').count();
                chunks += 1;
                if chunks % 10 == 0 {
                    peak = peak.max(vm_rss_kb());
                }
            }
        }
        peak = peak.max(vm_rss_kb());
        let growth_mb = (peak.saturating_sub(before)) as f64 / 1024.0;
        println!(
            "export {format}: {N} shares, {:.1} MB streamed in {chunks} chunks; VmRSS {:.1} MB before, peak {:.1} MB: growth {growth_mb:.1} MB",
            bytes as f64 / 1_048_576.0,
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
        );
        let header = usize::from(format == "csv");
        assert_eq!(lines, N + header);
        assert!(chunks >= N / 1000, "streamed in batches, not one buffer");
        assert!(bytes > 60 * 1_048_576, "the body is larger than the bound");
        assert!(growth_mb < 50.0, "RSS grew by {growth_mb:.1} MB");
    }
}
