//! KooDrive wire types, under the vendor's own field names (vendor doc §3).
//!
//! Every response field is optional and lenient (numbers as strings, strings as numbers,
//! empty strings as absent); unknown fields are ignored. Share records are kept as raw JSON in
//! the list envelope and decoded one by one, so one bad record never fails a page.

use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use unishare_core::lenient::{self, Code};
use unishare_core::CompactString;

/// `GET /share` response body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse {
    /// The next page's cursor; absent, null or empty = last page.
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub next_cursor: Option<String>,
    /// The records, each decoded on its own (`null` = none).
    #[serde(default)]
    pub share_links: Option<Vec<Box<RawValue>>>,
}

/// A `GET /share` answer read in one pass: the envelope fields that decide success and the
/// list with every record already decoded. Only [`ListBody::one_pass`] builds it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAnswer {
    /// Envelope code (see [`crate::client::plain_success`]).
    #[serde(default)]
    pub code: Option<Value>,
    /// Whether an API-gateway `error_code` key is present at all.
    #[serde(
        default,
        rename = "error_code",
        deserialize_with = "crate::client::present"
    )]
    pub error_code: bool,
    /// A non-null `error` value.
    #[serde(default)]
    pub error: Option<IgnoredAny>,
    /// The next page's cursor; absent, null or empty = last page.
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub next_cursor: Option<String>,
    /// The records, decoded.
    #[serde(default)]
    pub share_links: Option<Vec<ShareByMeLink>>,
}

/// A `GET /share` answer as the provider reads it: in one pass when the answer is a plain
/// success whose records all decode (the common case), otherwise checked and decoded as a
/// [`ListResponse`] whose records are decoded one by one (a bad record is then skipped, not
/// the page).
#[derive(Debug)]
pub enum ListBody {
    /// Read by [`ListBody::one_pass`].
    OnePass(ListAnswer),
    /// Read by `Deserialize` after the envelope check.
    Robust(ListResponse),
}

impl ListBody {
    /// The one-pass decoder of a 2xx `GET /share` body (a [`crate::client::OnePass`]): `None`
    /// unless the body is an object, a plain success envelope, and decodes whole.
    pub fn one_pass(body: &[u8]) -> Option<ListBody> {
        if !crate::client::is_object(body) {
            return None;
        }
        // UTF-8 checked once for the whole body, not string by string (`from_slice` would).
        let answer: ListAnswer = serde_json::from_str(std::str::from_utf8(body).ok()?).ok()?;
        crate::client::plain_success(
            answer.code.as_ref(),
            answer.error_code,
            answer.error.is_some(),
        )
        .then_some(ListBody::OnePass(answer))
    }
}

impl<'de> Deserialize<'de> for ListBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ListResponse::deserialize(d).map(ListBody::Robust)
    }
}

/// `GET /share/{shareId}`, `POST /share` and `PUT /share/{shareId}` response body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareLinkResponse {
    /// The share (decoded separately so a bad record is reported precisely).
    #[serde(default)]
    pub share_link: Option<Value>,
}

/// A share as listed (`ShareByMeLink`) or detailed (`ShareByMeLinkDetail`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareByMeLink {
    /// Share id: a 19-digit number held in a string (a JSON number is accepted too).
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub share_id: Option<CompactString>,
    /// Short code.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub short_url: Option<CompactString>,
    /// Full link.
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub link_url: Option<String>,
    /// Sharing time.
    #[serde(default, deserialize_with = "lenient::datetime_opt")]
    pub share_time: Option<DateTime<Utc>>,
    /// 1 anyone, 2 organization, 3 specified users; number or string; kept raw for `vendor`.
    #[serde(default)]
    pub scope: Option<Value>,
    /// Shared files.
    #[serde(default)]
    pub files: Option<Vec<ShareFileInfo>>,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub display_name: Option<CompactString>,
    /// Link permissions.
    #[serde(default)]
    pub permission: Option<SharePermission>,
    /// Access code, kept as sent: absent or `null` → `None` (the current reference's
    /// `ShareByMeLink` has no such key: unknown, `vendors/koodrive.md` §11), `""` → `Some("")`
    /// (no code), a number → its decimal text.
    #[serde(default, deserialize_with = "extract_code")]
    pub extract_code: Option<CompactString>,
    /// Expiry time.
    #[serde(default, deserialize_with = "lenient::datetime_opt")]
    pub expire_time: Option<DateTime<Utc>>,
    /// 0 by expiry, 1 file deleted, 2 invalid, 3 expired; number or string.
    #[serde(default, deserialize_with = "lenient::code")]
    pub status: Option<Code>,
    /// Share message.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub comment: Option<CompactString>,
    /// Views.
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub view_cnt: Option<u64>,
    /// Downloads.
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub download_cnt: Option<u64>,
    /// Saves into another drive ("dumps").
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub save_cnt: Option<u64>,
    /// Space id of the shared files.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub container_id: Option<CompactString>,
    /// Space name.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub container_name: Option<CompactString>,
}

/// `ShareFileInfo`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareFileInfo {
    /// File id.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub id: Option<CompactString>,
    /// File name.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub file_name: Option<CompactString>,
    /// MIME type.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub mime_type: Option<CompactString>,
    /// Size (bytes, INFERRED).
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub size: Option<u64>,
}

/// `SharePermission`.
#[derive(Debug, Default, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub struct SharePermission {
    /// Preview allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<bool>,
    /// Edit allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<bool>,
    /// Download allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download: Option<bool>,
}

/// `POST /share/cancel` response body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelResponse {
    /// Per-id results.
    #[serde(default)]
    pub sub_response_list: Option<Vec<ShareSubResponse>>,
}

/// One per-id result of a cancel.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareSubResponse {
    /// The share id.
    #[serde(default, deserialize_with = "lenient::compact_opt")]
    pub share_id: Option<CompactString>,
    /// 0 = ok; number or string.
    #[serde(default, deserialize_with = "lenient::code")]
    pub code: Option<Code>,
    /// Message (`msg` on cancel).
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub msg: Option<String>,
    /// Message (`message` on the sibling exit API).
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub message: Option<String>,
}

/// `POST /session/refresh` response body. The documented refresh answer has `accessToken` at
/// the top level; the sibling session APIs moved it under `data` (current `createSession`) or
/// `data.sessionInfo` (carrier): every form is read (`vendors/koodrive.md` §6.1). No `Debug`:
/// it holds a token.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshResponse {
    /// The new token, already prefixed (`Bearer+…`).
    #[serde(default, deserialize_with = "lenient::string_opt")]
    access_token: Option<String>,
    /// `{accessToken}` or `{sessionInfo: {accessToken}}`.
    #[serde(default)]
    data: Option<RefreshData>,
}

/// The `data` of a refresh answer in the newer forms.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshData {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    access_token: Option<String>,
    #[serde(default)]
    session_info: Option<SessionInfo>,
}

/// `data.sessionInfo` of the carrier form.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionInfo {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    access_token: Option<String>,
}

impl RefreshResponse {
    /// The new token, from whichever documented place holds a non-blank one.
    pub fn into_access_token(self) -> Option<String> {
        let data = self.data.unwrap_or_default();
        [
            self.access_token,
            data.access_token,
            data.session_info.and_then(|s| s.access_token),
        ]
        .into_iter()
        .flatten()
        .find(|t| !t.trim().is_empty())
    }
}

/// `POST /share` request body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateShareBody {
    /// 1 anyone, 2 organization, 3 specified users.
    pub scope: u8,
    /// File ids (1–100).
    pub file_ids: Vec<String>,
    /// Space id.
    pub container_id: String,
    /// Validity in whole days, 1–365 (required): the only expiry sent. `expireTime` is not
    /// documented as input in the current reference, and its zone-less form would be read in
    /// the server's zone (Beijing for the China endpoint), `vendors/koodrive.md` §11.
    pub valid_days: i64,
    /// Access code (8 × `[0-9a-zA-Z]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extract_code: Option<String>,
    /// Share message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Users (scope 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<Vec<String>>,
    /// Departments (scope 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dept_ids: Option<Vec<String>>,
    /// Groups (scope 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<String>>,
}

/// `PUT /share/{shareId}` request body.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateShareBody {
    /// 1–365; left out unless the expiry changes: `0` means "unchanged" to the enterprise
    /// edition but "validity not set" to the carrier edition (`vendors/koodrive.md` §11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_days: Option<i64>,
    /// Expiry, ISO-8601 UTC with milliseconds (KD-C update example form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    /// New access code; `""` removes it (UNCONFIRMED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extract_code: Option<String>,
    /// New share message; `""` removes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Users (scope 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<Vec<String>>,
    /// Departments (scope 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dept_ids: Option<Vec<String>>,
    /// Groups (scope 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<String>>,
}

/// `extractCode` as sent (see [`ShareByMeLink::extract_code`]).
fn extract_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<CompactString>, D::Error> {
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = Option<CompactString>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an access code (string, number or null)")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.into()))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string().into()))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string().into()))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(Visit)
}

/// `POST /share/cancel` request body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelBody<'a> {
    /// Up to 100 ids.
    pub share_ids: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_answers_in_every_documented_form() {
        let token = |body: &str| {
            serde_json::from_str::<RefreshResponse>(body)
                .expect("decodes")
                .into_access_token()
        };
        let t = Some("Bearer+013b4daf".to_owned());
        // The refresh example; the current createSession form; the carrier form.
        assert_eq!(
            token(r#"{"accessToken":"Bearer+013b4daf","code":0,"msg":"success"}"#),
            t
        );
        assert_eq!(
            token(
                r#"{"code":0,"msg":"ok","data":{"accessToken":"Bearer+013b4daf","sessionId":"s"}}"#
            ),
            t
        );
        assert_eq!(
            token(r#"{"code":"0","data":{"sessionInfo":{"accessToken":"Bearer+013b4daf"}}}"#),
            t
        );
        assert_eq!(
            token(r#"{"accessToken":"","data":{"accessToken":"Bearer+013b4daf"}}"#),
            t
        );
        assert_eq!(token(r#"{"code":0,"msg":"success"}"#), None);
        assert_eq!(token(r#"{"code":0,"data":null}"#), None);
    }

    fn takes_one_pass(body: &str) -> bool {
        matches!(
            ListBody::one_pass(body.as_bytes()),
            Some(ListBody::OnePass(_))
        )
    }

    #[test]
    fn one_pass_takes_plain_successes_only() {
        let rec = r#"{"shareId":"1505084218764547201","linkUrl":"https://k/s/x","viewCnt":"12"}"#;
        assert!(takes_one_pass(&format!(
            r#"{{"code":0,"nextCursor":"c","shareLinks":[{rec}]}}"#
        )));
        assert!(takes_one_pass(&format!(
            r#" {{"code":"0","shareLinks":[{rec}],"error":null}}"#
        )));
        assert!(takes_one_pass(r#"{"shareLinks":null}"#));
        // Left to the envelope check and the record-by-record path:
        for body in [
            format!(r#"{{"code":"string","shareLinks":[{rec}]}}"#),
            format!(r#"{{"code":0,"shareLinks":[{rec},{{"viewCnt":{{}}}}]}}"#),
            r#"{"code":13000309,"msg":"x"}"#.to_owned(),
            r#"{"code":0,"error_code":null}"#.to_owned(),
            r#"{"code":0,"error":{"code":"x"}}"#.to_owned(),
            r#"{"code":0,"code":0}"#.to_owned(),
            r#"[]"#.to_owned(),
        ] {
            assert!(!takes_one_pass(&body), "{body}");
        }
        // Not UTF-8.
        assert!(ListBody::one_pass(b"{\"code\":0,\"msg\":\"\xff\"}").is_none());
    }
}
