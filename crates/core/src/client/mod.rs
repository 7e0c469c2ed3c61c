//! The HTTP plumbing every vendor client shares (the object_store `client/` idea), so that a
//! vendor crate only shapes its requests, credentials and error codes (`docs/http-client.md`):
//!
//! - [`HttpClient`]: one `reqwest::Client` per account (rustls, connect timeout, pooled
//!   connections) that **never follows a redirect** ([`crate::upstream`]), and
//!   [`HttpClient::send`], which turns one request into a [`Response`] or an [`Error`]:
//!   transport failures mapped with their source kept ([`transport_error`]), a `3xx` as an
//!   `upstream_protocol` error, a body over the size limit refused, `Retry-After` (seconds or
//!   HTTP-date) and the server's `Date` read;
//! - [`HttpClient::call`]: one request per attempt under the account's
//!   [`RetryPolicy`](crate::retry::RetryPolicy) (retries, backoff, breaker, limits), decoded
//!   inside the attempt so that a retryable answer is retried;
//! - [`TokenCache`]: a cached credential with single-flight renewal (one refresh in flight;
//!   concurrent callers wait for it and share its result) and the "a rejection renews once and
//!   sends again" rule ([`TokenCache::call`]).
//!
//! - [`site_root`]: the check of a configured `base_url` (an http(s) URL with a host).
//!
//! What stays in the vendor crate: URLs, headers and signing, the body shape, and the one
//! function that maps the vendor's status and codes to an [`Error`].

mod http;
mod response;
mod site;
mod token;
mod transport;

pub use http::{
    HttpClient, HttpClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, UNPAGED_LIST_MAX_BODY,
};
pub use response::{parse_http_date, Response};
pub use site::site_root;
pub use token::{Authorized, Fresh, Token, TokenCache};
pub use transport::transport_error;

/// The `reqwest` the shared client is built on, for vendor crates that name its types.
pub use reqwest;

#[cfg(test)]
mod tests;
