//! The simulated admin routes of `seahub/api2/endpoints/admin/share_links.py`: the paged
//! listing (`AdminShareLinks`, A1 or A2) and one link's detail and delete (`AdminShareLink`).

use super::render::{admin_detail, admin_list_record};
use super::routes::{detail_error, error, prelude, Caller, SimState};
use super::store::SimLink;
use super::AdminListing;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;

macro_rules! enter {
    ($st:expr, $route:literal, $req:expr) => {
        match prelude(&$st, $route, $req).await {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

fn admin_only(caller: &Caller) -> Result<(), Response> {
    if caller.is_staff {
        Ok(())
    } else {
        Err(detail_error(
            StatusCode::FORBIDDEN,
            "You do not have permission to perform this action.",
        ))
    }
}

pub(crate) async fn admin_list(State(st): State<Arc<SimState>>, req: Request) -> Response {
    let (caller, p) = enter!(st, "admin_list", req);
    if let Err(r) = admin_only(&caller) {
        return r;
    }
    let (page, per_page) = match (
        p.text("page").unwrap_or_else(|| "1".into()).parse::<i64>(),
        p.text("per_page")
            .unwrap_or_else(|| "100".into())
            .parse::<i64>(),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        _ => (1, 100),
    };
    let store = st.lock();
    let mut links: Vec<&SimLink> = store.links.iter().collect();
    links.sort_by_key(|l| l.ctime);
    if st.config.admin_listing == AdminListing::A2 {
        let order_by = p.text("order_by").map(|o| o.trim().to_lowercase());
        let direction = p
            .text("direction")
            .map(|d| d.trim().to_lowercase())
            .unwrap_or_else(|| "desc".into());
        match order_by.as_deref() {
            None => links.reverse(),
            Some(o) if !matches!(o, "ctime" | "view_cnt") => {
                return error(StatusCode::BAD_REQUEST, "order_by invalid.")
            }
            Some(_) if !matches!(direction.as_str(), "asc" | "desc") => {
                return error(StatusCode::BAD_REQUEST, "direction invalid.")
            }
            Some(o) => {
                if o == "view_cnt" {
                    links.sort_by_key(|l| l.view_cnt);
                }
                if direction == "desc" {
                    links.reverse();
                }
            }
        }
    }
    let start = ((page - 1) * per_page).max(0) as usize;
    let end = (start as i64 + per_page.max(0)) as usize;
    let now = Utc::now();
    let records: Vec<Value> = links
        .iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .map(|l| admin_list_record(l, &store, st.zone(), st.config.admin_listing, now))
        .collect();
    Json(json!({"share_link_list": records, "count": store.links.len()})).into_response()
}

pub(crate) async fn admin_get(
    State(st): State<Arc<SimState>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    let (caller, _) = enter!(st, "admin_get", req);
    if let Err(r) = admin_only(&caller) {
        return r;
    }
    let store = st.lock();
    match store.link(&token) {
        Some(l) => Json(admin_detail(
            l,
            &store,
            &st.base_url(),
            st.zone(),
            Utc::now(),
        ))
        .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            &format!("Share link {token} not found."),
        ),
    }
}

pub(crate) async fn admin_delete(
    State(st): State<Arc<SimState>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    let (caller, _) = enter!(st, "admin_delete", req);
    if let Err(r) = admin_only(&caller) {
        return r;
    }
    let mut store = st.lock();
    if store.link(&token).is_none() {
        return match st.config.admin_listing {
            AdminListing::A1 => error(
                StatusCode::NOT_FOUND,
                &format!("Share link {token} not found."),
            ),
            AdminListing::A2 => Json(json!({"success": true})).into_response(),
        };
    }
    store.links.retain(|l| l.token != token);
    Json(json!({"success": true})).into_response()
}
