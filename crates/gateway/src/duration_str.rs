//! Durations in the config as humantime strings (`"30s"`, `"10m"`, `"1h 30m"`), for
//! `#[serde(with = "duration_str")]`.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// Writes a duration as a humantime string.
pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_duration(*d).to_string())
}

/// Reads a humantime string.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(s.trim())
        .map_err(|_| serde::de::Error::custom("invalid duration; write e.g. \"30s\", \"10m\""))
}
