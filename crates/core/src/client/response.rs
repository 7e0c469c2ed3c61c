//! [`Response`]: an answer read whole, under the body size limit.

use super::transport::transport_error;
use crate::error::{Error, Result};
use crate::retry::parse_retry_after;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, DATE, RETRY_AFTER};
use std::time::Duration;

/// One HTTP answer, its body read whole.
#[derive(Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The answer headers.
    pub headers: HeaderMap,
    /// `Retry-After`, in seconds or as an HTTP-date, as a wait from when it was read (capped,
    /// see [`parse_retry_after`]); `None` when absent or unreadable.
    pub retry_after: Option<Duration>,
    /// The server's `Date` header, when readable.
    pub server_date: Option<DateTime<Utc>>,
    /// Our clock when the headers arrived (the `Date` header was written just before).
    pub received_at: DateTime<Utc>,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// Whether the status is `2xx`.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, for an error message (invalid UTF-8 replaced).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// Parses an HTTP date (`Tue, 01 Dec 2026 21:05:12 GMT`, RFC 7231's IMF-fixdate, which is an
/// RFC 2822 date).
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn too_large(vendor: &str, limit: usize) -> Error {
    Error::upstream_protocol(format!(
        "{vendor} answered a body larger than {limit} bytes; not read"
    ))
}

/// Reads an answer whole, refusing a body over `limit` bytes (by its `Content-Length` before
/// reading anything, else as soon as the bytes read pass it).
pub(super) async fn read(
    vendor: &str,
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Response> {
    let received_at = Utc::now();
    let status = resp.status().as_u16();
    let headers = std::mem::take(resp.headers_mut());
    let retry_after = header(&headers, RETRY_AFTER).and_then(parse_retry_after);
    let server_date = header(&headers, DATE).and_then(parse_http_date);
    let length = resp.content_length();
    if length.is_some_and(|n| n > limit as u64) {
        return Err(too_large(vendor, limit));
    }
    // The common answer arrives as one chunk: kept as it is, with no copy.
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut read = 0usize;
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(vendor, e))? {
        read = read.saturating_add(chunk.len());
        if read > limit {
            return Err(too_large(vendor, limit));
        }
        match (&mut first, &mut rest) {
            (None, _) => first = Some(chunk),
            (Some(f), None) => {
                // The announced length when there is one (already checked against the
                // limit), else room to double.
                let want = length.map_or(f.len() * 2, |n| n as usize).max(read);
                let mut buf = BytesMut::with_capacity(want.min(limit));
                buf.extend_from_slice(f);
                buf.extend_from_slice(&chunk);
                rest = Some(buf);
            }
            (Some(_), Some(buf)) => buf.extend_from_slice(&chunk),
        }
    }
    let body = match (rest, first) {
        (Some(buf), _) => buf.freeze(),
        (None, Some(f)) => f,
        (None, None) => Bytes::new(),
    };
    Ok(Response {
        status,
        headers,
        retry_after,
        server_date,
        received_at,
        body,
    })
}
