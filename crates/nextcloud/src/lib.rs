//! # unishare-nextcloud
//!
//! The unishare [`ShareProvider`](unishare_core::ShareProvider) for **Nextcloud** and
//! **ownCloud 10** through the OCS Share API (`/ocs/v2.php/apps/files_sharing/api/v1/shares`):
//! list, get, create, update and delete public links (`share_type` 3), mapped into the unified
//! model of `DESIGN.md` §2 (mapping table in §7).
//!
//! - [`config`]: [`NextcloudConfig`], [`NextcloudAuth`] (user + app password, HTTP basic) and
//!   [`ServerZone`], the zone the server writes `expiration` dates in;
//! - [`ocs`]: the OCS envelope (`ocs.meta` + `ocs.data`), decoded in one pass, list records
//!   mapped as they are read;
//! - [`error`]: the one function mapping HTTP status + OCS `statuscode` into kinds;
//! - [`dto`]: a share record under the server's field names (`formatShare`);
//!   [`mapping`]: records → [`unishare_core::Share`];
//! - [`client`]: HTTP transport (basic auth, `OCS-APIRequest: true`, JSON asked for);
//! - [`provider`]: the provider itself, [`NextcloudProvider`];
//! - [`register`]: the registration the gateway's vendor list holds, [`VENDOR`].
//!
//! What the server's source settles, what it leaves open, and how this crate hedges it, are in
//! `docs/vendors/nextcloud.md` and the crate README.
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod dto;
pub mod error;
pub mod mapping;
pub mod ocs;
pub mod provider;
pub mod register;

pub use config::{NextcloudAuth, NextcloudConfig, ServerZone};
pub use provider::{NextcloudProvider, CAPABILITIES};
pub use register::{provider, Nextcloud, NextcloudSettings, NAME, VENDOR};
