//! HTTP transport: one `reqwest::Client` per account, basic auth with the app password,
//! `OCS-APIRequest: true` (without it the security middleware answers HTTP 412 "CSRF check
//! failed"), JSON asked for twice (`Accept: application/json` and `format=json`; the server's
//! default is XML), the retry policy around each call, and the answer decoded inside the
//! attempt so that a retryable status is retried.

use crate::config::NextcloudAuth;
use reqwest::header::{HeaderValue, ACCEPT, LOCATION, RETRY_AFTER};
use reqwest::Method;
use std::time::Duration;
use unishare_core::retry::{parse_retry_after, Idempotency, RetryPolicy};
use unishare_core::upstream;
use unishare_core::{AccountName, Error, Result};

/// The API prefix the adapter adds to the configured server root.
pub const API_PREFIX: &str = "/ocs/v2.php/apps/files_sharing/api/v1";

/// One vendor call.
pub struct Call<'a> {
    /// Operation name for errors, logs and metrics (`list`, `get`, `create`, `update`, `revoke`).
    pub op: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path segments after `/shares` (the share id, or none); encoded by the client.
    pub id: Option<&'a str>,
    /// Form fields (`application/x-www-form-urlencoded`), for POST and PUT.
    pub form: Vec<(&'static str, String)>,
    /// Whether the retry policy may repeat it.
    pub idempotency: Idempotency,
}

/// The HTTP client of one account.
pub struct Client {
    http: reqwest::Client,
    shares_url: url::Url,
    account: AccountName,
    auth: NextcloudAuth,
    policy: RetryPolicy,
}

impl Client {
    /// A client for `base_url` (the server root).
    pub fn new(
        account: AccountName,
        base_url: &str,
        auth: NextcloudAuth,
        policy: RetryPolicy,
    ) -> Result<Client> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let shares_url =
            url::Url::parse(&format!("{trimmed}{API_PREFIX}/shares")).map_err(|e| {
                Error::invalid_request(format!("nextcloud base_url {trimmed:?} is not a URL: {e}"))
            })?;
        if !matches!(shares_url.scheme(), "http" | "https") || shares_url.host_str().is_none() {
            return Err(Error::invalid_request(format!(
                "nextcloud base_url {trimmed:?} must be an http(s) URL with a host"
            )));
        }
        let NextcloudAuth::AppPassword { user, .. } = &auth;
        if user.is_empty() || user.contains(':') {
            return Err(Error::invalid_request(
                "nextcloud auth.user must be a non-empty login name without ':'",
            ));
        }
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(10))
            // No redirect is followed (`unishare_core::upstream`).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("unishare/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            shares_url,
            account,
            auth,
            policy,
        })
    }

    /// Runs `call` under the retry policy; `decode` turns each attempt's answer (HTTP status,
    /// `Retry-After`, body) into the result, so that a retryable answer is retried.
    pub async fn call<T>(
        &self,
        call: &Call<'_>,
        decode: impl Fn(u16, Option<Duration>, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let decode = &decode;
        self.policy
            .run(call.op, call.idempotency, |_| async move {
                let (status, retry_after, body) = self.send(call).await?;
                decode(status, retry_after, &body)
            })
            .await
            .map_err(|e| {
                e.in_account(self.account.as_str(), crate::provider())
                    .with_operation(call.op)
            })
    }

    fn url(&self, call: &Call<'_>) -> Result<url::Url> {
        let mut url = self.shares_url.clone();
        if let Some(id) = call.id {
            url.path_segments_mut()
                .map_err(|_| Error::internal("base_url cannot carry a path"))?
                .push(id);
        }
        url.query_pairs_mut().append_pair("format", "json");
        Ok(url)
    }

    async fn send(&self, call: &Call<'_>) -> Result<(u16, Option<Duration>, bytes::Bytes)> {
        let NextcloudAuth::AppPassword { user, app_password } = &self.auth;
        let mut rb = self
            .http
            .request(call.method.clone(), self.url(call)?)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header("OCS-APIRequest", HeaderValue::from_static("true"))
            // reqwest marks the Authorization header sensitive.
            .basic_auth(user, Some(app_password.expose()));
        if !call.form.is_empty() {
            rb = rb.form(&call.form);
        }
        let resp = rb.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers();
        if upstream::is_redirect(status) {
            // A login page, an http→https or a moved server: never followed (the request
            // carries the app password and, on writes, an access code).
            let location = headers.get(LOCATION).and_then(|v| v.to_str().ok());
            return Err(upstream::redirect_error("Nextcloud", status, location));
        }
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = resp.bytes().await.map_err(transport)?;
        Ok((status, retry_after, body))
    }
}

/// A transport failure (connect, timeout, reset, truncated body). The URL is dropped from the
/// message; it holds no secret (credentials travel in the Authorization header) but is noise.
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
    Error::upstream_unavailable(format!("request to Nextcloud {what}")).with_source(e.without_url())
}
