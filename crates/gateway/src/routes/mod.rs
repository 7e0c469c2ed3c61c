//! HTTP routes (DESIGN.md §3).

pub mod accounts;
pub mod export;
pub mod health;
pub mod list;
pub mod metrics;
pub mod offboard;
pub mod shares;
pub mod stats;
pub mod whoami;
pub mod writes;

use crate::account::Account;
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::state::AppState;
use std::sync::Arc;
use unishare_core::{Error, ShareId};

/// Parses a share id from a path and finds its account, as the principal sees it: an account
/// the key may not see is `not_found`, exactly like one that does not exist. The native id must
/// have its vendor's form ([`unishare_core::ShareProvider::check_native_id`]).
pub fn resolve<'a>(
    state: &'a AppState,
    principal: &Principal,
    raw_id: &str,
) -> Result<(ShareId, &'a Arc<Account>), ApiError> {
    let id = ShareId::parse(raw_id)?;
    let account = state
        .account(id.account())
        .filter(|_| principal.sees(id.account()))
        .ok_or_else(|| Error::not_found(format!("no share {id}")))?;
    // The one place a client's native id is checked against its vendor's form, before any
    // vendor path is built from it.
    account.provider.check_native_id(id.native_id())?;
    Ok((id, account))
}

/// Finds an account by name as the principal sees it.
pub fn visible_account<'a>(
    state: &'a AppState,
    principal: &Principal,
    name: &str,
) -> Result<&'a Arc<Account>, ApiError> {
    state
        .account(name)
        .filter(|_| principal.sees(name))
        .ok_or_else(|| {
            ApiError(Error::not_found(format!(
                "no account {:?}",
                name.chars().take(64).collect::<String>()
            )))
        })
}
