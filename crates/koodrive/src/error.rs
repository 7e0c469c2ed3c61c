//! The one place KooDrive errors become [`unishare_core::Error`] kinds.
//!
//! Three body forms are understood (vendor doc §7, §6.5, §9):
//! - KooDrive's own `{"code": 13000309, "msg": "资源不存在"}` (code number or string);
//! - Huawei API-gateway `{"error_code": "APIGW.0308", "error_msg": …, "request_id": …}`;
//! - Drive-Kit style `{"error": {"code"|"errorCode": …, "description"|"reason"|"message": …,
//!   "errorData": …}}`.

use serde_json::Value;
use std::time::Duration;
use unishare_core::lenient::Code;
use unishare_core::{Error, ErrorKind};

/// Parameter validation failed.
pub const CODE_BAD_PARAMS: i64 = 13000102;
/// Internal error, retryable.
pub const CODE_INTERNAL: i64 = 13000201;
/// Resource does not exist.
pub const CODE_NOT_FOUND: i64 = 13000309;
/// No permission on the space.
pub const CODE_NO_PERMISSION: i64 = 13000410;
/// "Space does not match the team" (current reference, `vendors/koodrive.md` §11).
pub const CODE_SPACE_MISMATCH: i64 = 13000415;
/// "File name: Max. 250 characters" (current reference, §11).
pub const CODE_NAME_TOO_LONG: i64 = 13000417;

const MAX_MSG: usize = 300;

/// What an error body says, whatever its form.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct VendorError {
    /// The code as text (`"13000309"`, `"APIGW.0308"`, `"4016"`).
    pub code: Option<String>,
    /// The message.
    pub msg: Option<String>,
    /// The body was an API-gateway (`error_code`) body.
    pub apig: bool,
    /// The body was a Drive-Kit style `{"error": {…}}` body.
    pub drive_kit: bool,
}

impl VendorError {
    /// Reads the error fields of a JSON body (any of the three forms).
    pub fn from_json(v: &Value) -> VendorError {
        if let Some(code) = v.get("error_code").and_then(scalar) {
            return VendorError {
                code: Some(code),
                msg: v.get("error_msg").and_then(scalar),
                apig: true,
                drive_kit: false,
            };
        }
        if let Some(err) = v.get("error").filter(|e| e.is_object()) {
            let detail = err
                .get("errorDetail")
                .and_then(|d| d.get(0))
                .unwrap_or(&Value::Null);
            let pick = |keys: &[&str]| {
                keys.iter()
                    .find_map(|k| detail.get(*k).and_then(scalar))
                    .or_else(|| keys.iter().find_map(|k| err.get(*k).and_then(scalar)))
            };
            return VendorError {
                code: pick(&["errorCode", "error_code", "code"]),
                msg: pick(&["description", "reason", "message", "msg", "errorData"]),
                apig: false,
                drive_kit: true,
            };
        }
        VendorError {
            code: v.get("code").and_then(scalar),
            msg: ["msg", "message", "error_msg"]
                .iter()
                .find_map(|k| v.get(*k).and_then(scalar)),
            apig: false,
            drive_kit: false,
        }
    }

    fn numeric(&self) -> Option<i64> {
        self.code.as_deref().and_then(|c| c.trim().parse().ok())
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(_) | Value::Array(_) => Some(v.to_string()),
        _ => None,
    }
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_MSG) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Maps an error answer (HTTP status, `Retry-After`, raw body) to an [`Error`].
///
/// Also used for a 2xx answer whose envelope `code` is a non-zero number. A JSON object with
/// none of the three forms' code fields (a tenant's customised gateway body) is read like a
/// non-JSON body: by its HTTP status alone (`vendors/koodrive.md` §11).
pub fn map_error(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Error {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if is_vendor_body(&v) => classify(status, retry_after, &VendorError::from_json(&v)),
        Ok(v) if v.is_object() => foreign(status, retry_after, body),
        _ => non_json(status, retry_after, body),
    }
}

/// An object in one of the three known forms: a `code`, an `error_code` or an `error` object.
fn is_vendor_body(v: &Value) -> bool {
    v.get("code").is_some_and(|c| !c.is_null())
        || v.get("error_code").is_some()
        || v.get("error").is_some_and(Value::is_object)
}

/// Maps one per-id result of `POST /share/cancel` (already known not to be 0).
pub fn map_sub_result(code: &Code, msg: Option<&str>) -> Error {
    classify(
        200,
        None,
        &VendorError {
            code: Some(code.to_string()),
            msg: msg.map(str::to_owned),
            ..VendorError::default()
        },
    )
}

fn non_json(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Error {
    let snippet = truncate(String::from_utf8_lossy(body).trim());
    let text = if snippet.is_empty() {
        format!("KooDrive answered HTTP {status} with an empty body")
    } else {
        format!("KooDrive answered HTTP {status} with a non-JSON body: {snippet}")
    };
    by_status(status, retry_after, text)
}

fn foreign(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Error {
    let snippet = truncate(String::from_utf8_lossy(body).trim());
    by_status(
        status,
        retry_after,
        format!("KooDrive answered HTTP {status} with a body in no known error form: {snippet}"),
    )
}

/// The kind of an answer whose body says nothing we can read: throttling, authentication and
/// server errors by their status; anything else is a protocol error naming the status.
fn by_status(status: u16, retry_after: Option<Duration>, text: String) -> Error {
    match status {
        429 => Error::new(ErrorKind::RateLimited { retry_after }, text),
        401 => Error::upstream_auth(text),
        500..=599 => Error::upstream_unavailable(text),
        _ => Error::upstream_protocol(text),
    }
}

fn is_apig_code(code: &str, suffixes: &[&str]) -> bool {
    (code.starts_with("APIGW.") || code.starts_with("APIG."))
        && suffixes.iter().any(|s| code.ends_with(s))
}

/// Auth words in a 400 answer's code or message (the doc's "鉴权不通过", §6.5).
fn looks_like_auth(e: &VendorError) -> bool {
    const WORDS: [&str; 10] = [
        "auth",
        "鉴权",
        "认证",
        "授权",
        "token",
        "session",
        "signature",
        "登录",
        "login",
        "会话",
    ];
    let hay = format!(
        "{} {}",
        e.code.as_deref().unwrap_or(""),
        e.msg.as_deref().unwrap_or("")
    )
    .to_lowercase();
    WORDS.iter().any(|w| hay.contains(w))
}

/// The kind table. Order matters: throttling, then authentication, then business codes, then
/// the HTTP status.
fn classify(status: u16, retry_after: Option<Duration>, e: &VendorError) -> Error {
    let code = e.code.clone().unwrap_or_default();
    let msg = truncate(e.msg.as_deref().unwrap_or("no message"));
    let text = if code.is_empty() {
        format!("KooDrive answered HTTP {status}: {msg}")
    } else {
        format!("KooDrive {code}: {msg}")
    };
    let numeric = e.numeric();
    // Drive Kit: "the business code is the last 4 digits of the actual code".
    let dk = numeric.filter(|_| e.drive_kit).map(|n| n % 10_000);
    let known = matches!(
        numeric,
        Some(
            CODE_BAD_PARAMS
                | CODE_INTERNAL
                | CODE_NOT_FOUND
                | CODE_NO_PERMISSION
                | CODE_SPACE_MISMATCH
                | CODE_NAME_TOO_LONG
        )
    );

    let err = if status == 429 || is_apig_code(&code, &[".0308"]) {
        Error::new(ErrorKind::RateLimited { retry_after }, text)
    } else if status == 401
        || is_apig_code(&code, &[".0301", ".0303"])
        || matches!(dk, Some(4011 | 4012 | 4015 | 4016 | 4017 | 4020))
        || (status == 400 && !known && looks_like_auth(e))
    {
        Error::upstream_auth(text)
    } else if let Some(n) = numeric.filter(|_| known) {
        match n {
            CODE_BAD_PARAMS | CODE_SPACE_MISMATCH | CODE_NAME_TOO_LONG => {
                Error::invalid_request(text)
            }
            CODE_NOT_FOUND => Error::not_found(text),
            CODE_NO_PERMISSION => Error::new(ErrorKind::Forbidden, text),
            _ => Error::upstream_unavailable(text),
        }
    } else if matches!(dk, Some(4031..=4039)) || status == 403 {
        Error::new(ErrorKind::Forbidden, text)
    } else if status >= 500 {
        Error::upstream_unavailable(text)
    } else if status == 404 {
        Error::not_found(text)
    } else if (400..500).contains(&status) {
        Error::invalid_request(text)
    } else {
        Error::upstream_protocol(format!("unexpected answer: {text}"))
    };
    if code.is_empty() {
        err
    } else {
        err.with_vendor_code(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(status: u16, body: Value) -> Error {
        map_error(status, None, body.to_string().as_bytes())
    }

    #[test]
    fn business_codes() {
        let e = m(
            400,
            json!({"code": 13000102, "msg": "Verify parameters failed."}),
        );
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.vendor_code(), Some("13000102"));
        assert_eq!(
            m(400, json!({"code": "13000309", "msg": "资源不存在"})).kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            m(400, json!({"code": 13000410, "msg": "x"})).kind(),
            ErrorKind::Forbidden
        );
        let e = m(
            500,
            json!({"code": 13000201, "msg": "Call internal server failed."}),
        );
        assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
        assert!(e.is_retryable());
        // Unknown code on a 2xx: protocol error naming code and message.
        let e = m(200, json!({"code": 777, "msg": "boom"}));
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
        assert!(e.message().contains("777") && e.message().contains("boom"));
        assert_eq!(
            m(400, json!({"code": 13000302, "msg": "x"})).kind(),
            ErrorKind::InvalidRequest
        );
    }

    #[test]
    fn auth_failures() {
        assert_eq!(
            m(401, json!({"code": 401, "msg": "Unauthorized"})).kind(),
            ErrorKind::UpstreamAuth
        );
        assert_eq!(map_error(401, None, b"").kind(), ErrorKind::UpstreamAuth);
        assert_eq!(
            m(400, json!({"code": "13000100", "msg": "鉴权不通过"})).kind(),
            ErrorKind::UpstreamAuth
        );
        assert_eq!(
            m(400, json!({"code": 1, "msg": "invalid token"})).kind(),
            ErrorKind::UpstreamAuth
        );
        for c in ["APIGW.0301", "APIGW.0303", "APIG.0301", "APIG.0303"] {
            let e = m(
                400,
                json!({"error_code": c, "error_msg": "Incorrect app authentication information", "request_id": "r"}),
            );
            assert_eq!(e.kind(), ErrorKind::UpstreamAuth, "{c}");
            assert_eq!(e.vendor_code(), Some(c));
        }
        let e = m(
            401,
            json!({"error": {"code": "21004016", "description": "session expired"}}),
        );
        assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
    }

    #[test]
    fn throttling() {
        let body = json!({"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second", "request_id": "r"});
        let e = map_error(
            429,
            Some(Duration::from_secs(3)),
            body.to_string().as_bytes(),
        );
        assert_eq!(
            e.kind(),
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert!(e.is_retryable());
        let e = m(400, json!({"error_code": "APIG.0308", "error_msg": "x"}));
        assert!(matches!(
            e.kind(),
            ErrorKind::RateLimited { retry_after: None }
        ));
        assert!(matches!(
            map_error(429, None, b"slow down").kind(),
            ErrorKind::RateLimited { .. }
        ));
    }

    #[test]
    fn drive_kit_error_objects() {
        let e = m(
            400,
            json!({"error": {"errorCode": "21004002", "reason": "validation failed", "errorData": {"f": 1}}}),
        );
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.vendor_code(), Some("21004002"));
        assert!(e.message().contains("validation failed"));
        let e = m(400, json!({"error": {"errorData": "bad scope"}}));
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(e.message().contains("bad scope"));
        let e = m(
            403,
            json!({"error": {"code": 4035, "description": "no permission"}}),
        );
        assert_eq!(e.kind(), ErrorKind::Forbidden);
        let e = m(503, json!({"error": {"description": "down"}}));
        assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
    }

    #[test]
    fn current_reference_codes_are_client_errors() {
        // The bodies as the error table gives them (HTTP 400), and inside a 200 answer.
        for (code, msg) in [
            (13000415, "Space does not match the team"),
            (13000417, "File name: Max. 250 characters"),
        ] {
            for status in [400, 200] {
                let e = m(status, json!({"code": code, "msg": msg}));
                assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{code} on {status}");
                assert_eq!(e.vendor_code(), Some(code.to_string().as_str()));
                assert!(e.message().contains(msg), "{e}");
            }
            let e = map_sub_result(&Code::Text(code.to_string()), Some(msg));
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        }
    }

    #[test]
    fn foreign_json_bodies_are_read_by_status() {
        // A tenant-customised gateway body: none of the known code fields.
        let body = json!({"message": "Request blocked by tenant policy", "status": "DENIED"});
        let e = m(400, body.clone());
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
        assert!(e.message().contains("HTTP 400"), "{e}");
        assert!(e.message().contains("no known error form"), "{e}");
        assert_eq!(m(404, body.clone()).kind(), ErrorKind::UpstreamProtocol);
        assert_eq!(m(401, body.clone()).kind(), ErrorKind::UpstreamAuth);
        assert!(matches!(
            m(429, body.clone()).kind(),
            ErrorKind::RateLimited { .. }
        ));
        let e = m(503, body);
        assert_eq!(e.kind(), ErrorKind::UpstreamUnavailable);
        assert!(e.is_retryable());
        assert_eq!(
            m(400, json!({"code": null, "msg": "x"})).kind(),
            ErrorKind::UpstreamProtocol
        );
    }

    #[test]
    fn non_json_bodies() {
        assert_eq!(
            map_error(502, None, b"<html>Bad Gateway</html>").kind(),
            ErrorKind::UpstreamUnavailable
        );
        let e = map_error(400, None, b"<html>oops</html>");
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
        assert!(e.message().contains("non-JSON"));
        assert_eq!(
            map_error(404, None, b"[1,2]").kind(),
            ErrorKind::UpstreamProtocol
        );
    }

    #[test]
    fn sub_results() {
        assert_eq!(
            map_sub_result(&Code::Num(CODE_NOT_FOUND), Some("资源不存在")).kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            map_sub_result(&Code::Num(CODE_NO_PERMISSION), None).kind(),
            ErrorKind::Forbidden
        );
        assert_eq!(
            map_sub_result(&Code::Text("weird".into()), None).kind(),
            ErrorKind::UpstreamProtocol
        );
    }
}
