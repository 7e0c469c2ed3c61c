//! Authentication state: app signing (stateless) or a user token kept alive by session refresh.

use crate::config::KooDriveAuth;
use crate::sign::{self, SignInput, X_DATE_FORMAT};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use unishare_core::client::TokenCache;
use unishare_core::Secret;

/// Parses an HTTP `Date` header (`Tue, 01 Dec 2026 21:05:12 GMT`).
pub use unishare_core::client::parse_http_date;

/// The user token's sliding expiry is 20 minutes (vendor doc §6.1); refresh after 15 idle.
pub const REFRESH_AFTER: Duration = Duration::from_secs(15 * 60);

/// How often an idle gateway checks whether the session needs its keep-alive refresh: an
/// unused session is refreshed at most this long after [`REFRESH_AFTER`], well within 20 min.
pub const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(60);

/// The `Authorization` value for a user token: the token **exactly as configured or issued**.
/// The session APIs issue it already prefixed (`Bearer+…`); the current authentication page
/// shows the cookie token sent as is. Adding a prefix would turn one of the two into a token
/// the server never issued (`vendors/koodrive.md` §11).
pub fn token_header_value(token: &str) -> &str {
    token
}

/// The offset between the server's clock and ours, learnt from a `Date` answer header, used
/// for app signing: KooDrive rejects an `X-Date` "later than the current time" or more than 15
/// minutes old (KD-C, §6.2, §11).
#[derive(Debug, Default)]
pub struct ClockOffset {
    millis: AtomicI64,
}

impl ClockOffset {
    /// Our clock corrected by the learnt offset.
    pub fn now(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        local + chrono::Duration::milliseconds(self.millis.load(Ordering::Relaxed))
    }

    /// Learns the offset from a `Date` header read at local time `received`. The header has
    /// whole seconds and was written before we read it, so `server_date - received` never
    /// exceeds the true offset: a time signed with it is never in the server's future.
    pub fn correct(&self, server_date: DateTime<Utc>, received: DateTime<Utc>) {
        let millis = (server_date - received).num_milliseconds();
        self.millis.store(millis, Ordering::Relaxed);
    }

    /// The learnt offset in milliseconds (0 until a correction).
    pub fn millis(&self) -> i64 {
        self.millis.load(Ordering::Relaxed)
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
        /// The server clock offset used for `X-Date`.
        clock: ClockOffset,
    },
    /// User token with session refresh.
    Token(TokenState),
}

/// The live user token.
pub struct TokenState {
    /// The token (generation 0 as configured), renewed single-flight by the session refresh.
    pub tokens: TokenCache<Secret>,
    /// `x-session-id`.
    pub session_id: Secret,
    last_ok: Mutex<Instant>,
}

impl TokenState {
    /// The current token and its generation.
    pub fn current(&self) -> (Secret, u64) {
        // The cache starts with the configured token and a renewal only replaces it, so it
        // is never empty; an empty token would be rejected and renewed.
        self.tokens
            .current()
            .map_or_else(|| (Secret::new(""), 0), |t| (t.value, t.generation))
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
                clock: ClockOffset::default(),
            },
            KooDriveAuth::Token { token, session_id } => Auth::Token(TokenState {
                tokens: TokenCache::with_token(token.clone()),
                session_id: session_id.clone(),
                last_ok: Mutex::new(Instant::now()),
            }),
        }
    }

    /// The headers for one request (`url` is the full request URL; `query` its decoded pairs;
    /// `now` our clock, corrected by the learnt server offset for app signing).
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
                clock,
            } => {
                let x_date = clock.now(now).format(X_DATE_FORMAT).to_string();
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
                    headers: vec![(
                        "authorization",
                        token_header_value(token.expose()).to_owned(),
                        true,
                    )],
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
    fn token_is_sent_exactly_as_configured() {
        assert_eq!(token_header_value("Bearer+abc"), "Bearer+abc");
        assert_eq!(token_header_value("Bearer abc"), "Bearer abc");
        assert_eq!(token_header_value("abc"), "abc");
    }

    #[test]
    fn clock_offset_is_learnt_from_the_date_header_and_never_signs_the_future() {
        let clock = ClockOffset::default();
        let local: DateTime<Utc> = "2026-12-01T21:05:12.900Z".parse().unwrap();
        assert_eq!(clock.now(local), local);
        // The server is an hour behind; its header has whole seconds.
        let date = parse_http_date("Tue, 01 Dec 2026 20:05:12 GMT").unwrap();
        clock.correct(date, local);
        assert_eq!(clock.millis(), -3_600_900);
        let signed = clock.now(local).format(X_DATE_FORMAT).to_string();
        assert_eq!(signed, "20261201T200512Z");
        // The server's true time at `local` was at least the header's: never in its future.
        assert!(clock.now(local) <= date + chrono::Duration::milliseconds(999));
        assert!(parse_http_date("yesterday").is_none());
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
