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
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use unishare_core::retry::{BreakerSnapshot, BreakerState, UpstreamStatsSnapshot};
use unishare_core::{Capabilities, Inventory, Provider};

/// The `GET /v1/accounts` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountList {
    /// Every account the key may see, in configuration order.
    pub accounts: Vec<AccountInfo>,
}

/// One account in `GET /v1/accounts`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountInfo {
    /// Account name.
    pub account: String,
    /// Vendor.
    pub provider: Provider,
    /// What the account's provider can do.
    pub capabilities: Capabilities,
    /// Whose links the account lists: `user` (its own) or `site` (every user's).
    pub inventory: Inventory,
    /// `ok`; `degraded` (the last crawl or recent vendor calls failed); `open` (the circuit
    /// breaker is open or half-open: vendor calls fail fast).
    pub health: AccountHealth,
    /// The account's circuit breaker.
    pub breaker: Option<BreakerSnapshot>,
    /// The account's upstream limits and call counts.
    pub upstream: Option<AccountUpstream>,
    /// Sync state.
    pub state: SyncState,
    /// When its data was read from the vendor.
    pub synced_at: Option<DateTime<Utc>>,
    /// Shares in the snapshot.
    pub shares: Option<usize>,
    /// A crawl runs.
    pub crawling: bool,
    /// Duration of the last completed crawl.
    pub last_crawl_ms: u64,
    /// The latest crawl error.
    pub last_error: Option<AccountLastError>,
    /// Cache counters.
    pub cache: AccountCache,
    /// The account's part in the `[cluster]`; `null` without one.
    pub cluster: Option<AccountClusterInfo>,
}

/// An account's part in the `[cluster]` in `GET /v1/accounts`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountClusterInfo {
    /// The shared generation of the snapshot this replica serves (0: none yet, or it crawled
    /// alone while Redis did not answer).
    pub generation: u64,
    /// Shared snapshots this replica loaded instead of crawling.
    pub loads: u64,
    /// Whether Redis answers this replica now.
    pub redis_up: bool,
}

/// Account health in `GET /v1/accounts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountHealth {
    /// Vendor calls succeed.
    Ok,
    /// The last crawl or recent vendor calls failed.
    Degraded,
    /// The circuit breaker is open or half-open.
    Open,
}

/// Upstream limits and call counts of an account.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountUpstream {
    /// Vendor calls in flight at most.
    pub max_concurrency: usize,
    /// Vendor calls in flight now.
    pub in_flight: usize,
    /// The configured rate limit (`accounts[].rate_limit`), if any.
    pub rate_limit: Option<String>,
    /// Retries the budget allows now.
    pub retry_budget_available: u64,
    /// Call counts since start.
    pub counts: UpstreamStatsSnapshot,
}

/// The latest crawl error of an account.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountLastError {
    /// Error kind.
    pub kind: &'static str,
    /// What happened.
    pub detail: String,
    /// How long ago.
    pub seconds_ago: u64,
}

/// Cache counters of an account.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountCache {
    /// Reads served from a fresh snapshot.
    pub hit: u64,
    /// Reads that found no snapshot.
    pub miss: u64,
    /// Reads served from a snapshot past its ttl.
    pub stale: u64,
    /// Reads served stale because the vendor fails.
    pub stale_on_error: u64,
    /// Crawls that completed.
    pub crawls_ok: u64,
    /// Crawls that failed.
    pub crawls_failed: u64,
    /// Vendor records skipped by crawls.
    pub skipped_records: u64,
}

/// Accounts: provider, capabilities, health and sync state (no secrets).
///
/// Never triggers a crawl; reports what is known now.
#[utoipa::path(get, path = "/v1/accounts", tag = "accounts", operation_id = "accounts",
    responses((status = 200, description = "Every visible account", body = AccountList)),
    security(("api_key" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    principal: Principal,
) -> Result<Json<AccountList>, ApiError> {
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
            Some(b) if b.state != BreakerState::Closed => AccountHealth::Open,
            Some(b) if b.consecutive_failures > 0 => AccountHealth::Degraded,
            _ if last_error.is_some() => AccountHealth::Degraded,
            _ => AccountHealth::Ok,
        };
        let upstream = a.upstream().map(|p| AccountUpstream {
            max_concurrency: p.limiter.max_concurrency(),
            in_flight: p.limiter.in_flight(),
            rate_limit: p.limiter.rate().map(|r| r.to_string()),
            retry_budget_available: p.budget.available(),
            counts: p.stats.snapshot(),
        });
        out.push(AccountInfo {
            account: a.name.to_string(),
            provider: a.kind,
            capabilities: a.capabilities,
            inventory: a.provider.inventory(),
            health,
            breaker,
            upstream,
            state: sync,
            synced_at: snap.as_ref().map(|s| s.synced_at),
            shares: snap.as_ref().map(|s| s.shares.len()),
            crawling: a.crawling(),
            last_crawl_ms: a.last_crawl_ms(),
            last_error: last_error.map(|(e, ago)| AccountLastError {
                kind: e.kind().as_str(),
                detail: e.message().to_owned(),
                seconds_ago: ago.as_secs(),
            }),
            cache: AccountCache {
                hit: c.hit.load(Ordering::Relaxed),
                miss: c.miss.load(Ordering::Relaxed),
                stale: c.stale.load(Ordering::Relaxed),
                stale_on_error: c.stale_on_error.load(Ordering::Relaxed),
                crawls_ok: c.crawls_ok.load(Ordering::Relaxed),
                crawls_failed: c.crawls_failed.load(Ordering::Relaxed),
                skipped_records: c.skipped_records.load(Ordering::Relaxed),
            },
            cluster: a.cluster().map(|cl| cl.info()).map(|i| AccountClusterInfo {
                generation: i.generation,
                loads: i.loads,
                redis_up: i.up,
            }),
        });
    }
    Ok(Json(AccountList { accounts: out }))
}
