//! `GET /v1/stats`: totals for dashboards (see [`crate::stats`]).

use crate::auth::Principal;
use crate::config::Scope;
use crate::openapi_params::FilterParams;
use crate::problem::ApiError;
use crate::query::Filter;
use crate::state::AppState;
use crate::stats::{compute, StatsResponse};
use axum::extract::{RawQuery, State};
use axum::Json;
use std::sync::Arc;
use unishare_core::Error;

/// Parses the query of `GET /v1/stats`: the filters of the list, nothing else (an unknown
/// parameter, including `sort`, `limit` or `cursor`, is a 400).
pub fn parse_filter(raw: Option<&str>) -> Result<Filter, Error> {
    let mut filter = Filter::default();
    for (k, v) in crate::query_string::pairs(raw.unwrap_or("")) {
        if !filter.apply_pair(&k, &v)? {
            return Err(crate::query::unknown_parameter(
                &k,
                "stats takes the filters of GET /v1/shares",
            ));
        }
    }
    Ok(filter)
}

/// Totals for dashboards, from the snapshots (no vendor call). Counters a vendor does not
/// report are left out of the sums and counted in `*_unreported`.
#[utoipa::path(get, path = "/v1/stats", tag = "dashboards",
    params(FilterParams),
    responses((status = 200, description = "Totals", body = StatsResponse)),
    security(("api_key" = [])))]
pub async fn stats(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Json<StatsResponse>, ApiError> {
    principal.require(Scope::Read)?;
    let filter = parse_filter(raw.as_deref())?;
    let reads = crate::reads::read_accounts(&state, &principal, &filter).await?;
    let (snaps, accounts, errors, partial) = crate::reads::summarize(&reads);
    Ok(Json(StatsResponse {
        stats: compute(&snaps, &filter, chrono::Utc::now()),
        partial,
        accounts,
        errors,
    }))
}
