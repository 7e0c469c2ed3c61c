//! `GET /healthz` (liveness) and `GET /readyz` (every account crawled once, or failed).

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// Liveness: the process answers.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: 200 once every account has finished its first crawl (successfully or not).
pub async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let waiting: Vec<&str> = state
        .accounts
        .iter()
        .filter(|a| !a.settled())
        .map(|a| a.name.as_str())
        .collect();
    if waiting.is_empty() {
        (StatusCode::OK, Json(json!({ "ready": true })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ready": false, "waiting_for": waiting })),
        )
    }
}
