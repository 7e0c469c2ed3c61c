//! The one place where Cloudreve envelope codes become [`ErrorKind`]s
//! (`vendors/cloudreve-v4.md` §1.4), plus the HTTP-level failures (transport failures are
//! `unishare_core::client::transport_error`).

use std::time::Duration;
use unishare_core::{Error, ErrorKind};

/// Which call answered: a few codes mean different things at sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// `POST /session/token`.
    Login,
    /// `POST /session/token/refresh`.
    Refresh,
    /// Any other API call.
    Api,
}

/// Cloudreve's `401`: login required / access token invalid or expired.
pub(crate) const CODE_LOGIN_REQUIRED: i64 = 401;
/// Cloudreve's `40020`: credential invalid (refresh failed, or a refresh token used as access).
pub(crate) const CODE_CREDENTIAL_INVALID: i64 = 40020;
/// Cloudreve's `40069` (`ErrShareIncorrectPassword`): the share's access code was missing or
/// wrong where the share navigator opened it, which `/share/info?owner_extended` does even for
/// the owner (`vendors/cloudreve-v4.md` §3.7).
pub(crate) const CODE_INCORRECT_SHARE_PASSWORD: i64 = 40069;
/// How [`map_code`] begins the message of `404 "Share link expired"`: the share exists but is
/// not valid (expired by time or downloads, source in the trash, owner inactive).
const LINK_EXPIRED: &str = "the share link is no longer valid";

/// Whether `e` is Cloudreve's `404 "Share link expired"`.
pub(crate) fn is_link_expired(e: &Error) -> bool {
    e.kind() == ErrorKind::NotFound
        && e.vendor_code() == Some("404")
        && e.message().starts_with(LINK_EXPIRED)
}

/// Whether `e` is Cloudreve's `40069`: the share's access code was missing or wrong.
pub(crate) fn is_incorrect_share_password(e: &Error) -> bool {
    e.vendor_code() == Some("40069")
}

/// Maps a non-zero envelope code (with the vendor's `msg`) to an error. `0` is not an error and
/// never reaches this function.
pub(crate) fn map_code(code: i64, msg: &str, call: CallKind) -> Error {
    let msg = clip(msg);
    let err = match code {
        203 if call == CallKind::Login => Error::upstream_auth(
            "2FA is enabled on this account; a headless client cannot answer the one-time code: \
             disable 2FA for this account or configure auth = {method=\"token\", refresh_token=...}",
        ),
        CODE_LOGIN_REQUIRED => Error::upstream_auth(format!(
            "Cloudreve rejected the access token even after a refresh: {msg}"
        )),
        // Create/edit of the root folder (`WithNotRoot` under "src file not found", §3.7) or
        // of a symbolic file: the request, not the account, is wrong.
        403 if has(&msg, "src file not found") || has(&msg, "symbolic") => {
            Error::invalid_request(format!("Cloudreve cannot share this source: {msg}"))
        }
        403 => Error::new(ErrorKind::Forbidden, format!("permission denied: {msg}")),
        404 if has(&msg, "share link expired") => {
            Error::not_found(format!("{LINK_EXPIRED} (expired, out of downloads, source in the trash or owner inactive): {msg}"))
        }
        404 => Error::not_found(format!("not found: {msg}")),
        // `fs.ErrPathNotExist` under "src file not found" (§3.7): no such file or folder.
        40016 => Error::not_found(format!("the source path does not exist: {msg}")),
        CODE_INCORRECT_SHARE_PASSWORD => Error::invalid_request(format!(
            "Cloudreve refused the share's access code: {msg}"
        )),
        // A share id in the path that does not decode as a share hashid (§3): no such share.
        40001 if has(&msg, "failed to parse object id") => {
            Error::not_found(format!("no such share: {msg}"))
        }
        40001 => Error::invalid_request(format!("Cloudreve rejected the parameters: {msg}")),
        CODE_CREDENTIAL_INVALID if call == CallKind::Refresh => Error::upstream_auth(format!(
            "Cloudreve rejected the refresh token (expired, revoked, or the password changed): {msg}"
        )),
        CODE_CREDENTIAL_INVALID => {
            Error::upstream_auth(format!("Cloudreve rejected the credential: {msg}"))
        }
        40080 => Error::upstream_auth(format!(
            "sign-in failed: wrong e-mail or password ({msg})"
        )),
        40017 => Error::upstream_auth(format!("sign-in failed: the account is banned ({msg})")),
        40018 => Error::upstream_auth(format!(
            "sign-in failed: the account is not activated ({msg})"
        )),
        40026 => Error::upstream_auth(format!(
            "sign-in needs a captcha, which a headless client cannot solve ({msg}): disable \
             the login captcha on the server or configure auth = {{method=\"token\", refresh_token=...}}"
        )),
        40007 => Error::new(
            ErrorKind::Forbidden,
            format!("the account's group may not create shares: {msg}"),
        ),
        // `CheckScope` (`pkg/auth/jwt.go` l.322): "Insufficient scope: Shares.Write". The
        // account's OAuth grant is too narrow: an account error naming the scope.
        40089 => {
            let scope = msg
                .rsplit(':')
                .next()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or("(not named)");
            Error::upstream_auth(format!(
                "the account's OAuth grant lacks the scope {scope} ({msg}): grant it to the app \
                 and run `unishare login cloudreve` again"
            ))
        }
        // A valid token whose user was deleted or banned since (§2.3): not an outage.
        50001 if has(&msg, "failed to get login user") => Error::upstream_auth(format!(
            "Cloudreve no longer knows the account's user (deleted or banned): {msg}"
        )),
        50001 | 50002 | 50005 => {
            Error::upstream_unavailable(format!("Cloudreve server error: {msg}"))
        }
        other => Error::upstream_protocol(format!("unexpected Cloudreve code {other}: {msg}")),
    };
    err.with_vendor_code(code.to_string())
}

/// A non-200 HTTP answer: the server (or a proxy in front of it) failed outside the envelope.
pub(crate) fn http_status_error(status: u16, retry_after: Option<Duration>, body: &str) -> Error {
    let snippet = body_snippet(body);
    match status {
        429 => Error::new(
            ErrorKind::RateLimited { retry_after },
            format!("HTTP 429 from Cloudreve or its proxy{snippet}"),
        ),
        408 | 500..=599 => {
            Error::upstream_unavailable(format!("HTTP {status} from Cloudreve or its proxy{snippet}"))
        }
        404 => Error::upstream_protocol(format!(
            "HTTP 404{snippet}: the path is unknown to the server; is base_url a Cloudreve v4 site root?"
        )),
        other => Error::upstream_protocol(format!(
            "unexpected HTTP {other} from Cloudreve or its proxy{snippet}"
        )),
    }
}

/// A 200 answer whose body is not the JSON envelope.
pub(crate) fn not_an_envelope(body: &str, why: &str) -> Error {
    Error::upstream_protocol(format!(
        "Cloudreve answered something that is not its JSON envelope ({why}){}",
        body_snippet(body)
    ))
}

fn body_snippet(body: &str) -> String {
    let t = body.trim();
    if t.is_empty() {
        " with an empty body".to_owned()
    } else {
        format!(": {:?}", clip(t))
    }
}

/// True when the vendor's message holds `needle` (lower case), whatever its case.
fn has(msg: &str, needle: &str) -> bool {
    msg.to_ascii_lowercase().contains(needle)
}

fn clip(s: &str) -> String {
    const MAX: usize = 160;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes_map_to_kinds() {
        use CallKind::*;
        let cases: &[(i64, CallKind, ErrorKind, bool)] = &[
            (203, Login, ErrorKind::UpstreamAuth, false),
            (401, Api, ErrorKind::UpstreamAuth, false),
            (403, Api, ErrorKind::Forbidden, false),
            (404, Api, ErrorKind::NotFound, false),
            (40016, Api, ErrorKind::NotFound, false),
            (40069, Api, ErrorKind::InvalidRequest, false),
            (40001, Api, ErrorKind::InvalidRequest, false),
            (40007, Api, ErrorKind::Forbidden, false),
            (40017, Login, ErrorKind::UpstreamAuth, false),
            (40018, Login, ErrorKind::UpstreamAuth, false),
            (40020, Refresh, ErrorKind::UpstreamAuth, false),
            (40020, Api, ErrorKind::UpstreamAuth, false),
            (40026, Login, ErrorKind::UpstreamAuth, false),
            (40080, Login, ErrorKind::UpstreamAuth, false),
            (40089, Api, ErrorKind::UpstreamAuth, false),
            (50001, Api, ErrorKind::UpstreamUnavailable, true),
            (50002, Login, ErrorKind::UpstreamUnavailable, true),
            (50005, Api, ErrorKind::UpstreamUnavailable, true),
            (-1, Api, ErrorKind::UpstreamProtocol, false),
            (203, Api, ErrorKind::UpstreamProtocol, false),
            (77777, Api, ErrorKind::UpstreamProtocol, false),
        ];
        for &(code, call, kind, retryable) in cases {
            let e = map_code(code, "msg", call);
            assert_eq!(e.kind(), kind, "{code} {call:?}");
            assert_eq!(e.is_retryable(), retryable, "{code}");
            assert_eq!(e.vendor_code(), Some(code.to_string().as_str()));
        }
        assert!(map_code(40026, "CAPTCHA not match.", Login)
            .message()
            .contains("captcha"));
        assert!(map_code(40026, "", Login)
            .message()
            .contains("refresh_token"));
        assert!(map_code(203, "", Login)
            .message()
            .contains("2FA is enabled"));
        assert!(map_code(77777, "boom", Api).message().contains("77777"));
        // Documented messages that change a code's meaning (cloudreve-v4.md §1.4, §2.3, §3).
        let bad_id = map_code(40001, "Failed to parse object ID", Api);
        assert_eq!(bad_id.kind(), ErrorKind::NotFound);
        assert_eq!(bad_id.vendor_code(), Some("40001"));
        let gone = map_code(50001, "failed to get login user", Api);
        assert_eq!(gone.kind(), ErrorKind::UpstreamAuth);
        assert!(!gone.is_retryable());
        let list = map_code(50001, "Failed to list shares", Api);
        assert_eq!(list.kind(), ErrorKind::UpstreamUnavailable);
        let scope = map_code(40089, "Insufficient scope: Admin.Read", Api);
        assert!(
            scope.message().contains("lacks the scope Admin.Read"),
            "{scope}"
        );
        // §3.7: the same codes with the messages BE-4.18 sends.
        let expired = map_code(404, "Share link expired", Api);
        assert!(is_link_expired(&expired));
        assert!(!is_link_expired(&map_code(404, "Share not found", Api)));
        assert!(!is_link_expired(&map_code(
            404,
            "share link not found",
            Api
        )));
        assert_eq!(
            map_code(404, "share link not found", Api).kind(),
            ErrorKind::NotFound
        );
        let root = map_code(403, "src file not found", Api);
        assert_eq!(root.kind(), ErrorKind::InvalidRequest);
        let symbolic = map_code(403, "cannot share symbolic file", Api);
        assert_eq!(symbolic.kind(), ErrorKind::InvalidRequest);
        let owner = map_code(403, "permission denied", Api);
        assert_eq!(owner.kind(), ErrorKind::Forbidden);
        let missing = map_code(40016, "src file not found", Api);
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        let pw = map_code(40069, "File not found", Api);
        assert!(is_incorrect_share_password(&pw));
        assert!(!is_incorrect_share_password(&expired));
    }

    #[test]
    fn http_statuses() {
        let e = http_status_error(429, Some(Duration::from_secs(3)), "");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.is_retryable());
        assert_eq!(
            http_status_error(502, None, "<html>").kind(),
            ErrorKind::UpstreamUnavailable
        );
        assert_eq!(
            http_status_error(500, None, "").kind(),
            ErrorKind::UpstreamUnavailable
        );
        let e = http_status_error(404, None, "404 page not found");
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
        assert!(!e.is_retryable());
    }
}
