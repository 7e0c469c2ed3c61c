//! The simulated seahub routes, answering the way `share_links.py`, `admin/share_links.py`,
//! `authentication.py`, `serializers.py` and DRF's throttling do (`docs/vendors/seafile.md`).

use super::admin::{admin_delete, admin_get, admin_list};
use super::render::{detail, list_record};
use super::store::{Perm, SimLink, Store, WithNanos};
use super::{SeafileSimConfig, ServerVersion};
use crate::faults::{Counters, Faults};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

pub(crate) struct SimState {
    pub store: Mutex<Store>,
    pub config: SeafileSimConfig,
    pub faults: Faults,
    pub counters: Counters,
    pub addr: OnceLock<SocketAddr>,
    /// Request times per user, newest first (DRF's throttle history).
    pub throttle_log: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SimState {
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn base_url(&self) -> String {
        self.addr
            .get()
            .map(|a| format!("http://{a}"))
            .unwrap_or_default()
    }

    pub(crate) fn zone(&self) -> FixedOffset {
        FixedOffset::east_opt(self.config.zone_offset_secs)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
    }

    pub fn add_link(&self, owner: &str) -> String {
        let mut store = self.lock();
        let repo_id = store.repos[0].id.clone();
        let n = store.links.len();
        let path = format!("/added/file-{n}.txt");
        let token = store.new_token();
        store.repos[0].dirents.push(super::store::SimDirent {
            path: path.clone(),
            is_dir: false,
            size: 1,
            obj_id: token.repeat(2),
        });
        store.links.push(SimLink {
            token: token.clone(),
            owner: owner.into(),
            repo_id,
            path,
            is_dir: false,
            ctime: Utc::now().with_nanosecond0(),
            view_cnt: 0,
            password: None,
            expire: None,
            perm: Perm::ViewDownload,
        });
        token
    }
}

pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/api2/auth-token/", post(auth_token))
        .route("/api/v2.1/share-links/", get(list).post(create))
        .route(
            "/api/v2.1/share-links/{token}/",
            get(get_one).put(update).delete(delete),
        )
        .route("/api/v2.1/admin/share-links/", get(admin_list))
        .route(
            "/api/v2.1/admin/share-links/{token}/",
            get(admin_get).delete(admin_delete),
        )
        .fallback(append_slash)
        .with_state(state)
}

/// Django's `CommonMiddleware` with `APPEND_SLASH`: a known route without its slash is a 301.
async fn append_slash(req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if !path.ends_with('/') && (path.starts_with("/api/v2.1/") || path.starts_with("/api2/")) {
        return (
            StatusCode::MOVED_PERMANENTLY,
            [("location", format!("{path}/"))],
        )
            .into_response();
    }
    (StatusCode::NOT_FOUND, "<h1>Not Found</h1>").into_response()
}

pub(crate) fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({"error_msg": msg}))).into_response()
}

pub(crate) fn detail_error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({"detail": msg}))).into_response()
}

/// `request.data`: JSON or form fields (query fields for GET).
pub(crate) struct Params(HashMap<String, Value>);

impl Params {
    fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k)
    }

    pub(crate) fn text(&self, k: &str) -> Option<String> {
        match self.0.get(k)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

fn read_params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
    let mut m = HashMap::new();
    let mut form = |text: &str| {
        if let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(text) {
            for (k, v) in pairs {
                m.insert(k, Value::String(v));
            }
        }
    };
    if let Some(q) = query {
        form(q);
    }
    let json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if json {
        if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body) {
            m.extend(o);
        }
    } else if let Ok(text) = std::str::from_utf8(body) {
        form(text);
    }
    Params(m)
}

/// The authenticated caller.
pub(crate) struct Caller {
    pub email: String,
    pub is_staff: bool,
}

/// Counts, applies faults, authenticates (`TokenAuthentication`), throttles
/// (`UserRateThrottle`), reads the parameters. `Err` = the answer.
pub(crate) async fn prelude(
    st: &SimState,
    route: &str,
    req: Request,
) -> Result<(Caller, Params), Response> {
    st.counters.hit(route);
    if let Some(r) = st.faults.before(route).await {
        return Err(r);
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response())?;
    let auth = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let not_provided = || {
        detail_error(
            StatusCode::FORBIDDEN,
            "Authentication credentials were not provided.",
        )
    };
    let caller = match auth.as_slice() {
        [kw, key] if kw.eq_ignore_ascii_case("token") => {
            let store = st.lock();
            match store.user_by_token(key) {
                Some(u) => Caller {
                    email: u.email.clone(),
                    is_staff: u.is_staff,
                },
                // V4 raises `AuthenticationFailed` (401); V1 returns `None` (DRF: 403).
                None if st.config.version == ServerVersion::V4 => {
                    return Err(detail_error(StatusCode::UNAUTHORIZED, "Invalid token"))
                }
                None => return Err(not_provided()),
            }
        }
        [kw, ..] if kw.eq_ignore_ascii_case("token") && st.config.version == ServerVersion::V4 => {
            return Err(detail_error(
                StatusCode::UNAUTHORIZED,
                "Invalid token header. Token string should not contain spaces.",
            ))
        }
        _ => return Err(not_provided()),
    };
    throttle(st, &caller.email)?;
    Ok((
        caller,
        read_params(parts.uri.query(), &parts.headers, &body),
    ))
}

/// DRF's `SimpleRateThrottle.allow_request` and `wait`, answered as `exceptions.Throttled`.
fn throttle(st: &SimState, ident: &str) -> Result<(), Response> {
    let Some(t) = st.config.throttle else {
        return Ok(());
    };
    let mut log = st.throttle_log.lock().unwrap_or_else(|p| p.into_inner());
    let history = log.entry(ident.to_owned()).or_default();
    let now = Instant::now();
    while history
        .back()
        .is_some_and(|oldest| now.duration_since(*oldest) >= t.window)
    {
        history.pop_back();
    }
    if history.len() < t.requests {
        history.push_front(now);
        return Ok(());
    }
    let remaining = history
        .back()
        .map(|oldest| t.window.saturating_sub(now.duration_since(*oldest)))
        .unwrap_or(t.window);
    let available = t.requests as f64 - history.len() as f64 + 1.0;
    let wait = (remaining.as_secs_f64() / available.max(1.0))
        .ceil()
        .max(1.0) as u64;
    let unit = if wait == 1 { "second" } else { "seconds" };
    Err((
        StatusCode::TOO_MANY_REQUESTS,
        [("retry-after", wait.to_string())],
        Json(json!({"detail": format!("Request was throttled. Expected available in {wait} {unit}.")})),
    )
        .into_response())
}

macro_rules! enter {
    ($st:expr, $route:literal, $req:expr) => {
        match prelude(&$st, $route, $req).await {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

async fn auth_token(State(st): State<Arc<SimState>>, req: Request) -> Response {
    st.counters.hit("auth");
    if let Some(r) = st.faults.before("auth").await {
        return r;
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 16)
        .await
        .unwrap_or_default();
    let p = read_params(None, &parts.headers, &body);
    let invalid = |msg: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"non_field_errors": [msg]})),
        )
    };
    let (Some(username), Some(password)) = (p.text("username"), p.text("password")) else {
        return invalid("Must include \"username\" and \"password\"").into_response();
    };
    let store = st.lock();
    let Some(user) = store
        .users
        .iter()
        .find(|u| u.email == username && u.password == password)
    else {
        return invalid("Unable to login with provided credentials.").into_response();
    };
    if st.config.two_factor && parts.headers.get("x-seafile-otp").is_none() {
        return (
            [("x-seafile-otp", "required")],
            invalid("Two factor auth token is missing."),
        )
            .into_response();
    }
    Json(json!({"token": user.token})).into_response()
}

async fn list(State(st): State<Arc<SimState>>, req: Request) -> Response {
    let (caller, p) = enter!(st, "list", req);
    let (base, zone, version, now) = (st.base_url(), st.zone(), st.config.version, Utc::now());
    let store = st.lock();
    // The `repo_id` / `repo_id` + `path` filters.
    let repo_id = p.text("repo_id");
    let mut path = None;
    if let Some(r) = &repo_id {
        let Some(repo) = store.repo(r) else {
            return error(StatusCode::NOT_FOUND, &format!("Library {r} not found."));
        };
        if let Some(want) = p.text("path") {
            let found = repo
                .dirents
                .iter()
                .find(|d| d.path == want || d.path == format!("{}/", want.trim_end_matches('/')));
            path = match (want.as_str(), found) {
                ("/", _) => Some("/".to_owned()),
                (_, Some(d)) => Some(d.path.clone()),
                (_, None) => {
                    return error(StatusCode::NOT_FOUND, &format!("Dirent {want} not found."))
                }
            };
        }
    }
    let mine: Vec<&SimLink> = store
        .links
        .iter()
        .filter(|l| l.owner == caller.email)
        .filter(|l| repo_id.as_ref().is_none_or(|r| &l.repo_id == r))
        .filter(|l| path.as_ref().is_none_or(|want| &l.path == want))
        .collect();
    let records: Vec<Value> = if mine.len() == 1 {
        vec![list_record(mine[0], &store, &base, zone, version, now)]
    } else {
        let mut sorted = mine;
        // Folders first, then files, each by `obj_name`.
        sorted.sort_by(|a, b| (!a.is_dir, a.obj_name()).cmp(&(!b.is_dir, b.obj_name())));
        sorted
            .into_iter()
            .map(|l| list_record(l, &store, &base, zone, version, now))
            .collect()
    };
    if version == ServerVersion::V1 && records.len() == 1 {
        // `result = links_info[0]`.
        return Json(records.into_iter().next().unwrap_or_default()).into_response();
    }
    Json(Value::Array(records)).into_response()
}

async fn get_one(
    State(st): State<Arc<SimState>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    let _ = enter!(st, "get", req);
    let store = st.lock();
    match store.link(&token) {
        Some(l) => detail_answer(&st, &store, l),
        None => error(StatusCode::NOT_FOUND, &format!("token {token} not found.")),
    }
}

/// `check_permissions_arg`: a dict or its JSON text.
fn read_perm(p: &Params) -> Result<Option<Perm>, Response> {
    let v = match p.get("permissions") {
        None => return Ok(None),
        Some(Value::String(s)) if s.is_empty() => return Ok(None),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).ok(),
        Some(v) => Some(v.clone()),
    };
    let Some(Value::Object(o)) = v else {
        return Err(error(StatusCode::BAD_REQUEST, "permissions invalid."));
    };
    let flag = |k: &str, d: bool| o.get(k).and_then(Value::as_bool).unwrap_or(d);
    Ok(Some(Perm::from_flags(
        flag("can_edit", false),
        flag("can_download", true),
        flag("can_upload", false),
    )))
}

/// `expire_days` / `expiration_time` as the version reads them; `Ok(None)` = no expiry.
fn read_expiry(st: &SimState, p: &Params) -> Result<Option<DateTime<Utc>>, Response> {
    let days = p.text("expire_days");
    let time = p
        .text("expiration_time")
        .filter(|_| st.config.version == ServerVersion::V4);
    if days.is_some() && time.is_some() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Can not pass expire_days and expiration_time at the same time.",
        ));
    }
    if let Some(d) = days {
        return match d.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some((Utc::now() + Duration::days(n)).with_nanosecond0())),
            // v1 reads an unusable value as 0 (never).
            _ if st.config.version == ServerVersion::V1 => Ok(None),
            _ => Err(error(StatusCode::BAD_REQUEST, "expire_days invalid.")),
        };
    }
    match time {
        None => Ok(None),
        Some(t) => DateTime::parse_from_rfc3339(t.trim())
            .map(|d| Some(d.with_timezone(&Utc).with_nanosecond0()))
            .map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    "expiration_time invalid, should be iso format, for example: 2020-05-17T10:26:22+08:00",
                )
            }),
    }
}

async fn create(State(st): State<Arc<SimState>>, req: Request) -> Response {
    let (caller, p) = enter!(st, "create", req);
    let version = st.config.version;
    let Some(repo_id) = p.text("repo_id") else {
        return error(StatusCode::BAD_REQUEST, "repo_id invalid.");
    };
    let Some(path) = p.text("path") else {
        return error(StatusCode::BAD_REQUEST, "path invalid.");
    };
    let password = p.text("password");
    if password
        .as_ref()
        .is_some_and(|pw| pw.chars().count() < st.config.password_min_length)
    {
        return error(StatusCode::BAD_REQUEST, "Password is too short.");
    }
    let expire = match read_expiry(&st, &p) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let perm = match read_perm(&p) {
        Ok(perm) if version != ServerVersion::V1 => perm.unwrap_or(Perm::ViewDownload),
        Ok(_) => Perm::ViewDownload,
        Err(r) => return r,
    };
    let mut store = st.lock();
    let Some(repo) = store.repo(&repo_id) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("Library {repo_id} not found."),
        );
    };
    let dirent = repo
        .dirents
        .iter()
        .find(|d| d.path == path || d.path == format!("{}/", path.trim_end_matches('/')));
    let (path, is_dir) = match (path.as_str(), dirent) {
        ("/", _) => ("/".to_owned(), true),
        (_, Some(d)) => (d.path.clone(), d.is_dir),
        (_, None) => return error(StatusCode::NOT_FOUND, &format!("Dirent {path} not found.")),
    };
    let existing = store
        .links
        .iter()
        .find(|l| l.owner == caller.email && l.repo_id == repo_id && l.path == path)
        .map(|l| l.token.clone());
    let token = match existing {
        Some(t) if version == ServerVersion::V1 => t,
        Some(t) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Share link {t} already exists."),
            )
        }
        None => {
            let token = store.new_token();
            store.links.push(SimLink {
                token: token.clone(),
                owner: caller.email,
                repo_id,
                path,
                is_dir,
                ctime: Utc::now().with_nanosecond0(),
                view_cnt: 0,
                password,
                expire,
                perm,
            });
            token
        }
    };
    let l = store.link(&token).expect("just stored");
    detail_answer(&st, &store, l)
}

async fn update(
    State(st): State<Arc<SimState>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    let (caller, p) = enter!(st, "update", req);
    let version = st.config.version;
    if version == ServerVersion::V1 {
        return detail_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method \"PUT\" not allowed.",
        );
    }
    let perm = match read_perm(&p) {
        Ok(perm) => perm,
        Err(r) => return r,
    };
    let expire = if version == ServerVersion::V4 {
        match read_expiry(&st, &p) {
            Ok(e) => e,
            Err(r) => return r,
        }
    } else {
        None
    };
    let mut store = st.lock();
    let Some(link) = store.link_mut(&token) else {
        return error(StatusCode::NOT_FOUND, &format!("token {token} not found."));
    };
    if link.owner != caller.email {
        return error(StatusCode::FORBIDDEN, "Permission denied.");
    }
    if let Some(perm) = perm {
        link.perm = perm;
    }
    if let Some(e) = expire {
        link.expire = Some(e);
    }
    let l = store.link(&token).expect("present");
    detail_answer(&st, &store, l)
}

async fn delete(
    State(st): State<Arc<SimState>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    let (caller, _) = enter!(st, "delete", req);
    let mut store = st.lock();
    let Some(link) = store.link(&token) else {
        return Json(json!({"success": true})).into_response();
    };
    if link.owner != caller.email {
        return error(StatusCode::FORBIDDEN, "Permission denied.");
    }
    store.links.retain(|l| l.token != token);
    Json(json!({"success": true})).into_response()
}

/// The detail of `l` as the configured seahub version answers it (create, update, get).
fn detail_answer(
    st: &SimState,
    store: &super::store::Store,
    l: &super::store::SimLink,
) -> Response {
    Json(detail(
        l,
        store,
        &st.base_url(),
        st.zone(),
        st.config.version,
        Utc::now(),
    ))
    .into_response()
}
