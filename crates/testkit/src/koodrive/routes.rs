//! The simulated `/koodrive/ose/v1` routes.

use super::auth::{verify_app, AppCredentials, Sessions};
use super::seed;
use super::store::{iso, Cursor, Render, SimFile, SimShare, Store};
use super::validate::{
    bad_params, business, check_code, check_comment, check_expire_time, check_permission,
    int_field, not_found, parse_json, string_list,
};
use super::DocShape;
use crate::faults::{Counters, Faults};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

pub(crate) struct SimState {
    pub store: Mutex<Store>,
    pub sessions: Mutex<Sessions>,
    pub app: AppCredentials,
    pub files: Vec<SimFile>,
    pub faults: Faults,
    pub counters: Counters,
    pub next_id: AtomicU64,
    pub seq: AtomicU64,
    pub seed: u64,
    pub short_page_probability: f64,
    pub string_counters: bool,
    pub string_code: bool,
    pub shape: DocShape,
    pub carrier_agent: Option<String>,
    pub clock_skew: Duration,
    /// Last JSON request body per route.
    pub bodies: Mutex<HashMap<String, Value>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SimState {
    /// The simulator's clock.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_skew
    }

    fn render(&self, detail: bool) -> Render {
        Render {
            string_counters: self.string_counters,
            detail,
            shape: self.shape,
        }
    }

    /// `code` 0, sometimes as `"0"`.
    fn ok_code(&self) -> Value {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        if self.string_code && n % 2 == 1 {
            json!("0")
        } else {
            json!(0)
        }
    }

    fn ok(&self, mut body: Map<String, Value>) -> Response {
        body.insert("code".into(), self.ok_code());
        body.insert("msg".into(), json!("success"));
        (
            StatusCode::OK,
            [("content-type", "application/json")],
            Value::Object(body).to_string(),
        )
            .into_response()
    }
}

/// Counts, applies faults, authenticates. `None` = go on.
async fn prelude(
    st: &SimState,
    route: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response> {
    st.counters.hit(route);
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        lock(&st.bodies).insert(route.to_owned(), v);
    }
    if let Some(r) = st.faults.before(route).await {
        return Some(r);
    }
    // Carrier APIs: "X-Hw-Agentname … Mandatory" (KD-C). The failure answer is undocumented.
    if let Some(agent) = &st.carrier_agent {
        let sent = headers.get("x-hw-agentname").and_then(|v| v.to_str().ok());
        if sent != Some(agent.as_str()) {
            return Some(bad_params("X-Hw-Agentname is missing or not this carrier"));
        }
    }
    // "业务跟踪id(必须58位)": a trace id, when sent, must be 58 characters.
    if let Some(trace) = headers.get("x-traceid") {
        if trace.len() != 58 {
            return Some(bad_params("X-Traceid must be 58 characters"));
        }
    }
    let authz = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if authz.starts_with("HMAC-SHA256") {
        if route == "session_refresh" {
            // "Session Management … do not support app auth."
            return Some(business(401, 401, "Unauthorized"));
        }
        return verify_app(&st.app, method, uri, headers, body, st.now()).err();
    }
    if route == "session_refresh" {
        return None; // checked by the handler, which needs the session id
    }
    lock(&st.sessions).touch(authz).err()
}

pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/koodrive/ose/v1/share", get(list).post(create))
        .route("/koodrive/ose/v1/share/cancel", post(cancel))
        .route("/koodrive/ose/v1/share/{id}", get(detail).put(update))
        .route("/koodrive/ose/v1/session/refresh", post(refresh))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            stamp_date,
        ))
        .with_state(state)
}

/// Every answer's `Date` is the simulator's clock (a real server's `Date` is its own).
async fn stamp_date(State(st): State<Arc<SimState>>, mut resp: Response) -> Response {
    let date = st.now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(v) = HeaderValue::from_str(&date) {
        resp.headers_mut().insert(header::DATE, v);
    }
    resp
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

async fn list(
    State(st): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = prelude(&st, "list", &method, &uri, &headers, &body).await {
        return r;
    }
    let params: Vec<(String, String)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (d(k), d(v))
        })
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let page_size = match param("pageSize").filter(|v| !v.is_empty()) {
        None => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return bad_params("pageSize must be 1..100"),
        },
    };
    if !matches!(param("sortType"), None | Some("") | Some("4")) {
        return bad_params("sortType");
    }
    if !matches!(param("sortDirection"), None | Some("") | Some("2")) {
        return bad_params("the simulator only lists newest first (sortDirection=2)");
    }
    let cursor_text = param("pageCursor").unwrap_or("0");
    let Some(cursor) = Cursor::parse(cursor_text) else {
        return bad_params("pageCursor");
    };
    // Short and empty pages before the end, deterministic per (seed, cursor).
    let mut rng = StdRng::seed_from_u64(st.seed ^ fnv(&cursor.stable_key()));
    let take = if st.short_page_probability > 0.0
        && rng.gen_bool(st.short_page_probability.clamp(0.0, 1.0))
    {
        rng.gen_range(0..page_size)
    } else {
        page_size
    };
    let render = st.render(false);
    let (links, next) = {
        let store = lock(&st.store);
        let (shares, next) = store.page(&cursor, take);
        (
            shares.iter().map(|s| s.to_json(render)).collect::<Vec<_>>(),
            next,
        )
    };
    let mut body = Map::new();
    if let Some(n) = next {
        body.insert("nextCursor".into(), json!(n));
    }
    body.insert("shareLinks".into(), Value::Array(links));
    st.ok(body)
}

async fn detail(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = prelude(&st, "get", &method, &uri, &headers, &body).await {
        return r;
    }
    let render = st.render(true);
    let link = match lock(&st.store).get(&id) {
        Some(s) => s.to_json(render),
        None => return not_found(),
    };
    let mut m = Map::new();
    m.insert("shareLink".into(), link);
    st.ok(m)
}

fn build_share(
    st: &SimState,
    m: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<SimShare, Response> {
    let scope = match int_field(m, "scope") {
        // Carrier createShare: "1 (external link) or 3 (specified enterprise users)".
        Some(2) if st.carrier_agent.is_some() => {
            return Err(bad_params("scope must be 1 or 3 for a carrier tenant"))
        }
        Some(s @ 1..=3) => s as u8,
        _ => return Err(bad_params("scope must be 1, 2 or 3")),
    };
    let file_ids = string_list(m, "fileIds")?;
    if file_ids.is_empty() || file_ids.len() > 100 {
        return Err(bad_params("fileIds must list 1 to 100 ids"));
    }
    let Some(container_id) = m.get("containerId").and_then(Value::as_str) else {
        return Err(bad_params("containerId is required"));
    };
    let valid_days = match m.get("validDays") {
        Some(Value::Number(n)) => n.as_i64().filter(|d| (1..=365).contains(d)),
        _ => None,
    };
    let Some(valid_days) = valid_days else {
        return Err(bad_params("validDays must be 1..365"));
    };
    let extract_code = match m.get("extractCode") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if c.is_empty() => None,
        Some(Value::String(c)) => {
            check_code(c)?;
            Some(c.clone())
        }
        Some(_) => return Err(bad_params("extractCode")),
    };
    let comment = check_comment(m)?;
    check_expire_time(m)?;
    check_permission(m)?;
    let user_ids = string_list(m, "userIds")?;
    let dept_ids = string_list(m, "deptIds")?;
    let group_ids = string_list(m, "groupIds")?;
    if scope == 3 && user_ids.is_empty() && dept_ids.is_empty() && group_ids.is_empty() {
        return Err(bad_params("scope 3 needs userIds, deptIds or groupIds"));
    }
    let mut files = Vec::new();
    for id in &file_ids {
        match st.files.iter().find(|f| &f.id == id) {
            None => return Err(not_found()),
            Some(f) if f.container_id != container_id => {
                return Err(business(400, 13000302, "文件不在指定的空间下"))
            }
            Some(f) => files.push(f.clone()),
        }
    }
    let id = st.next_id.fetch_add(2, Ordering::Relaxed);
    Ok(SimShare {
        share_id: id.to_string(),
        short_url: (id + 1).to_string(),
        share_time: now,
        scope,
        display_name: seed::display_name(&files),
        files,
        permission: None,
        extract_code,
        // The simulator takes validDays as the authority; expireTime is only validated.
        expire_time: Some(now + Duration::days(valid_days)),
        status: 0,
        comment,
        view_cnt: Some(0),
        download_cnt: Some(0),
        save_cnt: Some(0),
        container_name: seed::container_name(container_id),
        container_id: container_id.to_owned(),
        user_ids,
        dept_ids,
        group_ids,
        link_url: None,
    })
}

async fn create(
    State(st): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = prelude(&st, "create", &method, &uri, &headers, &body).await {
        return r;
    }
    let m = match parse_json(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let share = match build_share(&st, &m, st.now()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let link = json!({
        "shareId": share.share_id,
        "shortUrl": share.short_url,
        "linkUrl": share.link_url(),
        "extractCode": share.extract_code.clone().unwrap_or_default(),
        "comment": share.comment.clone().unwrap_or_default(),
        "expireTime": share.expire_time.map(iso),
    });
    lock(&st.store).insert(share);
    let mut out = Map::new();
    out.insert("shareLink".into(), link);
    st.ok(out)
}

async fn update(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = prelude(&st, "update", &method, &uri, &headers, &body).await {
        return r;
    }
    let m = match parse_json(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    // Documented as mandatory, yet its 0 means "unchanged" to the enterprise edition and
    // "validity not set" to the carrier one: absent is taken as unchanged.
    let valid_days = match m.get("validDays") {
        None | Some(Value::Null) => Some(None),
        Some(Value::Number(n)) => n.as_i64().filter(|d| (0..=365).contains(d)).map(Some),
        _ => None,
    };
    let Some(valid_days) = valid_days else {
        return bad_params("validDays must be 0..365");
    };
    let code = match m.get("extractCode") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if c.is_empty() => Some(None),
        Some(Value::String(c)) => match check_code(c) {
            Ok(()) => Some(Some(c.clone())),
            Err(r) => return r,
        },
        Some(_) => return bad_params("extractCode"),
    };
    let comment = match check_comment(&m) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = check_expire_time(&m) {
        return r;
    }
    if let Err(r) = check_permission(&m) {
        return r;
    }
    let now = st.now();
    // The detail form has no counters; they are added below.
    let render = Render {
        string_counters: false,
        ..st.render(true)
    };
    let link = {
        let mut store = lock(&st.store);
        let Some(share) = store.get_mut(&id) else {
            return not_found();
        };
        match valid_days {
            Some(0) if st.carrier_agent.is_some() => share.expire_time = None,
            None | Some(0) => {}
            Some(days) => {
                share.expire_time = Some(now + Duration::days(days));
                if share.status == 3 {
                    share.status = 0;
                }
            }
        }
        if let Some(c) = code {
            share.extract_code = c;
        }
        if let Some(c) = comment {
            share.comment = (!c.is_empty()).then_some(c);
        }
        let mut link = share.to_json(render);
        // Unlike the detail, the update answer's `shareLink` has the counters, typed String
        // (vendors/koodrive.md §3.4).
        if let Value::Object(l) = &mut link {
            share.insert_counters(l, true);
        }
        link
    };
    let mut out = Map::new();
    out.insert("shareLink".into(), link);
    st.ok(out)
}

async fn cancel(
    State(st): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = prelude(&st, "cancel", &method, &uri, &headers, &body).await {
        return r;
    }
    let m = match parse_json(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let ids = match string_list(&m, "shareIds") {
        Ok(ids) if (1..=100).contains(&ids.len()) => ids,
        Ok(_) => return bad_params("shareIds must list 1 to 100 ids"),
        Err(r) => return r,
    };
    let subs: Vec<Value> = {
        let mut store = lock(&st.store);
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                let mut sub = if store.remove(id) {
                    json!({"code": 0, "msg": "success"})
                } else if i % 2 == 0 {
                    json!({"code": "13000309", "msg": "资源不存在"})
                } else {
                    json!({"code": 13000309, "msg": "资源不存在"})
                };
                // The current reference's `ShareSubResponse` has only `code` and `msg`; the
                // seed page and the carrier example also name the share.
                if st.shape == DocShape::SeedPage {
                    sub["shareId"] = json!(id);
                }
                sub
            })
            .collect()
    };
    let mut out = Map::new();
    out.insert("subResponseList".into(), Value::Array(subs));
    st.ok(out)
}

async fn refresh(
    State(st): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = prelude(&st, "session_refresh", &method, &uri, &headers, &body).await {
        return r;
    }
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    match lock(&st.sessions).refresh(&h("authorization"), &h("x-session-id")) {
        Ok(token) => {
            let mut out = Map::new();
            out.insert("accessToken".into(), json!(token));
            st.ok(out)
        }
        Err(r) => r,
    }
}
