//! The one function mapping a failed Nextcloud answer into an [`ErrorKind`].
//!
//! Inputs: the HTTP status, the OCS `statuscode` when the body was an OCS envelope, and the
//! envelope's `message` (or the `{"message": ...}` of a security-middleware answer). On v2 the
//! HTTP status equals the OCS status; on v1 it is 200 for every failure but 997 (then 401), so
//! the OCS status decides when present (`docs/vendors/nextcloud.md` §2).

use std::time::Duration;
use unishare_core::{Error, ErrorKind};

/// `OCSController::RESPOND_UNAUTHORISED`: the credentials were refused.
pub const OCS_UNAUTHORISED: i64 = 997;
/// `OCSController::RESPOND_NOT_FOUND`.
pub const OCS_NOT_FOUND: i64 = 998;
/// `OCSController::RESPOND_SERVER_ERROR`.
pub const OCS_SERVER_ERROR: i64 = 996;
/// `OCSController::RESPOND_UNKNOWN_ERROR` (an `OCSException` thrown with code 0).
pub const OCS_UNKNOWN_ERROR: i64 = 999;

/// Maps a failed answer of operation `op` (`list`, `get`, `create`, `update`, `revoke`).
/// `message` is the server's own text (never a request value, so never a secret).
pub fn map_error(
    op: &'static str,
    http: u16,
    statuscode: Option<i64>,
    message: &str,
    retry_after: Option<Duration>,
) -> Error {
    let code = statuscode.unwrap_or(i64::from(http));
    let vendor_code = match statuscode {
        Some(c) => format!("ocs:{c}"),
        None => format!("http:{http}"),
    };
    let said = if message.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", clip(message.trim()))
    };
    let err = match code {
        OCS_UNAUTHORISED | 401 => Error::upstream_auth(format!(
            "Nextcloud refused the login name or app password (OCS {code}){said}"
        )),
        412 if message.contains("CSRF") => Error::upstream_protocol(format!(
            "Nextcloud failed its CSRF check (HTTP 412){said}; the OCS-APIRequest: true header did not reach the server (a proxy dropping it?)"
        )),
        429 => Error::new(
            ErrorKind::RateLimited { retry_after },
            format!("Nextcloud is throttling this client (HTTP 429){said}"),
        ),
        OCS_SERVER_ERROR | OCS_UNKNOWN_ERROR | 500..=599 => {
            Error::upstream_unavailable(format!("Nextcloud answered {code}{said}"))
        }
        404 | OCS_NOT_FOUND if op == "list" && statuscode.is_none() => Error::upstream_protocol(
            format!(
                "HTTP 404 without an OCS answer{said}: is base_url the Nextcloud root and the files_sharing app enabled?"
            ),
        ),
        404 | OCS_NOT_FOUND => Error::not_found(format!("Nextcloud: {}", or_default(message, "not found"))),
        // Password policy (`Manager::verifyPassword` wraps the policy's hint in a 400), bad
        // dates, bad permissions, labels over 255 bytes, "Wrong or no update parameter given".
        400 => Error::invalid_request(format!(
            "Nextcloud rejected the request: {}",
            or_default(message, "bad request")
        )),
        // Passwords or expiry enforced by the administrator, public upload disabled, not the
        // owner of the share.
        403 => Error::new(
            ErrorKind::Forbidden,
            format!("Nextcloud refused: {}", or_default(message, "forbidden")),
        ),
        other => Error::upstream_protocol(format!(
            "unexpected answer from Nextcloud (status {other}){said}"
        )),
    };
    err.with_vendor_code(vendor_code)
}

fn or_default<'a>(message: &'a str, default: &'a str) -> &'a str {
    let t = message.trim();
    if t.is_empty() {
        default
    } else {
        clip(t)
    }
}

/// At most 200 characters of server text in a message.
pub(crate) fn clip(s: &str) -> &str {
    match s.char_indices().nth(200) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let k = |op, http, code: Option<i64>, msg| map_error(op, http, code, msg, None).kind();
        assert_eq!(k("list", 401, Some(997), ""), ErrorKind::UpstreamAuth);
        // v1: HTTP 200, the OCS status decides.
        assert_eq!(
            k("get", 200, Some(404), "Wrong share ID"),
            ErrorKind::NotFound
        );
        assert_eq!(
            k("get", 404, Some(404), "Wrong share ID"),
            ErrorKind::NotFound
        );
        assert_eq!(
            k("create", 400, Some(400), "Password is too short"),
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            k("create", 403, Some(403), "Passwords are enforced"),
            ErrorKind::Forbidden
        );
        assert_eq!(
            k("list", 412, None, "CSRF check failed"),
            ErrorKind::UpstreamProtocol
        );
        assert_eq!(k("list", 404, None, "<html>"), ErrorKind::UpstreamProtocol);
        assert_eq!(k("list", 503, None, ""), ErrorKind::UpstreamUnavailable);
        assert_eq!(
            k("update", 200, Some(996), ""),
            ErrorKind::UpstreamUnavailable
        );
        assert!(matches!(
            k("list", 429, None, ""),
            ErrorKind::RateLimited { .. }
        ));
        assert_eq!(k("list", 418, None, ""), ErrorKind::UpstreamProtocol);
    }

    #[test]
    fn the_server_message_and_code_are_kept() {
        let e = map_error(
            "create",
            400,
            Some(400),
            "Password needs to be at least 10 characters long.",
            None,
        );
        assert!(e.message().contains("at least 10 characters"), "{e}");
        assert_eq!(e.vendor_code(), Some("ocs:400"));
        let e = map_error("list", 412, None, "CSRF check failed", None);
        assert_eq!(e.vendor_code(), Some("http:412"));
        assert!(e.message().contains("OCS-APIRequest"), "{e}");
    }
}
