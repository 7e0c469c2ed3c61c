//! # unishare-testkit
//!
//! Test infrastructure shared by every crate's tests, the benches and `unishare demo`:
//!
//! - [`cloudreve`], [`koodrive`], [`nextcloud`] and [`seafile`]: in-process simulators of each
//!   vendor's share API, faithful to `shared/vendors/` and `docs/vendors/` (shapes, codes,
//!   quirks), seedable, with request counters;
//! - [`faults`]: per-route fault injection and request counters used by both simulators;
//! - [`behavior`]: the provider behavior suite, run against every `ShareProvider`;
//! - [`sims`]: the one list of simulators (one per vendor) the demo, tests and benches iterate.
#![deny(missing_docs)]

pub mod behavior;
pub mod cloudreve;
pub mod faults;
pub mod koodrive;
pub mod live;
pub mod nextcloud;
pub mod redis;
pub mod seafile;
mod serve;
pub mod sims;
