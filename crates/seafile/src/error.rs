//! The one place mapping a failed Seafile answer (HTTP status + `error_msg` / `detail` /
//! `non_field_errors`) into an [`ErrorKind`] (`docs/vendors/seafile.md` §1, §2).

use crate::dto::ErrorDto;
use std::time::Duration;
use unishare_core::{Error, ErrorKind};

/// DRF's `NotAuthenticated` text: what servers whose `TokenAuthentication` returns `None` for
/// an unknown key answer, with HTTP 403 (`authentication.py` @ `08b3e11`).
const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";

/// Whether an answer means "the token was refused" (so a password account logs in again):
/// any 401, or the 403 older servers send for an unknown token.
pub fn is_auth_refusal(status: u16, body: &[u8]) -> bool {
    status == 401 || (status == 403 && ErrorDto::read(body).message() == NOT_AUTHENTICATED)
}

/// Maps a failed answer of operation `op` (`list`, `get`, `create`, `update`, `revoke`,
/// `auth`). The message is the server's own text, never a request value.
pub fn map_error(
    op: &'static str,
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Error {
    let dto = ErrorDto::read(body);
    let msg = dto.message();
    let said = if msg.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", clip(msg.trim()))
    };
    let is_json = serde_json::from_slice::<serde_json::Value>(body).is_ok();
    let err = match status {
        401 => Error::upstream_auth(format!("Seafile refused the token (HTTP 401){said}")),
        403 if msg == NOT_AUTHENTICATED => {
            Error::upstream_auth(format!("Seafile refused the token (HTTP 403){said}"))
        }
        403 => Error::new(
            ErrorKind::Forbidden,
            format!("Seafile refused{}", or(&said, ": permission denied")),
        ),
        404 if !is_json || msg.is_empty() => Error::upstream_protocol(format!(
            "HTTP 404 without a Seafile answer on {op}: is base_url the seahub root?"
        )),
        404 => Error::not_found(format!("Seafile{said}")),
        400 if msg.contains("already exists") => {
            Error::new(ErrorKind::Conflict, format!("Seafile{said}"))
        }
        400 if op == "auth" => Error::upstream_auth(format!(
            "Seafile refused the login at /api2/auth-token/{said}"
        )),
        400 => Error::invalid_request(format!(
            "Seafile rejected the request{}",
            or(&said, ": bad request")
        )),
        429 => Error::new(
            ErrorKind::RateLimited { retry_after },
            format!("Seafile is throttling this account (HTTP 429){said}"),
        ),
        500..=599 => Error::upstream_unavailable(format!("Seafile answered HTTP {status}{said}")),
        other => Error::upstream_protocol(format!(
            "unexpected answer from Seafile (HTTP {other}) on {op}{said}"
        )),
    };
    err.with_vendor_code(format!("http:{status}"))
}

fn or<'a>(said: &'a str, default: &'a str) -> &'a str {
    if said.is_empty() {
        default
    } else {
        said
    }
}

/// At most 200 characters of server text in a message.
fn clip(s: &str) -> &str {
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
        let k = |op, status, body: &str| map_error(op, status, body.as_bytes(), None).kind();
        assert_eq!(
            k("list", 401, r#"{"detail":"Invalid token"}"#),
            ErrorKind::UpstreamAuth
        );
        assert_eq!(
            k(
                "list",
                403,
                r#"{"detail":"Authentication credentials were not provided."}"#
            ),
            ErrorKind::UpstreamAuth
        );
        assert_eq!(
            k("revoke", 403, r#"{"error_msg":"Permission denied."}"#),
            ErrorKind::Forbidden
        );
        assert_eq!(
            k("get", 404, r#"{"error_msg":"token abc not found."}"#),
            ErrorKind::NotFound
        );
        assert_eq!(
            k("list", 404, "<html>Not Found</html>"),
            ErrorKind::UpstreamProtocol
        );
        assert_eq!(
            k("create", 400, r#"{"error_msg":"Password is too short."}"#),
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            k(
                "create",
                400,
                r#"{"error_msg":"Share link abc already exists."}"#
            ),
            ErrorKind::Conflict
        );
        assert_eq!(
            k(
                "auth",
                400,
                r#"{"non_field_errors":["Unable to login with provided credentials."]}"#
            ),
            ErrorKind::UpstreamAuth
        );
        assert_eq!(k("list", 502, ""), ErrorKind::UpstreamUnavailable);
        assert_eq!(k("list", 418, ""), ErrorKind::UpstreamProtocol);
    }

    #[test]
    fn throttling_keeps_retry_after_and_is_retryable() {
        let e = map_error(
            "list",
            429,
            br#"{"detail":"Request was throttled. Expected available in 3 seconds."}"#,
            Some(Duration::from_secs(3)),
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.is_retryable());
        assert!(e.message().contains("throttled"), "{e}");
        assert_eq!(e.vendor_code(), Some("http:429"));
    }

    #[test]
    fn auth_refusals() {
        assert!(is_auth_refusal(401, b""));
        assert!(is_auth_refusal(
            403,
            br#"{"detail":"Authentication credentials were not provided."}"#
        ));
        assert!(!is_auth_refusal(
            403,
            br#"{"error_msg":"Permission denied."}"#
        ));
        assert!(!is_auth_refusal(404, b""));
    }
}
