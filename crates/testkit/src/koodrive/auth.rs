//! Request authentication as KooDrive / Huawei API Gateway do it, implemented independently of
//! the unishare-koodrive crate (the point: a signer bug cannot hide behind a shared helper).
//!
//! - App auth (vendor doc §6.2): `Authorization: HMAC-SHA256 AppId=…,SignedHeaders=…,
//!   Signature=…` with `X-Date` and `X-User-Id`; a bad signature, an `X-Date` more than 15
//!   minutes old or one later than the simulator's clock ("cannot be later than the current
//!   time", KD-C, §11) is `401` with an APIG body.
//! - Token auth (§6.1, §11): the `Authorization` value must be a token exactly as configured
//!   or issued (`Bearer+…` from the session APIs, or a bare cookie token); the simulator adds
//!   or strips no prefix. A live token has a sliding expiry; an unknown or expired token is
//!   answered alternately `401 {"code":401,"msg":"Unauthorized"}` and
//!   `400 {"code":13000101,"msg":"鉴权不通过 …"}` (the status page's "400 = authentication
//!   failed"; the code itself is invented, the real one is undocumented).

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, AsciiSet, NON_ALPHANUMERIC};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const UNRESERVED_KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How old an `X-Date` may be.
const MAX_AGE_SECS: i64 = 15 * 60;

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED_KEPT).to_string()
}

fn dec(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

pub(crate) fn apig(status: u16, code: &str, msg: &str) -> Response {
    let body = json!({
        "error_code": code,
        "error_msg": msg,
        "request_id": uuid::Uuid::new_v4().simple().to_string(),
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Live user sessions.
pub(crate) struct Sessions {
    pub ttl: Duration,
    /// token, exactly as issued → (session id, last use)
    tokens: HashMap<String, (String, Instant)>,
    failures: AtomicU64,
}

impl Sessions {
    pub fn new(token: &str, session_id: &str, ttl: Duration) -> Sessions {
        let mut tokens = HashMap::new();
        tokens.insert(token.to_owned(), (session_id.to_owned(), Instant::now()));
        Sessions {
            ttl,
            tokens,
            failures: AtomicU64::new(0),
        }
    }

    fn token_failure(&self) -> Response {
        let n = self.failures.fetch_add(1, Ordering::Relaxed);
        if n % 2 == 0 {
            (
                StatusCode::UNAUTHORIZED,
                [("content-type", "application/json")],
                json!({"code": 401, "msg": "Unauthorized"}).to_string(),
            )
                .into_response()
        } else {
            (
                StatusCode::BAD_REQUEST,
                [("content-type", "application/json")],
                json!({"code": 13000101, "msg": "鉴权不通过 (authentication failed)"}).to_string(),
            )
                .into_response()
        }
    }

    /// Checks a token and slides its expiry; returns its session id.
    pub fn touch(&mut self, authorization: &str) -> Result<String, Response> {
        let key = authorization.to_owned();
        let ttl = self.ttl;
        match self.tokens.get_mut(&key) {
            Some((sid, last)) if last.elapsed() <= ttl => {
                *last = Instant::now();
                Ok(sid.clone())
            }
            Some(_) => {
                self.tokens.remove(&key);
                Err(self.token_failure())
            }
            None => Err(self.token_failure()),
        }
    }

    /// `POST /session/refresh`: a live token and its session id give a new token.
    pub fn refresh(&mut self, authorization: &str, session_id: &str) -> Result<String, Response> {
        let sid = self.touch(authorization)?;
        if sid != session_id {
            return Err(self.token_failure());
        }
        self.tokens.remove(authorization);
        // Issued already prefixed, as the session APIs document it.
        let new = format!(
            "Bearer+{}{}",
            uuid::Uuid::new_v4().simple(),
            &uuid::Uuid::new_v4().simple().to_string()[..16]
        );
        self.tokens.insert(new.clone(), (sid, Instant::now()));
        Ok(new)
    }
}

/// The app credentials the simulator accepts.
pub(crate) struct AppCredentials {
    pub app_id: String,
    pub app_secret: String,
    pub user_id: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
}

/// Verifies an app-signed request.
pub(crate) fn verify_app(
    creds: &AppCredentials,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), Response> {
    let bad = |why: &str| {
        apig(
            401,
            "APIGW.0303",
            &format!("Incorrect app authentication information: {why}"),
        )
    };
    let authz = header(headers, "authorization");
    let params = authz
        .strip_prefix("HMAC-SHA256 ")
        .ok_or_else(|| bad("unsupported algorithm"))?;
    let mut app_id = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in params.split(',') {
        match part.trim().split_once('=') {
            Some(("AppId", v)) => app_id = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let (Some(app_id), Some(signed_headers), Some(signature)) = (app_id, signed_headers, signature)
    else {
        return Err(bad("authorization header is malformed"));
    };
    if app_id != creds.app_id {
        return Err(bad("app not found"));
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    if !names.contains(&"x-date") || !names.contains(&"x-user-id") {
        return Err(bad("x-date and x-user-id must be signed"));
    }
    let x_date = header(headers, "x-date");
    let Ok(date) = NaiveDateTime::parse_from_str(x_date, "%Y%m%dT%H%M%SZ") else {
        return Err(bad("x-date is malformed"));
    };
    let ahead = date > now.naive_utc();
    if ahead || (now.naive_utc() - date).num_seconds() > MAX_AGE_SECS {
        return Err(bad(&format!(
            "signature expired, x-date {x_date}, server time {}",
            now.format("%Y%m%dT%H%M%SZ")
        )));
    }
    if header(headers, "x-user-id") != creds.user_id {
        return Err(bad("x-user-id is not a user of this app"));
    }
    // Canonical request, step by step.
    let mut uri_part: String = uri
        .path()
        .split('/')
        .map(|seg| enc(&dec(seg)))
        .collect::<Vec<_>>()
        .join("/");
    if !uri_part.ends_with('/') {
        uri_part.push('/');
    }
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (dec(k), dec(v)),
            None => (dec(p), String::new()),
        })
        .collect();
    pairs.sort();
    let query_part = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut header_part = String::new();
    for name in &names {
        let value = if *name == "host" {
            header(headers, "host")
        } else {
            header(headers, name)
        };
        header_part.push_str(&format!("{name}:{value}\n"));
    }
    let canonical = [
        method.as_str().to_owned(),
        uri_part,
        query_part,
        header_part,
        signed_headers.to_owned(),
        hex::encode(Sha256::digest(body)),
    ]
    .join("\n");
    let to_sign = format!(
        "HMAC-SHA256\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(creds.app_secret.as_bytes()) else {
        return Err(bad("bad key"));
    };
    mac.update(to_sign.as_bytes());
    let Ok(given) = hex::decode(signature) else {
        return Err(bad("verify aksk signature fail"));
    };
    mac.verify_slice(&given)
        .map_err(|_| bad("verify aksk signature fail"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_slide_and_expire() {
        let mut s = Sessions::new("Bearer+abc", "sid", Duration::from_millis(50));
        assert!(s.touch("Bearer+abc").is_ok());
        // Exactly as issued: no prefix is added or stripped.
        assert!(s.touch("Bearer abc").is_err());
        assert!(s.touch("abc").is_err());
        assert!(s.touch("Bearer+abc").is_ok());
        assert_eq!(s.touch("Bearer+nope").unwrap_err().status(), 401);
        assert_eq!(s.touch("Bearer+nope").unwrap_err().status(), 400);
        let mut bare = Sessions::new("3b911d72", "sid", Duration::from_secs(60));
        assert!(bare.touch("3b911d72").is_ok());
        assert!(bare.touch("Bearer+3b911d72").is_err());
        let new = s.refresh("Bearer+abc", "sid").unwrap();
        assert!(new.starts_with("Bearer+"));
        assert!(s.touch("Bearer+abc").is_err(), "old token is replaced");
        assert!(s.touch(&new).is_ok());
        std::thread::sleep(Duration::from_millis(80));
        assert!(s.touch(&new).is_err());
    }
}
