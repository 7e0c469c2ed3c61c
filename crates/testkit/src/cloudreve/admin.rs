//! `POST /api/v4/admin/share`: every user's shares for a site administrator, as BE-4.18
//! answers it (`routers/router.go` l.1219, `middleware/auth.go` `IsAdmin`,
//! `service/admin/share.go` `Shares`, `service/admin/list.go` `AdminListService`,
//! `inventory/share.go` `offsetPagination`, `ent/share.go` / `ent/user.go` / `ent/file.go`).

use super::render::{self, go_time};
use super::store::{ShareRec, Store};
use super::SimState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;

#[derive(Deserialize)]
struct AdminListBody {
    #[serde(default)]
    page: i64,
    #[serde(default)]
    page_size: i64,
    #[serde(default)]
    order_by: String,
    #[serde(default)]
    order_direction: String,
}

/// The route.
pub(crate) async fn list_shares(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    st.counters.hit("admin_list");
    if let Some(resp) = st.faults.before("admin_list").await {
        return resp;
    }
    if let Err(resp) = super::routes::require_login(&st, &headers) {
        return resp;
    }
    if let Err(resp) = super::routes::require_scope(&st, &headers, "Admin.Read") {
        return resp;
    }
    let settings = st.settings();
    if !settings.admin {
        // `IsAdmin`: `ErrWithDetails(c, CodeNoPermissionErr, "", nil)`.
        return render::err(403, "");
    }
    let Ok(body) = serde_json::from_slice::<AdminListBody>(&body) else {
        return render::param_err("Invalid parameters.");
    };
    // `binding:"min=1"` on page, `"min=1,required"` on page_size.
    if body.page < 1 || body.page_size < 1 {
        return render::param_err("Invalid parameters.");
    }
    let store = st.lock_store();
    let mut rows: Vec<&ShareRec> = store.shares.values().collect();
    match body.order_by.as_str() {
        "views" => rows.sort_by_key(|r| (r.visited, r.db_id)),
        "downloads" => rows.sort_by_key(|r| (r.downloaded, r.db_id)),
        _ => {}
    }
    // `getOrderTerm`: only "desc" is descending.
    if body.order_direction == "desc" {
        rows.reverse();
    }
    let total = rows.len();
    let size = body.page_size as usize;
    let offset = (body.page as usize - 1).saturating_mul(size);
    let shares: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|r| ent_share(&store, r, &st.site))
        .collect();
    render::ok(Some(json!({
        "pagination": {"page": body.page - 1, "page_size": size, "total_items": total},
        "shares": shares,
    })))
}

/// `GetShareResponse`: the raw `ent.Share` (every scalar `omitempty`), its `edges`, plus
/// `user_hash_id` and `share_link`.
fn ent_share(store: &Store, r: &ShareRec, site: &str) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.db_id));
    m.insert("created_at".into(), json!(go_time(r.created_at)));
    m.insert("updated_at".into(), json!(go_time(r.created_at)));
    if !r.password.is_empty() {
        m.insert("password".into(), json!(r.password));
    }
    if r.visited > 0 {
        m.insert("views".into(), json!(r.visited));
    }
    if r.downloaded > 0 {
        m.insert("downloads".into(), json!(r.downloaded));
    }
    if let Some(at) = r.expires {
        m.insert("expires".into(), json!(go_time(at)));
    }
    // A pointer: `omitempty` drops only nil, so 0 is sent.
    if let Some(n) = r.remain_downloads {
        m.insert("remain_downloads".into(), json!(n));
    }
    let mut props = Map::new();
    if r.share_view {
        props.insert("share_view".into(), json!(true));
    }
    if r.show_readme {
        props.insert("show_read_me".into(), json!(true));
    }
    m.insert("props".into(), Value::Object(props));
    let mut edges = Map::new();
    if let Some(u) = store.users.get(r.owner) {
        let mut user = Map::new();
        user.insert("id".into(), json!(u.db_id));
        user.insert("created_at".into(), json!("2024-02-01T10:00:00+08:00"));
        user.insert("updated_at".into(), json!("2024-02-01T10:00:00+08:00"));
        user.insert("email".into(), json!(u.email));
        user.insert("nick".into(), json!(u.nick));
        user.insert("status".into(), json!(u.status));
        user.insert("edges".into(), json!({}));
        edges.insert("user".into(), Value::Object(user));
    }
    if let Some(f) = store.files.get(&r.path) {
        let mut file = Map::new();
        file.insert("id".into(), json!(1000 + r.db_id));
        file.insert("created_at".into(), json!(go_time(r.created_at)));
        file.insert("updated_at".into(), json!(go_time(r.created_at)));
        if f.is_folder {
            file.insert("type".into(), json!(1));
        }
        file.insert("name".into(), json!(r.name()));
        if let Some(u) = store.users.get(r.owner) {
            file.insert("owner_id".into(), json!(u.db_id));
        }
        if f.size > 0 {
            file.insert("size".into(), json!(f.size));
        }
        // The parent folder's id; 0 (absent) for a file in the trash.
        if !f.trashed {
            file.insert("file_children".into(), json!(1));
        }
        file.insert("edges".into(), json!({}));
        edges.insert("file".into(), Value::Object(file));
    }
    m.insert("edges".into(), Value::Object(edges));
    if let Some(u) = store.users.get(r.owner) {
        m.insert("user_hash_id".into(), json!(u.hash_id));
    }
    m.insert("share_link".into(), json!(render::share_url(site, r, true)));
    Value::Object(m)
}
