//! Cloudreve v4 wire types, under the vendor's own field names
//! (`vendors/cloudreve-v4.md` §1.2, §2.2, §2.4, §3, §4).
//!
//! Every field but the envelope `code` is optional and unknown fields are ignored, so a vendor
//! change never fails a whole page; the mapper decides what a missing field means.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use unishare_core::lenient::{self, Code};
use unishare_core::CompactString;

/// The response envelope `{code, data?, msg, error?, correlation_id?}` (`pkg/serializer/response.go`).
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    /// `0` = success.
    #[serde(default, deserialize_with = "lenient::code")]
    pub code: Option<Code>,
    /// Omitted when nil or empty. Kept as JSON text: each call decodes it straight into its
    /// own type (no intermediate tree).
    #[serde(default)]
    pub data: Option<Box<RawValue>>,
    /// Human-readable message, possibly empty.
    #[serde(default)]
    pub msg: Option<String>,
    /// Server-side correlation id of a failure.
    #[serde(default)]
    pub correlation_id: Option<String>,
}

/// `POST /session/token` body.
#[derive(Serialize)]
pub(crate) struct LoginRequest<'a> {
    pub email: &'a str,
    pub password: &'a str,
}

/// `POST /session/token/refresh` body.
#[derive(Serialize)]
pub(crate) struct RefreshRequest<'a> {
    pub refresh_token: &'a str,
}

/// `Token` (`pkg/auth/jwt.go:46`).
#[derive(Deserialize)]
pub(crate) struct TokenDto {
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default, deserialize_with = "lenient::datetime_opt")]
    pub access_expires: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::datetime_opt")]
    pub refresh_expires: Option<DateTime<Utc>>,
}

/// Successful `POST /session/token` data: `{user, token}`.
#[derive(Deserialize)]
pub(crate) struct LoginData {
    pub token: TokenDto,
}

/// `ListShareResponse` (`service/share/response.go`), its records as `R`: raw JSON text
/// (the record-by-record path: one bad record is skipped instead of failing the page) or
/// decoded [`ShareDto`]s ([`ListData`], the one-pass path).
#[derive(Debug, Deserialize)]
pub(crate) struct ListShareResponse<R = Box<RawValue>> {
    /// `null` (not `[]`) when there are none.
    #[serde(default = "Option::default")]
    pub shares: Option<Vec<R>>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

/// [`ListShareResponse`] with its records decoded.
pub(crate) type ListData = ListShareResponse<ShareDto>;

/// A `GET /share` answer read in one pass: the envelope code and the list with every record
/// already decoded. Only [`ListAnswer::one_pass`] builds it.
#[derive(Debug, Deserialize)]
pub(crate) struct ListAnswer {
    #[serde(default, deserialize_with = "lenient::code")]
    pub code: Option<Code>,
    #[serde(default)]
    pub data: Option<ListData>,
}

impl ListAnswer {
    /// The one-pass decoder of a `GET /share` body: `Some` only for a `code: 0` answer with
    /// list data whose records all decode. Anything else (an error code, a bad record, a
    /// second concatenated object) is `None` and goes through the envelope and the
    /// record-by-record path, which accept exactly the same answers and name the problems.
    pub(crate) fn one_pass(body: &[u8]) -> Option<ListData> {
        // UTF-8 checked once for the whole body, not string by string (`from_slice` would).
        let answer: ListAnswer = serde_json::from_str(std::str::from_utf8(body).ok()?).ok()?;
        match answer.code {
            Some(Code::Num(0)) => answer.data,
            _ => None,
        }
    }
}

/// `PaginationResults` (`inventory/common.go:25`).
#[derive(Debug, Deserialize)]
pub(crate) struct Pagination {
    /// Absent on the last page.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `explorer.Share` (`service/explorer/response.go:320`), plus the Pro-only fields.
#[derive(Debug, Deserialize)]
pub(crate) struct ShareDto {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<CompactString>,
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    pub remain_downloads: Option<i64>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub visited: Option<u64>,
    /// Omitted when 0.
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub downloaded: Option<u64>,
    #[serde(default, deserialize_with = "lenient::datetime_opt")]
    pub expires: Option<DateTime<Utc>>,
    #[serde(default)]
    pub unlocked: Option<bool>,
    #[serde(default)]
    pub password_protected: Option<bool>,
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    pub source_type: Option<i64>,
    #[serde(default)]
    pub owner: Option<OwnerDto>,
    #[serde(default, deserialize_with = "lenient::datetime_opt")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub expired: Option<bool>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub show_readme: Option<bool>,
    /// Kept raw: copied into `vendor` as sent.
    #[serde(default)]
    pub size: Option<Value>,
    #[serde(default)]
    pub is_private: Option<bool>,
    /// Lenient: a numeric code must not fail the record (its value would then appear in a
    /// decode error).
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub password: Option<String>,
    #[serde(default)]
    pub share_view: Option<bool>,
    #[serde(default)]
    pub source_uri: Option<CompactString>,
    /// Pro only.
    #[serde(default)]
    pub price: Option<Value>,
    /// Pro only.
    #[serde(default)]
    pub permission_setting: Option<Value>,
}

/// The redacted owner (`BuildUserRedacted`).
#[derive(Debug, Deserialize)]
pub(crate) struct OwnerDto {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub id: Option<String>,
    #[serde(default)]
    pub nickname: Option<CompactString>,
    #[serde(default)]
    pub email: Option<CompactString>,
}

/// `PUT /share` and `POST /share/{id}` body (`ShareCreateService`).
#[derive(Serialize)]
pub(crate) struct ShareUpsertRequest<'a> {
    pub uri: &'a str,
    pub is_private: bool,
    pub password: &'a str,
    pub downloads: i64,
    pub expire: i64,
    pub share_view: bool,
    pub show_readme: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_takes_code_zero_lists_only() {
        let rec = r#"{"id":"g2guA","url":"http://h/s/g2guA","visited":"3"}"#;
        let ok = format!(
            r#"{{"code":0,"data":{{"shares":[{rec}],"pagination":{{"next_token":"t"}}}}}}"#
        );
        let data = ListAnswer::one_pass(ok.as_bytes()).expect("one pass");
        assert_eq!(data.shares.map(|s| s.len()), Some(1));
        assert_eq!(
            data.pagination.and_then(|p| p.next_token).as_deref(),
            Some("t")
        );
        assert!(ListAnswer::one_pass(br#"{"code":0,"data":{"shares":null}}"#).is_some());
        // Left to the envelope and the record-by-record path:
        for body in [
            format!(r#"{{"code":0,"data":{{"shares":[{rec},{{"visited":{{}}}}]}}}}"#),
            format!(r#"{{"code":"0","data":{{"shares":[{rec}]}}}}{{"code":1}}"#),
            r#"{"code":401,"msg":"Login required"}"#.to_owned(),
            r#"{"code":0,"data":null}"#.to_owned(),
            r#"{"code":0}"#.to_owned(),
            r#"{"code":"zero","data":{"shares":[]}}"#.to_owned(),
        ] {
            assert!(ListAnswer::one_pass(body.as_bytes()).is_none(), "{body}");
        }
    }
}
