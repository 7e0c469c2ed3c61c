//! Link records as each seahub version writes them (`docs/vendors/seafile.md` §3, §8).

use super::store::{SimLink, Store};
use super::{AdminListing, ServerVersion};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{json, Map, Value};

/// `datetime_to_isoformat_timestr`: ISO 8601 in the server's zone, seconds precision.
pub(crate) fn iso(at: DateTime<Utc>, zone: FixedOffset) -> String {
    at.with_timezone(&zone)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// `gen_shared_link`.
pub(crate) fn link_url(base: &str, l: &SimLink) -> String {
    let kind = if l.is_dir { "d" } else { "f" };
    format!("{base}/{kind}/{}/", l.token)
}

fn permissions(l: &SimLink, version: ServerVersion) -> Value {
    let (edit, download, upload) = l.perm.flags();
    match version {
        ServerVersion::V4 => {
            json!({"can_edit": edit, "can_download": download, "can_upload": upload})
        }
        _ => json!({"can_edit": edit, "can_download": download}),
    }
}

/// The link's own fields, from `path` to `is_expired`, as both the user and the admin
/// endpoints write them (in this order).
fn link_fields(
    m: &mut Map<String, Value>,
    l: &SimLink,
    base: &str,
    zone: FixedOffset,
    now: DateTime<Utc>,
) {
    m.insert("path".into(), json!(l.path));
    m.insert("obj_name".into(), json!(l.obj_name()));
    m.insert("is_dir".into(), json!(l.is_dir));
    m.insert("token".into(), json!(l.token));
    m.insert("link".into(), json!(link_url(base, l)));
    m.insert("view_cnt".into(), json!(l.view_cnt));
    m.insert("ctime".into(), json!(iso(l.ctime, zone)));
    m.insert(
        "expire_date".into(),
        json!(l.expire.map(|e| iso(e, zone)).unwrap_or_default()),
    );
    m.insert("is_expired".into(), json!(l.is_expired(now)));
}

/// The fields every user-endpoint record shares.
fn common(
    l: &SimLink,
    store: &Store,
    base: &str,
    zone: FixedOffset,
    now: DateTime<Utc>,
) -> Map<String, Value> {
    let repo_name = store
        .repo(&l.repo_id)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("username".into(), json!(l.owner));
    m.insert("repo_id".into(), json!(l.repo_id));
    m.insert("repo_name".into(), json!(repo_name));
    link_fields(&mut m, l, base, zone, now);
    m
}

/// A record of the user list (v4 builds it inline; older versions call
/// `get_share_link_info`, i.e. [`detail`]).
pub(crate) fn list_record(
    l: &SimLink,
    store: &Store,
    base: &str,
    zone: FixedOffset,
    version: ServerVersion,
    now: DateTime<Utc>,
) -> Value {
    if version != ServerVersion::V4 {
        return detail(l, store, base, zone, version, now);
    }
    let mut m = common(l, store, base, zone, now);
    m.insert("permissions".into(), permissions(l, version));
    m.insert(
        "password".into(),
        json!(l.password.clone().unwrap_or_default()),
    );
    Value::Object(m)
}

/// `get_share_link_info` of `share_links.py`.
pub(crate) fn detail(
    l: &SimLink,
    store: &Store,
    base: &str,
    zone: FixedOffset,
    version: ServerVersion,
    now: DateTime<Utc>,
) -> Value {
    let mut m = common(l, store, base, zone, now);
    if version != ServerVersion::V1 {
        m.insert("permissions".into(), permissions(l, version));
    }
    if version == ServerVersion::V4 {
        let obj_id = store
            .repo(&l.repo_id)
            .and_then(|r| r.dirents.iter().find(|d| d.path == l.path))
            .map(|d| d.obj_id.clone())
            .unwrap_or_default();
        m.insert("obj_id".into(), json!(obj_id));
        m.insert(
            "password".into(),
            json!(l.password.clone().unwrap_or_default()),
        );
        m.insert("can_edit".into(), json!(!l.is_dir));
    }
    Value::Object(m)
}

/// A record of the admin listing.
pub(crate) fn admin_list_record(
    l: &SimLink,
    store: &Store,
    zone: FixedOffset,
    listing: AdminListing,
    now: DateTime<Utc>,
) -> Value {
    let name = store
        .user(&l.owner)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("obj_name".into(), json!(l.obj_name()));
    m.insert("token".into(), json!(l.token));
    m.insert("creator_email".into(), json!(l.owner));
    m.insert("creator_name".into(), json!(name));
    m.insert("ctime".into(), json!(iso(l.ctime, zone)));
    m.insert("view_cnt".into(), json!(l.view_cnt));
    if listing == AdminListing::A2 {
        m.insert(
            "expire_date".into(),
            json!(l.expire.map(|e| iso(e, zone)).unwrap_or_default()),
        );
        m.insert("is_expired".into(), json!(l.is_expired(now)));
    }
    Value::Object(m)
}

/// `get_share_link_info` of `admin/share_links.py`.
pub(crate) fn admin_detail(
    l: &SimLink,
    store: &Store,
    base: &str,
    zone: FixedOffset,
    now: DateTime<Utc>,
) -> Value {
    let user = store.user(&l.owner);
    let repo = store.repo(&l.repo_id);
    let mut m = Map::new();
    m.insert("creator_email".into(), json!(l.owner));
    m.insert(
        "creator_name".into(),
        json!(user.map(|u| u.name.clone()).unwrap_or_default()),
    );
    m.insert("creator_contact_email".into(), json!(l.owner));
    m.insert("repo_id".into(), json!(l.repo_id));
    m.insert(
        "repo_name".into(),
        json!(repo.map(|r| r.name.clone()).unwrap_or_default()),
    );
    link_fields(&mut m, l, base, zone, now);
    m.insert("permissions".into(), permissions(l, ServerVersion::V3));
    if !l.is_dir {
        let size = repo
            .and_then(|r| r.dirents.iter().find(|d| d.path == l.path))
            .map(|d| d.size)
            .unwrap_or_default();
        m.insert("size".into(), json!(size));
    }
    Value::Object(m)
}
