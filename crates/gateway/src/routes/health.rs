//! `GET /healthz` (liveness) and `GET /readyz` (every account crawled once, or failed).

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;

/// The `GET /healthz` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// The `GET /readyz` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// Every account finished its first crawl.
    pub ready: bool,
    /// Accounts still in their first crawl (when not ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<Vec<String>>,
}

/// Liveness (no API key).
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process answers", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: every account crawled once, or failed (no API key).
///
/// 200 once every account has finished its first crawl (successfully or not).
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Ready),
        (status = 503, description = "First crawls still running", body = Ready)))]
pub async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Ready>) {
    let waiting: Vec<String> = state
        .accounts
        .iter()
        .filter(|a| !a.settled())
        .map(|a| a.name.to_string())
        .collect();
    if waiting.is_empty() {
        (
            StatusCode::OK,
            Json(Ready {
                ready: true,
                waiting_for: None,
            }),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Ready {
                ready: false,
                waiting_for: Some(waiting),
            }),
        )
    }
}
