//! The KooDrive client of one account, over the shared `unishare_core::client`:
//! authentication on every request (HMAC signing or the user token), re-authentication once on
//! an auth failure (a single-flight session refresh, or the clock learnt from the server's
//! `Date`), the retry policy, and the envelope check ([`envelope`]).

mod envelope;

pub use envelope::{check, decode, decode_one_pass, envelope};
pub(crate) use envelope::{is_object, plain_success, present};

use crate::auth::{token_header_value, Auth, TokenState};
use crate::dto::RefreshResponse;
use crate::sign::encode;
use crate::trace::trace_id;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use envelope::{decode_checked, read_answer};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::convert::Infallible;
use std::time::Duration;
use unishare_core::client::{site_root, Fresh, HttpClient};
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
    http: HttpClient,
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
        let trimmed = site_root("koodrive base_url", base_url)?;
        // No redirect is followed (unishare_core::upstream): a 3xx is an error, never a
        // second request carrying the body, the session id and the trace id elsewhere.
        let http = HttpClient::builder("KooDrive").build()?;
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
        let answer = match self.http.send(rb).await {
            Ok(a) => a,
            Err(e) => {
                return Exchanged {
                    result: Err(e),
                    server_date: None,
                }
            }
        };
        let server_date = answer.server_date.map(|d| (d, answer.received_at));
        let result = read_answer(answer.status, answer.retry_after, &answer.body, one_pass).map(
            |t| match t {
                Some(t) => Checked::Decoded(t),
                None => Checked::Raw(answer.body),
            },
        );
        Exchanged {
            result,
            server_date,
        }
    }

    /// Refreshes the session unless another task already did since `seen_generation`
    /// (single-flight: concurrent callers wait for the one refresh and use its token).
    async fn refresh(&self, state: &TokenState, seen_generation: u64, trace: &str) -> Result<()> {
        state
            .tokens
            .renew(seen_generation, |token| {
                self.refresh_call(state, token, trace)
            })
            .await?;
        state.mark_ok();
        Ok(())
    }

    /// `POST /session/refresh` with the current token: the new one.
    async fn refresh_call(
        &self,
        state: &TokenState,
        token: Option<Secret>,
        trace: &str,
    ) -> Result<Fresh<Secret>> {
        let token = token.unwrap_or_else(|| state.current().0);
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
        tracing::debug!(account = %self.account, "KooDrive session refreshed");
        Ok(Fresh {
            value: Secret::new(new),
            // The session's expiry slides with use: kept alive by `keep_alive`, renewed on
            // a rejection.
            use_until: None,
        })
    }
}
