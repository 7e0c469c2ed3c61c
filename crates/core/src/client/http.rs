//! [`HttpClient`]: building the account's `reqwest::Client` and sending one request.

use super::response::{self, Response};
use super::transport::transport_error;
use crate::error::{Error, Result};
use crate::retry::{Idempotency, RetryPolicy};
use crate::upstream;
use reqwest::header::LOCATION;
use reqwest::{IntoUrl, Method, RequestBuilder};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// How long a TCP + TLS connect may take unless the vendor says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer body read unless the vendor says otherwise (16 MiB; a vendor's list
/// page is 50–100 KB). A larger one is an `upstream_protocol` error, never buffered.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;
/// The limit for vendors whose share list is one unpaged answer holding every link of the
/// account (Nextcloud's OCS list, Seafile's user list; ~700 bytes a link): 1 GiB, ~1.5M
/// links, so that a large account stays crawlable while an endless body is still cut.
pub const UNPAGED_LIST_MAX_BODY: usize = 1 << 30;
/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Settings of an [`HttpClient`], from [`HttpClient::builder`].
#[derive(Clone, Debug)]
pub struct HttpClientBuilder {
    vendor: &'static str,
    user_agent: Cow<'static, str>,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    max_body: usize,
}

impl HttpClientBuilder {
    /// The `User-Agent` sent (default `unishare/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<Cow<'static, str>>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// A timeout for each whole request, for a client used outside a
    /// [`RetryPolicy`] (whose per-attempt timeout otherwise bounds every request). None by
    /// default.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The largest answer body read, in bytes (default [`DEFAULT_MAX_BODY`]).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Builds the client: rustls, no redirect followed, pooled connections.
    pub fn build(self) -> Result<HttpClient> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(self.user_agent.as_ref())
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            // No redirect is followed (crate::upstream): a 3xx is an error, never a second
            // request carrying the body and the credentials elsewhere.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(t) = self.request_timeout {
            builder = builder.timeout(t);
        }
        let inner = builder
            .build()
            .map_err(|e| Error::internal("could not build the HTTP client").with_source(e))?;
        Ok(HttpClient {
            inner,
            vendor: self.vendor,
            max_body: self.max_body,
        })
    }
}

/// The HTTP client of one account: cheap to clone (clones share the connection pool).
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    vendor: &'static str,
    max_body: usize,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.vendor)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Settings for a client of `vendor` (its display name, as errors say it: `"Cloudreve"`).
    pub fn builder(vendor: &'static str) -> HttpClientBuilder {
        HttpClientBuilder {
            vendor,
            user_agent: Cow::Borrowed(concat!("unishare/", env!("CARGO_PKG_VERSION"))),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// The vendor's display name, as errors say it.
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The largest answer body read, in bytes.
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// A request to shape (headers, body) and pass to [`Self::send`].
    pub fn request(&self, method: Method, url: impl IntoUrl) -> RequestBuilder {
        self.inner.request(method, url)
    }

    /// Sends one request and reads the whole answer, whatever its status: deciding what a
    /// status or body means is the vendor's job. Errors:
    ///
    /// - no answer, or an answer cut short: [`transport_error`] (`upstream_unavailable`,
    ///   retryable, the `reqwest` error as source);
    /// - a `3xx`: [`upstream::redirect_error`] (`upstream_protocol`), its body not read;
    /// - a body over the size limit: `upstream_protocol`, not read further.
    pub async fn send(&self, request: RequestBuilder) -> Result<Response> {
        let resp = request
            .send()
            .await
            .map_err(|e| transport_error(self.vendor, e))?;
        let status = resp.status().as_u16();
        if upstream::is_redirect(status) {
            let location = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok());
            return Err(upstream::redirect_error(self.vendor, status, location));
        }
        response::read(self.vendor, resp, self.max_body).await
    }

    /// One request per attempt under `policy`: `request` shapes it (called once per attempt),
    /// `decode` turns the answer into the result inside the attempt, so that an answer it
    /// calls retryable (a `503`, a `429` with its `Retry-After`) is retried by the policy.
    /// `operation` names the call in metrics.
    pub async fn call<T>(
        &self,
        policy: &RetryPolicy,
        operation: &'static str,
        idempotency: Idempotency,
        request: impl Fn() -> Result<RequestBuilder>,
        decode: impl Fn(Response) -> Result<T>,
    ) -> Result<T> {
        let (request, decode) = (&request, &decode);
        policy
            .run(operation, idempotency, |_| async move {
                decode(self.send(request()?).await?)
            })
            .await
    }
}
