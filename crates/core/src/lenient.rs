//! Serde helpers for vendor JSON that is looser than its documentation.
//!
//! Use with `#[serde(default, deserialize_with = "lenient::…")]`. Each accepts every form a
//! vendor is documented (or seen) to send and fails with a clear message on anything else.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use compact_str::CompactString;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A vendor status code that may arrive as a number or a string (`0`, `"0"`, `"APIGW.0308"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// A numeric code (also a numeric string such as `"0"`).
    Num(i64),
    /// A non-numeric code.
    Text(String),
}

impl Code {
    /// True for `0` / `"0"`.
    pub fn is_zero(&self) -> bool {
        matches!(self, Code::Num(0))
    }

    /// The code as an integer, when it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Code::Num(n) => Some(*n),
            Code::Text(_) => None,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Num(n) => write!(f, "{n}"),
            Code::Text(s) => f.write_str(s),
        }
    }
}

struct CodeVisitor;

impl<'de> Visitor<'de> for CodeVisitor {
    type Value = Option<Code>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a status code as a number or a string")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Code::Num(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(|n| Some(Code::Num(n)))
            .map_err(|_| E::custom("status code out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(Some(Code::Num(v as i64)))
        } else {
            Err(E::custom(format!("status code {v} is not an integer")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        Ok(Some(match t.parse::<i64>() {
            Ok(n) => Code::Num(n),
            Err(_) => Code::Text(t.to_owned()),
        }))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(CodeVisitor)
    }
}

/// `Option<Code>` from a number, a string, or `null`.
pub fn code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Code>, D::Error> {
    d.deserialize_any(CodeVisitor)
}

struct U64Visitor;

impl<'de> Visitor<'de> for U64Visitor {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer or a numeric string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom(format!("expected a non-negative integer, got {v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && (0.0..9.0e15).contains(&v) {
            Ok(Some(v as u64))
        } else {
            Err(E::custom(format!(
                "expected a non-negative integer, got {v}"
            )))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<u64>().map(Some).map_err(|_| {
            E::custom(format!(
                "expected an integer or a numeric string, got {:?}",
                truncate(t)
            ))
        })
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(U64Visitor)
    }
}

/// `Option<u64>` from a number, a numeric string (`"17"`), `""` or `null` (both → `None`).
pub fn u64_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(U64Visitor)
}

struct I64Visitor;

impl<'de> Visitor<'de> for I64Visitor {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a numeric string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(Some(v as i64))
        } else {
            Err(E::custom(format!("expected an integer, got {v}")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<i64>().map(Some).map_err(|_| {
            E::custom(format!(
                "expected an integer or a numeric string, got {:?}",
                truncate(t)
            ))
        })
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(I64Visitor)
    }
}

/// `Option<i64>` from a number, a numeric string, `""` or `null`.
pub fn i64_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(I64Visitor)
}

struct StringVisitor<T>(PhantomData<T>);

impl<'de, T: for<'a> From<&'a str> + From<String>> Visitor<'de> for StringVisitor<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(if v.is_empty() { None } else { Some(v.into()) })
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(if v.is_empty() { None } else { Some(v.into()) })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string().into()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string().into()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// `Option<String>` where `""` and `null` are `None` and an integer becomes its decimal text
/// (ids documented as strings but sent as numbers).
pub fn string_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(StringVisitor(PhantomData))
}

/// [`string_opt`] into a [`CompactString`] (no allocation for text up to 24 bytes): for the
/// fields a mapper stores in a share.
pub fn compact_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CompactString>, D::Error> {
    d.deserialize_any(StringVisitor(PhantomData))
}

/// Parses a vendor timestamp into UTC. Accepts RFC 3339 with any offset (fractional seconds
/// optional), `yyyy-MM-dd HH:mm:ss` and `yyyy-MM-ddTHH:mm:ss` without a zone (read as UTC),
/// and epoch milliseconds as digits. Returns `None` for an empty string.
pub fn parse_datetime(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(Some(Utc.from_utc_datetime(&naive)));
        }
    }
    if t.len() >= 12 && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(dt) = t
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
        {
            return Ok(Some(dt));
        }
    }
    Err(format!("unrecognized timestamp {:?}", truncate(t)))
}

struct DateTimeVisitor;

impl<'de> Visitor<'de> for DateTimeVisitor {
    type Value = Option<DateTime<Utc>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_datetime(v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .map(Some)
            .ok_or_else(|| E::custom("epoch milliseconds out of range"))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(DateTimeVisitor)
    }
}

/// `Option<DateTime<Utc>>` per [`parse_datetime`]; `null`/`""` → `None`.
pub fn datetime_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    d.deserialize_any(DateTimeVisitor)
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Rec {
        #[serde(default, deserialize_with = "u64_opt")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "i64_opt")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "code")]
        code: Option<Code>,
        #[serde(default, deserialize_with = "datetime_opt")]
        t: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "string_opt")]
        s: Option<String>,
        #[serde(default, deserialize_with = "compact_opt")]
        c: Option<CompactString>,
    }

    fn rec(json: &str) -> Result<Rec, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn integers_from_numbers_and_numeric_strings() {
        assert_eq!(rec(r#"{"n":17}"#).unwrap().n, Some(17));
        assert_eq!(rec(r#"{"n":"17"}"#).unwrap().n, Some(17));
        assert_eq!(rec(r#"{"n":" 17 "}"#).unwrap().n, Some(17));
        assert_eq!(rec(r#"{"n":17.0}"#).unwrap().n, Some(17));
        assert_eq!(rec(r#"{"n":null}"#).unwrap().n, None);
        assert_eq!(rec(r#"{"n":""}"#).unwrap().n, None);
        assert_eq!(rec(r#"{}"#).unwrap().n, None);
        assert_eq!(rec(r#"{"i":"-3"}"#).unwrap().i, Some(-3));
        assert_eq!(rec(r#"{"i":-3}"#).unwrap().i, Some(-3));
    }

    #[test]
    fn non_numeric_strings_are_clear_errors() {
        let e = rec(r#"{"n":"abc"}"#).unwrap_err().to_string();
        assert!(e.contains("numeric string") && e.contains("abc"), "{e}");
        assert!(rec(r#"{"n":-1}"#).is_err());
        assert!(rec(r#"{"n":1.5}"#).is_err());
        assert!(rec(r#"{"n":true}"#).is_err());
        assert!(rec(r#"{"i":"x1"}"#).is_err());
    }

    #[test]
    fn codes_from_numbers_and_strings() {
        assert!(rec(r#"{"code":0}"#).unwrap().code.unwrap().is_zero());
        assert!(rec(r#"{"code":"0"}"#).unwrap().code.unwrap().is_zero());
        assert_eq!(
            rec(r#"{"code":13000201}"#).unwrap().code,
            Some(Code::Num(13000201))
        );
        assert_eq!(
            rec(r#"{"code":"APIGW.0308"}"#).unwrap().code,
            Some(Code::Text("APIGW.0308".into()))
        );
        assert_eq!(rec(r#"{"code":null}"#).unwrap().code, None);
        assert_eq!(Code::Text("string".into()).as_i64(), None);
    }

    #[test]
    fn timestamps_with_any_offset_become_utc() {
        let t = rec(r#"{"t":"2025-06-10T16:16:39+08:00"}"#)
            .unwrap()
            .t
            .unwrap();
        assert_eq!(t.to_rfc3339(), "2025-06-10T08:16:39+00:00");
        let t = rec(r#"{"t":"2026-08-01T16:16:39.52+08:00"}"#)
            .unwrap()
            .t
            .unwrap();
        assert_eq!(t.timestamp_millis() % 1000, 520);
        let t = rec(r#"{"t":"2024-06-03T01:59:05.324Z"}"#)
            .unwrap()
            .t
            .unwrap();
        assert_eq!(t.timestamp_millis(), 1717379945324);
        let t = rec(r#"{"t":"2025-05-27 01:37:49"}"#).unwrap().t.unwrap();
        assert_eq!(t.to_rfc3339(), "2025-05-27T01:37:49+00:00");
        let t = rec(r#"{"t":"1772006999088"}"#).unwrap().t.unwrap();
        assert_eq!(t.timestamp_millis(), 1772006999088);
        assert_eq!(rec(r#"{"t":""}"#).unwrap().t, None);
        assert_eq!(rec(r#"{"t":null}"#).unwrap().t, None);
        let e = rec(r#"{"t":"yesterday"}"#).unwrap_err().to_string();
        assert!(e.contains("unrecognized timestamp"), "{e}");
    }

    #[test]
    fn strings_empty_is_none_and_numbers_become_text() {
        assert_eq!(rec(r#"{"s":""}"#).unwrap().s, None);
        assert_eq!(rec(r#"{"s":"x"}"#).unwrap().s.as_deref(), Some("x"));
        assert_eq!(
            rec(r#"{"s":1689743054514187776}"#).unwrap().s.as_deref(),
            Some("1689743054514187776")
        );
    }

    #[test]
    fn compact_strings_follow_the_same_rules_and_stay_inline_when_short() {
        assert_eq!(rec(r#"{"c":""}"#).unwrap().c, None);
        assert_eq!(rec(r#"{"c":null}"#).unwrap().c, None);
        let id = rec(r#"{"c":1689743054514187776}"#).unwrap().c.unwrap();
        assert_eq!(id, "1689743054514187776");
        assert!(!id.is_heap_allocated(), "a 19-digit id needs no allocation");
        let escaped = rec(r#"{"c":"a\"b \u00e9"}"#).unwrap().c.unwrap();
        assert_eq!(escaped, "a\"b é");
        let long = "x".repeat(100);
        let back = rec(&format!(r#"{{"c":"{long}"}}"#)).unwrap().c.unwrap();
        assert_eq!(back, long);
        assert!(rec(r#"{"c":[1]}"#).is_err());
    }
}
