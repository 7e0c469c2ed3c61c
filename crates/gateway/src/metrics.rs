//! Metric recording (Prometheus names, DESIGN.md §6). The exporter is installed by the server;
//! without it the macros are no-ops, so tests and libraries pay nothing.

use std::time::Duration;

/// One HTTP request served; `route` is the route template, never the raw path.
pub fn record_http(route: &str, status: u16, elapsed: Duration) {
    let labels = [("route", route.to_owned()), ("status", status.to_string())];
    metrics::counter!("unishare_http_requests_total", &labels).increment(1);
    metrics::histogram!("unishare_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
}

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder once per process (later calls are no-ops).
pub fn install() {
    if HANDLE.get().is_some() {
        return;
    }
    match PrometheusBuilder::new().install_recorder() {
        Ok(handle) => {
            let _ = HANDLE.set(handle);
        }
        Err(e) => tracing::warn!(error = %e, "metrics recorder not installed"),
    }
}

/// `GET /metrics`: Prometheus text.
pub async fn render() -> impl axum::response::IntoResponse {
    let body = HANDLE.get().map(|h| h.render()).unwrap_or_default();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
}
