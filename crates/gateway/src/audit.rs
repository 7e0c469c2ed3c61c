//! Audit events: one per write, on tracing target `unishare::audit`. Never a secret: only the
//! key name, account, share id, operation and outcome.

use crate::auth::Principal;
use unishare_core::Error;

/// Emits one audit event.
pub fn event(
    principal: &Principal,
    account: &str,
    share_id: Option<&str>,
    operation: &str,
    outcome: &Result<(), &Error>,
) {
    let request_id = crate::request_id::current_request_id();
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    match outcome {
        Ok(()) => tracing::info!(
            target: "unishare::audit",
            at = %at,
            request_id = %request_id,
            key = %principal.name,
            account,
            share_id = share_id.unwrap_or("-"),
            operation,
            outcome = "ok",
        ),
        Err(e) => tracing::info!(
            target: "unishare::audit",
            at = %at,
            request_id = %request_id,
            key = %principal.name,
            account,
            share_id = share_id.unwrap_or("-"),
            operation,
            outcome = e.kind().as_str(),
        ),
    }
}
