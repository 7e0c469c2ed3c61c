//! `GET /v1/accounts`: provider, capabilities, health and sync state of every visible account.
//!
//! `health`: `open` while the account's circuit breaker is open or half-open (vendor calls fail
//! fast); `degraded` when the last crawl failed or recent vendor calls failed; `ok` otherwise.
//! `breaker` and `upstream` show the breaker state and the account's call counts.

use crate::account::SyncState;
use crate::auth::Principal;
use crate::config::Scope;
use crate::problem::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use unishare_core::retry::BreakerState;

/// `GET /v1/accounts`. Never triggers a crawl; reports what is known now.
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Scope::Read)?;
    let mut out = Vec::new();
    for a in state
        .accounts
        .iter()
        .filter(|a| principal.sees(a.name.as_str()))
    {
        let snap = a.current();
        let last_error = a.last_error();
        let sync = match (&snap, &last_error) {
            (Some(s), _) if s.built_at.elapsed() <= a.policy.ttl => SyncState::Fresh,
            (Some(s), Some(_)) if s.built_at.elapsed() > a.policy.max_stale => SyncState::Failed,
            (Some(_), _) => SyncState::Stale,
            (None, Some(_)) => SyncState::Failed,
            (None, None) => SyncState::Syncing,
        };
        let c = &a.counters;
        let breaker = a.upstream().map(|p| p.breaker.snapshot());
        let health = match &breaker {
            Some(b) if b.state != BreakerState::Closed => "open",
            Some(b) if b.consecutive_failures > 0 => "degraded",
            _ if last_error.is_some() => "degraded",
            _ => "ok",
        };
        let upstream = a.upstream().map(|p| {
            json!({
                "max_concurrency": p.limiter.max_concurrency(),
                "in_flight": p.limiter.in_flight(),
                "rate_limit": p.limiter.rate().map(|r| r.to_string()),
                "retry_budget_available": p.budget.available(),
                "counts": p.stats.snapshot(),
            })
        });
        out.push(json!({
            "account": a.name.as_str(),
            "provider": a.kind,
            "capabilities": a.capabilities,
            "inventory": a.provider.inventory(),
            "health": health,
            "breaker": breaker,
            "upstream": upstream,
            "state": sync,
            "synced_at": snap.as_ref().map(|s| s.synced_at),
            "shares": snap.as_ref().map(|s| s.shares.len()),
            "crawling": a.crawling(),
            "last_crawl_ms": a.last_crawl_ms(),
            "last_error": last_error.map(|(e, ago)| json!({
                "kind": e.kind().as_str(),
                "detail": e.message(),
                "seconds_ago": ago.as_secs(),
            })),
            "cache": {
                "hit": c.hit.load(Ordering::Relaxed),
                "miss": c.miss.load(Ordering::Relaxed),
                "stale": c.stale.load(Ordering::Relaxed),
                "stale_on_error": c.stale_on_error.load(Ordering::Relaxed),
                "crawls_ok": c.crawls_ok.load(Ordering::Relaxed),
                "crawls_failed": c.crawls_failed.load(Ordering::Relaxed),
                "skipped_records": c.skipped_records.load(Ordering::Relaxed),
            },
        }));
    }
    Ok(Json(json!({ "accounts": out })))
}
