//! The KooDrive envelope: the check that turns a `{code, msg}` answer (or an API-gateway
//! `error_code`, or an `{"error": …}` object) into success or an [`Error`], and decoding.

use crate::error::map_error;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;
use unishare_core::{Error, Result};

use super::OnePass;

/// The fields of an answer that decide whether it is an error; everything else is skipped
/// without building a tree.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    code: Option<Value>,
    /// Present at all (even `null`): [`envelope`] treats the key itself as an error.
    #[serde(default, deserialize_with = "present")]
    error_code: bool,
    #[serde(default)]
    error: Option<IgnoredAny>,
}

/// `true` for any value, `null` included (with `default`, an absent key is `false`).
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Whether a body is a JSON object, by its first byte: only an object may take a fast path (a
/// derived struct would also accept an array).
pub(crate) fn is_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The common success of a 2xx object answer, from its envelope fields: `code` absent, null,
/// `0` or `"0"`; no `error_code` key; no non-null `error`. Anything else is for [`envelope`]
/// to judge (which also accepts a few odd codes, and names the error).
pub(crate) fn plain_success(code: Option<&Value>, error_code: bool, error: bool) -> bool {
    let code_ok = match code {
        None | Some(Value::Null) => true,
        Some(Value::Number(n)) => n.as_i64() == Some(0),
        Some(Value::String(s)) => s.trim() == "0",
        Some(_) => false,
    };
    code_ok && !error_code && !error
}

/// Checks an answer ([`envelope`]'s rules) without decoding it: the common success (`code`
/// absent, `0` or `"0"`, no error fields) is read in one pass with no allocation but the code;
/// anything else goes through [`envelope`], which names the error.
pub fn check(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Result<()> {
    if (200..300).contains(&status) && is_object(body) {
        if let Ok(head) = serde_json::from_slice::<Head>(body) {
            if plain_success(head.code.as_ref(), head.error_code, head.error.is_some()) {
                return Ok(());
            }
        }
    }
    envelope(status, retry_after, body).map(drop)
}

/// Checks an answer, decoding it on the way when `one_pass` can (`Some`); `None` = checked,
/// still to be decoded.
pub(super) fn read_answer<T>(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    one_pass: OnePass<T>,
) -> Result<Option<T>> {
    if (200..300).contains(&status) {
        if let Some(t) = one_pass(body) {
            return Ok(Some(t));
        }
    }
    check(status, retry_after, body)?;
    Ok(None)
}

/// Decodes a checked answer into `T`.
pub(super) fn decode_checked<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice::<T>(body).map_err(|e| {
        Error::upstream_protocol(format!("KooDrive answer has an unexpected shape: {e}"))
    })
}

/// Checks an answer and decodes it into `T` (what every call does after the HTTP exchange).
pub fn decode<T: DeserializeOwned>(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<T> {
    check(status, retry_after, body)?;
    decode_checked(body)
}

/// What [`Client::call_one_pass`] does after the HTTP exchange: `one_pass` first, then
/// [`decode`].
pub fn decode_one_pass<T: DeserializeOwned>(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    one_pass: OnePass<T>,
) -> Result<T> {
    match read_answer(status, retry_after, body, one_pass)? {
        Some(t) => Ok(t),
        None => decode_checked(body),
    }
}

/// Checks the envelope of an answer: non-2xx is an error; on 2xx a non-zero numeric `code`, an
/// API-gateway `error_code` or an `{"error": …}` object is an error. A non-numeric `code` on a
/// 2xx (the docs' placeholder `"string"`) is accepted and logged at debug.
pub fn envelope(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Result<Value> {
    if !(200..300).contains(&status) {
        return Err(map_error(status, retry_after, body));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        Error::upstream_protocol(format!(
            "KooDrive answered HTTP {status} with a body that is not JSON: {e}"
        ))
    })?;
    let Some(obj) = v.as_object() else {
        return Err(Error::upstream_protocol(format!(
            "KooDrive answered HTTP {status} with a JSON {} instead of an object",
            kind_of(&v)
        )));
    };
    if obj.contains_key("error_code") || obj.get("error").is_some_and(Value::is_object) {
        return Err(map_error(status, retry_after, body));
    }
    let numeric = match obj.get("code") {
        None | Some(Value::Null) => Some(0),
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                tracing::debug!(code = %s, "KooDrive sent a non-numeric code on a 2xx answer; accepting it");
                Some(0)
            }
        },
        Some(other) => {
            tracing::debug!(code = %other, "KooDrive sent an odd code on a 2xx answer; accepting it");
            Some(0)
        }
    };
    match numeric {
        Some(0) => Ok(v),
        _ => Err(map_error(status, retry_after, body)),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use unishare_core::ErrorKind;

    fn env(status: u16, body: Value) -> Result<Value> {
        envelope(status, None, body.to_string().as_bytes())
    }

    /// The fast check accepts and rejects exactly what `envelope` does.
    #[test]
    fn check_agrees_with_envelope() {
        let bodies: &[&[u8]] = &[
            b"{}",
            br#"{"code":0,"nextCursor":"x","shareLinks":[]}"#,
            br#"{"code":"0"}"#,
            br#" {"code":null}"#,
            br#"{"code":13000309,"msg":"gone"}"#,
            br#"{"code":"13000102"}"#,
            br#"{"code":0,"error_code":null}"#,
            br#"{"code":0,"error_code":"APIGW.0308","error_msg":"limit"}"#,
            br#"{"code":0,"error":null}"#,
            br#"{"code":0,"error":{"code":"x"}}"#,
            br#"{"code":0,"error":"text"}"#,
            br#"{"code":"string"}"#,
            br#"{"code":true}"#,
            b"[]",
            b"[0]",
            b"[null]",
            b"0",
            b"\"text\"",
            b"not json",
            b"",
        ];
        for body in bodies {
            for status in [200, 400, 500] {
                let fast = check(status, None, body).is_ok();
                let full = envelope(status, None, body).is_ok();
                assert_eq!(fast, full, "{status} {}", String::from_utf8_lossy(body));
            }
        }
    }

    #[test]
    fn success_codes() {
        assert!(env(200, json!({"code": 0})).is_ok());
        assert!(env(200, json!({"code": "0"})).is_ok());
        assert!(env(200, json!({"code": "string", "shareLinks": []})).is_ok());
        assert!(env(200, json!({"shareLinks": []})).is_ok());
        assert!(env(200, json!({"code": null})).is_ok());
    }

    #[test]
    fn failures_on_2xx() {
        assert_eq!(
            env(200, json!({"code": 13000309, "msg": "x"}))
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            env(200, json!({"code": "13000102"})).unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
        assert!(matches!(
            env(200, json!({"error_code": "APIGW.0308", "error_msg": "x"}))
                .unwrap_err()
                .kind(),
            ErrorKind::RateLimited { .. }
        ));
        assert_eq!(
            env(200, json!({"error": {"description": "x"}}))
                .unwrap_err()
                .kind(),
            ErrorKind::UpstreamProtocol
        );
        assert_eq!(
            env(200, json!([1])).unwrap_err().kind(),
            ErrorKind::UpstreamProtocol
        );
        assert_eq!(
            envelope(200, None, b"not json").unwrap_err().kind(),
            ErrorKind::UpstreamProtocol
        );
    }
}
