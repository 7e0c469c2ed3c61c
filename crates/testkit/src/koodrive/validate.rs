//! Answer helpers and request-body checks of the simulated routes (the vendor's documented
//! constraints: `vendors/koodrive.md` §3.1, §3.4, §5).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use serde_json::{json, Map, Value};

/// A KooDrive business error: `{"code": …, "msg": …}` with an HTTP status.
pub(crate) fn business(status: u16, code: i64, msg: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        [("content-type", "application/json")],
        json!({"code": code, "msg": msg}).to_string(),
    )
        .into_response()
}

pub(crate) fn bad_params(why: &str) -> Response {
    business(400, 13000102, &format!("Verify parameters failed. {why}"))
}

pub(crate) fn not_found() -> Response {
    business(400, 13000309, "资源不存在")
}

pub(crate) fn parse_json(body: &[u8]) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(bad_params("body must be a JSON object")),
    }
}

pub(crate) fn int_field(m: &Map<String, Value>, key: &str) -> Option<i64> {
    match m.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn string_list(m: &Map<String, Value>, key: &str) -> Result<Vec<String>, Response> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad_params(key)))
            .collect(),
        Some(_) => Err(bad_params(key)),
    }
}

pub(crate) fn check_code(code: &str) -> Result<(), Response> {
    if code.len() == 8 && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(bad_params("extractCode must be [0-9a-zA-Z]{8}"))
    }
}

pub(crate) fn check_comment(m: &Map<String, Value>) -> Result<Option<String>, Response> {
    match m.get("comment") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(c)) if c.chars().count() < 512 => Ok(Some(c.clone())),
        Some(_) => Err(bad_params(
            "comment must be a string of fewer than 512 characters",
        )),
    }
}

pub(crate) fn check_expire_time(m: &Map<String, Value>) -> Result<(), Response> {
    match m.get("expireTime") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) => {
            let iso = DateTime::parse_from_rfc3339(s).is_ok();
            let plain = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok();
            if iso || plain || s.is_empty() {
                Ok(())
            } else {
                Err(bad_params("expireTime"))
            }
        }
        Some(_) => Err(bad_params("expireTime")),
    }
}

/// `permission` on create and update is "supported in the future" in every edition: a
/// well-formed object is accepted and has no effect.
pub(crate) fn check_permission(m: &Map<String, Value>) -> Result<(), Response> {
    match m.get("permission") {
        None | Some(Value::Null) | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(bad_params("permission")),
    }
}
