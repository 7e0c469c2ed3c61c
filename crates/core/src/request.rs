//! Request and response types of the [`crate::ShareProvider`] trait.

use crate::error::Error;
use crate::model::{Audience, Share};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// What to share. Cloudreve addresses sources by URI, KooDrive by file ids in a container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum SourceInput {
    /// A vendor URI, e.g. `cloudreve://my/Reports`.
    Uri {
        /// The URI.
        uri: String,
    },
    /// File ids inside one container (KooDrive space).
    Files {
        /// File ids (1 to 100 for KooDrive).
        file_ids: Vec<String>,
        /// The space that holds the files.
        container_id: String,
    },
}

/// Permissions asked for on create or update; `None` leaves the vendor default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PermissionsInput {
    /// Allow previews.
    pub preview: Option<bool>,
    /// Allow downloads.
    pub download: Option<bool>,
    /// Allow edits.
    pub edit: Option<bool>,
}

impl PermissionsInput {
    /// True when no permission is set.
    pub fn is_empty(&self) -> bool {
        self.preview.is_none() && self.download.is_none() && self.edit.is_none()
    }
}

/// A request to create a link.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateShare {
    /// What to share.
    pub source: SourceInput,
    /// An access code; `None` = no password.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub password: Option<Secret>,
    /// When the link dies; `None` = never (where the vendor allows it).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Who may open it; `None` = the vendor default (anyone with the link).
    #[serde(default)]
    pub audience: Option<Audience>,
    /// Download limit.
    #[serde(default)]
    pub max_downloads: Option<u32>,
    /// Share message.
    #[serde(default)]
    pub comment: Option<String>,
    /// Permissions.
    #[serde(default)]
    pub permissions: Option<PermissionsInput>,
    /// Vendor-specific options, under the vendor's names (e.g. Cloudreve `share_view`).
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub vendor: Map<String, Value>,
}

impl CreateShare {
    /// A create request for `source` with every option unset.
    pub fn new(source: SourceInput) -> Self {
        CreateShare {
            source,
            password: None,
            expires_at: None,
            audience: None,
            max_downloads: None,
            comment: None,
            permissions: None,
            vendor: Map::new(),
        }
    }
}

/// A field of an update: left alone, cleared (`null`), or set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Absent from the request: keep the current value.
    #[default]
    Unchanged,
    /// `null`: remove the value (no password, never expires, no limit...).
    Clear,
    /// A new value.
    Set(T),
}

impl<T> Patch<T> {
    /// True for [`Patch::Unchanged`].
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }

    /// The new value, if one is set.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(v) => Some(v),
            _ => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only called when the key is present (`#[serde(default)]` covers absence).
        Ok(match Option::<T>::deserialize(deserializer)? {
            None => Patch::Clear,
            Some(v) => Patch::Set(v),
        })
    }
}

/// A request to change a link. Absent fields are left as they are.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateShare {
    /// New access code; `null` removes it.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub password: Patch<Secret>,
    /// New expiry; `null` = never expires.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<DateTime<Utc>>))]
    pub expires_at: Patch<DateTime<Utc>>,
    /// New share message; `null` removes it.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub comment: Patch<String>,
    /// New download limit; `null` removes it.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<u32>))]
    pub max_downloads: Patch<u32>,
    /// New permissions.
    #[serde(default)]
    pub permissions: Option<PermissionsInput>,
    /// Vendor-specific options, under the vendor's names.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub vendor: Map<String, Value>,
}

impl UpdateShare {
    /// True when the request changes nothing.
    pub fn is_empty(&self) -> bool {
        self.password.is_unchanged()
            && self.expires_at.is_unchanged()
            && self.comment.is_unchanged()
            && self.max_downloads.is_unchanged()
            && self.permissions.is_none()
            && self.vendor.is_empty()
    }
}

/// An opaque vendor page cursor, passed back unchanged to get the next page.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageCursor(pub String);

/// A record the adapter could not map; skipped, counted and logged, never fatal to a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedRecord {
    /// The vendor id, when it could be read.
    pub native_id: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

/// One page of a vendor's share list.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// The mapped shares, in vendor order.
    pub shares: Vec<Share>,
    /// The cursor of the next page; `None` = this was the last page.
    pub next: Option<PageCursor>,
    /// Records that could not be mapped.
    pub skipped: Vec<SkippedRecord>,
}

/// The result of revoking one link.
#[derive(Debug, Clone)]
pub struct RevokeOutcome {
    /// The vendor id.
    pub native_id: String,
    /// `Ok` when the link is gone (including: it was already gone, where the vendor says so).
    pub result: Result<(), Error>,
}
