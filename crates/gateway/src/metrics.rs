//! Metric recording (Prometheus names, DESIGN.md §6). The exporter is installed by the server
//! (and on the first `GET /metrics`); without it the macros are no-ops, so libraries pay nothing.
//!
//! Series recorded here:
//! - `unishare_http_requests_total{route,status}` and
//!   `unishare_http_request_duration_seconds{route,status}` (histogram): `route` is the route
//!   template (`/v1/shares/{id}`), never the raw path, so label cardinality stays bounded;
//! - `unishare_crawl_duration_seconds{account,outcome}` (histogram, `outcome` = `ok`|`error`),
//!   recorded when a crawl ends.
//!
//! Series exported at render time (by `routes::metrics`) from the accounts' own counters (so they are exact, and cost
//! nothing on the read path):
//! - `unishare_cache_events_total{account,event}` (`event` = `hit`|`miss`|`stale`|
//!   `stale_on_error`);
//! - `unishare_crawls_total{account,outcome}`;
//! - `unishare_skipped_records_total{account}`: vendor records that could not be mapped;
//! - `unishare_damaged_records_total{account}`: records kept with a `url` that is not
//!   `http`/`https` (served as `null`);
//! - `unishare_shares{account}` (gauge): shares in the account's current snapshot (absent until
//!   the first crawl has succeeded).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock, RwLock};
use std::time::Duration;

/// Buckets of request and upstream latencies, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Buckets of crawl durations, in seconds.
const CRAWL_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// One HTTP request served; `route` is the route template, never the raw path.
pub fn record_http(route: &str, status: u16, elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    // The handles of a (status, route) pair, once the exporter is installed: a read lock and
    // two lookups per request instead of building label strings and a key every time.
    let installed = HANDLE.get().is_some();
    if installed {
        let known = HTTP_HANDLES.read().unwrap_or_else(|p| p.into_inner());
        if let Some((count, latency)) = known.get(&status).and_then(|m| m.get(route)) {
            count.increment(1);
            latency.record(secs);
            return;
        }
    }
    let labels = [("route", route.to_owned()), ("status", status.to_string())];
    let count = metrics::counter!("unishare_http_requests_total", &labels);
    let latency = metrics::histogram!("unishare_http_request_duration_seconds", &labels);
    count.increment(1);
    latency.record(secs);
    if installed {
        HTTP_HANDLES
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(status)
            .or_default()
            .insert(route.into(), (count, latency));
    }
}

/// Handles of the HTTP series by status, then route template (both bounded sets; hashed
/// with `foldhash`, a fraction of SipHash's cost on every request).
type HttpHandles = HashMap<
    u16,
    HashMap<Box<str>, (metrics::Counter, metrics::Histogram), foldhash::fast::RandomState>,
    foldhash::fast::RandomState,
>;

static HTTP_HANDLES: LazyLock<RwLock<HttpHandles>> = LazyLock::new(Default::default);

/// One crawl of `account` ended after `elapsed`, successfully (`ok`) or not.
pub fn record_crawl(account: &str, ok: bool, elapsed: Duration) {
    let labels = [
        ("account", account.to_owned()),
        ("outcome", if ok { "ok" } else { "error" }.to_owned()),
    ];
    metrics::histogram!("unishare_crawl_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

fn builder() -> Result<PrometheusBuilder, metrics_exporter_prometheus::BuildError> {
    PrometheusBuilder::new()
        .set_buckets(LATENCY_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full("unishare_crawl_duration_seconds".to_owned()),
            CRAWL_BUCKETS,
        )
}

/// Installs the Prometheus recorder once per process (later calls are no-ops). The recorder is
/// process-global: every router in the process reports into it.
pub fn install() {
    if HANDLE.get().is_some() {
        return;
    }
    match builder().and_then(|b| b.install_recorder()) {
        Ok(handle) => {
            let _ = HANDLE.set(handle);
        }
        Err(e) => tracing::warn!(error = %e, "metrics recorder not installed"),
    }
}

/// The Prometheus text of everything recorded so far (installs the recorder when needed).
/// Callers publish their own gauges first (`routes::metrics` publishes the accounts').
pub fn render_recorded() -> String {
    install();
    match HANDLE.get() {
        Some(h) => {
            h.run_upkeep();
            h.render()
        }
        None => String::new(),
    }
}
