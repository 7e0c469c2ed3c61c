//! HTTP transport and the response envelope: one request in, one decoded envelope out.
//! Knows nothing about tokens' lifecycle or what a code means beyond "0 = ok".

use crate::dto::Envelope;
use crate::error::{http_status_error, not_an_envelope};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use unishare_core::client::HttpClient;
use unishare_core::lenient::Code;
use unishare_core::{Error, Secret};
use url::Url;

/// Header through which Cloudreve accepts a caller's correlation id (a UUID).
const CORRELATION_HEADER: &str = "x-cr-correlation-id";

/// A decoded, non-transport answer: the envelope's code, message and data.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The envelope `code` (0 = success).
    pub code: i64,
    /// The envelope `msg`.
    pub msg: String,
    /// The envelope `data`, when present.
    pub data: Option<Box<RawValue>>,
}

/// One request.
pub(crate) struct Call<'a, B: Serialize> {
    pub method: Method,
    /// Path segments after `/api/v4`, each percent-encoded as needed.
    pub path: &'a [&'a str],
    pub query: &'a [(&'a str, &'a str)],
    pub body: Option<&'a B>,
    pub bearer: Option<&'a Secret>,
    /// Forwarded as `X-Cr-Correlation-Id` when it is a UUID.
    pub correlation_id: Option<&'a str>,
}

/// The shared HTTP client of one account.
#[derive(Clone, Debug)]
pub(crate) struct Http {
    client: HttpClient,
    api_base: Url,
}

impl Http {
    pub(crate) fn new(api_base: Url) -> Result<Self, Error> {
        // No redirect is followed (unishare_core::upstream): a 3xx is an error.
        let client = HttpClient::builder("Cloudreve")
            .user_agent(concat!("unishare-cloudreve/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Http { client, api_base })
    }

    /// The API root, `{site}/api/v4`.
    pub(crate) fn api_base(&self) -> &Url {
        &self.api_base
    }

    /// Sends one request and decodes the envelope. Transport failures, non-200 answers and
    /// bodies that are not the envelope are errors; any envelope code is an [`Answer`].
    pub(crate) async fn send<B: Serialize>(&self, call: Call<'_, B>) -> Result<Answer, Error> {
        decode_envelope(&self.send_raw(call).await?)
    }

    /// Sends one request; the body of a `200` answer, not yet decoded. Transport failures and
    /// non-200 answers are errors.
    pub(crate) async fn send_raw<B: Serialize>(&self, call: Call<'_, B>) -> Result<Bytes, Error> {
        let mut url = self.api_base.clone();
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|_| Error::internal("base_url cannot carry a path"))?;
            segs.pop_if_empty();
            segs.extend(call.path);
        }
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query);
        }
        let mut headers = HeaderMap::new();
        if let Some(token) = call.bearer {
            let mut v =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    Error::upstream_protocol("the access token is not a valid header value")
                })?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        if let Some(id) = call.correlation_id.filter(|id| is_uuid(id)) {
            if let Ok(v) = HeaderValue::from_str(id) {
                headers.insert(CORRELATION_HEADER, v);
            }
        }
        let mut req = self.client.request(call.method, url).headers(headers);
        if let Some(body) = call.body {
            req = req.json(body);
        }
        let answer = self.client.send(req).await?;
        if answer.status != 200 {
            return Err(http_status_error(
                answer.status,
                answer.retry_after,
                &answer.text(),
            ));
        }
        Ok(answer.body)
    }
}

/// Decodes the first JSON value of a body as the envelope. Only the first value is read: the
/// batch-delete route is documented to write two concatenated objects on error.
pub(crate) fn decode_envelope(bytes: &[u8]) -> Result<Answer, Error> {
    // The body as text only for an error message (a success never pays for it).
    let text = || String::from_utf8_lossy(bytes);
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Envelope>();
    let env = match stream.next() {
        Some(Ok(env)) => env,
        Some(Err(e)) => return Err(not_an_envelope(&text(), &e.to_string())),
        None => return Err(not_an_envelope(&text(), "empty body")),
    };
    let code = match env.code {
        Some(Code::Num(n)) => n,
        Some(Code::Text(t)) => {
            return Err(Error::upstream_protocol(format!(
                "Cloudreve envelope code {t:?} is not a number"
            )))
        }
        None => return Err(not_an_envelope(&text(), "no code")),
    };
    if code != 0 {
        if let Some(id) = &env.correlation_id {
            tracing::debug!(code, correlation_id = %id, "Cloudreve answered an error code");
        }
    }
    Ok(Answer {
        code,
        msg: env.msg.unwrap_or_default(),
        data: env.data,
    })
}

/// Decodes an envelope's `data` (absent = `null`) into `T`.
pub(crate) fn from_data<T: DeserializeOwned>(data: Option<&RawValue>) -> serde_json::Result<T> {
    serde_json::from_str(data.map_or("null", RawValue::get))
}

/// True for the canonical 8-4-4-4-12 hex form.
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use unishare_core::ErrorKind;

    #[test]
    fn envelope_forms() {
        let a = decode_envelope(br#"{"code":0,"msg":""}"#).unwrap();
        assert_eq!(a.code, 0);
        assert!(a.data.is_none());
        let a = decode_envelope(br#"{"code":"40001","msg":"bad","data":null}"#).unwrap();
        assert_eq!(a.code, 40001);
        // Two concatenated objects (batch delete bug): the first one counts.
        let a = decode_envelope(br#"{"code":-1,"msg":"x"}{"code":0,"msg":""}"#).unwrap();
        assert_eq!(a.code, -1);
        for bad in [
            "<html>hi</html>",
            "",
            "404 page not found",
            "{\"msg\":\"\"}",
            "{\"code\":0",
        ] {
            let e = decode_envelope(bad.as_bytes()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UpstreamProtocol, "{bad}");
        }
    }

    #[test]
    fn uuid_check() {
        assert!(is_uuid("b4351ecc-ee1a-4455-bc94-2c3dbcc58538"));
        assert!(!is_uuid("behavior-suite"));
        assert!(!is_uuid("b4351ecc-ee1a-4455-bc94-2c3dbcc5853g"));
    }
}
