//! HTTP transport: one `reqwest::Client` per account, basic auth with the app password,
//! `OCS-APIRequest: true` (without it the security middleware answers HTTP 412 "CSRF check
//! failed"), JSON asked for twice (`Accept: application/json` and `format=json`; the server's
//! default is XML), the retry policy around each call, and the answer decoded inside the
//! attempt so that a retryable status is retried.

use crate::config::NextcloudAuth;
use reqwest::header::{HeaderValue, ACCEPT};
use reqwest::{Method, RequestBuilder};
use std::time::Duration;
use unishare_core::client::{site_root, HttpClient};
use unishare_core::retry::{Idempotency, RetryPolicy};
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
    http: HttpClient,
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
        let trimmed = site_root("nextcloud base_url", base_url)?;
        let shares_url =
            url::Url::parse(&format!("{trimmed}{API_PREFIX}/shares")).map_err(|e| {
                Error::invalid_request(format!("nextcloud base_url {trimmed:?} is not a URL: {e}"))
            })?;
        let NextcloudAuth::AppPassword { user, .. } = &auth;
        if user.is_empty() || user.contains(':') {
            return Err(Error::invalid_request(
                "nextcloud auth.user must be a non-empty login name without ':'",
            ));
        }
        // No redirect is followed (`unishare_core::upstream`): a login page, an http→https
        // or a moved server is an error, never a second request carrying the app password.
        let http = HttpClient::builder("Nextcloud")
            // The OCS share list is one unpaged answer: the default 16 MiB is ~24k links.
            .max_body(unishare_core::client::UNPAGED_LIST_MAX_BODY)
            .build()?;
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
        self.http
            .call(
                &self.policy,
                call.op,
                call.idempotency,
                || self.request(call),
                |answer| decode(answer.status, answer.retry_after, &answer.body),
            )
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

    /// The request of one attempt: the OCS headers and basic auth with the app password.
    fn request(&self, call: &Call<'_>) -> Result<RequestBuilder> {
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
        Ok(rb)
    }
}
