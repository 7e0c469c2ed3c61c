//! Authentication state: app signing (stateless) or a user token kept alive by session refresh.

use crate::config::KooDriveAuth;
use crate::sign::{self, SignInput, X_DATE_FORMAT};
use chrono::{DateTime, Utc};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use unishare_core::Secret;

/// The user token's sliding expiry is 20 minutes (vendor doc §6.1); refresh after 15 idle.
pub const REFRESH_AFTER: Duration = Duration::from_secs(15 * 60);

/// How often an idle gateway checks whether the session needs its keep-alive refresh: an
/// unused session is refreshed at most this long after [`REFRESH_AFTER`], well within 20 min.
pub const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(60);

/// The `Authorization` value for a user token, sent **as issued**: KooDrive issues tokens
/// already prefixed (`Bearer+…`), and every API page says the format is `Bearer+{token}`.
/// A value that already starts with `Bearer+` or `Bearer ` is sent unchanged; a bare token gets
/// `Bearer+` (whether `Bearer <token>` is accepted too is UNCONFIRMED, §10 q6).
pub fn token_header_value(token: &str) -> String {
    let t = token.trim();
    if t.starts_with("Bearer+") || t.starts_with("Bearer ") {
        t.to_owned()
    } else {
        format!("Bearer+{t}")
    }
}

/// Headers that authenticate one request.
pub struct AuthHeaders {
    /// `(name, value, sensitive)`.
    pub headers: Vec<(&'static str, String, bool)>,
    /// The token generation used (0 for app auth); a failed call passes it back so that only
    /// one refresh happens for many concurrent failures.
    pub generation: u64,
}

/// Per-account authentication.
pub enum Auth {
    /// HMAC app signing.
    App {
        /// AppId.
        app_id: String,
        /// AppSecret.
        app_secret: Secret,
        /// `X-User-Id`.
        user_id: String,
    },
    /// User token with session refresh.
    Token(TokenState),
}

/// The live user token.
pub struct TokenState {
    current: RwLock<(Secret, u64)>,
    /// `x-session-id`.
    pub session_id: Secret,
    last_ok: Mutex<Instant>,
    /// Single-flight guard of the refresh call.
    pub refresh_lock: tokio::sync::Mutex<()>,
}

impl TokenState {
    /// The current token and its generation.
    pub fn current(&self) -> (Secret, u64) {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Installs a refreshed token.
    pub fn replace(&self, token: Secret) {
        let mut cur = self.current.write().unwrap_or_else(|p| p.into_inner());
        cur.0 = token;
        cur.1 += 1;
        drop(cur);
        self.mark_ok();
    }

    /// Records a successful call (the vendor's sliding expiry restarts).
    pub fn mark_ok(&self) {
        *self.last_ok.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// How long since the last successful call (or refresh).
    pub fn idle_for(&self) -> Duration {
        self.last_ok
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
    }

    /// True when the session should be refreshed before the next call.
    pub fn is_stale(&self) -> bool {
        self.idle_for() > REFRESH_AFTER
    }
}

impl Auth {
    /// Builds the state from the configuration.
    pub fn new(config: &KooDriveAuth) -> Auth {
        match config {
            KooDriveAuth::App {
                app_id,
                app_secret,
                user_id,
            } => Auth::App {
                app_id: app_id.clone(),
                app_secret: app_secret.clone(),
                user_id: user_id.clone(),
            },
            KooDriveAuth::Token { token, session_id } => Auth::Token(TokenState {
                current: RwLock::new((token.clone(), 0)),
                session_id: session_id.clone(),
                last_ok: Mutex::new(Instant::now()),
                refresh_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The headers for one request (`url` is the full request URL; `query` its decoded pairs).
    pub fn headers(
        &self,
        method: &str,
        url: &url::Url,
        query: &[(String, String)],
        body: &[u8],
        now: DateTime<Utc>,
    ) -> AuthHeaders {
        match self {
            Auth::App {
                app_id,
                app_secret,
                user_id,
            } => {
                let x_date = now.format(X_DATE_FORMAT).to_string();
                let host = host_header(url);
                let signed = sign::sign(
                    app_id,
                    app_secret.expose(),
                    &SignInput {
                        method,
                        path: url.path(),
                        query,
                        host: &host,
                        x_date: &x_date,
                        user_id,
                        body,
                    },
                );
                AuthHeaders {
                    headers: vec![
                        ("authorization", signed.authorization, true),
                        ("x-date", x_date, false),
                        ("x-user-id", user_id.clone(), false),
                    ],
                    generation: 0,
                }
            }
            Auth::Token(state) => {
                let (token, generation) = state.current();
                AuthHeaders {
                    headers: vec![("authorization", token_header_value(token.expose()), true)],
                    generation,
                }
            }
        }
    }
}

/// `host` or `host:port` as the HTTP client sends it (port only when not the default).
pub fn host_header(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_sent_as_issued() {
        assert_eq!(token_header_value("Bearer+abc"), "Bearer+abc");
        assert_eq!(token_header_value("Bearer abc"), "Bearer abc");
        assert_eq!(token_header_value("abc"), "Bearer+abc");
    }

    #[test]
    fn host_keeps_non_default_ports() {
        let u = url::Url::parse("http://127.0.0.1:8080/x").unwrap();
        assert_eq!(host_header(&u), "127.0.0.1:8080");
        let u = url::Url::parse("https://cn.myhuaweicloud-koodrive.com:443/x").unwrap();
        assert_eq!(host_header(&u), "cn.myhuaweicloud-koodrive.com");
    }

    #[test]
    fn app_headers_are_signed_with_the_current_time() {
        let auth = Auth::new(&KooDriveAuth::App {
            app_id: "id".into(),
            app_secret: Secret::new("sec"),
            user_id: "42".into(),
        });
        let url = url::Url::parse("https://h.example/koodrive/ose/v1/share?pageSize=1").unwrap();
        let now: DateTime<Utc> = "2024-09-09T03:33:25Z".parse().unwrap();
        let q = vec![("pageSize".to_string(), "1".to_string())];
        let h = auth.headers("GET", &url, &q, b"", now);
        let get = |n: &str| {
            h.headers
                .iter()
                .find(|(k, ..)| *k == n)
                .map(|(_, v, _)| v.clone())
        };
        assert_eq!(get("x-date").as_deref(), Some("20240909T033325Z"));
        assert_eq!(get("x-user-id").as_deref(), Some("42"));
        let authz = get("authorization").unwrap();
        assert!(authz
            .starts_with("HMAC-SHA256 AppId=id,SignedHeaders=host;x-date;x-user-id,Signature="));
        assert!(!authz.contains("sec,"));
    }
}
