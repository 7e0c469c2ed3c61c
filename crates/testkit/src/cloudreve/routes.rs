//! The HTTP routes of the simulated Cloudreve v4 server (`vendors/cloudreve-v4.md` §2, §3).

// Helpers return the ready error `Response` for a handler to send; its size is irrelevant in a
// test server.
#![allow(clippy::result_large_err)]

use super::render::{self, Viewer};
use super::store::{self, resolve_uri, ShareRec};
use super::tokens::{Check, Kind};
use super::SimState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

type St = State<Arc<SimState>>;
type Q = Query<HashMap<String, String>>;

/// The router; every unknown path answers gin's plain-text 404.
pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/api/v4/site/ping", get(ping))
        .route("/api/v4/session/token", post(login))
        .route("/api/v4/session/token/refresh", post(refresh))
        .route("/api/v4/share", get(list).put(create).delete(batch_delete))
        .route("/api/v4/share/info/{id}", get(info))
        .route("/api/v4/share/{id}", post(update).delete(delete_one))
        .route("/api/v4/admin/share", post(super::admin::list_shares))
        .route("/api/v4/session/oauth/token", post(super::oauth::exchange))
        .fallback(|| async { render::not_found_text() })
        .method_not_allowed_fallback(|| async { render::not_found_text() })
        .with_state(state)
}

macro_rules! enter {
    ($st:expr, $route:literal) => {
        $st.counters.hit($route);
        if let Some(resp) = $st.faults.before($route).await {
            return resp;
        }
    };
}

/// Who sent the request: `Ok(true)` = the signed-in owner, `Ok(false)` = anonymous (no, an
/// unknown or an expired token: not an error by itself); a refresh token used as an access
/// token is `40020` on every route.
fn viewer(st: &SimState, headers: &HeaderMap) -> Result<bool, Response> {
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(false);
    };
    match st.lock_tokens().check(token) {
        Check::Valid(Kind::Access) => Ok(true),
        Check::Valid(Kind::Refresh) => Err(render::err(40020, "Invalid token type")),
        Check::Invalid => Ok(false),
    }
}

/// `RequiredScopes(scope)` (`middleware/auth.go` l.287, `pkg/auth/jwt.go` `CheckScope`): only
/// an OAuth app's token carries scopes; a `.Write` scope implies its `.Read`.
pub(crate) fn require_scope(
    st: &SimState,
    headers: &HeaderMap,
    scope: &str,
) -> Result<(), Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    let Some(granted) = st.lock_tokens().scopes(token) else {
        return Ok(());
    };
    let implied = scope
        .strip_suffix(".Read")
        .map(|resource| format!("{resource}.Write"));
    if granted
        .iter()
        .any(|g| g == scope || Some(g) == implied.as_ref())
    {
        Ok(())
    } else {
        Err(render::err(40089, &format!("Insufficient scope: {scope}")))
    }
}

/// `LoginRequired()`.
pub(crate) fn require_login(st: &SimState, headers: &HeaderMap) -> Result<(), Response> {
    match viewer(st, headers)? {
        true => Ok(()),
        false => Err(render::err(401, "Login required")),
    }
}

async fn ping(State(st): St) -> Response {
    enter!(st, "ping");
    render::ok(Some(json!("4.18.0")))
}

#[derive(Deserialize)]
struct LoginBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login(State(st): St, body: Bytes) -> Response {
    enter!(st, "login");
    let settings = st.settings();
    // The captcha middleware runs before the body is bound.
    if settings.login_captcha {
        return render::err(40026, "CAPTCHA not match.");
    }
    let Ok(body) = serde_json::from_slice::<LoginBody>(&body) else {
        return render::param_err("Invalid request body");
    };
    if body.email.is_empty() || body.password.is_empty() {
        return render::param_err("Email and password are required");
    }
    if !looks_like_email(&body.email) {
        return render::param_err("Email format error");
    }
    if !(4..=128).contains(&body.password.chars().count()) {
        return render::param_err("Password length must be between 4 and 128");
    }
    if body.email != settings.email || body.password != settings.password {
        return render::err(40080, "Incorrect password or email address");
    }
    if settings.two_factor {
        return render::raw_json(
            json!({"code": 203, "data": uuid::Uuid::new_v4().to_string(), "msg": ""}).to_string(),
        );
    }
    let token = st.issue_tokens();
    render::ok(Some(json!({
        "user": {
            "id": store::OWNER_ID,
            "email": settings.email,
            "nickname": store::OWNER_NICKNAME,
            "status": "active",
            "avatar": "file",
            "created_at": "2023-08-06T19:21:59+08:00",
            "group": {"id": "z4u4", "name": "Admin", "permission": "/f8B"},
            "language": "en-US",
        },
        "token": token,
    })))
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

async fn refresh(State(st): St, body: Bytes) -> Response {
    enter!(st, "refresh");
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        refresh_token: String,
    }
    let Ok(body) = serde_json::from_slice::<Body>(&body) else {
        return render::param_err("Invalid request body");
    };
    if body.refresh_token.is_empty() {
        return render::param_err("refresh_token is required");
    }
    if st.lock_tokens().check(&body.refresh_token) != Check::Valid(Kind::Refresh) {
        return render::err(40020, "Failed to issue token pair");
    }
    // A new pair for the same grant (the scopes carry over).
    let scopes = st.lock_tokens().scopes(&body.refresh_token);
    render::ok(Some(st.issue_tokens_scoped(scopes)))
}

async fn list(State(st): St, headers: HeaderMap, Query(q): Q) -> Response {
    enter!(st, "list");
    if let Err(resp) = require_login(&st, &headers) {
        return resp;
    }
    if let Err(resp) = require_scope(&st, &headers, "Shares.Read") {
        return resp;
    }
    let page_size = match q.get("page_size").map(|s| s.parse::<usize>()) {
        Some(Ok(n)) if (10..=100).contains(&n) => n,
        _ => {
            return render::param_err(
                "Key: 'ListShareService.PageSize' Error:Field validation for 'PageSize' failed",
            )
        }
    };
    // Lowercase `desc` only; anything else (absent included) is ascending.
    let desc = q.get("order_direction").map(String::as_str) == Some("desc");
    let order_by = q.get("order_by").map(String::as_str).unwrap_or("");
    let settings = st.settings();
    let store = st.lock_store();
    let cursor = match q.get("next_page_token").filter(|t| !t.is_empty()) {
        None => None,
        Some(token) => match decode_token(token).and_then(|id| store.ids.get(&id).copied()) {
            Some(db) => Some(db),
            None => return render::err(50001, "Failed to list shares"),
        },
    };
    let bounds = match (cursor, desc) {
        (None, _) => (Bound::Unbounded, Bound::Unbounded),
        (Some(c), true) => (Bound::Unbounded, Bound::Excluded(c)),
        (Some(c), false) => (Bound::Excluded(c), Bound::Unbounded),
    };
    // `ListShareArgs.UserID`: the signed-in user's own shares only.
    let range = store
        .shares
        .range(bounds)
        .map(|(_, r)| r)
        .filter(|r| r.owner == 0);
    let mut rows: Vec<&ShareRec> = match order_by {
        "views" | "downloads" | "remain_downloads" => {
            // The cursor predicate stays id-based (a documented quirk): sort what is left.
            let mut all: Vec<&ShareRec> = range.collect();
            let key = |r: &ShareRec| -> i64 {
                match order_by {
                    "views" => r.visited as i64,
                    "downloads" => r.downloaded as i64,
                    _ => r.remain_downloads.unwrap_or(0),
                }
            };
            all.sort_by_key(|r| (key(r), r.db_id));
            if desc {
                all.reverse();
            }
            all.truncate(page_size + 1);
            all
        }
        _ if desc => range.rev().take(page_size + 1).collect(),
        _ => range.take(page_size + 1).collect(),
    };
    let next_token = if rows.len() > page_size {
        rows.truncate(page_size);
        rows.last().map(|r| encode_token(&r.hashid))
    } else {
        None
    };
    let now = Utc::now();
    let viewer = Viewer {
        owner: true,
        unlocked: true,
        extended: false,
    };
    let shares: Vec<Value> = rows
        .iter()
        .map(|r| {
            render::share(
                &store,
                r,
                &st.site,
                &settings.email,
                viewer,
                settings.pro_fields,
                now,
            )
        })
        .collect();
    let mut pagination = json!({"page": 0, "page_size": page_size, "is_cursor": true});
    if let Some(t) = next_token {
        pagination["next_token"] = json!(t);
    }
    // A nil slice is JSON null.
    let shares = if shares.is_empty() {
        Value::Null
    } else {
        Value::Array(shares)
    };
    render::ok(Some(json!({"shares": shares, "pagination": pagination})))
}

fn encode_token(hashid: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(json!({"id": hashid}).to_string())
}

fn decode_token(token: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.get("id")?.as_str().map(str::to_owned)
}

async fn info(State(st): St, headers: HeaderMap, Path(id): Path<String>, Query(q): Q) -> Response {
    enter!(st, "get");
    let signed_in = match viewer(&st, &headers) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    if let Err(resp) = require_scope(&st, &headers, "Shares.Read") {
        return resp;
    }
    if !store::is_hashid(&id) {
        return render::param_err("Failed to parse object ID");
    }
    let settings = st.settings();
    let mut store = st.lock_store();
    let now = Utc::now();
    let Some(rec) = store.get(&id).cloned() else {
        return render::err(404, "Share not found");
    };
    let is_owner = signed_in && rec.owner == 0;
    if !store.is_valid(&rec, now) {
        return render::err(404, "Share link expired");
    }
    if matches!(q.get("count_views").map(String::as_str), Some("true" | "1")) {
        if let Some(r) = store.get_mut(&id) {
            r.visited += 1;
        }
    }
    let given = q.get("password").map(String::as_str).unwrap_or("");
    let unlocked = is_owner || rec.password.is_empty() || given == rec.password;
    let extended = matches!(
        q.get("owner_extended").map(String::as_str),
        Some("true" | "1")
    );
    // `owner_extended` opens `cloudreve://{id}:{password}@share` with the password from the
    // query, and the share navigator checks it with no owner exemption (`visit.go` `Get`,
    // `share_navigator.go` `Root`): the innermost code, 40069, under "File not found".
    if extended && is_owner && !rec.password.is_empty() && given != rec.password {
        return render::err(40069, "File not found");
    }
    let rec = store.get(&id).cloned().unwrap_or(rec);
    let viewer = Viewer {
        owner: is_owner,
        unlocked,
        extended,
    };
    render::ok(Some(render::share(
        &store,
        &rec,
        &st.site,
        &settings.email,
        viewer,
        settings.pro_fields,
        now,
    )))
}

#[derive(Deserialize)]
struct UpsertBody {
    uri: String,
    #[serde(default)]
    is_private: Option<bool>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    downloads: Option<i64>,
    #[serde(default)]
    expire: Option<i64>,
    #[serde(default)]
    share_view: Option<bool>,
    #[serde(default)]
    show_readme: Option<bool>,
}

fn parse_upsert(body: &[u8]) -> Result<UpsertBody, Response> {
    let body: UpsertBody = serde_json::from_slice(body)
        .map_err(|_| render::param_err("Key: 'ShareCreateService.Uri' Error:Field validation for 'Uri' failed on the 'required' tag"))?;
    if body.uri.is_empty() {
        return Err(render::param_err("Key: 'ShareCreateService.Uri' Error:Field validation for 'Uri' failed on the 'required' tag"));
    }
    if let Some(p) = &body.password {
        if p.len() > 32 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(render::param_err(
                "Key: 'ShareCreateService.Password' Error:Field validation for 'Password' failed",
            ));
        }
    }
    Ok(body)
}

async fn create(State(st): St, headers: HeaderMap, body: Bytes) -> Response {
    enter!(st, "create");
    if let Err(resp) = require_login(&st, &headers) {
        return resp;
    }
    if let Err(resp) = require_scope(&st, &headers, "Shares.Write") {
        return resp;
    }
    let body = match parse_upsert(&body) {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let path = match resolve_uri(&body.uri) {
        Ok(p) => p,
        Err((40001, msg)) => return render::param_err(msg),
        Err((code, msg)) => return render::err(code, msg),
    };
    let mut store = st.lock_store();
    if !store.exists(&path) {
        // `fs.ErrPathNotExist` (40016) wrapped in "src file not found" (`operation.go`).
        return render::err(40016, "src file not found");
    }
    let password = if body.is_private.unwrap_or(false) {
        match body.password.filter(|p| !p.is_empty()) {
            Some(p) => p,
            None => store.random_password(),
        }
    } else {
        String::new()
    };
    let now = Utc::now();
    let hashid = store.insert(|db_id, hashid| ShareRec {
        db_id,
        hashid,
        owner: 0,
        path,
        password,
        remain_downloads: body.downloads.filter(|n| *n > 0),
        visited: 0,
        downloaded: 0,
        expires: body
            .expire
            .filter(|s| *s > 0)
            .map(|s| now + Duration::seconds(s)),
        created_at: now,
        share_view: body.share_view.unwrap_or(false),
        show_readme: body.show_readme.unwrap_or(false),
        price: None,
        permission_setting: None,
    });
    let Some(rec) = store.get(&hashid) else {
        return render::err(50001, "Failed to create share link");
    };
    render::ok(Some(json!(render::share_url(&st.site, rec, true))))
}

async fn update(
    State(st): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    enter!(st, "update");
    if let Err(resp) = require_login(&st, &headers) {
        return resp;
    }
    if let Err(resp) = require_scope(&st, &headers, "Shares.Write") {
        return resp;
    }
    if !store::is_hashid(&id) {
        return render::param_err("Failed to parse object ID");
    }
    let body = match parse_upsert(&body) {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    // `CreateOrUpdateShare` (`operation.go`): the uri first, then the share, then that the
    // uri is the share's own file. No validity check: an expired share can be re-armed.
    let path = match resolve_uri(&body.uri) {
        Ok(p) => p,
        Err((40001, msg)) => return render::param_err(msg),
        Err((code, msg)) => return render::err(code, msg),
    };
    let mut store = st.lock_store();
    if !store.exists(&path) {
        return render::err(40016, "src file not found");
    }
    let Some(rec) = store.get_mut(&id) else {
        return render::err(404, "failed to get existed share");
    };
    // The uri resolves in the signed-in user's drive: another user's share is another file.
    if rec.path != path || rec.owner != 0 {
        return render::err(404, "share link not found");
    }
    // The password is never touched; every limit and prop is replaced (`Upsert`).
    let now = Utc::now();
    rec.remain_downloads = body.downloads.filter(|n| *n > 0);
    rec.expires = body
        .expire
        .filter(|s| *s > 0)
        .map(|s| now + Duration::seconds(s));
    rec.share_view = body.share_view.unwrap_or(false);
    rec.show_readme = body.show_readme.unwrap_or(false);
    let rec = rec.clone();
    render::ok(Some(json!(render::share_url(&st.site, &rec, true))))
}

async fn delete_one(State(st): St, headers: HeaderMap, Path(id): Path<String>) -> Response {
    enter!(st, "delete");
    if let Err(resp) = require_login(&st, &headers) {
        return resp;
    }
    if let Err(resp) = require_scope(&st, &headers, "Shares.Write") {
        return resp;
    }
    if !store::is_hashid(&id) {
        return render::param_err("Failed to parse object ID");
    }
    // Admins may delete any share, others only their own (`DeleteShare`).
    let admin = st.settings().admin;
    let mut store = st.lock_store();
    let deletable = store.get(&id).is_some_and(|r| admin || r.owner == 0);
    if deletable && store.remove(&id) {
        st.record_delete(&id);
        render::ok(None)
    } else {
        // `DeleteShare` (`service/share/manage.go`).
        render::err(404, "share not found")
    }
}

async fn batch_delete(State(st): St, headers: HeaderMap, body: Bytes) -> Response {
    enter!(st, "batch_delete");
    if let Err(resp) = require_login(&st, &headers) {
        return resp;
    }
    if let Err(resp) = require_scope(&st, &headers, "Shares.Write") {
        return resp;
    }
    #[derive(Deserialize)]
    struct Body {
        ids: Vec<String>,
    }
    let Ok(body) = serde_json::from_slice::<Body>(&body) else {
        return render::param_err("Key: 'BatchDeleteShareService.IDs' Error:Field validation for 'IDs' failed on the 'required' tag");
    };
    if body.ids.iter().any(|id| !store::is_hashid(id)) {
        // Documented bug: the error is written, then the success envelope too.
        let first = render::envelope_err(-1, "invalid hashid");
        let second = render::envelope_ok(None);
        return render::raw_json(format!("{first}{second}"));
    }
    let mut store = st.lock_store();
    for id in &body.ids {
        store.remove(id);
    }
    render::ok(None)
}
