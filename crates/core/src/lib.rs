//! # unishare-core
//!
//! The contract every other unishare crate builds on:
//!
//! - the unified share model ([`Share`] and its parts), serialized exactly as the product
//!   contract (`DESIGN.md` §2) describes;
//! - [`ShareId`] / [`AccountName`], the gateway-wide identifiers;
//! - the [`ShareProvider`] trait one crate per vendor implements, with its request and response
//!   types ([`CreateShare`], [`UpdateShare`], [`Page`], [`RevokeOutcome`]);
//! - [`Capabilities`], declared as data by every provider, and the one central check that turns
//!   an unsupported option into an [`ErrorKind::Unsupported`] error;
//! - [`Error`], the single error type (a kind plus a retryable flag plus context);
//! - [`lenient`], serde helpers for the sloppy JSON vendors send;
//! - [`paging`], a vendor's list pages as a stream the crawl consumes;
//! - [`retry`], the shared upstream call policy (backoff with jitter, retry only what is safe);
//! - [`upstream`], the HTTP policy every vendor client follows (no redirect is followed);
//! - [`client`] (feature `http`, on by default), the shared HTTP client built on that policy:
//!   sending under the call policy, `Retry-After`, transport errors, body limits, token caching
//!   with single-flight renewal.
//! - [`registry`], how a vendor crate plugs in ([`registry::VendorKind`], one list in the
//!   gateway), and [`settings`], the account settings tables it reads (secrets resolved).
#![deny(missing_docs)]

pub mod capabilities;
#[cfg(feature = "http")]
pub mod client;
pub mod error;
pub mod id;
pub mod inventory;
pub mod lenient;
pub mod model;
pub mod paging;
pub mod provider;
pub mod refresh;
pub mod registry;
pub mod request;
pub mod retry;
pub mod secret;
pub mod settings;
pub mod upstream;
pub mod vendor;

pub use capabilities::{AudienceSet, Capabilities, PasswordRule, SourceForm};
/// The string type of the model's text fields (inline up to 24 bytes, no allocation).
pub use compact_str::CompactString;
pub use error::{Error, ErrorKind, Result};
pub use id::{AccountName, ShareId};
pub use inventory::Inventory;
pub use model::{
    Audience, Owner, Permissions, Provider, Share, ShareStatus, ShareView, Source, SourceFile,
    SourceKind, Stats,
};
pub use provider::{CallContext, ShareProvider};
pub use registry::{AccountInput, AccountSettings, Registered, Vendor, VendorKind, VendorSettings};
pub use request::{
    CreateShare, Page, PageCursor, Patch, PermissionsInput, RevokeOutcome, SkippedRecord,
    SourceInput, UpdateShare,
};
pub use secret::Secret;
pub use settings::SettingError;
pub use vendor::{VendorFields, VendorFieldsBuilder, VendorInterner};
