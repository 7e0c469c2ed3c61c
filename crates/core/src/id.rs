//! Gateway-wide identifiers: account names and share ids (`{account}:{native_id}`).

use crate::error::Error;
use compact_str::{format_compact, CompactString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Longest native id accepted from a client (vendor ids are far shorter).
pub const MAX_NATIVE_ID_LEN: usize = 256;

/// A configured account name: `[a-z0-9_-]{1,64}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountName(String);

impl AccountName {
    /// Validates and wraps a name.
    pub fn new(name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        let valid_len = (1..=64).contains(&name.len());
        let valid_chars = name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if valid_len && valid_chars {
            Ok(AccountName(name))
        } else {
            Err(Error::invalid_request(format!(
                "invalid account name {:?}: expected 1 to 64 characters of [a-z0-9_-]",
                truncate(&name, 80)
            )))
        }
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AccountName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        AccountName::new(s)
    }
}

impl AsRef<str> for AccountName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for AccountName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        AccountName::new(s).map_err(serde::de::Error::custom)
    }
}

/// The gateway-wide share id: `{account}:{native_id}`.
///
/// The account part cannot contain `:`, so the first `:` splits the two; the native id may
/// contain anything printable except whitespace, control characters, `/` and `\\`, and is
/// not a dot segment (`.`, `..`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShareId {
    full: CompactString,
    split: usize,
}

impl ShareId {
    /// Builds an id from its parts, validating the native id.
    pub fn new(account: &AccountName, native_id: &str) -> Result<Self, Error> {
        validate_native_id(native_id)?;
        Ok(ShareId {
            full: format_compact!("{}:{}", account.as_str(), native_id),
            split: account.as_str().len(),
        })
    }

    /// Parses `{account}:{native_id}`, with a clear error on bad input.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let Some((account, native)) = s.split_once(':') else {
            return Err(Error::invalid_request(format!(
                "invalid share id {:?}: expected \"{{account}}:{{native_id}}\"",
                truncate(s, 80)
            )));
        };
        let account = AccountName::new(account)
            .map_err(|e| Error::invalid_request(format!("invalid share id: {}", e.message())))?;
        ShareId::new(&account, native)
    }

    /// The account part.
    pub fn account(&self) -> &str {
        &self.full[..self.split]
    }

    /// The vendor's own id.
    pub fn native_id(&self) -> &str {
        &self.full[self.split + 1..]
    }

    /// The whole id as a string.
    pub fn as_str(&self) -> &str {
        &self.full
    }
}

fn validate_native_id(native: &str) -> Result<(), Error> {
    if native.is_empty() {
        return Err(Error::invalid_request(
            "invalid share id: the native id after ':' is empty",
        ));
    }
    if native.len() > MAX_NATIVE_ID_LEN {
        return Err(Error::invalid_request(format!(
            "invalid share id: the native id is longer than {MAX_NATIVE_ID_LEN} bytes"
        )));
    }
    if native
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '/' || c == '\\')
    {
        return Err(Error::invalid_request(
            "invalid share id: the native id contains whitespace, '/', '\\' or control characters",
        ));
    }
    // A dot segment would move a vendor path up (`/share/..` is `/`): no vendor id is one.
    if native == "." || native == ".." {
        return Err(Error::invalid_request(
            "invalid share id: the native id is a dot segment",
        ));
    }
    Ok(())
}

/// Checks a native id a client sent against a vendor's form (called by each vendor's
/// `ShareProvider::check_native_id`): 1 to `max_len` bytes, each accepted by `byte_ok`; else an
/// [`crate::ErrorKind::InvalidRequest`] saying that a `vendor` share id is `form`.
pub fn check_native_form(
    native_id: &str,
    max_len: usize,
    byte_ok: fn(&u8) -> bool,
    vendor: &str,
    form: &str,
) -> Result<(), Error> {
    if (1..=max_len).contains(&native_id.len()) && native_id.bytes().all(|b| byte_ok(&b)) {
        Ok(())
    } else {
        Err(Error::invalid_request(format!(
            "invalid share id: a {vendor} share id is 1 to {max_len} {form}"
        )))
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl fmt::Display for ShareId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl FromStr for ShareId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        ShareId::parse(s)
    }
}

impl Serialize for ShareId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.full)
    }
}

impl<'de> Deserialize<'de> for ShareId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        ShareId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn parses_good_ids() {
        let id = ShareId::parse("hq:g2guA").unwrap();
        assert_eq!(id.account(), "hq");
        assert_eq!(id.native_id(), "g2guA");
        assert_eq!(id.to_string(), "hq:g2guA");
        let id = ShareId::parse("cn-1_x:1689743054514187776").unwrap();
        assert_eq!(id.native_id(), "1689743054514187776");
        // Only the first ':' splits.
        let id = ShareId::parse("a:b:c").unwrap();
        assert_eq!((id.account(), id.native_id()), ("a", "b:c"));
    }

    #[test]
    fn rejects_bad_ids_with_invalid_request() {
        for bad in [
            "",
            "nocolon",
            ":abc",
            "hq:",
            "HQ:abc",
            "h q:abc",
            "hq:a b",
            "hq:a/b",
            "hq:a\nb",
            "hq:.",
            "hq:..",
            "hq:a\\b",
            &format!("{}:x", "a".repeat(65)),
            &format!("hq:{}", "x".repeat(257)),
        ] {
            let err = ShareId::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad:?}");
            assert!(err.to_string().contains("share id"), "{err}");
        }
    }

    #[test]
    fn account_names() {
        assert!(AccountName::new("hq").is_ok());
        assert!(AccountName::new("a-b_c9").is_ok());
        assert!(AccountName::new("a".repeat(64)).is_ok());
        for bad in ["", "Hq", "a.b", "a:b", "ä"] {
            assert!(AccountName::new(bad).is_err(), "{bad}");
        }
        assert!(AccountName::new("a".repeat(65)).is_err());
    }

    #[test]
    fn serde_validates() {
        let id: ShareId = serde_json::from_str("\"hq:x\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"hq:x\"");
        assert!(serde_json::from_str::<ShareId>("\"nope\"").is_err());
    }
}
