//! HTTP transport: one `reqwest::Client` per account, `Authorization: Token <key>`, the key
//! obtained at `POST /api2/auth-token/` for password accounts (once, and once more when the
//! server refuses it), the retry policy around each call, no redirect followed
//! (`unishare_core::upstream`), and the answer decoded inside the attempt so that a retryable
//! status (429, 5xx) is retried.

use crate::config::SeafileAuth;
use crate::dto::AuthTokenDto;
use crate::error::{is_auth_refusal, map_error};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, LOCATION, RETRY_AFTER};
use reqwest::Method;
use std::time::Duration;
use unishare_core::retry::{parse_retry_after, Idempotency, RetryPolicy};
use unishare_core::upstream;
use unishare_core::{AccountName, Error, Result, Secret};

/// One vendor call.
pub struct Call<'a> {
    /// Operation name for errors, logs and metrics.
    pub op: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path segments after the seahub root (`["api", "v2.1", "share-links", token]`); each is
    /// encoded, and the path gets seahub's trailing slash.
    pub path: Vec<&'a str>,
    /// Query parameters.
    pub query: Vec<(&'static str, String)>,
    /// Form fields (`application/x-www-form-urlencoded`), for POST and PUT.
    pub form: Vec<(&'static str, String)>,
    /// Whether the retry policy may repeat it.
    pub idempotency: Idempotency,
}

impl<'a> Call<'a> {
    /// A call with no query and no form.
    pub fn new(op: &'static str, method: Method, path: Vec<&'a str>) -> Self {
        let idempotency = if method == Method::POST {
            Idempotency::NonIdempotent
        } else {
            Idempotency::Idempotent
        };
        Call {
            op,
            method,
            path,
            query: Vec::new(),
            form: Vec::new(),
            idempotency,
        }
    }
}

/// A vendor answer: status, `Retry-After`, body.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, when sent.
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: bytes::Bytes,
    /// Whether the answer carried `X-Seafile-OTP: required` (two-factor sign-in asked).
    pub otp_required: bool,
}

impl Answer {
    /// The body of a 2xx answer; any other status mapped into an error for `op`.
    pub fn ok(&self, op: &'static str) -> Result<&[u8]> {
        if (200..300).contains(&self.status) {
            Ok(&self.body)
        } else {
            Err(map_error(op, self.status, &self.body, self.retry_after))
        }
    }
}

/// The HTTP client of one account.
pub struct Client {
    http: reqwest::Client,
    root: url::Url,
    account: AccountName,
    auth: SeafileAuth,
    token: tokio::sync::Mutex<Option<Secret>>,
    policy: RetryPolicy,
}

impl Client {
    /// A client for `base_url` (the seahub root). Checks the URL and the credentials' form;
    /// makes no network call.
    pub fn new(
        account: AccountName,
        base_url: &str,
        auth: SeafileAuth,
        policy: RetryPolicy,
    ) -> Result<Client> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let root = url::Url::parse(&format!("{trimmed}/")).map_err(|e| {
            Error::invalid_request(format!("seafile base_url {trimmed:?} is not a URL: {e}"))
        })?;
        if !matches!(root.scheme(), "http" | "https")
            || root.host_str().is_none()
            || root.cannot_be_a_base()
            || root.query().is_some()
        {
            return Err(Error::invalid_request(format!(
                "seafile base_url {trimmed:?} must be an http(s) URL with a host and no query"
            )));
        }
        match &auth {
            SeafileAuth::Token { token }
                if token.is_empty() || token.expose().contains(char::is_whitespace) =>
            {
                return Err(Error::invalid_request(
                    "seafile auth.token must be a non-empty key without spaces",
                ))
            }
            SeafileAuth::Password { username, password }
                if username.trim().is_empty() || password.is_empty() =>
            {
                return Err(Error::invalid_request(
                    "seafile auth.username and auth.password must not be empty",
                ))
            }
            _ => {}
        }
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(10))
            // No redirect is followed (`unishare_core::upstream`).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("unishare/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))?;
        let token = match &auth {
            SeafileAuth::Token { token } => Some(token.clone()),
            SeafileAuth::Password { .. } => None,
        };
        Ok(Client {
            http,
            root,
            account,
            auth,
            token: tokio::sync::Mutex::new(token),
            policy,
        })
    }

    /// Runs `call` under the retry policy; `decode` turns each attempt's answer into the
    /// result, so that a retryable answer is retried. A password account whose token is
    /// refused logs in again once per attempt and resends.
    pub async fn call<T>(
        &self,
        call: &Call<'_>,
        decode: impl Fn(&Answer) -> Result<T>,
    ) -> Result<T> {
        let decode = &decode;
        self.policy
            .run(call.op, call.idempotency, |_| async move {
                let token = self.token().await?;
                let mut answer = self.send(call, &token).await?;
                if matches!(self.auth, SeafileAuth::Password { .. })
                    && is_auth_refusal(answer.status, &answer.body)
                {
                    let renewed = self.renew(&token).await?;
                    answer = self.send(call, &renewed).await?;
                }
                decode(&answer)
            })
            .await
            .map_err(|e| {
                e.in_account(self.account.as_str(), crate::provider())
                    .with_operation(call.op)
            })
    }

    /// The current token, logging in first when there is none.
    async fn token(&self) -> Result<Secret> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let fresh = self.login().await?;
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    /// A new token after `stale` was refused; a concurrent call that renewed already wins.
    async fn renew(&self, stale: &Secret) -> Result<Secret> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref() {
            if t != stale {
                return Ok(t.clone());
            }
        }
        tracing::info!(account = %self.account, "Seafile refused the token; signing in again");
        let fresh = self.login().await?;
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    /// `POST /api2/auth-token/` with `username` and `password` (a v1 token: no device fields).
    async fn login(&self) -> Result<Secret> {
        let SeafileAuth::Password { username, password } = &self.auth else {
            return Err(Error::upstream_auth(
                "Seafile refused the configured token (method = \"token\" is never renewed)",
            ));
        };
        let url = self.url(&["api2", "auth-token"], &[])?;
        let form = [
            ("username", username.as_str()),
            ("password", password.expose()),
        ];
        let resp = self
            .http
            .post(url)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let answer = read(resp).await?;
        if answer.otp_required {
            return Err(Error::upstream_auth(
                "Seafile asks for a two-factor code at /api2/auth-token/: use auth method = \"token\" for this account",
            )
            .with_vendor_code(format!("http:{}", answer.status)));
        }
        let body = answer.ok("auth")?;
        let dto: AuthTokenDto = serde_json::from_slice(body).map_err(|e| {
            Error::upstream_protocol(format!("unreadable /api2/auth-token/ answer: {e}"))
        })?;
        dto.token
            .filter(|t| !t.is_empty() && !t.contains(char::is_whitespace))
            .map(Secret::new)
            .ok_or_else(|| Error::upstream_protocol("the /api2/auth-token/ answer has no token"))
    }

    fn url(&self, segments: &[&str], query: &[(&'static str, String)]) -> Result<url::Url> {
        let mut url = self.root.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|_| Error::internal("base_url cannot carry a path"))?;
            path.pop_if_empty();
            for s in segments {
                path.push(s);
            }
            // seahub's routes end with a slash.
            path.push("");
        }
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    async fn send(&self, call: &Call<'_>, token: &Secret) -> Result<Answer> {
        let mut auth = HeaderValue::from_str(&format!("Token {}", token.expose()))
            .map_err(|_| Error::upstream_auth("the Seafile token is not a valid header value"))?;
        auth.set_sensitive(true);
        let mut rb = self
            .http
            .request(call.method.clone(), self.url(&call.path, &call.query)?)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(AUTHORIZATION, auth);
        if !call.form.is_empty() {
            rb = rb.form(&call.form);
        }
        read(rb.send().await.map_err(transport)?).await
    }
}

/// Reads an answer; a redirect is an error (never followed).
async fn read(resp: reqwest::Response) -> Result<Answer> {
    let status = resp.status().as_u16();
    let headers = resp.headers();
    if upstream::is_redirect(status) {
        let location = headers.get(LOCATION).and_then(|v| v.to_str().ok());
        return Err(upstream::redirect_error("Seafile", status, location));
    }
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let otp_required = headers
        .get("x-seafile-otp")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("required"));
    let body = resp.bytes().await.map_err(transport)?;
    Ok(Answer {
        status,
        retry_after,
        body,
        otp_required,
    })
}

/// A transport failure (connect, timeout, reset, truncated body), without the URL.
fn transport(e: reqwest::Error) -> Error {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "failed while reading the answer"
    } else {
        "failed"
    };
    Error::upstream_unavailable(format!("request to Seafile {what}")).with_source(e.without_url())
}
