//! The wire forms: the envelope and the `Share` object exactly as Cloudreve v4 writes them
//! (omitempty fields omitted, Go time format with a +08:00 offset).

use super::store::{ShareRec, Store, OWNER_ID, OWNER_NICKNAME};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Offset, Timelike, Utc};
use serde_json::{json, Map, Value};

/// The server's time zone in the simulator.
fn server_tz() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Go's `time.Time` JSON form (RFC 3339 with trailing-zero-trimmed fractional seconds).
pub(crate) fn go_time(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&server_tz());
    let base = local.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = local.nanosecond() % 1_000_000_000;
    let frac = if nanos == 0 {
        String::new()
    } else {
        format!(".{nanos:09}").trim_end_matches('0').to_owned()
    };
    format!("{base}{frac}{}", local.format("%:z"))
}

fn json_response(body: String) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// `{"code":0,"data":...,"msg":""}`; `data` omitted when `None`.
pub(crate) fn ok(data: Option<Value>) -> Response {
    json_response(envelope_ok(data).to_string())
}

pub(crate) fn envelope_ok(data: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("code".into(), json!(0));
    if let Some(d) = data {
        m.insert("data".into(), d);
    }
    m.insert("msg".into(), json!(""));
    Value::Object(m)
}

/// A failure with a correlation id (`ErrWithDetails`).
pub(crate) fn err(code: i64, msg: &str) -> Response {
    json_response(envelope_err(code, msg).to_string())
}

pub(crate) fn envelope_err(code: i64, msg: &str) -> Value {
    json!({"code": code, "msg": msg, "correlation_id": uuid::Uuid::new_v4().to_string()})
}

/// A binding/validation failure: `40001`, no correlation id (`ParamErrDeprecated`).
pub(crate) fn param_err(msg: &str) -> Response {
    json_response(json!({"code": 40001, "msg": msg}).to_string())
}

/// A raw body (for the documented two-concatenated-objects bug).
pub(crate) fn raw_json(body: String) -> Response {
    json_response(body)
}

/// gin's answer for an unknown route.
pub(crate) fn not_found_text() -> Response {
    let mut resp = (StatusCode::NOT_FOUND, "404 page not found").into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

/// The redacted owner of a share (`BuildUserRedacted`); `login_email` is the signed-in user's.
fn owner_of(store: &Store, owner: usize, login_email: &str) -> Value {
    match store.users.get(owner).filter(|_| owner > 0) {
        Some(u) => json!({
            "id": u.hash_id,
            "email": u.email,
            "nickname": u.nick,
            "created_at": "2024-02-01T10:00:00+08:00",
        }),
        None => self::owner(login_email),
    }
}

/// The redacted signed-in user (`BuildUserRedacted`).
pub(crate) fn owner(email: &str) -> Value {
    json!({
        "id": OWNER_ID,
        "email": email,
        "nickname": OWNER_NICKNAME,
        "avatar": "file",
        "created_at": "2023-08-06T19:21:59+08:00",
    })
}

/// Who is looking at a share.
#[derive(Clone, Copy)]
pub(crate) struct Viewer {
    /// The requester owns the share.
    pub owner: bool,
    /// The requester may see the content (owner, no password, or the right password).
    pub unlocked: bool,
    /// `owner_extended=true` by the owner: add `source_uri`.
    pub extended: bool,
}

/// The share URL: `{site}/s/{id}` plus `/{password}` when unlocked.
pub(crate) fn share_url(site: &str, rec: &ShareRec, unlocked: bool) -> String {
    if unlocked && !rec.password.is_empty() {
        format!("{site}/s/{}/{}", rec.hashid, rec.password)
    } else {
        format!("{site}/s/{}", rec.hashid)
    }
}

/// `BuildShare`, field order and omitempty rules of `explorer.Share`.
pub(crate) fn share(
    store: &Store,
    rec: &ShareRec,
    site: &str,
    email: &str,
    viewer: Viewer,
    pro_fields: bool,
    now: DateTime<Utc>,
) -> Value {
    let file = store.files.get(&rec.path);
    let is_folder = file.is_some_and(|f| f.is_folder);
    let mut m = Map::new();
    m.insert("id".into(), json!(rec.hashid));
    m.insert("name".into(), json!(rec.name()));
    if viewer.unlocked {
        if let Some(n) = rec.remain_downloads {
            m.insert("remain_downloads".into(), json!(n));
        }
    }
    m.insert("visited".into(), json!(rec.visited));
    if viewer.unlocked && rec.downloaded > 0 {
        m.insert("downloaded".into(), json!(rec.downloaded));
    }
    if pro_fields {
        if let Some(p) = rec.price {
            m.insert("price".into(), json!(p));
        }
    }
    if viewer.unlocked {
        if let Some(at) = rec.expires {
            m.insert("expires".into(), json!(go_time(at)));
        }
    }
    m.insert("unlocked".into(), json!(viewer.unlocked));
    if !rec.password.is_empty() {
        m.insert("password_protected".into(), json!(true));
    }
    m.insert("source_type".into(), json!(if is_folder { 1 } else { 0 }));
    m.insert("owner".into(), owner_of(store, rec.owner, email));
    m.insert("created_at".into(), json!(go_time(rec.created_at)));
    // In lists `expired` is `IsValidShare(share) != nil`: a trashed source counts too.
    m.insert("expired".into(), json!(!store.is_valid(rec, now)));
    m.insert("url".into(), json!(share_url(site, rec, viewer.unlocked)));
    if pro_fields {
        if let Some(p) = &rec.permission_setting {
            m.insert("permission_setting".into(), p.clone());
        }
    }
    if viewer.unlocked && rec.show_readme {
        m.insert("show_readme".into(), json!(true));
    }
    let size = match file {
        Some(f) if viewer.unlocked && !f.is_folder => f.size,
        _ => 0,
    };
    m.insert("size".into(), json!(size));
    if viewer.owner && !rec.password.is_empty() {
        m.insert("is_private".into(), json!(true));
    }
    if viewer.unlocked && !rec.password.is_empty() {
        m.insert("password".into(), json!(rec.password));
    }
    if viewer.owner && rec.share_view {
        m.insert("share_view".into(), json!(true));
    }
    if viewer.owner && viewer.extended {
        m.insert(
            "source_uri".into(),
            json!(super::store::share_root_uri(&rec.path, is_folder)),
        );
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_time_trims_fractions_and_uses_the_server_offset() {
        let t: DateTime<Utc> = "2025-06-10T08:16:39Z".parse().unwrap_or_default();
        assert_eq!(go_time(t), "2025-06-10T16:16:39+08:00");
        let t: DateTime<Utc> = "2026-08-01T08:16:39.520Z".parse().unwrap_or_default();
        assert_eq!(go_time(t), "2026-08-01T16:16:39.52+08:00");
    }
}
