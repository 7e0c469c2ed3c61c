//! # unishare-koodrive
//!
//! The unishare [`ShareProvider`](unishare_core::ShareProvider) for Huawei **KooDrive**
//! (`/koodrive/ose/v1` share APIs): list, get, create, update and batch-cancel share links,
//! mapped into the unified model of `DESIGN.md` §2.
//!
//! - [`config`]: [`KooDriveConfig`] and [`KooDriveAuth`] (app HMAC signing or a user token);
//! - [`sign`]: the pure HMAC-SHA256 request signer (vendor doc §6.2);
//! - [`auth`]: token state, single-flight session refresh, app headers;
//! - [`client`]: HTTP transport and the `{code, msg}` envelope check;
//! - [`error`]: the one function mapping vendor errors into kinds;
//! - [`dto`]: wire types under the vendor's field names; [`mapping`]: records → [`unishare_core::Share`];
//! - [`trace`]: the 58-character `X-Traceid`;
//! - [`provider`]: the provider itself, [`KooDriveProvider`];
//! - [`register`]: the registration the gateway's vendor list holds, [`VENDOR`].
//!
//! Facts the vendor documentation leaves open, and how this crate hedges them, are listed in
//! the crate README.
#![deny(missing_docs)]

pub mod auth;
pub mod client;
pub mod config;
pub mod dto;
pub mod error;
pub mod mapping;
pub mod native_id;
pub mod provider;
pub mod register;
pub mod sign;
pub mod trace;

pub use config::{KooDriveAuth, KooDriveConfig};
pub use provider::{KooDriveProvider, CAPABILITIES, CARRIER_CAPABILITIES};
pub use register::{provider, KooDrive, KooDriveSettings, NAME, VENDOR};
