//! The `Host` check of a key-less server (the demo): only loopback host names are served.
//!
//! Without API keys every caller is the anonymous principal with every scope, which is safe
//! only as long as the caller is a program on this machine. A web page the operator visits is
//! not: through DNS rebinding (`evil.example` re-resolved to `127.0.0.1`) its scripts become
//! same-origin with the gateway and could read or revoke links. Such a request still names the
//! attacker's host in `Host`, so a key-less server answers only `localhost`, `127.0.0.0/8` and
//! `[::1]` (each with or without a port): another host is a 421 (`misdirected_request`), an
//! unreadable one a 400. With API keys configured the check is not installed.

use crate::problem::ApiError;
use axum::extract::Request;
use axum::http::header::HOST;
use axum::response::{IntoResponse, Response};
use std::net::{Ipv4Addr, Ipv6Addr};
use unishare_core::{Error, ErrorKind};

/// Whether `authority` (`host[:port]`) names this machine's loopback interface.
pub fn is_loopback_authority(authority: &str) -> bool {
    // The names nearly every request carries, without parsing an address.
    if let Some(rest) = authority
        .strip_prefix("127.0.0.1")
        .or_else(|| authority.strip_prefix("localhost"))
    {
        if port_ok(rest) {
            return true;
        }
    }
    // `rest` is what follows the host: empty, or `:port`.
    let (host_ok, rest) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((v6, rest)) => (
                v6.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback()),
                rest,
            ),
            None => return false,
        },
        None => {
            let end = authority.find(':').unwrap_or(authority.len());
            let host = &authority[..end];
            let named = host.eq_ignore_ascii_case("localhost")
                || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
            (named, &authority[end..])
        }
    };
    host_ok && port_ok(rest)
}

/// Whether `rest`, what follows a host name, is empty or `:` and a port number.
fn port_ok(rest: &str) -> bool {
    match rest.strip_prefix(':') {
        Some(p) => (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()),
        None => rest.is_empty(),
    }
}

/// The check, made by the entry middleware (`request_id.rs`) of a key-less server: the
/// refusal of a request whose `Host` (or, in HTTP/2, `:authority`) is not a loopback name,
/// `None` to serve it. A request naming no host at all passes: every browser names one (the
/// attack this stops comes from a browser), and only a local program can omit it. (One
/// middleware rather than a router layer of its own: axum wraps every route in each layer.)
pub fn refusal(req: &Request) -> Option<Response> {
    let authority = match req.headers().get(HOST) {
        Some(v) => Some(v.to_str().map_err(|_| ())),
        None => req.uri().authority().map(|a| Ok(a.as_str())),
    };
    match authority {
        None => None,
        Some(Ok(a)) if is_loopback_authority(a) => None,
        Some(Ok(_)) => Some(
            ApiError(Error::new(
                ErrorKind::MisdirectedRequest,
                "this server has no API keys and answers only loopback host names \
                 (localhost, 127.0.0.1, [::1]); configure [[api_keys]] to serve other names",
            ))
            .into_response(),
        ),
        Some(Err(())) => Some(
            ApiError(Error::invalid_request("the Host header is not readable")).into_response(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_authority as ok;

    #[test]
    fn loopback_names_with_or_without_a_port() {
        for good in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.8.9.10:1",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(ok(good), "{good}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "evil.localhost",
            "127.0.0.1.nip.io",
            "128.0.0.1",
            "0.0.0.0:8080",
            "127.1",
            "[::2]:80",
            "[::1",
            "::1",
            "localhost:",
            "localhost:80a",
            "localhost:123456",
            "user@localhost",
        ] {
            assert!(!ok(bad), "{bad}");
        }
    }
}
