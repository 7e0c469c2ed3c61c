//! Seafile answers under the server's own field names (`docs/vendors/seafile.md` §3, §8).
//!
//! One record type covers every shipped form: the user list and detail (`username`,
//! `repo_id`, `path`, `link`, …), the admin list (`creator_email`, `creator_name`, no link) and
//! the admin detail (`creator_contact_email`, `size`). Every field is optional and read
//! leniently: a missing or oddly typed field never fails a page; the mapper decides what a
//! record without it is worth.

use serde::{de, Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;
use unishare_core::{lenient, CompactString};

/// One share-link record, as any of the share-link endpoints writes it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct LinkDto {
    /// The link token (the native id).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub token: Option<CompactString>,
    /// Owner's username (user endpoints).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub username: Option<CompactString>,
    /// Owner's username (admin endpoints).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub creator_email: Option<CompactString>,
    /// Owner's nickname (admin endpoints).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub creator_name: Option<CompactString>,
    /// Owner's contact e-mail (admin detail).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub creator_contact_email: Option<CompactString>,
    /// The library id.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub repo_id: Option<CompactString>,
    /// The library name (`''` when the library is gone).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub repo_name: Option<CompactString>,
    /// Path inside the library; a folder's ends with `/`.
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub path: Option<String>,
    /// Basename of the path (`/` for a library root).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub obj_name: Option<CompactString>,
    /// The object id of the file or folder (v4 detail).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub obj_id: Option<CompactString>,
    /// Folder (`true`) or file (`false`).
    #[serde(default, deserialize_with = "bool_opt")]
    pub is_dir: Option<bool>,
    /// The public URL (`{SERVICE_URL}/d/{token}/` or `/f/{token}/`).
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub link: Option<String>,
    /// Times the link was opened.
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub view_cnt: Option<u64>,
    /// Creation time, ISO 8601 with the server's offset; `''` = unknown.
    #[serde(default, deserialize_with = "text_opt")]
    pub ctime: Option<String>,
    /// Expiry, ISO 8601 with the server's offset; `''` = never.
    #[serde(default, deserialize_with = "text_opt")]
    pub expire_date: Option<String>,
    /// The server's own verdict: an expiry is set and past.
    #[serde(default, deserialize_with = "bool_opt")]
    pub is_expired: Option<bool>,
    /// Link permissions (v2 and later).
    #[serde(default, deserialize_with = "permissions_opt")]
    pub permissions: Option<PermissionsDto>,
    /// The access code: `Some(Some(code))`, `Some(None)` for `''`/`null`/not a string (the
    /// server has none, or cannot decrypt a legacy one), `None` when the key is absent.
    #[serde(default, deserialize_with = "present_text")]
    pub password: Option<Option<String>>,
    /// File size in bytes (admin detail of a file link).
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub size: Option<u64>,
}

impl LinkDto {
    /// This record with every field it lacks taken from `other` (the admin list record
    /// completed by the admin detail, or the other way round).
    pub fn or(self, other: LinkDto) -> LinkDto {
        LinkDto {
            token: self.token.or(other.token),
            username: self.username.or(other.username),
            creator_email: self.creator_email.or(other.creator_email),
            creator_name: self.creator_name.or(other.creator_name),
            creator_contact_email: self.creator_contact_email.or(other.creator_contact_email),
            repo_id: self.repo_id.or(other.repo_id),
            repo_name: self.repo_name.or(other.repo_name),
            path: self.path.or(other.path),
            obj_name: self.obj_name.or(other.obj_name),
            obj_id: self.obj_id.or(other.obj_id),
            is_dir: self.is_dir.or(other.is_dir),
            link: self.link.or(other.link),
            view_cnt: self.view_cnt.or(other.view_cnt),
            ctime: self.ctime.or(other.ctime),
            expire_date: self.expire_date.or(other.expire_date),
            is_expired: self.is_expired.or(other.is_expired),
            permissions: self.permissions.or(other.permissions),
            password: self.password.or(other.password),
            size: self.size.or(other.size),
        }
    }
}

/// `FileShare.get_permissions()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PermissionsDto {
    /// Visitors may edit (online office).
    #[serde(default, deserialize_with = "bool_opt")]
    pub can_edit: Option<bool>,
    /// Visitors may download.
    #[serde(default, deserialize_with = "bool_opt")]
    pub can_download: Option<bool>,
    /// Visitors may upload into the folder (newer servers).
    #[serde(default, deserialize_with = "bool_opt")]
    pub can_upload: Option<bool>,
}

/// The admin listing's answer: `{"share_link_list": [...], "count": N}`.
#[derive(Debug, Default, Deserialize)]
pub struct AdminListDto<'a> {
    /// The page's records, each read on its own.
    #[serde(default, borrow)]
    pub share_link_list: Option<Vec<&'a RawValue>>,
    /// Every link on the site.
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub count: Option<u64>,
}

/// An error answer: `api_error`'s `error_msg`, DRF's `detail`, a serializer's
/// `non_field_errors`.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorDto {
    /// `api_error(code, msg)`.
    #[serde(default, deserialize_with = "text_opt")]
    pub error_msg: Option<String>,
    /// DRF exceptions.
    #[serde(default, deserialize_with = "text_opt")]
    pub detail: Option<String>,
    /// Serializer validation errors.
    #[serde(default)]
    pub non_field_errors: Option<Value>,
}

impl ErrorDto {
    /// Reads an error body; anything unreadable is an empty error.
    pub fn read(body: &[u8]) -> ErrorDto {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// The server's message, whichever key carried it.
    pub fn message(&self) -> String {
        if let Some(m) = self.error_msg.as_deref().or(self.detail.as_deref()) {
            return m.to_owned();
        }
        match &self.non_field_errors {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    }
}

/// `POST /api2/auth-token/`'s answer.
#[derive(Debug, Deserialize)]
pub struct AuthTokenDto {
    /// The token key.
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub token: Option<String>,
}

/// The user list: a list of records, or (v1 with exactly one link) one record.
pub fn list_records(body: &[u8]) -> Result<Vec<&RawValue>, String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'[') => serde_json::from_slice(body).map_err(|e| e.to_string()),
        Some(b'{') => serde_json::from_slice::<&RawValue>(body)
            .map(|one| vec![one])
            .map_err(|e| e.to_string()),
        _ => Err("the share-link list is neither a JSON list nor an object".into()),
    }
}

/// `Option<bool>` from a boolean, `0`/`1`, `"true"`/`"false"`/`"1"`/`"0"`; `null` and
/// anything else → `None`.
pub fn bool_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// `Option<String>` keeping `""` (it means "none" for dates and must not read as absent);
/// `null` and non-strings → `None`.
fn text_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// A present key: `Some(Some(text))` for a non-empty string, `Some(None)` for anything else.
fn present_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Some(s),
        _ => None,
    }))
}

/// Permissions as an object; anything else (null, a string) → `None`.
fn permissions_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PermissionsDto>, D::Error> {
    match Value::deserialize(d)? {
        v @ Value::Object(_) => serde_json::from_value(v)
            .map(Some)
            .map_err(de::Error::custom),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_list_shapes_are_read() {
        let one = br#" {"token":"abc","link":"http://x/f/abc/"} "#;
        assert_eq!(list_records(one).unwrap().len(), 1);
        let many = br#"[{"token":"a"},{"token":"b"}]"#;
        assert_eq!(list_records(many).unwrap().len(), 2);
        assert!(list_records(b"[]").unwrap().is_empty());
        assert!(list_records(b"\"x\"").is_err());
        assert!(list_records(b"").is_err());
    }

    #[test]
    fn password_keeps_absent_apart_from_empty() {
        let d: LinkDto = serde_json::from_value(json!({"token": "a"})).unwrap();
        assert_eq!(d.password, None);
        let d: LinkDto = serde_json::from_value(json!({"password": ""})).unwrap();
        assert_eq!(d.password, Some(None));
        let d: LinkDto = serde_json::from_value(json!({"password": null})).unwrap();
        assert_eq!(d.password, Some(None));
        let d: LinkDto = serde_json::from_value(json!({"password": "s3cret12"})).unwrap();
        assert_eq!(d.password, Some(Some("s3cret12".into())));
    }

    #[test]
    fn odd_types_never_fail_a_record() {
        let d: LinkDto = serde_json::from_value(json!({
            "token": 12, "is_dir": "1", "view_cnt": "7", "expire_date": null,
            "permissions": "view_download", "is_expired": 0
        }))
        .unwrap();
        assert_eq!(d.token.as_deref(), Some("12"));
        assert_eq!(d.is_dir, Some(true));
        assert_eq!(d.view_cnt, Some(7));
        assert_eq!(d.expire_date, None);
        assert_eq!(d.permissions, None);
        assert_eq!(d.is_expired, Some(false));
    }

    #[test]
    fn error_messages_from_each_form() {
        assert_eq!(
            ErrorDto::read(br#"{"error_msg":"Permission denied."}"#).message(),
            "Permission denied."
        );
        assert_eq!(
            ErrorDto::read(br#"{"detail":"Invalid token"}"#).message(),
            "Invalid token"
        );
        assert_eq!(
            ErrorDto::read(
                br#"{"non_field_errors":["Unable to login with provided credentials."]}"#
            )
            .message(),
            "Unable to login with provided credentials."
        );
        assert_eq!(ErrorDto::read(b"<html>").message(), "");
    }
}
