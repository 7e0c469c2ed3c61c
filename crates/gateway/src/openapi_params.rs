//! The query parameters of the API as OpenAPI documents them (`crate::openapi`).

use chrono::{DateTime, Utc};
use unishare_core::{Audience, Provider, ShareStatus};
use utoipa::IntoParams;

/// The filters of `GET /v1/shares`, `/v1/stats` and `/v1/export`. Unknown parameters are a 400.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// Account name; repeat the parameter for several. Default: every account the key sees.
    pub account: Option<Vec<String>>,
    /// Vendor.
    pub provider: Option<Provider>,
    /// Status; repeat for several.
    pub status: Option<Vec<ShareStatus>>,
    /// Audience.
    pub audience: Option<Audience>,
    /// Only links with (`true`) or without (`false`) an access code; links whose protection
    /// the vendor does not report match neither.
    pub password_protected: Option<bool>,
    /// Case-insensitive substring of the name (at most 256 characters).
    pub q: Option<String>,
    /// Created after this time (RFC 3339, exclusive).
    pub created_after: Option<DateTime<Utc>>,
    /// Created before this time (RFC 3339, exclusive).
    pub created_before: Option<DateTime<Utc>>,
    /// Expires before this time (RFC 3339, exclusive); links that never expire do not match.
    pub expires_before: Option<DateTime<Utc>>,
    /// Owner: an e-mail (case-insensitive) or an owner id; repeat for several. Links whose
    /// vendor reports no owner match none.
    pub owner: Option<Vec<String>>,
}

/// Sort of a list or export: `null` keys sort last in both orders; ties break on `id`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SortParams {
    /// Sort key (default `created_at`).
    pub sort: Option<crate::sort::SortKey>,
    /// Direction (default `desc`).
    pub order: Option<crate::sort::Order>,
}

/// Keyset pagination of `GET /v1/shares`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (signed; reuse with other filters is a 400).
    pub cursor: Option<String>,
}

/// `GET /v1/shares/{id}` options.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetParams {
    /// Read the vendor instead of the snapshot.
    pub refresh: Option<bool>,
}

/// `GET /v1/export` format.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParams {
    /// `ndjson` (default) or `csv`.
    pub format: Option<crate::export::Format>,
}
