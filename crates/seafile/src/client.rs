//! HTTP transport on the shared client (`unishare_core::client`, `docs/http-client.md`): one
//! [`HttpClient`] per account (no redirect followed, `Retry-After` read, transport failures
//! mapped), `Authorization: Token <key>`, the key obtained at `POST /api2/auth-token/` for
//! password accounts and kept in a [`TokenCache`] (one sign-in at a time, and one more when
//! the server refuses the key), the retry policy around each call, and the answer decoded
//! inside the attempt so that a retryable status (429, 5xx) is retried.

use crate::config::SeafileAuth;
use crate::dto::AuthTokenDto;
use crate::error::{is_auth_refusal, map_error};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::Method;
use unishare_core::client::{site_root, Authorized, Fresh, HttpClient, TokenCache};
use unishare_core::retry::{Idempotency, RetryPolicy};
use unishare_core::{AccountName, Error, Result, Secret};

/// A vendor answer: status, headers, `Retry-After`, body (the shared client's
/// [`Response`](unishare_core::client::Response)).
pub use unishare_core::client::Response as Answer;

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

/// What Seafile's answers add to the shared [`Answer`].
pub trait AnswerExt {
    /// The body of a 2xx answer; any other status mapped into an error for `op`
    /// ([`map_error`]).
    fn ok(&self, op: &'static str) -> Result<&[u8]>;
    /// Whether the answer carried `X-Seafile-OTP: required` (two-factor sign-in asked).
    fn otp_required(&self) -> bool;
}

impl AnswerExt for Answer {
    fn ok(&self, op: &'static str) -> Result<&[u8]> {
        if self.is_success() {
            Ok(&self.body)
        } else {
            Err(map_error(op, self.status, &self.body, self.retry_after))
        }
    }

    fn otp_required(&self) -> bool {
        self.headers
            .get("x-seafile-otp")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("required"))
    }
}

/// The HTTP client of one account.
pub struct Client {
    http: HttpClient,
    root: url::Url,
    account: AccountName,
    auth: SeafileAuth,
    /// The configured key (generation 0, never renewed) or the signed-in one.
    tokens: TokenCache<Secret>,
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
        let trimmed = site_root("seafile base_url", base_url)?;
        let root = url::Url::parse(&format!("{trimmed}/")).map_err(|e| {
            Error::invalid_request(format!("seafile base_url {trimmed:?} is not a URL: {e}"))
        })?;
        let tokens = match &auth {
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
            SeafileAuth::Token { token } => TokenCache::with_token(token.clone()),
            SeafileAuth::Password { .. } => TokenCache::new(),
        };
        // The user list is one unpaged answer: the default 16 MiB is ~24k links.
        let http = HttpClient::builder("Seafile")
            .max_body(unishare_core::client::UNPAGED_LIST_MAX_BODY)
            .build()?;
        Ok(Client {
            http,
            root,
            account,
            auth,
            tokens,
            policy,
        })
    }

    /// Runs `call` under the retry policy; `decode` turns each attempt's answer into the
    /// result, so that a retryable answer is retried. A password account whose token is
    /// refused signs in again once per attempt (single-flight) and resends.
    pub async fn call<T>(
        &self,
        call: &Call<'_>,
        decode: impl Fn(&Answer) -> Result<T>,
    ) -> Result<T> {
        let decode = &decode;
        let renewable = matches!(self.auth, SeafileAuth::Password { .. });
        self.policy
            .run(call.op, call.idempotency, |_| async move {
                let answer = self
                    .tokens
                    .call(
                        |_previous| self.login(),
                        |token| async move {
                            let answer = self.send(call, &token).await?;
                            Ok(
                                if renewable && is_auth_refusal(answer.status, &answer.body) {
                                    Authorized::Rejected(map_error(
                                        call.op,
                                        answer.status,
                                        &answer.body,
                                        answer.retry_after,
                                    ))
                                } else {
                                    Authorized::Done(answer)
                                },
                            )
                        },
                    )
                    .await?;
                decode(&answer)
            })
            .await
            .map_err(|e| {
                e.in_account(self.account.as_str(), crate::provider())
                    .with_operation(call.op)
            })
    }

    /// `POST /api2/auth-token/` with `username` and `password` (a v1 token: no device fields).
    async fn login(&self) -> Result<Fresh<Secret>> {
        let SeafileAuth::Password { username, password } = &self.auth else {
            return Err(Error::upstream_auth(
                "Seafile refused the configured token (method = \"token\" is never renewed)",
            ));
        };
        if self.tokens.current().is_some() {
            tracing::info!(account = %self.account, "Seafile refused the token; signing in again");
        }
        let url = self.url(&["api2", "auth-token"], &[])?;
        let form = [
            ("username", username.as_str()),
            ("password", password.expose()),
        ];
        let answer = self
            .http
            .send(
                self.http
                    .request(Method::POST, url)
                    .header(ACCEPT, HeaderValue::from_static("application/json"))
                    .form(&form),
            )
            .await?;
        if answer.otp_required() {
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
            .map(|t| Fresh {
                value: Secret::new(t),
                use_until: None,
            })
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
        self.http.send(rb).await
    }
}
