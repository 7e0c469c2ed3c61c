//! Transport failures (no HTTP answer, or an answer cut short) as [`Error`]s.

use crate::error::Error;

/// Maps a `reqwest` failure to a retryable `upstream_unavailable` error naming `vendor` and
/// what failed (`timed out`, `could not connect`, `failed while reading the answer`, or
/// `failed`), with the `reqwest` error kept as its [source](std::error::Error::source).
///
/// The URL is dropped from the source: ours hold no secret (credentials travel in headers or
/// bodies) but a share id or a query is noise in a log line.
pub fn transport_error(vendor: &str, err: reqwest::Error) -> Error {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "failed while reading the answer"
    } else {
        "failed"
    };
    Error::upstream_unavailable(format!("request to {vendor} {what}"))
        .with_source(err.without_url())
}
