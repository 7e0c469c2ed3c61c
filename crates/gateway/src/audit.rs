//! Audit events: one per write, on tracing target `unishare::audit`. Never a secret: only the
//! key name, account, share id, operation and outcome.

use crate::auth::Principal;
use unishare_core::Error;

/// Emits one audit event; `outcome` is `ok` or the error kind.
pub fn event(
    principal: &Principal,
    account: &str,
    share_id: Option<&str>,
    operation: &str,
    result: &Result<(), &Error>,
) {
    let outcome = match result {
        Ok(()) => "ok",
        Err(e) => e.kind().as_str(),
    };
    tracing::info!(
        target: "unishare::audit",
        at = %chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        request_id = %crate::request_id::current_request_id(),
        key = %principal.name(),
        account,
        share_id = share_id.unwrap_or("-"),
        operation,
        outcome,
    );
}
