//! How the server writes its answers: `formatShare` records, the OCS envelope of v1 and v2,
//! JSON the way PHP's `json_encode(..., JSON_HEX_TAG)` writes it (`\/`, `\u00e9`, `\u003C`), and
//! XML the way `BaseResponse::toXML` writes it (list elements named `element`, `null` as an
//! empty element).

use super::store::{SimShare, TYPE_GROUP, TYPE_LINK, TYPE_USER};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// The owner every simulated share belongs to.
pub(crate) const OWNER: &str = "alice";
/// Its display name.
pub(crate) const OWNER_DISPLAY: &str = "Alice Liddell";

/// `formatShare` for the simulator's shares (the key order of a current release).
pub(crate) fn format_share(s: &SimShare, base_url: &str) -> Value {
    let mut r = Map::new();
    r.insert("id".into(), json!(s.id.to_string()));
    r.insert("share_type".into(), json!(s.share_type));
    r.insert("uid_owner".into(), json!(OWNER));
    r.insert("displayname_owner".into(), json!(OWNER_DISPLAY));
    r.insert("permissions".into(), json!(s.permissions));
    r.insert("can_edit".into(), json!(true));
    r.insert("can_delete".into(), json!(true));
    r.insert("stime".into(), json!(s.stime));
    r.insert("parent".into(), Value::Null);
    r.insert(
        "expiration".into(),
        s.expiration
            .map(|d| json!(d.format("%Y-%m-%d 00:00:00").to_string()))
            .unwrap_or(Value::Null),
    );
    r.insert("token".into(), Value::Null);
    r.insert("uid_file_owner".into(), json!(OWNER));
    r.insert("note".into(), json!(s.note));
    r.insert("label".into(), json!(s.label));
    r.insert("displayname_file_owner".into(), json!(OWNER_DISPLAY));
    r.insert("path".into(), json!(s.node.path));
    r.insert(
        "item_type".into(),
        json!(if s.node.folder { "folder" } else { "file" }),
    );
    r.insert("item_permissions".into(), json!(31));
    r.insert("is-mount-root".into(), json!(false));
    r.insert("mount-type".into(), json!(""));
    r.insert("mimetype".into(), json!(s.node.mimetype));
    r.insert("has_preview".into(), json!(!s.node.folder));
    r.insert("storage_id".into(), json!(format!("home::{OWNER}")));
    r.insert("storage".into(), json!(1));
    r.insert("item_source".into(), json!(s.node.id));
    r.insert("file_source".into(), json!(s.node.id));
    r.insert("file_parent".into(), json!(s.node.parent));
    r.insert("file_target".into(), json!(format!("/{}", s.node.name())));
    r.insert("item_size".into(), json!(s.node.size));
    r.insert("item_mtime".into(), json!(s.stime));
    match s.share_type {
        TYPE_USER => {
            r.insert("share_with".into(), json!(s.share_with));
            r.insert("share_with_displayname".into(), json!("Bob"));
            r.insert(
                "share_with_displayname_unique".into(),
                json!("bob@example.com"),
            );
        }
        TYPE_GROUP => {
            r.insert("share_with".into(), json!(s.share_with));
            r.insert("share_with_displayname".into(), json!("Staff"));
        }
        TYPE_LINK => {
            r.insert("share_with".into(), json!(s.password_hash));
            r.insert("share_with_displayname".into(), json!("(Shared link)"));
            r.insert("password".into(), json!(s.password_hash));
            r.insert("send_password_by_talk".into(), json!(false));
            r.insert("token".into(), json!(s.token));
            r.insert(
                "url".into(),
                json!(format!("{base_url}/index.php/s/{}", s.token)),
            );
        }
        _ => {}
    }
    r.insert("mail_send".into(), json!(0));
    r.insert("hide_download".into(), json!(u8::from(s.hide_download)));
    r.insert("attributes".into(), Value::Null);
    Value::Object(r)
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
pub(crate) fn ocs(form: Form, ocs_status: u16, message: &str, data: Value) -> Response {
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
    let body = json!({"ocs": {"meta": Value::Object(meta), "data": data}});
    let (content_type, text) = if form.json {
        ("application/json; charset=utf-8", php_json(&body))
    } else {
        ("application/xml; charset=utf-8", xml(&body))
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
pub(crate) fn php_json(v: &Value) -> String {
    let plain = v.to_string();
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
            php_json(&v),
            r#"{"path":"\/a \u003Cb\u003E \u00e9 \ud83d\ude00"}"#
        );
        let back: Value = serde_json::from_str(&php_json(&v)).unwrap();
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
