//! Ready-made KooDrive / API-gateway failure answers for [`crate::faults::Faults::inject`].

use crate::faults::Fault;
use serde_json::json;

/// `500 {"code":13000201,…}`: KooDrive's retryable internal error.
pub fn internal_error() -> Fault {
    Fault::json(
        500,
        json!({"code": 13000201, "msg": "Call internal server failed. Please try again later."}),
    )
}

/// `429` API-gateway throttling body (`APIGW.0308`) with `Retry-After: secs`.
pub fn throttled(retry_after_secs: u64) -> Fault {
    Fault::json(
        429,
        json!({
            "error_code": "APIGW.0308",
            "error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
            "request_id": "0d2b4f5c9a8e4f7b9c1d2e3f4a5b6c7d",
        }),
    )
    .with_header("retry-after", retry_after_secs.to_string())
}

/// A Drive-Kit style `{"error": {…}}` body (createShare's documented 400 form).
pub fn error_object(status: u16) -> Fault {
    Fault::json(
        status,
        json!({"error": {"code": "21004002", "reason": "Verify parameters failed.",
                         "description": "scope is not allowed", "errorData": {"field": "scope"}}}),
    )
}

/// `400 {"code":13000309,"msg":"资源不存在"}`.
pub fn not_found() -> Fault {
    Fault::json(400, json!({"code": 13000309, "msg": "资源不存在"}))
}

/// `400 {"code":13000102,…}`.
pub fn bad_params() -> Fault {
    Fault::json(
        400,
        json!({"code": 13000102, "msg": "Verify parameters failed."}),
    )
}

/// `400 {"code":13000410,…}`.
pub fn no_permission() -> Fault {
    Fault::json(
        400,
        json!({"code": 13000410, "msg": "当前用户没有权限操作该空间"}),
    )
}

/// `401 {"code":401,"msg":"Unauthorized"}`.
pub fn unauthorized() -> Fault {
    Fault::json(401, json!({"code": 401, "msg": "Unauthorized"}))
}

/// `401` API-gateway signature failure (`APIGW.0303`).
pub fn bad_signature() -> Fault {
    Fault::json(
        401,
        json!({"error_code": "APIGW.0303",
               "error_msg": "Incorrect app authentication information: verify aksk signature fail",
               "request_id": "5c1b0a6a5fe54f37a3bd3e0b2b5e0c11"}),
    )
}

/// A `200` answer with this exact body (e.g. the docs' example response).
pub fn ok_body(body: serde_json::Value) -> Fault {
    Fault::json(200, body)
}
