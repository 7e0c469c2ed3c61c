//! Revoking by filter (offboarding): `POST /v1/shares/revoke` with `{"where": {...}}`.
//!
//! A dry run reports what the filter matches now; the real run names how many shares the
//! caller saw (`expect`) and revokes only if the filter still matches exactly that many, so a
//! link created (or revoked) between the two calls is never revoked by surprise: `409` with
//! the new count, nothing revoked. Both read the snapshots only; every revoke is audited per
//! share.

use super::writes::{revoke_ids, revoke_summary};
use crate::auth::Principal;
use crate::problem::{ApiError, ApiErrorWith};
use crate::query::Filter;
use crate::state::AppState;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use unishare_core::{Error, ErrorKind};

/// Most shares one revoke by filter takes.
pub const MAX_FILTER_REVOKE: usize = 10_000;

/// Reads a `where` object into list filters: each value a string, boolean or number, or an
/// array of them for the repeatable filters.
pub fn parse_where(filters: &Map<String, Value>) -> Result<Filter, Error> {
    let mut filter = Filter::default();
    for (key, value) in filters {
        let items: Vec<&Value> = match value {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for item in items {
            let text = match item {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => {
                    return Err(Error::invalid_request(format!(
                        "where.{key} must be a string, a boolean, a number or an array of them"
                    )))
                }
            };
            if !filter.apply_pair(key, &text)? {
                return Err(Error::invalid_request(format!(
                    "unknown filter where.{:?}: where takes the filters of GET /v1/shares",
                    key.chars().take(64).collect::<String>()
                )));
            }
        }
    }
    Ok(filter)
}

/// The ids (sorted) the filter matches in every account the caller may see.
pub async fn matching_ids(
    state: &Arc<AppState>,
    principal: &Principal,
    filter: &Filter,
) -> Result<(Vec<String>, bool, Value), ApiError> {
    let reads = crate::reads::read_accounts(state, principal, filter).await?;
    let (snaps, _accounts, errors, partial) = crate::reads::summarize(&reads);
    let mut ids: Vec<String> = snaps
        .iter()
        .flat_map(|snap| filter.matching(snap).map(|i| snap.shares[i].id.to_string()))
        .collect();
    ids.sort();
    Ok((ids, partial, json!(errors)))
}

/// The revoke-by-filter answer (see the module docs).
pub async fn revoke_where(
    state: &Arc<AppState>,
    principal: &Principal,
    filters: &Map<String, Value>,
    dry_run: bool,
    expect: Option<usize>,
) -> Result<Response, ApiError> {
    let filter = parse_where(filters)?;
    if dry_run == expect.is_some() {
        return Err(ApiError(Error::invalid_request(
            "a revoke by filter takes either \"dry_run\": true (report only) or \"expect\": N (revoke if the filter still matches N shares)",
        )));
    }
    let (ids, partial, errors) = matching_ids(state, principal, &filter).await?;
    if dry_run {
        return Ok(Json(json!({
            "matched": ids.len(),
            "ids": ids,
            "partial": partial,
            "errors": errors,
        }))
        .into_response());
    }
    if partial {
        return Err(ApiError(Error::upstream_unavailable(format!(
            "nothing was revoked: an account could not be read, so the filter's matches are not known ({errors})"
        ))));
    }
    let expect = expect.unwrap_or_default();
    if ids.len() != expect {
        let mut extra = Map::new();
        extra.insert("matched".into(), json!(ids.len()));
        extra.insert("expected".into(), json!(expect));
        return Ok(ApiErrorWith(
            Error::new(
                ErrorKind::Conflict,
                format!(
                    "the filter now matches {} share(s), not {expect}: nothing was revoked (run the dry run again)",
                    ids.len()
                ),
            ),
            extra,
        )
        .into_response());
    }
    if ids.len() > MAX_FILTER_REVOKE {
        return Err(ApiError(Error::invalid_request(format!(
            "the filter matches {} shares; one revoke by filter takes at most {MAX_FILTER_REVOKE}: narrow it",
            ids.len()
        ))));
    }
    let results = revoke_ids(state, principal, &ids).await;
    let mut body = serde_json::to_value(revoke_summary(results))
        .map_err(|e| ApiError(Error::internal(format!("serializing the results: {e}"))))?;
    body["matched"] = json!(ids.len());
    Ok(Json(body).into_response())
}
