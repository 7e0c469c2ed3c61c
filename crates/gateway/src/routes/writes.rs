//! Create, change and revoke links. Every write checks capabilities centrally before any vendor
//! call, updates the snapshot at once (read-your-writes) and emits one audit event.

use crate::account::Account;
use crate::audit;
use crate::auth::Principal;
use crate::body::JsonBody;
use crate::config::Scope;
use crate::problem::ApiError;
use crate::request_id::current_request_id;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use unishare_core::{CallContext, CreateShare, Error, Share, ShareId, UpdateShare};

fn ctx() -> CallContext {
    CallContext::with_request_id(current_request_id())
}

/// Creates a link on an account.
///
/// `POST /v1/accounts/{account}/shares` → 201 + share.
#[utoipa::path(post, path = "/v1/accounts/{account}/shares", tag = "shares",
    params(("account" = String, Path, description = "Configured account name")),
    request_body = CreateShare,
    responses((status = 201, description = "The new share", body = Share)),
    security(("api_key" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(account_name): Path<String>,
    JsonBody(req): JsonBody<CreateShare>,
) -> Result<Response, ApiError> {
    principal.require(Scope::Write)?;
    let account = super::visible_account(&state, &principal, &account_name)?;
    let result = match account.capabilities.check_create(&req, chrono::Utc::now()) {
        Ok(()) => account.provider.create(&req, &ctx()).await,
        Err(e) => Err(e),
    };
    let share = record_write(&principal, account, None, "create", result)?;
    Ok((
        StatusCode::CREATED,
        Json(share.view(principal.reveals_secrets())),
    )
        .into_response())
}

/// The common end of create and update: error context, one audit event, and the result
/// applied to the snapshot (read-your-writes).
fn record_write(
    principal: &Principal,
    account: &Account,
    share_id: Option<&str>,
    operation: &str,
    result: unishare_core::Result<Share>,
) -> Result<Arc<Share>, ApiError> {
    let result = result.map_err(|e| e.in_account(account.name.as_str(), account.kind));
    let id = share_id
        .map(str::to_owned)
        .or_else(|| result.as_ref().ok().map(|s| s.id.to_string()));
    audit::event(
        principal,
        account.name.as_str(),
        id.as_deref(),
        operation,
        &result.as_ref().map(|_| ()),
    );
    Ok(account.apply_read(result?))
}

/// Changes the password, expiry, comment, download limit or permissions of a link.
///
/// `PATCH /v1/shares/{id}` → 200 + share.
#[utoipa::path(patch, path = "/v1/shares/{id}", tag = "shares",
    params(("id" = String, Path, description = "Gateway id `{account}:{native_id}`")),
    request_body = UpdateShare,
    responses((status = 200, description = "The changed share", body = Share)),
    security(("api_key" = [])))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(raw_id): Path<String>,
    JsonBody(req): JsonBody<UpdateShare>,
) -> Result<Response, ApiError> {
    principal.require(Scope::Write)?;
    let (id, account) = super::resolve(&state, &principal, &raw_id)?;
    let result = match account.capabilities.check_update(&req, chrono::Utc::now()) {
        Ok(()) => {
            let known = account
                .current()
                .and_then(|s| s.get(id.native_id()).map(|s| Share::clone(s)));
            let ctx = ctx().with_known(known);
            account.provider.update(id.native_id(), &req, &ctx).await
        }
        Err(e) => Err(e),
    };
    let share = record_write(&principal, account, Some(id.as_str()), "update", result)?;
    Ok(Json(share.view(principal.reveals_secrets())).into_response())
}

/// Revokes one link.
///
/// `DELETE /v1/shares/{id}` → 204.
#[utoipa::path(delete, path = "/v1/shares/{id}", tag = "shares",
    params(("id" = String, Path, description = "Gateway id `{account}:{native_id}`")),
    responses((status = 204, description = "Revoked")),
    security(("api_key" = [])))]
pub async fn revoke_one(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(raw_id): Path<String>,
) -> Result<Response, ApiError> {
    principal.require(Scope::Write)?;
    let (id, account) = super::resolve(&state, &principal, &raw_id)?;
    let native = vec![id.native_id().to_owned()];
    let result = match account.provider.revoke(&native, &ctx()).await {
        Ok(mut outcomes) => match outcomes.pop() {
            Some(o) => o.result,
            None => Err(Error::upstream_protocol(
                "the vendor answered no result for the id",
            )),
        },
        Err(e) => Err(e),
    };
    let result = result.map_err(|e| e.in_account(account.name.as_str(), account.kind));
    audit::event(
        &principal,
        account.name.as_str(),
        Some(id.as_str()),
        "revoke",
        &result.as_ref().map(|_| ()),
    );
    result?;
    account.apply(vec![], native);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Body of `POST /v1/shares/revoke`: either `ids`, or (offboarding, `super::offboard`) `where`
/// with `dry_run: true` (report what matches) or `expect: N` (revoke if the filter still matches
/// exactly N shares, else `409` with `matched`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Gateway share ids (1 to 1000).
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    /// The filters of `GET /v1/shares` by name (arrays for the repeatable ones), e.g.
    /// `{"owner": "alice@example.com", "status": ["active", "expired"]}`.
    #[serde(default, rename = "where")]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde_json::Map<String, serde_json::Value>>,
    /// Only report what `where` matches: `{"matched": N, "ids": [...], "partial", "errors"}`.
    #[serde(default)]
    pub dry_run: bool,
    /// The number of shares the caller saw `where` match (from a dry run); revokes only if it
    /// still does.
    #[serde(default)]
    pub expect: Option<usize>,
}

/// Most ids one batch revoke takes.
pub const MAX_BATCH: usize = 1000;

/// One id's result.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RevokeResult {
    /// The id as sent.
    pub id: String,
    /// `revoked` or `failed`.
    pub status: &'static str,
    /// Why it failed (absent when revoked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RevokeError>,
}

/// A failed id's error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RevokeError {
    /// Error kind.
    pub kind: &'static str,
    /// What happened.
    pub detail: String,
}

fn failed(id: String, e: &Error) -> RevokeResult {
    RevokeResult {
        id,
        status: "failed",
        error: Some(RevokeError {
            kind: e.kind().as_str(),
            detail: e.message().to_owned(),
        }),
    }
}

/// The `POST /v1/shares/revoke` response (by ids): per-id results in request order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RevokeResponse {
    /// One result per id, in request order.
    pub results: Vec<RevokeResult>,
    /// Ids revoked.
    pub revoked: usize,
    /// Ids that failed.
    pub failed: usize,
}

/// Revokes up to 1000 links by id, or every link a filter matches (offboarding); one
/// result per id.
#[utoipa::path(post, path = "/v1/shares/revoke", tag = "shares",
    request_body = RevokeRequest,
    responses(
        (status = 200, description = "Per-id results, in request order (a dry run: `matched` and `ids`)", body = RevokeResponse),
        (status = 409, description = "`where` no longer matches `expect` shares (`matched` says how many); nothing was revoked"),
    ),
    security(("api_key" = [])))]
pub async fn revoke_batch(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    JsonBody(req): JsonBody<RevokeRequest>,
) -> Result<Response, ApiError> {
    principal.require(Scope::Write)?;
    let ids = match (req.ids, req.filter) {
        (Some(ids), None) if !req.dry_run && req.expect.is_none() => ids,
        (None, Some(filter)) => {
            return super::offboard::revoke_where(&state, &principal, &filter, req.dry_run, req.expect)
                .await
        }
        _ => {
            return Err(ApiError(Error::invalid_request(
                "send {\"ids\": [...]} or {\"where\": {...filters...}} with \"dry_run\": true or \"expect\": N",
            )))
        }
    };
    if ids.is_empty() || ids.len() > MAX_BATCH {
        return Err(ApiError(Error::invalid_request(format!(
            "ids must list 1 to {MAX_BATCH} share ids"
        ))));
    }
    let results = revoke_ids(&state, &principal, &ids).await;
    Ok(Json(revoke_summary(results)).into_response())
}

/// The body of a revoke answer: per-id results and the counts.
pub fn revoke_summary(results: Vec<RevokeResult>) -> RevokeResponse {
    let revoked = results.iter().filter(|r| r.status == "revoked").count();
    let failed = results.len() - revoked;
    RevokeResponse {
        results,
        revoked,
        failed,
    }
}

/// Revokes `ids` (gateway ids the caller may see), batched per account as each vendor allows,
/// with one audit event per id; one result per id, in order.
pub async fn revoke_ids(
    state: &Arc<AppState>,
    principal: &Principal,
    ids: &[String],
) -> Vec<RevokeResult> {
    let mut results: Vec<Option<RevokeResult>> = ids.iter().map(|_| None).collect();
    // Group valid ids by account, keeping their positions; de-duplicate per account.
    let mut groups: HashMap<String, Vec<(usize, ShareId)>> = HashMap::new();
    for (pos, raw) in ids.iter().enumerate() {
        match super::resolve(state, principal, raw) {
            Ok((id, _)) => groups
                .entry(id.account().to_owned())
                .or_default()
                .push((pos, id)),
            Err(ApiError(e)) => results[pos] = Some(failed(raw.clone(), &e)),
        }
    }
    let ctx = ctx();
    let work = groups.into_iter().map(|(name, items)| {
        let state = Arc::clone(state);
        let ctx = ctx.clone();
        async move {
            let Some(account) = state.account(&name).cloned() else {
                return Vec::new();
            };
            let mut unique: Vec<String> = Vec::new();
            for (_, id) in &items {
                if !unique.iter().any(|u| u == id.native_id()) {
                    unique.push(id.native_id().to_owned());
                }
            }
            let chunk = account.capabilities.revoke_batch_max.max(1);
            let mut outcome: HashMap<String, Result<(), Error>> = HashMap::new();
            for ids in unique.chunks(chunk) {
                match account.provider.revoke(ids, &ctx).await {
                    Ok(outs) => {
                        for o in outs {
                            outcome.insert(o.native_id, o.result);
                        }
                    }
                    Err(e) => {
                        for id in ids {
                            outcome.insert(id.clone(), Err(e.clone()));
                        }
                    }
                }
            }
            let revoked: Vec<String> = outcome
                .iter()
                .filter(|(_, r)| r.is_ok())
                .map(|(id, _)| id.clone())
                .collect();
            account.apply(vec![], revoked);
            items
                .into_iter()
                .map(|(pos, id)| {
                    let r = outcome.get(id.native_id()).cloned().unwrap_or_else(|| {
                        Err(Error::upstream_protocol(
                            "the vendor answered no result for this id",
                        ))
                    });
                    (account.clone(), pos, id, r)
                })
                .collect::<Vec<_>>()
        }
    });
    for group in futures::future::join_all(work).await {
        for (account, pos, id, r) in group {
            let r = r.map_err(|e| e.in_account(account.name.as_str(), account.kind));
            audit::event(
                principal,
                account.name.as_str(),
                Some(id.as_str()),
                "revoke",
                &r.as_ref().map(|_| ()),
            );
            results[pos] = Some(match r {
                Ok(()) => RevokeResult {
                    id: ids[pos].clone(),
                    status: "revoked",
                    error: None,
                },
                Err(e) => failed(ids[pos].clone(), &e),
            });
        }
    }
    results.into_iter().flatten().collect()
}
