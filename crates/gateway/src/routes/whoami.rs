//! `GET /v1/whoami`: the caller's key name, scopes and account allow-list, so that a client
//! (the dashboard) can offer only what the key may do. Nothing secret: the key itself and its
//! hash are never sent.

use crate::auth::Principal;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;

/// The `GET /v1/whoami` response.
#[derive(Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = WhoAmI)]
pub struct WhoAmI {
    /// The key's configured name (`anonymous` on a server without keys).
    pub key: String,
    /// True when the server has API keys (every `/v1` call needs one).
    pub keys_required: bool,
    /// The key's scopes: `read`, `write`, `secrets`.
    pub scopes: Vec<&'static str>,
    /// The accounts the key may see; `null` when it sees every account.
    pub accounts: Option<Vec<String>>,
}

/// `GET /v1/whoami`: any valid key (or the anonymous caller of a key-less server); 401 without.
#[utoipa::path(get, path = "/v1/whoami", tag = "accounts",
    responses((status = 200, description = "The caller's key name, scopes and accounts", body = WhoAmI)),
    security(("api_key" = [])))]
pub async fn whoami(State(state): State<Arc<AppState>>, principal: Principal) -> Json<WhoAmI> {
    Json(WhoAmI {
        key: principal.name().to_owned(),
        keys_required: state.principals.anonymous().is_none(),
        scopes: principal.scopes().into_iter().map(|s| s.as_str()).collect(),
        accounts: principal.account_allow_list(),
    })
}
