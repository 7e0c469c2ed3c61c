//! The simulated `/ocs/{v1,v2}.php/apps/files_sharing/api/v1/shares` routes, answering the way
//! `ShareAPIController` and the AppFramework middlewares do (`docs/vendors/nextcloud.md`).

use super::render::{format_share, ocs, record, Form};
use super::store::{hash, SimShare, Store, TYPE_LINK};
use super::NextcloudSimConfig;
use crate::faults::{Counters, Faults};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

pub(crate) struct SimState {
    pub store: Mutex<Store>,
    pub config: NextcloudSimConfig,
    pub faults: Faults,
    pub counters: Counters,
    pub addr: OnceLock<SocketAddr>,
}

impl SimState {
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn base_url(&self) -> String {
        self.addr
            .get()
            .map(|a| format!("http://{a}"))
            .unwrap_or_default()
    }

    /// Today in the server's zone.
    pub fn today(&self) -> NaiveDate {
        (Utc::now() + Duration::seconds(i64::from(self.config.zone_offset_secs))).date_naive()
    }

    /// `Manager::checkShare`: a link whose expiry date has begun is deleted when read.
    pub fn drop_expired(&self, store: &mut Store) {
        let today = self.today();
        store
            .shares
            .retain(|s| s.share_type != TYPE_LINK || s.expiration.is_none_or(|d| d > today));
    }
}

pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route(
            "/ocs/{ver}/apps/files_sharing/api/v1/shares",
            get(list).post(create),
        )
        .route(
            "/ocs/{ver}/apps/files_sharing/api/v1/shares/{id}",
            get(get_one).put(update).delete(delete),
        )
        .with_state(state)
}

/// Query and body parameters, merged like `IRequest::getParam` (body wins).
struct Params(HashMap<String, String>);

impl Params {
    fn read(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
        let mut m = HashMap::new();
        if let Some(q) = query {
            decode_form(q, &mut m);
        }
        let ct = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if ct.starts_with("application/json") {
            if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body) {
                for (k, v) in o {
                    let v = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    m.insert(k, v);
                }
            }
        } else if let Ok(text) = std::str::from_utf8(body) {
            decode_form(text, &mut m);
        }
        Params(m)
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }
}

fn decode_form(text: &str, into: &mut HashMap<String, String>) {
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let dec = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        into.insert(dec(k), dec(v));
    }
}

/// The answer form: `format` parameter first, else the first `Accept` type the server knows.
fn form_of(ver: &str, params: &Params, headers: &HeaderMap) -> Form {
    let json = match params.get("format") {
        Some(f) => f == "json",
        None => {
            headers
                .get("accept")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(',')
                .map(|t| t.split(';').next().unwrap_or_default().trim())
                .find(|t| !t.contains('*') && matches!(*t, "application/json" | "application/xml"))
                == Some("application/json")
        }
    };
    Form {
        v2: ver == "v2.php",
        json,
    }
}

/// Counts, applies faults, reads the parameters, authenticates, checks the CSRF header.
/// `Err` = the answer.
async fn prelude(
    st: &SimState,
    route: &str,
    ver: &str,
    req: Request,
) -> Result<(Form, Params), Response> {
    st.counters.hit(route);
    if let Some(r) = st.faults.before(route).await {
        return Err(r);
    }
    if ver != "v1.php" && ver != "v2.php" {
        return Err((StatusCode::NOT_FOUND, "Not Found").into_response());
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response())?;
    let headers = &parts.headers;
    let params = Params::read(parts.uri.query(), headers, &body);
    let form = form_of(ver, &params, headers);
    let expected = format!("{}:{}", st.config.user, st.config.app_password);
    let authed = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .is_some_and(|d| d == expected.as_bytes());
    if !authed {
        // SecurityMiddleware: NotLoggedInException (401) → OCSMiddleware: OCS 997.
        return Err(ocs(form, 997, "Current user is not logged in", json!([])));
    }
    let has_header = headers
        .get("ocs-apirequest")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "true");
    if !has_header {
        // CrossSiteRequestForgeryException → SecurityMiddleware's JSONResponse, not OCS.
        return Err((
            StatusCode::PRECONDITION_FAILED,
            [("content-type", "application/json; charset=utf-8")],
            r#"{"message":"CSRF check failed"}"#,
        )
            .into_response());
    }
    Ok((form, params))
}

/// [`prelude`], returning its answer from the handler when it has one.
macro_rules! enter {
    ($st:expr, $route:literal, $ver:expr, $req:expr) => {
        match prelude(&$st, $route, &$ver, $req).await {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

fn parse_id(id: &str) -> Option<u64> {
    id.parse().ok()
}

fn wrong_id(form: Form) -> Response {
    ocs(form, 404, "Wrong share ID, share does not exist", json!([]))
}

async fn list(State(st): State<Arc<SimState>>, Path(ver): Path<String>, req: Request) -> Response {
    let (form, _) = enter!(st, "list", ver, req);
    let base = st.base_url();
    let mut store = st.lock();
    st.drop_expired(&mut store);
    let data: Vec<_> = store
        .listed()
        .into_iter()
        .map(|s| record(s, &base))
        .collect();
    ocs(form, 200, "", data)
}

async fn get_one(
    State(st): State<Arc<SimState>>,
    Path((ver, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    let (form, _) = enter!(st, "get", ver, req);
    let base = st.base_url();
    let mut store = st.lock();
    st.drop_expired(&mut store);
    match parse_id(&id).and_then(|id| store.find(id)) {
        Some(s) => ocs(form, 200, "", json!([format_share(s, &base)])),
        None => wrong_id(form),
    }
}

/// `expireDate` → a date (`parseDate`: `YYYY-MM-DD`, optionally quoted).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim().trim_matches('"');
    NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d").ok()
}

/// The password policy (`ValidatePasswordPolicyEvent` → HintException, wrapped in a 400).
fn check_password(st: &SimState, form: Form, password: &str) -> Result<(), Response> {
    let min = st.config.password_min_length;
    if password.chars().count() < min {
        return Err(ocs(
            form,
            400,
            &format!("Password needs to be at least {min} characters long."),
            json!([]),
        ));
    }
    Ok(())
}

async fn create(
    State(st): State<Arc<SimState>>,
    Path(ver): Path<String>,
    req: Request,
) -> Response {
    let (form, p) = enter!(st, "create", ver, req);
    let Some(path) = p.get("path") else {
        return ocs(form, 404, "Please specify a file or folder path", json!([]));
    };
    let mut store = st.lock();
    let Some(node) = store.node_at(path).cloned() else {
        return ocs(
            form,
            404,
            "Wrong path, file/folder does not exist",
            json!([]),
        );
    };
    if p.get("shareType") != Some("3") {
        return ocs(form, 400, "Unknown share type", json!([]));
    }
    let mut permissions: i64 = match p.get("permissions").map(str::parse::<i64>) {
        None => 1,
        Some(Ok(n)) if (0..=31).contains(&n) => n,
        Some(_) => return ocs(form, 404, "invalid permissions", json!([])),
    };
    if !node.folder {
        // Single file shares never have create or delete permissions.
        permissions &= !(4 | 8);
    }
    let password = p.get("password").unwrap_or_default();
    if password.is_empty() && st.config.enforce_password {
        return ocs(
            form,
            403,
            "Passwords are enforced for link and mail shares",
            json!([]),
        );
    }
    if !password.is_empty() {
        if let Err(r) = check_password(&st, form, password) {
            return r;
        }
    }
    let expiration = match p.get("expireDate") {
        None => st
            .config
            .default_expire_days
            .map(|d| st.today() + Duration::days(i64::from(d))),
        Some("") => None,
        Some(s) => match parse_date(s) {
            Some(d) if d <= st.today() => {
                return ocs(form, 404, "Expiration date is in the past", json!([]))
            }
            Some(d) => Some(d),
            None => {
                return ocs(
                    form,
                    404,
                    "Invalid date. Format must be YYYY-MM-DD",
                    json!([]),
                )
            }
        },
    };
    let label = p.get("label").unwrap_or_default();
    if label.len() > 255 {
        return ocs(form, 400, "Maximum label length is 255", json!([]));
    }
    let mut share = store.new_share(TYPE_LINK, node, permissions, Utc::now().timestamp());
    share.password_hash = (!password.is_empty()).then(|| hash(password));
    share.expiration = expiration;
    share.label = label.to_owned();
    share.note = p.get("note").unwrap_or_default().to_owned();
    let out = format_share(&share, &st.base_url());
    store.shares.push(share);
    ocs(form, 200, "", out)
}

/// Link permissions `updateShare` accepts (after dropping the share bit).
const LINK_PERMISSIONS: [i64; 5] = [1, 1 | 4 | 2, 1 | 4 | 2 | 8, 4, 1 | 2];

fn apply_update(st: &SimState, form: Form, s: &mut SimShare, p: &Params) -> Result<(), Response> {
    let keys = [
        "permissions",
        "password",
        "expireDate",
        "note",
        "label",
        "hideDownload",
        "publicUpload",
    ];
    if !keys.iter().any(|k| p.get(k).is_some()) {
        return Err(ocs(
            form,
            400,
            "Wrong or no update parameter given",
            json!([]),
        ));
    }
    if let Some(note) = p.get("note") {
        s.note = note.to_owned();
    }
    if s.share_type != TYPE_LINK {
        return Ok(());
    }
    match p.get("hideDownload") {
        Some("true") => s.hide_download = true,
        Some("false") => s.hide_download = false,
        _ => {}
    }
    if let Some(bits) = p.get("permissions") {
        let n = bits.parse::<i64>().unwrap_or(-1) & !16;
        if !LINK_PERMISSIONS.contains(&n) {
            return Err(ocs(
                form,
                400,
                "Can't change permissions for public share links",
                json!([]),
            ));
        }
        let upload = n == 7 || n == 15;
        if upload && !s.node.folder {
            return Err(ocs(
                form,
                400,
                "Public upload is only possible for publicly shared folders",
                json!([]),
            ));
        }
        s.permissions = if upload { 15 } else { n };
    }
    match p.get("password") {
        Some("") => s.password_hash = None,
        Some(pw) => {
            check_password(st, form, pw)?;
            s.password_hash = Some(hash(pw));
        }
        None => {}
    }
    if let Some(label) = p.get("label") {
        if label.len() > 255 {
            return Err(ocs(form, 400, "Maximum label length is 255", json!([])));
        }
        s.label = label.to_owned();
    }
    match p.get("expireDate") {
        Some("") => s.expiration = None,
        Some(d) => match parse_date(d) {
            Some(d) if d <= st.today() => {
                return Err(ocs(form, 404, "Expiration date is in the past", json!([])))
            }
            Some(d) => s.expiration = Some(d),
            None => {
                return Err(ocs(
                    form,
                    400,
                    "Invalid date. Format must be YYYY-MM-DD",
                    json!([]),
                ))
            }
        },
        None => {}
    }
    Ok(())
}

async fn update(
    State(st): State<Arc<SimState>>,
    Path((ver, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    let (form, p) = enter!(st, "update", ver, req);
    let base = st.base_url();
    let mut store = st.lock();
    st.drop_expired(&mut store);
    let Some(share) = parse_id(&id).and_then(|id| store.find_mut(id)) else {
        return wrong_id(form);
    };
    // Validate on a copy: a refused update changes nothing.
    let mut next = share.clone();
    if let Err(r) = apply_update(&st, form, &mut next, &p) {
        return r;
    }
    *share = next;
    ocs(form, 200, "", format_share(share, &base))
}

async fn delete(
    State(st): State<Arc<SimState>>,
    Path((ver, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    let (form, _) = enter!(st, "delete", ver, req);
    let mut store = st.lock();
    let before = store.shares.len();
    if let Some(id) = parse_id(&id) {
        store.shares.retain(|s| s.id != id);
    }
    if store.shares.len() == before {
        return wrong_id(form);
    }
    ocs(form, 200, "", json!([]))
}
