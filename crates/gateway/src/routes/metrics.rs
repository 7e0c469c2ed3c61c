//! `GET /metrics`: Prometheus text exposition format. The accounts' counters are published
//! into the recorder ([`crate::metrics`]) at render time, so they are exact and cost nothing on
//! the read path.

use crate::state::AppState;
use axum::extract::State;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Publishes the accounts' counters (cache events, crawls, skipped records, shares) into the
/// recorder. Called before every render, so the values are current.
pub fn export_account_gauges(state: &AppState) {
    for a in &state.accounts {
        let account = a.name.as_str().to_owned();
        let c = &a.counters;
        for (event, value) in [
            ("hit", &c.hit),
            ("miss", &c.miss),
            ("stale", &c.stale),
            ("stale_on_error", &c.stale_on_error),
        ] {
            metrics::counter!(
                "unishare_cache_events_total",
                "account" => account.clone(),
                "event" => event
            )
            .absolute(value.load(Ordering::Relaxed));
        }
        for (outcome, value) in [("ok", &c.crawls_ok), ("error", &c.crawls_failed)] {
            metrics::counter!(
                "unishare_crawls_total",
                "account" => account.clone(),
                "outcome" => outcome
            )
            .absolute(value.load(Ordering::Relaxed));
        }
        metrics::counter!("unishare_skipped_records_total", "account" => account.clone())
            .absolute(c.skipped_records.load(Ordering::Relaxed));
        metrics::counter!("unishare_damaged_records_total", "account" => account.clone())
            .absolute(c.damaged_records.load(Ordering::Relaxed));
        if let Some(policy) = a.upstream() {
            // Also set on every transition; published here too so that the series exists
            // before the breaker first moves.
            let open = policy.breaker.state() != unishare_core::retry::BreakerState::Closed;
            metrics::gauge!("unishare_breaker_open", "account" => account.clone()).set(if open {
                1.0
            } else {
                0.0
            });
        }
        if let Some(snap) = a.current() {
            metrics::gauge!("unishare_shares", "account" => account).set(snap.shares.len() as f64);
        }
    }
}

/// The Prometheus text of everything recorded so far, with the accounts' counters current.
pub fn render_text(state: &AppState) -> String {
    export_account_gauges(state);
    crate::metrics::render_recorded()
}

/// Prometheus metrics, text exposition format (no API key).
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Prometheus text", body = String, content_type = "text/plain")))]
pub async fn render(State(state): State<Arc<AppState>>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render_text(&state),
    )
}
