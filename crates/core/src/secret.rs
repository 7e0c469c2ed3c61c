//! A string that must never be printed: share passwords, tokens, app secrets.

use compact_str::CompactString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret string. `Debug` and `Display` print `[redacted]`; the value is reachable only
/// through [`Secret::expose`], so every place that reveals it is greppable.
///
/// It serializes as the plain string: whether a serialized structure contains it at all is
/// decided by that structure (see [`crate::ShareView`]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(CompactString);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(CompactString::from(value.into()))
    }

    /// The secret value. Call only where the value must leave the process (a vendor request,
    /// a response to a caller holding the `secrets` scope).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value.into())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.into())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        CompactString::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert!(!format!("{:?}", Some(s.clone())).contains("hunter22"));
        assert_eq!(s.expose(), "hunter22");
    }

    #[test]
    fn serde_round_trip_is_the_plain_string() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"abc\"");
    }
}
