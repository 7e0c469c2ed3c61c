//! `GET /v1/shares/{id}`.

use crate::auth::Principal;
use crate::config::Scope;
use crate::openapi_params::GetParams;
use crate::problem::ApiError;
use crate::request_id::current_request_id;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;
use unishare_core::{CallContext, Error, ErrorKind, Share, ShareStatus};

fn parse_refresh(raw: Option<&str>) -> Result<bool, ApiError> {
    let mut refresh = false;
    for (k, v) in crate::query_string::pairs(raw.unwrap_or("")) {
        match (&*k, &*v) {
            ("refresh", "true" | "1") => refresh = true,
            ("refresh", "false" | "0") => refresh = false,
            ("refresh", _) => {
                return Err(ApiError(Error::invalid_request(
                    "refresh must be true or false",
                )))
            }
            (other, _) => {
                return Err(ApiError(crate::query::unknown_parameter(
                    other,
                    "a share takes only refresh",
                )))
            }
        }
    }
    Ok(refresh)
}

/// One share, from the snapshot (or from the vendor with `refresh=true`).
///
/// `GET /v1/shares/{id}[?refresh=true]`: from the snapshot by default. With `refresh=true` (or when the account has no snapshot)
/// the vendor is asked and the snapshot updated. A vendor `not_found` for a share the snapshot
/// knows as expired or invalid (Cloudreve answers 404 for expired links) returns the snapshot's
/// copy; for one it knows as active, the share is gone: 404, and it leaves the snapshot.
#[utoipa::path(get, path = "/v1/shares/{id}", tag = "shares", operation_id = "get_share",
    params(("id" = String, Path, description = "Gateway id `{account}:{native_id}`"), GetParams),
    responses((status = 200, description = "The share (`password` only with the `secrets` scope)", body = Share)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(raw_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    principal.require(Scope::Read)?;
    let refresh = parse_refresh(raw.as_deref())?;
    let (id, account) = super::resolve(&state, &principal, &raw_id)?;
    let reveal = principal.reveals_secrets();
    let snapshot = if refresh {
        account.current()
    } else {
        account.read().await.snapshot
    };
    if !refresh {
        if let Some(snap) = &snapshot {
            return match snap.get(id.native_id()) {
                Some(s) => Ok(Json(s.view(reveal)).into_response()),
                None => Err(ApiError(Error::not_found(format!("no share {id}")))),
            };
        }
    }
    let known = snapshot
        .as_ref()
        .and_then(|s| s.get(id.native_id()))
        .map(|s| Share::clone(s));
    let ctx = CallContext::with_request_id(current_request_id()).with_known(known);
    match account.provider.get(id.native_id(), &ctx).await {
        Ok(share) => {
            let share = account.apply_read(share);
            Ok(Json(share.view(reveal)).into_response())
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let known = account
                .current()
                .and_then(|s| s.get(id.native_id()).cloned());
            match known {
                Some(s) if s.status != ShareStatus::Active => {
                    Ok(Json(s.view(reveal)).into_response())
                }
                Some(_) => {
                    account.apply(vec![], vec![id.native_id().to_owned()]);
                    Err(ApiError(Error::not_found(format!("no share {id}"))))
                }
                None => Err(ApiError(Error::not_found(format!("no share {id}")))),
            }
        }
        Err(e) => Err(ApiError(e.in_account(account.name.as_str(), account.kind))),
    }
}
