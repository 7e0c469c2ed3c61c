//! Reading query-string values with clear 400s (shared by the list, stats and export).

use crate::sort::{Order, SortKey};
use chrono::{DateTime, Utc};
use unishare_core::Error;

pub(crate) fn bad(msg: impl Into<String>) -> Error {
    Error::invalid_request(msg)
}

pub(crate) fn parse_time(name: &str, v: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            bad(format!(
                "{name} must be an RFC 3339 time such as 2026-01-31T00:00:00Z"
            ))
        })
}

pub(crate) fn parse_bool(name: &str, v: &str) -> Result<bool, Error> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(bad(format!("{name} must be true or false"))),
    }
}

/// Sets a parameter that may be given once.
pub(crate) fn once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), Error> {
    if slot.is_some() {
        return Err(bad(format!("{name} is given more than once")));
    }
    *slot = Some(value);
    Ok(())
}

/// Parses `sort`.
pub(crate) fn parse_sort(v: &str) -> Result<SortKey, Error> {
    SortKey::parse(v).ok_or_else(|| {
        bad(format!(
            "sort must be one of created_at, name, views, downloads, expires_at (got {v:?})"
        ))
    })
}

/// Parses `order`.
pub(crate) fn parse_order(v: &str) -> Result<Order, Error> {
    match v {
        "asc" => Ok(Order::Asc),
        "desc" => Ok(Order::Desc),
        _ => Err(bad(format!("order must be asc or desc (got {v:?})"))),
    }
}

/// The error for a query parameter no route takes (`takes` says what it does take).
pub(crate) fn unknown_parameter(name: &str, takes: &str) -> Error {
    bad(format!(
        "unknown query parameter {:?} ({takes})",
        name.chars().take(64).collect::<String>()
    ))
}
