//! HTTP transport and the KooDrive envelope: one `reqwest::Client`, authentication on every
//! request, re-authentication once on an auth failure, the retry policy, and the check that
//! turns a `{code, msg}` answer into success or an [`Error`].

use crate::auth::{parse_http_date, token_header_value, Auth, TokenState};
use crate::dto::RefreshResponse;
use crate::error::map_error;
use crate::sign::encode;
use crate::trace::trace_id;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, DATE, LOCATION, RETRY_AFTER};
use reqwest::Method;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::Value;
use std::convert::Infallible;
use std::time::Duration;
use unishare_core::retry::parse_retry_after;
use unishare_core::retry::{Idempotency, RetryPolicy};
use unishare_core::{AccountName, CallContext, Error, ErrorKind, Result, Secret};

/// The API prefix the adapter adds to the configured base URL.
pub const API_PREFIX: &str = "/koodrive/ose/v1";

/// The carrier-name header, mandatory on carrier-edition APIs (KD-C, `vendors/koodrive.md` §1).
pub const AGENT_NAME_HEADER: &str = "X-Hw-Agentname";

/// One vendor call.
pub struct Call {
    /// Operation name for errors and logs (`list`, `get`, `create`, `update`, `revoke`).
    pub op: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path under `/koodrive/ose/v1`, segments already encoded.
    pub path: String,
    /// Query parameters, decoded.
    pub query: Vec<(String, String)>,
    /// JSON body bytes.
    pub body: Option<Vec<u8>>,
    /// Whether the retry policy may repeat it.
    pub idempotency: Idempotency,
}

/// A one-pass decoder of a 2xx answer body: the value when the body is a success envelope
/// that decodes cleanly, `None` when unsure (see [`Client::call_one_pass`]).
pub type OnePass<T> = fn(&[u8]) -> Option<T>;

/// An answer that passed the envelope check.
enum Checked<T> {
    /// Decoded by the call's one-pass decoder (the envelope was checked in the same pass).
    Decoded(T),
    /// Checked by [`check`]; still to be decoded.
    Raw(Bytes),
}

/// The HTTP client of one account.
pub struct Client {
    http: reqwest::Client,
    base: String,
    account: AccountName,
    auth: Auth,
    policy: RetryPolicy,
    agent_name: Option<HeaderValue>,
}

/// What one exchange brought back: the checked answer and the server's `Date` header with the
/// local time it was read at.
struct Exchanged<T> {
    result: Result<Checked<T>>,
    server_date: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Client {
    /// A client for `base_url` (the service root); `agent_name` is sent as
    /// [`AGENT_NAME_HEADER`] on every request when set (a carrier account).
    pub fn new(
        account: AccountName,
        base_url: &str,
        auth: Auth,
        policy: RetryPolicy,
        agent_name: Option<&str>,
    ) -> Result<Client> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let parsed = url::Url::parse(trimmed).map_err(|e| {
            Error::invalid_request(format!("koodrive base_url {trimmed:?} is not a URL: {e}"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::invalid_request(format!(
                "koodrive base_url {trimmed:?} must be an http(s) URL with a host"
            )));
        }
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("unishare/", env!("CARGO_PKG_VERSION")))
            // No redirect is followed (unishare_core::upstream): a 3xx is an error, never a
            // second request carrying the body, the session id and the trace id elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))?;
        let agent_name = match agent_name {
            None => None,
            Some(name) if name.trim().is_empty() => {
                return Err(Error::invalid_request("koodrive agent_name is empty"))
            }
            Some(name) => Some(HeaderValue::from_str(name).map_err(|_| {
                Error::invalid_request(format!(
                    "koodrive agent_name {name:?} cannot be sent as the {AGENT_NAME_HEADER} header"
                ))
            })?),
        };
        Ok(Client {
            http,
            base: format!("{trimmed}{API_PREFIX}"),
            account,
            auth,
            policy,
            agent_name,
        })
    }

    /// Runs a call under the retry policy and decodes the answer.
    pub async fn call<T: DeserializeOwned>(&self, call: &Call, ctx: &CallContext) -> Result<T> {
        self.call_one_pass(call, ctx, |_| None).await
    }

    /// Refreshes a user-token session that has seen no successful call for `idle` (a call
    /// renews the vendor's sliding expiry; an idle session dies after 20 minutes). No call for
    /// app signing or a session used recently.
    pub async fn keep_alive(&self, idle: Duration, ctx: &CallContext) -> Result<()> {
        let Auth::Token(state) = &self.auth else {
            return Ok(());
        };
        if state.idle_for() < idle {
            return Ok(());
        }
        let (_, generation) = state.current();
        let trace = trace_id(ctx.request_id.as_deref());
        self.refresh(state, generation, &trace).await.map_err(|e| {
            e.in_account(self.account.as_str(), crate::provider())
                .with_operation("keep_alive")
        })
    }

    /// True when the session is refreshed by [`Self::keep_alive`] (user-token auth).
    pub fn has_session(&self) -> bool {
        matches!(self.auth, Auth::Token(_))
    }

    /// [`Client::call`] with a one-pass decoder: `one_pass` may read a 2xx answer's envelope
    /// and content in a single pass (a list page is 50–100 KB); it returns `None` whenever it
    /// is not sure (an error envelope, an odd record), and the answer then goes through the
    /// usual [`check`] and `T`'s own `Deserialize`, so both paths accept exactly the same answers.
    pub async fn call_one_pass<T: DeserializeOwned>(
        &self,
        call: &Call,
        ctx: &CallContext,
        one_pass: OnePass<T>,
    ) -> Result<T> {
        let trace = trace_id(ctx.request_id.as_deref());
        let result = self
            .policy
            .run(call.op, call.idempotency, |_| {
                self.attempt(call, &trace, one_pass)
            })
            .await
            .and_then(|answer| match answer {
                Checked::Decoded(t) => Ok(t),
                Checked::Raw(body) => decode_checked::<T>(&body),
            });
        result.map_err(|e| {
            e.in_account(self.account.as_str(), crate::provider())
                .with_operation(call.op)
        })
    }

    /// One attempt: authenticate, send; on an auth failure re-authenticate once and resend.
    async fn attempt<T>(
        &self,
        call: &Call,
        trace: &str,
        one_pass: OnePass<T>,
    ) -> Result<Checked<T>> {
        if let Auth::Token(state) = &self.auth {
            if state.is_stale() {
                let (_, generation) = state.current();
                self.refresh(state, generation, trace).await?;
            }
        }
        let (first, generation) = self.send(call, trace, one_pass).await;
        let err = match first.result {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == ErrorKind::UpstreamAuth => e,
            Err(e) => return Err(e),
        };
        match &self.auth {
            Auth::Token(state) => {
                tracing::debug!(account = %self.account, error = %err, "KooDrive rejected the token; refreshing the session");
                self.refresh(state, generation, trace).await?;
            }
            Auth::App { clock, .. } => {
                // A time or signature rejection: take the server's clock from its `Date`
                // header (an X-Date in its future, or older than 15 minutes, is refused),
                // then sign once more.
                if let Some((server, received)) = first.server_date {
                    clock.correct(server, received);
                }
                tracing::debug!(account = %self.account, error = %err, clock_offset_ms = clock.millis(), "KooDrive rejected the signature; signing again");
            }
        }
        match self.send(call, trace, one_pass).await.0.result {
            Err(e) if e.kind() == ErrorKind::UpstreamAuth => {
                let again = Error::upstream_auth(format!(
                    "KooDrive rejected our credentials after re-authenticating: {}",
                    e.message()
                ));
                Err(match e.vendor_code() {
                    Some(code) => again.with_vendor_code(code.to_owned()),
                    None => again,
                })
            }
            other => other,
        }
    }

    fn url(&self, call: &Call) -> Result<url::Url> {
        let mut s = format!("{}{}", self.base, call.path);
        if !call.query.is_empty() {
            s.push('?');
            let q: Vec<String> = call
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            s.push_str(&q.join("&"));
        }
        url::Url::parse(&s).map_err(|e| Error::internal(format!("bad request URL: {e}")))
    }

    /// Sends once; returns the token generation used with the outcome.
    async fn send<T>(&self, call: &Call, trace: &str, one_pass: OnePass<T>) -> (Exchanged<T>, u64) {
        let failed = |e: Error| Exchanged {
            result: Err(e),
            server_date: None,
        };
        let url = match self.url(call) {
            Ok(u) => u,
            Err(e) => return (failed(e), 0),
        };
        let body = call.body.as_deref().unwrap_or_default();
        let auth = self.auth.headers(
            call.method.as_str(),
            &url,
            &call.query,
            body,
            chrono::Utc::now(),
        );
        let mut rb = self.request(call.method.clone(), url.as_str(), trace);
        for (name, value, sensitive) in auth.headers {
            match HeaderValue::from_str(&value) {
                Ok(mut v) => {
                    v.set_sensitive(sensitive);
                    rb = rb.header(name, v);
                }
                Err(_) => {
                    return (
                        failed(Error::invalid_request(format!(
                            "the configured credentials cannot be sent as the {name} header"
                        ))),
                        auth.generation,
                    )
                }
            }
        }
        if let Some(b) = &call.body {
            rb = rb
                .header(CONTENT_TYPE, "application/json;charset=UTF-8")
                .body(b.clone());
        }
        let out = self.exchange(rb, one_pass).await;
        if out.result.is_ok() {
            if let Auth::Token(state) = &self.auth {
                state.mark_ok();
            }
        }
        (out, auth.generation)
    }

    /// A request with the headers every call carries: `Accept`, `X-Traceid` and, for a
    /// carrier account, `X-Hw-Agentname`.
    fn request(&self, method: Method, url: &str, trace: &str) -> reqwest::RequestBuilder {
        let rb = self
            .http
            .request(method, url)
            .header(ACCEPT, "application/json")
            .header("X-Traceid", trace);
        match &self.agent_name {
            Some(agent) => rb.header(AGENT_NAME_HEADER, agent.clone()),
            None => rb,
        }
    }

    async fn exchange<T>(&self, rb: reqwest::RequestBuilder, one_pass: OnePass<T>) -> Exchanged<T> {
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                return Exchanged {
                    result: Err(transport(e)),
                    server_date: None,
                }
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers();
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let server_date = headers
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
            .map(|d| (d, Utc::now()));
        if unishare_core::upstream::is_redirect(status) {
            let location = headers.get(LOCATION).and_then(|v| v.to_str().ok());
            return Exchanged {
                result: Err(unishare_core::upstream::redirect_error(
                    "KooDrive", status, location,
                )),
                server_date,
            };
        }
        let result = match resp.bytes().await {
            Err(e) => Err(transport(e)),
            Ok(bytes) => read_answer(status, retry_after, &bytes, one_pass).map(|t| match t {
                Some(t) => Checked::Decoded(t),
                None => Checked::Raw(bytes),
            }),
        };
        Exchanged {
            result,
            server_date,
        }
    }

    /// Refreshes the session unless another task already did since `seen_generation`.
    async fn refresh(&self, state: &TokenState, seen_generation: u64, trace: &str) -> Result<()> {
        let _guard = state.refresh_lock.lock().await;
        let (token, generation) = state.current();
        if generation != seen_generation {
            return Ok(());
        }
        let mut auth = HeaderValue::from_str(token_header_value(token.expose()))
            .map_err(|_| Error::invalid_request("the configured token is not a valid header"))?;
        auth.set_sensitive(true);
        let mut sid = HeaderValue::from_str(state.session_id.expose()).map_err(|_| {
            Error::invalid_request("the configured session_id is not a valid header")
        })?;
        sid.set_sensitive(true);
        let rb = self
            .request(
                Method::POST,
                &format!("{}/session/refresh", self.base),
                trace,
            )
            .header("Authorization", auth)
            .header("x-session-id", sid);
        let answer = self.exchange::<Infallible>(rb, |_| None).await;
        let body = answer.result.map_err(|e| {
            if e.kind() == ErrorKind::UpstreamAuth {
                Error::upstream_auth(format!(
                    "KooDrive session refresh was rejected (the session is over; issue a new token): {}",
                    e.message()
                ))
            } else {
                e
            }
        })?;
        let body: RefreshResponse = match body {
            Checked::Decoded(never) => match never {},
            Checked::Raw(body) => decode_checked(&body)?,
        };
        let new = body
            .into_access_token()
            .ok_or_else(|| Error::upstream_protocol("session refresh answer has no accessToken"))?;
        state.replace(Secret::new(new));
        tracing::debug!(account = %self.account, "KooDrive session refreshed");
        Ok(())
    }
}

fn transport(e: reqwest::Error) -> Error {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    Error::upstream_unavailable(format!("request to KooDrive {what}: {}", e.without_url()))
}

/// The fields of an answer that decide whether it is an error; everything else is skipped
/// without building a tree.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    code: Option<Value>,
    /// Present at all (even `null`): [`envelope`] treats the key itself as an error.
    #[serde(default, deserialize_with = "present")]
    error_code: bool,
    #[serde(default)]
    error: Option<IgnoredAny>,
}

/// `true` for any value, `null` included (with `default`, an absent key is `false`).
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Whether a body is a JSON object, by its first byte: only an object may take a fast path (a
/// derived struct would also accept an array).
pub(crate) fn is_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The common success of a 2xx object answer, from its envelope fields: `code` absent, null,
/// `0` or `"0"`; no `error_code` key; no non-null `error`. Anything else is for [`envelope`]
/// to judge (which also accepts a few odd codes, and names the error).
pub(crate) fn plain_success(code: Option<&Value>, error_code: bool, error: bool) -> bool {
    let code_ok = match code {
        None | Some(Value::Null) => true,
        Some(Value::Number(n)) => n.as_i64() == Some(0),
        Some(Value::String(s)) => s.trim() == "0",
        Some(_) => false,
    };
    code_ok && !error_code && !error
}

/// Checks an answer ([`envelope`]'s rules) without decoding it: the common success (`code`
/// absent, `0` or `"0"`, no error fields) is read in one pass with no allocation but the code;
/// anything else goes through [`envelope`], which names the error.
pub fn check(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Result<()> {
    if (200..300).contains(&status) && is_object(body) {
        if let Ok(head) = serde_json::from_slice::<Head>(body) {
            if plain_success(head.code.as_ref(), head.error_code, head.error.is_some()) {
                return Ok(());
            }
        }
    }
    envelope(status, retry_after, body).map(drop)
}

/// Checks an answer, decoding it on the way when `one_pass` can (`Some`); `None` = checked,
/// still to be decoded.
fn read_answer<T>(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    one_pass: OnePass<T>,
) -> Result<Option<T>> {
    if (200..300).contains(&status) {
        if let Some(t) = one_pass(body) {
            return Ok(Some(t));
        }
    }
    check(status, retry_after, body)?;
    Ok(None)
}

/// Decodes a checked answer into `T`.
fn decode_checked<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice::<T>(body).map_err(|e| {
        Error::upstream_protocol(format!("KooDrive answer has an unexpected shape: {e}"))
    })
}

/// Checks an answer and decodes it into `T` (what every call does after the HTTP exchange).
pub fn decode<T: DeserializeOwned>(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<T> {
    check(status, retry_after, body)?;
    decode_checked(body)
}

/// What [`Client::call_one_pass`] does after the HTTP exchange: `one_pass` first, then
/// [`decode`].
pub fn decode_one_pass<T: DeserializeOwned>(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    one_pass: OnePass<T>,
) -> Result<T> {
    match read_answer(status, retry_after, body, one_pass)? {
        Some(t) => Ok(t),
        None => decode_checked(body),
    }
}

/// Checks the envelope of an answer: non-2xx is an error; on 2xx a non-zero numeric `code`, an
/// API-gateway `error_code` or an `{"error": …}` object is an error. A non-numeric `code` on a
/// 2xx (the docs' placeholder `"string"`) is accepted and logged at debug.
pub fn envelope(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Result<Value> {
    if !(200..300).contains(&status) {
        return Err(map_error(status, retry_after, body));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        Error::upstream_protocol(format!(
            "KooDrive answered HTTP {status} with a body that is not JSON: {e}"
        ))
    })?;
    let Some(obj) = v.as_object() else {
        return Err(Error::upstream_protocol(format!(
            "KooDrive answered HTTP {status} with a JSON {} instead of an object",
            kind_of(&v)
        )));
    };
    if obj.contains_key("error_code") || obj.get("error").is_some_and(Value::is_object) {
        return Err(map_error(status, retry_after, body));
    }
    let numeric = match obj.get("code") {
        None | Some(Value::Null) => Some(0),
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                tracing::debug!(code = %s, "KooDrive sent a non-numeric code on a 2xx answer; accepting it");
                Some(0)
            }
        },
        Some(other) => {
            tracing::debug!(code = %other, "KooDrive sent an odd code on a 2xx answer; accepting it");
            Some(0)
        }
    };
    match numeric {
        Some(0) => Ok(v),
        _ => Err(map_error(status, retry_after, body)),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(status: u16, body: Value) -> Result<Value> {
        envelope(status, None, body.to_string().as_bytes())
    }

    /// The fast check accepts and rejects exactly what `envelope` does.
    #[test]
    fn check_agrees_with_envelope() {
        let bodies: &[&[u8]] = &[
            b"{}",
            br#"{"code":0,"nextCursor":"x","shareLinks":[]}"#,
            br#"{"code":"0"}"#,
            br#" {"code":null}"#,
            br#"{"code":13000309,"msg":"gone"}"#,
            br#"{"code":"13000102"}"#,
            br#"{"code":0,"error_code":null}"#,
            br#"{"code":0,"error_code":"APIGW.0308","error_msg":"limit"}"#,
            br#"{"code":0,"error":null}"#,
            br#"{"code":0,"error":{"code":"x"}}"#,
            br#"{"code":0,"error":"text"}"#,
            br#"{"code":"string"}"#,
            br#"{"code":true}"#,
            b"[]",
            b"[0]",
            b"[null]",
            b"0",
            b"\"text\"",
            b"not json",
            b"",
        ];
        for body in bodies {
            for status in [200, 400, 500] {
                let fast = check(status, None, body).is_ok();
                let full = envelope(status, None, body).is_ok();
                assert_eq!(fast, full, "{status} {}", String::from_utf8_lossy(body));
            }
        }
    }

    #[test]
    fn success_codes() {
        assert!(env(200, json!({"code": 0})).is_ok());
        assert!(env(200, json!({"code": "0"})).is_ok());
        assert!(env(200, json!({"code": "string", "shareLinks": []})).is_ok());
        assert!(env(200, json!({"shareLinks": []})).is_ok());
        assert!(env(200, json!({"code": null})).is_ok());
    }

    #[test]
    fn failures_on_2xx() {
        assert_eq!(
            env(200, json!({"code": 13000309, "msg": "x"}))
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            env(200, json!({"code": "13000102"})).unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
        assert!(matches!(
            env(200, json!({"error_code": "APIGW.0308", "error_msg": "x"}))
                .unwrap_err()
                .kind(),
            ErrorKind::RateLimited { .. }
        ));
        assert_eq!(
            env(200, json!({"error": {"description": "x"}}))
                .unwrap_err()
                .kind(),
            ErrorKind::UpstreamProtocol
        );
        assert_eq!(
            env(200, json!([1])).unwrap_err().kind(),
            ErrorKind::UpstreamProtocol
        );
        assert_eq!(
            envelope(200, None, b"not json").unwrap_err().kind(),
            ErrorKind::UpstreamProtocol
        );
    }
}
