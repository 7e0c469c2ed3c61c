//! # unishare-cloudreve
//!
//! The unishare provider for **Cloudreve v4** share links (`GET/PUT/POST/DELETE /api/v4/share`),
//! written from `shared/vendors/cloudreve-v4.md`:
//!
//! - [`CloudreveConfig`] / [`CloudreveAuth`]: site root, sign-in method (`password` or
//!   `token`), retry policy and page size;
//! - [`CloudreveProvider`]: the [`unishare_core::ShareProvider`] implementation;
//! - [`CAPABILITIES`]: what a Cloudreve account can do, as data;
//! - [`VENDOR`] / [`provider()`]: the registration the gateway's vendor list holds (`register.rs`:
//!   the `auth` table read into [`CloudreveAuth`], the provider built).
//!
//! Internals, one job per file: `client` (HTTP + envelope), `auth` (tokens), `error` (the one
//! code → kind mapping), `dto` (wire types), `mapping` (wire → unified model).
#![deny(missing_docs)]

mod auth;
mod capabilities;
mod client;
mod config;
mod dto;
mod error;
pub mod login;
mod mapping;
mod native_id;
pub mod oauth;
mod persist;
mod provider;
mod register;
mod site;
mod uri;

pub use capabilities::CAPABILITIES;
pub use config::{CloudreveAuth, CloudreveConfig, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MIN_PAGE_SIZE};
pub use provider::CloudreveProvider;
pub use register::{provider, Cloudreve, NAME, VENDOR};

/// Entry points for `cargo bench` only: not a stable API.
#[doc(hidden)]
pub mod bench {
    use serde_json::Value;
    use unishare_core::{AccountName, Error, Page, Share, SkippedRecord};

    /// Maps one raw share record (the fallback path of a record that does not decode).
    pub fn map_record(account: &AccountName, raw: Value) -> Result<Share, SkippedRecord> {
        crate::mapping::map_record(account, raw)
    }

    /// Decodes a whole `GET /api/v4/share` answer body and maps its page exactly as
    /// `list_page` does after the HTTP exchange.
    pub fn map_list_body(account: &AccountName, body: &[u8]) -> Result<Page, Error> {
        if let Some(data) = crate::dto::ListAnswer::one_pass(body) {
            return Ok(crate::mapping::map_list_decoded(account, data).0);
        }
        map_list_body_robust(account, body)
    }

    /// Decodes a whole `POST /api/v4/admin/share` answer body (page 1) and maps its page
    /// exactly as a site-wide `list_page` does after the HTTP exchange.
    pub fn map_admin_body(
        account: &AccountName,
        body: &[u8],
        page_size: u32,
    ) -> Result<Page, Error> {
        let answer = crate::client::decode_envelope(body)?;
        if answer.code != 0 {
            return Err(Error::upstream_protocol(format!("code {}", answer.code)));
        }
        crate::site::map_page(
            account,
            answer.data.as_deref(),
            unishare_core::paging::SiteCursor::start(),
            page_size,
            chrono::Utc::now(),
        )
    }

    /// The path of an answer the one-pass decoder declines: the envelope, then each record
    /// decoded on its own.
    pub fn map_list_body_robust(account: &AccountName, body: &[u8]) -> Result<Page, Error> {
        let answer = crate::client::decode_envelope(body)?;
        if answer.code != 0 {
            return Err(Error::upstream_protocol(format!("code {}", answer.code)));
        }
        crate::mapping::map_list_data(account, answer.data.as_deref()).map(|(page, _)| page)
    }
}
