//! How the server writes its answers: `formatShare` records, the OCS envelope of v1 and v2,
//! JSON the way PHP's `json_encode(..., JSON_HEX_TAG)` writes it (`\/`, `\u00e9`, `\u003C`), and
//! XML the way `BaseResponse::toXML` writes it (list elements named `element`, `null` as an
//! empty element).

use super::store::{SimShare, TYPE_GROUP, TYPE_LINK, TYPE_USER};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The owner every simulated share belongs to.
pub(crate) const OWNER: &str = "alice";
/// Its display name.
pub(crate) const OWNER_DISPLAY: &str = "Alice Liddell";

/// `formatShare` for the simulator's shares (the key order of a current release).
pub(crate) fn format_share(s: &SimShare, base_url: &str) -> Value {
    serde_json::to_value(record(s, base_url)).unwrap_or(Value::Null)
}

/// [`format_share`] as a serializable record (no intermediate map: a 10 000-link list renders
/// fast enough for the tests' short upstream timeouts).
pub(crate) fn record<'a>(s: &'a SimShare, base_url: &str) -> Record<'a> {
    let link = s.share_type == TYPE_LINK;
    let (with, with_display, unique) = match s.share_type {
        TYPE_USER => (
            Some(s.share_with.as_deref()),
            Some("Bob"),
            Some("bob@example.com"),
        ),
        TYPE_GROUP => (Some(s.share_with.as_deref()), Some("Staff"), None),
        TYPE_LINK => (
            Some(s.password_hash.as_deref()),
            Some("(Shared link)"),
            None,
        ),
        _ => (None, None, None),
    };
    Record {
        id: s.id.to_string(),
        share_type: s.share_type,
        uid_owner: OWNER,
        displayname_owner: OWNER_DISPLAY,
        permissions: s.permissions,
        can_edit: true,
        can_delete: true,
        stime: s.stime,
        parent: (),
        expiration: s
            .expiration
            .map(|d| d.format("%Y-%m-%d 00:00:00").to_string()),
        token: link.then_some(s.token.as_str()),
        uid_file_owner: OWNER,
        note: &s.note,
        label: &s.label,
        displayname_file_owner: OWNER_DISPLAY,
        path: &s.node.path,
        item_type: if s.node.folder { "folder" } else { "file" },
        item_permissions: 31,
        is_mount_root: false,
        mount_type: "",
        mimetype: s.node.mimetype,
        has_preview: !s.node.folder,
        storage_id: "home::alice",
        storage: 1,
        item_source: s.node.id,
        file_source: s.node.id,
        file_parent: s.node.parent,
        file_target: format!("/{}", s.node.name()),
        item_size: s.node.size,
        item_mtime: s.stime,
        share_with: with,
        share_with_displayname: with_display,
        share_with_displayname_unique: unique,
        password: link.then_some(s.password_hash.as_deref()),
        send_password_by_talk: link.then_some(false),
        url: link.then(|| format!("{base_url}/index.php/s/{}", s.token)),
        mail_send: 0,
        hide_download: u8::from(s.hide_download),
        attributes: (),
    }
}

/// One `formatShare` record, fields in the server's order.
#[derive(Serialize)]
pub(crate) struct Record<'a> {
    id: String,
    share_type: u8,
    uid_owner: &'static str,
    displayname_owner: &'static str,
    permissions: i64,
    can_edit: bool,
    can_delete: bool,
    stime: i64,
    parent: (),
    expiration: Option<String>,
    token: Option<&'a str>,
    uid_file_owner: &'static str,
    note: &'a str,
    label: &'a str,
    displayname_file_owner: &'static str,
    path: &'a str,
    item_type: &'static str,
    item_permissions: u8,
    #[serde(rename = "is-mount-root")]
    is_mount_root: bool,
    #[serde(rename = "mount-type")]
    mount_type: &'static str,
    mimetype: &'static str,
    has_preview: bool,
    storage_id: &'static str,
    storage: u8,
    item_source: u64,
    file_source: u64,
    file_parent: u64,
    file_target: String,
    item_size: u64,
    item_mtime: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    share_with: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    share_with_displayname: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    share_with_displayname_unique: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    send_password_by_talk: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    mail_send: u8,
    hide_download: u8,
    attributes: (),
}

/// Which answer the request asked for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Form {
    /// `/ocs/v2.php` (else v1).
    pub v2: bool,
    /// `format=json` or `Accept: application/json` (else XML).
    pub json: bool,
}

/// An OCS answer: `ocs_status` is the controller's status (200 ok, or 997, 404, 400, 403, ...).
pub(crate) fn ocs<D: Serialize>(form: Form, ocs_status: u16, message: &str, data: D) -> Response {
    let ok = ocs_status == 200;
    let mut meta = Map::new();
    if form.v2 {
        meta.insert("status".into(), json!(if ok { "ok" } else { "failure" }));
        meta.insert("statuscode".into(), json!(ocs_status));
        meta.insert("message".into(), json!(if ok { "OK" } else { message }));
    } else {
        let code = if ok { 100 } else { ocs_status };
        meta.insert("status".into(), json!(if ok { "ok" } else { "failure" }));
        meta.insert("statuscode".into(), json!(code));
        meta.insert("message".into(), json!(if ok { "OK" } else { message }));
        meta.insert("totalitems".into(), json!(""));
        meta.insert("itemsperpage".into(), json!(""));
    }
    let http = match (form.v2, ocs_status) {
        (_, 997) => 401,
        (false, _) => 200,
        (true, 998) => 404,
        (true, 996 | 999) => 500,
        (true, s) if !(200..=600).contains(&s) => 400,
        (true, s) => s,
    };
    #[derive(Serialize)]
    struct Envelope<D> {
        ocs: Ocs<D>,
    }
    #[derive(Serialize)]
    struct Ocs<D> {
        meta: Map<String, Value>,
        data: D,
    }
    let body = Envelope {
        ocs: Ocs { meta, data },
    };
    let (content_type, text) = if form.json {
        let plain = serde_json::to_string(&body).unwrap_or_default();
        ("application/json; charset=utf-8", php_json(&plain))
    } else {
        let tree = serde_json::to_value(&body).unwrap_or(Value::Null);
        ("application/xml; charset=utf-8", xml(&tree))
    };
    (
        StatusCode::from_u16(http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", content_type)],
        text,
    )
        .into_response()
}

/// JSON as PHP's `json_encode($v, JSON_HEX_TAG)` writes it: `/` escaped, non-ASCII as
/// `\uXXXX` (UTF-16), `<` and `>` as `\u003C` / `\u003E`. These characters only occur inside
/// strings, so the text can be rewritten character by character.
pub(crate) fn php_json(plain: &str) -> String {
    let mut out = String::with_capacity(plain.len() + plain.len() / 8);
    for c in plain.chars() {
        match c {
            '/' => out.push_str("\\/"),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            c if !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// XML as `XMLWriter` with `setIndent(true)` writes it.
pub(crate) fn xml(v: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n");
    if let Value::Object(m) = v {
        for (k, v) in m {
            element(&mut out, k, v, 0);
        }
    }
    out
}

fn element(out: &mut String, name: &str, v: &Value, depth: usize) {
    let pad = " ".repeat(depth);
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push_str(&format!("{pad}<{name}>\n"));
            for (k, v) in m {
                element(out, k, v, depth + 1);
            }
            out.push_str(&format!("{pad}</{name}>\n"));
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str(&format!("{pad}<{name}>\n"));
            for v in a {
                element(out, "element", v, depth + 1);
            }
            out.push_str(&format!("{pad}</{name}>\n"));
        }
        Value::Object(_) | Value::Array(_) | Value::Null => {
            out.push_str(&format!("{pad}<{name}/>\n"));
        }
        Value::String(s) if s.is_empty() => out.push_str(&format!("{pad}<{name}></{name}>\n")),
        Value::String(s) => out.push_str(&format!("{pad}<{name}>{}</{name}>\n", escape(s))),
        // PHP casts `false` to "" and `true` to "1" when writing an element.
        Value::Bool(false) => out.push_str(&format!("{pad}<{name}></{name}>\n")),
        Value::Bool(true) => out.push_str(&format!("{pad}<{name}>1</{name}>\n")),
        Value::Number(n) => out.push_str(&format!("{pad}<{name}>{n}</{name}>\n")),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_json_escapes_like_json_encode() {
        let v = json!({"path": "/a <b> é 😀"});
        assert_eq!(
            php_json(&v.to_string()),
            r#"{"path":"\/a \u003Cb\u003E \u00e9 \ud83d\ude00"}"#
        );
        let back: Value = serde_json::from_str(&php_json(&v.to_string())).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn xml_names_list_items_element() {
        let v =
            json!({"ocs": {"meta": {"statuscode": 200}, "data": [{"id": "1", "parent": null}]}});
        let x = xml(&v);
        assert!(
            x.contains("<data>\n  <element>\n   <id>1</id>\n   <parent/>"),
            "{x}"
        );
    }
}
