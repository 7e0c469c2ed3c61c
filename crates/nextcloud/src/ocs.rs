//! The OCS envelope, `{"ocs": {"meta": {status, statuscode, message, ...}, "data": ...}}`
//! (`lib/private/AppFramework/OCS/BaseResponse.php`), decoded in one pass over the body: the
//! `data` part goes through a caller's [`DeserializeSeed`], so a 10 000-link list is mapped
//! record by record while it is read, with no tree and no second copy of the body.
//!
//! Answers that are not a JSON envelope are told apart clearly: XML (the server's default when
//! JSON was not asked for), the security middleware's `{"message": "CSRF check failed"}`, an
//! HTML error page.

use crate::config::ServerZone;
use crate::dto::OcsShare;
use crate::error::{clip, map_error};
use crate::mapping::{map_share, Mapped};
use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;
use unishare_core::{lenient, AccountName, Error, Page, SkippedRecord};

/// `ocs.meta`.
#[derive(Debug, Default, Deserialize)]
pub struct Meta {
    /// `ok` or `failure`.
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub status: Option<String>,
    /// v1: 100 = ok; v2: 200 = ok; otherwise the OCS status (997, 404, 400, 403, ...).
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    pub statuscode: Option<i64>,
    /// `OK`, or the failure's message.
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub message: Option<String>,
}

impl Meta {
    /// True for the success codes of both API versions.
    pub fn is_ok(&self) -> bool {
        matches!(self.statuscode, Some(100 | 200))
    }
}

/// Decodes an answer of `op`: checks the envelope and returns `data` through `seed`. Any
/// failure (transport aside) is an [`Error`] from [`map_error`] or a protocol error naming what
/// the body was instead.
pub fn decode<'de, S: DeserializeSeed<'de>>(
    op: &'static str,
    http: u16,
    retry_after: Option<Duration>,
    body: &'de [u8],
    seed: S,
) -> Result<S::Value, Error> {
    if looks_like_xml(body) {
        return Err(xml_answer(op, http, body));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match (EnvelopeSeed(seed).deserialize(&mut de), de.end()) {
        (Ok((Some(meta), data)), Ok(())) => {
            if meta.is_ok() && (200..300).contains(&http) {
                data.ok_or_else(|| Error::upstream_protocol("Nextcloud answer has no ocs.data"))
            } else {
                let code = meta.statuscode.filter(|c| !matches!(c, 100 | 200));
                Err(map_error(
                    op,
                    http,
                    code,
                    meta.message.as_deref().unwrap_or_default(),
                    retry_after,
                ))
            }
        }
        (Ok((None, _)), _) | (Err(_), _) | (Ok(_), Err(_)) if !(200..300).contains(&http) => {
            Err(map_error(op, http, None, &plain_message(body), retry_after))
        }
        (Ok((None, _)), _) => Err(Error::upstream_protocol(format!(
            "Nextcloud answered JSON that is not an OCS envelope{}",
            snippet(body)
        ))),
        (Err(e), _) | (Ok(_), Err(e)) => Err(Error::upstream_protocol(format!(
            "Nextcloud answer is not a readable OCS envelope ({e}){}",
            snippet(body)
        ))),
    }
}

/// The list: every record of `ocs.data` mapped as it is read; only public links are kept.
pub struct ListSeed<'a> {
    /// The account the shares belong to.
    pub account: &'a AccountName,
    /// The zone of `expiration`.
    pub zone: ServerZone,
    /// "Now", for the expired status.
    pub now: DateTime<Utc>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = Page;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Page, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Page;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of shares")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Page, A::Error> {
        let mut page = Page::default();
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.push(&mut page, raw);
        }
        Ok(page)
    }
    /// PHP writes a list with gaps in its keys as an object (`{"0": {...}, "2": {...}}`).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
        let mut page = Page::default();
        while let Some((_, raw)) = map.next_entry::<IgnoredAny, &'de RawValue>()? {
            self.push(&mut page, raw);
        }
        Ok(page)
    }
}

impl ListSeed<'_> {
    fn push(&self, page: &mut Page, raw: &RawValue) {
        match record(raw).and_then(|rec| map_share(self.account, rec, self.zone, self.now)) {
            Ok(Mapped::Link(share)) => page.shares.push(*share),
            Ok(Mapped::NotALink) => {}
            Err(skip) => page.skipped.push(skip),
        }
    }
}

/// One record, decoded from its text; a record that does not decode is read once more only
/// to name its id.
pub fn record(raw: &RawValue) -> Result<OcsShare<'_>, SkippedRecord> {
    serde_json::from_str::<OcsShare>(raw.get()).map_err(|e| {
        #[derive(Deserialize)]
        struct Id {
            #[serde(default, deserialize_with = "lenient::string_opt")]
            id: Option<String>,
        }
        SkippedRecord {
            native_id: serde_json::from_str::<Id>(raw.get())
                .ok()
                .and_then(|i| i.id),
            reason: format!("undecodable share record: {e}"),
        }
    })
}

/// The `data` of a single-share answer: an object (create, update) or a list of one (get).
pub fn single(data: &RawValue) -> Result<OcsShare<'_>, Error> {
    let text = data.get().trim_start();
    let one = if text.starts_with('[') {
        let list: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| {
            Error::upstream_protocol(format!("Nextcloud share answer is not a list: {e}"))
        })?;
        match list.as_slice() {
            [one] => *one,
            [] => return Err(Error::not_found("Nextcloud returned no share")),
            _ => {
                return Err(Error::upstream_protocol(
                    "Nextcloud returned several shares for one id",
                ))
            }
        }
    } else {
        data
    };
    record(one).map_err(|s| Error::upstream_protocol(s.reason))
}

/// The seed of a whole envelope: `(meta, data)`.
struct EnvelopeSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for EnvelopeSeed<S> {
    type Value = (Option<Meta>, Option<S::Value>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for EnvelopeSeed<S> {
    type Value = (Option<Meta>, Option<S::Value>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OCS envelope")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seed = Some(self.0);
        let mut out = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match (key.as_ref(), seed.take()) {
                ("ocs", Some(s)) => out = map.next_value_seed(OcsSeed(s))?,
                (_, s) => {
                    seed = s;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// The seed of the `ocs` object.
struct OcsSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for OcsSeed<S> {
    type Value = (Option<Meta>, Option<S::Value>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for OcsSeed<S> {
    type Value = (Option<Meta>, Option<S::Value>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the ocs object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seed = Some(self.0);
        let mut meta = None;
        let mut data = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "meta" => meta = Some(map.next_value::<Meta>()?),
                "data" => match seed.take() {
                    Some(s) => data = Some(map.next_value_seed(s)?),
                    None => return Err(de::Error::duplicate_field("data")),
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((meta, data))
    }
}

/// A seed that decodes `data` with `T`'s own `Deserialize`.
pub fn plain<T>() -> PhantomData<T> {
    PhantomData
}

/// True when the body's first non-blank byte opens a tag.
pub fn looks_like_xml(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// A clear error for an XML (or HTML) answer, naming the OCS status when the XML has one.
fn xml_answer(op: &'static str, http: u16, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body);
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let start = text.find(&open)? + open.len();
        let len = text[start..].find(&close)?;
        Some(text[start..start + len].trim().to_owned())
    };
    if text.contains("<ocs>") {
        let code = tag("statuscode").unwrap_or_else(|| "?".into());
        let message = tag("message").unwrap_or_default();
        Error::upstream_protocol(format!(
            "Nextcloud answered XML, not JSON (HTTP {http}, OCS statuscode {code}{}): the request's Accept: application/json / format=json did not reach the server",
            if message.is_empty() { String::new() } else { format!(", message {:?}", clip(&message)) }
        ))
        .with_vendor_code(format!("ocs:{code}"))
    } else if (200..300).contains(&http) {
        Error::upstream_protocol(format!(
            "Nextcloud answered markup, not an OCS answer (HTTP {http}){}: is base_url the Nextcloud root?",
            snippet(body)
        ))
    } else {
        map_error(op, http, None, "", None)
    }
}

/// The `message` of a non-envelope JSON answer (`{"message":"CSRF check failed"}`), else a
/// snippet of the body.
fn plain_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Plain {
        #[serde(default, deserialize_with = "lenient::string_opt")]
        message: Option<String>,
    }
    serde_json::from_slice::<Plain>(body)
        .ok()
        .and_then(|p| p.message)
        .unwrap_or_else(|| snippet(body).trim_start_matches(": ").to_owned())
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let t = text.trim();
    if t.is_empty() {
        " (empty body)".into()
    } else {
        format!(": {:?}", clip(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unishare_core::ErrorKind;

    fn acct() -> AccountName {
        AccountName::new("nc").unwrap()
    }

    fn list(http: u16, body: &str) -> Result<Page, Error> {
        let seed = ListSeed {
            account: &acct(),
            zone: ServerZone::UTC,
            now: Utc::now(),
        };
        decode("list", http, None, body.as_bytes(), seed)
    }

    #[test]
    fn envelope_forms() {
        let ok = r#"{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":[]}}"#;
        assert!(list(200, ok).unwrap().shares.is_empty());
        // v1: 100 is ok.
        let v1 = r#"{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":[]}}"#;
        assert!(list(200, v1).is_ok());
        // data before meta.
        let late = r#"{"ocs":{"data":[],"meta":{"statuscode":200}}}"#;
        assert!(list(200, late).is_ok());
        // v1 failure: HTTP 200, statuscode 997 → auth.
        let e = list(401, r#"{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Current user is not logged in"},"data":[]}}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UpstreamAuth);
        let e = list(200, r#"{"ocs":{"meta":{"status":"failure","statuscode":404,"message":"Wrong path"},"data":[]}}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = list(412, r#"{"message":"CSRF check failed"}"#).unwrap_err();
        assert!(e.message().contains("OCS-APIRequest"), "{e}");
        for bad in [
            "",
            "{",
            "[]",
            r#"{"ocs":{"meta":{"statuscode":200}}}"#,
            "{\"x\":1}",
        ] {
            assert_eq!(
                list(200, bad).unwrap_err().kind(),
                ErrorKind::UpstreamProtocol,
                "{bad}"
            );
        }
        assert_eq!(
            list(502, "<html>bad gateway</html>").unwrap_err().kind(),
            ErrorKind::UpstreamUnavailable
        );
    }

    #[test]
    fn xml_fails_clearly() {
        let xml = "<?xml version=\"1.0\"?>\n<ocs>\n <meta>\n  <status>ok</status>\n  <statuscode>200</statuscode>\n  <message>OK</message>\n </meta>\n <data/>\n</ocs>\n";
        let e = list(200, xml).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
        assert!(
            e.message().contains("XML") && e.message().contains("statuscode 200"),
            "{e}"
        );
    }

    #[test]
    fn data_as_an_object_with_index_keys() {
        let body = r#"{"ocs":{"meta":{"statuscode":200},"data":{"0":{"id":"1","share_type":3,"url":"https:\/\/c\/s\/a"},"2":{"id":"2","share_type":0}}}}"#;
        let page = list(200, body).unwrap();
        assert_eq!(page.shares.len(), 1);
        assert!(page.skipped.is_empty());
    }

    #[test]
    fn a_bad_record_is_skipped_not_fatal() {
        let body = r#"{"ocs":{"meta":{"statuscode":200},"data":[{"id":"1","share_type":3,"url":"u"},{"id":"7","share_type":3,"stime":"never"}]}}"#;
        let page = list(200, body).unwrap();
        assert_eq!(page.shares.len(), 1);
        assert_eq!(page.skipped.len(), 1);
        assert_eq!(page.skipped[0].native_id.as_deref(), Some("7"));
    }

    #[test]
    fn single_share_forms() {
        let one = |body: &'static str| -> Result<String, Error> {
            let data: &RawValue = decode("get", 200, None, body.as_bytes(), plain::<&RawValue>())?;
            Ok(single(data)?.id.map(|s| s.to_string()).unwrap_or_default())
        };
        assert_eq!(
            one(r#"{"ocs":{"meta":{"statuscode":200},"data":[{"id":"9"}]}}"#).unwrap(),
            "9"
        );
        assert_eq!(
            one(r#"{"ocs":{"meta":{"statuscode":200},"data":{"id":"9"}}}"#).unwrap(),
            "9"
        );
        assert_eq!(
            one(r#"{"ocs":{"meta":{"statuscode":200},"data":[]}}"#)
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
    }
}
