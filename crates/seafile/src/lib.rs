//! # unishare-seafile
//!
//! The unishare [`ShareProvider`](unishare_core::ShareProvider) for **Seafile** through
//! seahub's web API v2.1: list, get, create, update and revoke download links
//! (`/api/v2.1/share-links/`), and, for an administrator's account with
//! `inventory = "site"`, every user's links through `/api/v2.1/admin/share-links/`, mapped into
//! the unified model of `DESIGN.md` §2 (mapping table in §7).
//!
//! - [`config`]: [`SeafileConfig`], [`SeafileAuth`] (`token`, or `password` exchanged at
//!   `/api2/auth-token/` and renewed when refused);
//! - [`client`]: HTTP transport on the shared `unishare_core::client` (`Authorization: Token
//!   <key>`, the password sign-in in a `TokenCache`, the retry policy);
//! - [`error`]: the one function mapping a status and `error_msg`/`detail` into kinds;
//! - [`dto`]: link records under the server's field names, every shipped form;
//!   [`mapping`]: records → [`unishare_core::Share`];
//! - [`site`]: the admin listing's paging and per-link completion;
//! - [`provider`]: the provider itself, [`SeafileProvider`], and its [`CAPABILITIES`];
//! - [`register`]: its entry in the gateway's vendor list, [`VENDOR`].
//!
//! What the server's source settles, version by version, is in `docs/vendors/seafile.md`.
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod dto;
pub mod error;
pub mod mapping;
pub mod provider;
pub mod register;
pub mod site;

pub use config::{SeafileAuth, SeafileConfig};
pub use provider::{SeafileProvider, CAPABILITIES};

pub use register::{provider, NAME, VENDOR};
