//! The HTTP policy every vendor client follows, kept in one place so that no vendor crate
//! decides it alone.
//!
//! - **No redirect is followed.** A vendor API never redirects a JSON call; a `3xx` means a
//!   proxy, a moved site or an attacker in the path, and following it would re-send the
//!   request (its body may hold a share's access code, its headers a session id and our trace
//!   id) to wherever the `Location` points. Every vendor client builds its `reqwest::Client`
//!   with `redirect::Policy::none()` and turns a `3xx` answer into [`redirect_error`]: an
//!   `upstream_protocol` error (HTTP 502) naming the status and the `Location` host.

use crate::error::Error;

/// Whether an HTTP status is a redirect (`3xx`), which no vendor client follows.
pub fn is_redirect(status: u16) -> bool {
    (300..400).contains(&status)
}

/// The error for a `3xx` answer: `upstream_protocol`, naming the status and the host of the
/// `Location` header (only the host: a path or query may carry tokens, and user info may carry
/// credentials).
pub fn redirect_error(vendor: &str, status: u16, location: Option<&str>) -> Error {
    let target = match location.map(location_host) {
        Some(Some(host)) => format!("to host {host:?}"),
        Some(None) => "to a path on the same host".to_string(),
        None => "without a Location".to_string(),
    };
    Error::upstream_protocol(format!(
        "{vendor} answered HTTP {status}, a redirect {target}; redirects are never followed \
         (check base_url)"
    ))
}

/// The `host[:port]` of an absolute (or scheme-relative) URL, without user info; `None` for a
/// relative reference.
fn location_host(location: &str) -> Option<&str> {
    let location = location.trim();
    let rest = match location.find("://") {
        Some(i)
            if location[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            &location[i + 3..]
        }
        _ => location.strip_prefix("//")?,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    (!host.is_empty()).then(|| &host[..host.len().min(255)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn redirects_are_protocol_errors_naming_the_host_only() {
        assert!(is_redirect(301) && is_redirect(307) && is_redirect(308));
        assert!(!is_redirect(200) && !is_redirect(404) && !is_redirect(299));
        let e = redirect_error(
            "KooDrive",
            307,
            Some("https://user:pw@evil.example:8443/steal?token=abc#x"),
        );
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
        assert!(!e.is_retryable());
        let msg = e.to_string();
        assert!(
            msg.contains("307") && msg.contains("evil.example:8443"),
            "{msg}"
        );
        for secret in ["pw", "token", "abc", "steal", "user"] {
            assert!(!msg.contains(secret), "{secret} in {msg}");
        }
        let e = redirect_error("Cloudreve", 302, Some("/login"));
        assert!(e.message().contains("same host"), "{e}");
        let e = redirect_error("Cloudreve", 302, Some("//cdn.example/x"));
        assert!(e.message().contains("cdn.example"), "{e}");
        let e = redirect_error("Cloudreve", 301, None);
        assert!(e.message().contains("without a Location"), "{e}");
    }
}
