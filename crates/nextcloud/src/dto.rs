//! A share record under the server's own field names, as `ShareAPIController::formatShare`
//! writes it (`docs/vendors/nextcloud.md` §3). Text fields borrow from the answer body where the
//! JSON has no escapes (PHP's `json_encode` escapes `/` as `\/`, so paths and URLs are copied).

use compact_str::CompactString;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use unishare_core::lenient;

/// `share_type` of a public link (`IShare::TYPE_LINK`).
pub const SHARE_TYPE_LINK: i64 = 3;

/// Permission bits (`OCP\Constants::PERMISSION_*`).
pub mod perm {
    /// Read (view, download unless `hide_download`).
    pub const READ: i64 = 1;
    /// Update existing files.
    pub const UPDATE: i64 = 2;
    /// Create files (upload).
    pub const CREATE: i64 = 4;
    /// Delete files.
    pub const DELETE: i64 = 8;
    /// Re-share (federated "add to my cloud").
    pub const SHARE: i64 = 16;
}

/// One element of `ocs.data` (list) or the `ocs.data` object (create, update). Every field is
/// optional: a record the mapper cannot use is skipped with a reason, never fatal to the list.
#[derive(Debug, Default, Deserialize)]
pub struct OcsShare<'a> {
    /// The share id; a string on the wire (`IShare::getId()`), sometimes a number in older
    /// releases.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub id: Option<CompactString>,
    /// 0 user, 1 group, 3 public link, 4 e-mail, 6 federated, 7 circle, 10 room, ...
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    pub share_type: Option<i64>,
    /// Who created the share (`getSharedBy()`).
    #[serde(default, borrow)]
    pub uid_owner: Option<Cow<'a, str>>,
    /// Its display name.
    #[serde(default, borrow)]
    pub displayname_owner: Option<Cow<'a, str>>,
    /// The permission bit field.
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    pub permissions: Option<i64>,
    /// Creation time, Unix seconds.
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    pub stime: Option<i64>,
    /// `Y-m-d 00:00:00` in the server's zone, or `null`.
    #[serde(default, borrow)]
    pub expiration: Option<Cow<'a, str>>,
    /// The link token (the last segment of `url`).
    #[serde(default, borrow)]
    pub token: Option<Cow<'a, str>>,
    /// `…/index.php/s/{token}` (link shares only).
    #[serde(default, borrow)]
    pub url: Option<Cow<'a, str>>,
    /// Path of the shared node relative to the user's folder, e.g. `/Photos/2026`.
    #[serde(default, borrow)]
    pub path: Option<Cow<'a, str>>,
    /// `file` or `folder`.
    #[serde(default, borrow)]
    pub item_type: Option<Cow<'a, str>>,
    /// MIME type of the node (`httpd/unix-directory` for folders).
    #[serde(default, borrow)]
    pub mimetype: Option<Cow<'a, str>>,
    /// The node's file id.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub item_source: Option<CompactString>,
    /// Size in bytes (newer releases only).
    #[serde(default, deserialize_with = "size_opt")]
    pub item_size: Option<u64>,
    /// The share's target name, e.g. `/report.pdf`.
    #[serde(default, borrow)]
    pub file_target: Option<Cow<'a, str>>,
    /// For a link share, whether `share_with` holds the password **hash** (deprecated since
    /// Nextcloud 15): `None` when the key is absent, `Some(false)` for `null` or `""`. The hash
    /// itself is never kept.
    #[serde(default, deserialize_with = "set_opt")]
    pub share_with: Option<bool>,
    /// For a link share, whether `password` holds the password **hash** (Nextcloud 15 and
    /// later), as for `share_with`.
    #[serde(default, deserialize_with = "set_opt")]
    pub password: Option<bool>,
    /// The link's label (Nextcloud 15 and later).
    #[serde(default, borrow)]
    pub label: Option<Cow<'a, str>>,
    /// The link's name (ownCloud 10's counterpart of `label`).
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    /// The note shown to visitors (Nextcloud 14 and later).
    #[serde(default, borrow)]
    pub note: Option<Cow<'a, str>>,
    /// 1 when downloads are hidden (Nextcloud 14 and later).
    #[serde(default, deserialize_with = "flag_opt")]
    pub hide_download: Option<bool>,
}

/// The `null` arms of a lenient visitor: `null` (and a unit) is `$null`, `Some(x)` is `x`.
macro_rules! null_is {
    ($de:lifetime, $null:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($null)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($null)
        }
        fn visit_some<D: Deserializer<$de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

/// `Option<u64>` from an integer, a float without fraction (PHP sizes above 2^53 come as
/// floats), a numeric string, or `null`.
fn size_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a size in bytes")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            // -1 / -2 / -3 are "unknown / not computed" sizes in the file cache.
            Ok(u64::try_from(v).ok())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok((v >= 0.0 && v.fract() == 0.0 && v < 1.8e19).then_some(v as u64))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.trim().parse::<u64>().ok())
        }
        null_is!('de, None);
    }
    d.deserialize_any(V)
}

/// Whether a text field is set: `Some(true)` for a non-empty string, `Some(false)` for `null`
/// or `""` (an absent key stays `None` through `default`); anything else is an error.
fn set_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(!v.is_empty()))
        }
        null_is!('de, Some(false));
    }
    d.deserialize_any(V)
}

/// `Option<bool>` from `0`/`1`, `true`/`false`, `"0"`/`"1"`/`"true"`/`"false"` or `null`.
fn flag_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("0, 1, true or false")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim() {
                "1" | "true" => Ok(Some(true)),
                "0" | "false" => Ok(Some(false)),
                "" => Ok(None),
                other => Err(E::custom(format!("expected 0 or 1, got {other:?}"))),
            }
        }
        null_is!('de, None);
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_fields() {
        let s: OcsShare = serde_json::from_str(
            r#"{"id":17,"share_type":"3","item_size":1.0e3,"hide_download":"1","path":"\/a\/b"}"#,
        )
        .unwrap();
        assert_eq!(s.id.as_deref(), Some("17"));
        assert_eq!(s.share_type, Some(3));
        assert_eq!(s.item_size, Some(1000));
        assert_eq!(s.hide_download, Some(true));
        assert_eq!(s.path.as_deref(), Some("/a/b"));
        let s: OcsShare = serde_json::from_str(r#"{"item_size":-1,"hide_download":0}"#).unwrap();
        assert_eq!(s.item_size, None);
        assert_eq!(s.hide_download, Some(false));
        // Password fields: absent, null, "" and a hash are told apart; a number is refused.
        let s: OcsShare = serde_json::from_str(r#"{"password":null,"share_with":""}"#).unwrap();
        assert_eq!((s.password, s.share_with), (Some(false), Some(false)));
        let s: OcsShare = serde_json::from_str(r#"{"share_with":"1|$2y$10$x"}"#).unwrap();
        assert_eq!((s.password, s.share_with), (None, Some(true)));
        assert!(serde_json::from_str::<OcsShare>(r#"{"password":5}"#).is_err());
    }
}
