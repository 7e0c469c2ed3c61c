//! The unified share model (`DESIGN.md` §2).
//!
//! Every field a vendor may not report is an `Option`, serialized as `null`: a missing counter
//! is never turned into `0`.
//!
//! **Secrets.** A [`Share`] serialized on its own never contains `password`. To reveal it (for a
//! caller holding the `secrets` scope) serialize [`Share::view`] with `reveal_secrets = true`.
//! Forgetting to redact is therefore impossible; revealing is one explicit, greppable call.

use crate::id::ShareId;
use crate::secret::Secret;
use crate::vendor::VendorFields;
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// Which vendor an account talks to: the vendor's registered name, as written in an account's
/// `provider` key and in JSON (`"provider": "…"`). Each vendor crate declares its own
/// ([`crate::registry::VendorKind::NAME`]); the gateway's vendor list says which exist.
///
/// One byte (an index into the process-wide table of names), so that a stored share stays
/// as small as with a closed enum (`docs/memory.md`). Names compare, hash and sort as their
/// strings.
#[derive(Clone, Copy)]
pub struct Provider(u8);

/// Slots in the table of provider names.
const NAME_SLOTS: usize = 256;

/// Most distinct names [`Provider::intern`] adds from run-time input (a deserialized share);
/// the other slots are kept for the names vendor crates declare.
pub const MAX_INTERNED_PROVIDERS: usize = 64;

static NAMES: [std::sync::OnceLock<&'static str>; NAME_SLOTS] =
    [const { std::sync::OnceLock::new() }; NAME_SLOTS];

/// (names registered, of which from run-time input).
static REGISTERED: std::sync::Mutex<(usize, usize)> = std::sync::Mutex::new((0, 0));

impl Provider {
    /// The provider named `name`, a vendor's declared name (lower-case ASCII letters, digits,
    /// `_` or `-`). Vendor crates call it once ([`crate::registry::Registered`] keeps the
    /// result); it panics only past 192 distinct declared names, a build with that many vendor
    /// crates.
    pub fn named(name: &'static str) -> Provider {
        match Provider::register(name, || name, false) {
            Ok(p) => p,
            Err(e) => panic!("provider {name:?}: {}", e.message()),
        }
    }

    /// The provider's name as used in JSON and config.
    pub fn as_str(self) -> &'static str {
        NAMES[usize::from(self.0)]
            .get()
            .copied()
            .unwrap_or_default()
    }

    /// The provider named `name`, for a name read at run time (a deserialized [`Share`]). Each
    /// distinct name is stored once for the life of the process; at most
    /// [`MAX_INTERNED_PROVIDERS`] names are added this way, so that input cannot grow the table
    /// without bound.
    pub fn intern(name: &str) -> crate::Result<Provider> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !valid {
            return Err(crate::Error::invalid_request(
                "a provider name is 1 to 64 lower-case letters, digits, '_' or '-'",
            ));
        }
        Provider::register(name, || Box::leak(name.to_owned().into_boxed_str()), true)
    }

    fn register(
        name: &str,
        stored: impl FnOnce() -> &'static str,
        runtime: bool,
    ) -> crate::Result<Provider> {
        let mut count = REGISTERED.lock().unwrap_or_else(|p| p.into_inner());
        let (all, from_input) = *count;
        if let Some(i) = (0..all).find(|&i| NAMES[i].get().is_some_and(|n| *n == name)) {
            return Ok(Provider(i as u8));
        }
        let full = match runtime {
            true => from_input >= MAX_INTERNED_PROVIDERS,
            false => all - from_input >= NAME_SLOTS - MAX_INTERNED_PROVIDERS,
        };
        if full || all >= NAME_SLOTS {
            return Err(crate::Error::invalid_request(
                "too many distinct provider names",
            ));
        }
        let _ = NAMES[all].set(stored());
        *count = (all + 1, from_input + usize::from(runtime));
        Ok(Provider(all as u8))
    }
}

impl PartialEq for Provider {
    fn eq(&self, other: &Self) -> bool {
        // One slot per distinct name.
        self.0 == other.0
    }
}

impl Eq for Provider {}

impl std::hash::Hash for Provider {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl PartialOrd for Provider {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Provider {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Provider").field(&self.as_str()).finish()
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Provider {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Provider {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = CompactString::deserialize(deserializer)?;
        Provider::intern(&name).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

#[cfg(feature = "utoipa")]
impl utoipa::PartialSchema for Provider {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "The vendor's name, as in the account's `provider` key.",
            ))
            .into()
    }
}

#[cfg(feature = "utoipa")]
impl utoipa::ToSchema for Provider {}

/// Normalized state of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShareStatus {
    /// The link works.
    Active,
    /// Past its expiry time or out of downloads.
    Expired,
    /// The shared file or folder was deleted.
    SourceDeleted,
    /// The vendor reports the link invalid for another reason.
    Invalid,
}

impl ShareStatus {
    /// The status as used in JSON and query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareStatus::Active => "active",
            ShareStatus::Expired => "expired",
            ShareStatus::SourceDeleted => "source_deleted",
            ShareStatus::Invalid => "invalid",
        }
    }

    /// Every status, in a stable order.
    pub const ALL: [ShareStatus; 4] = [
        ShareStatus::Active,
        ShareStatus::Expired,
        ShareStatus::SourceDeleted,
        ShareStatus::Invalid,
    ];
}

/// Who may open a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone holding the link.
    Anyone,
    /// Users of the same organization.
    Organization,
    /// Named users, departments or groups.
    Restricted,
}

impl Audience {
    /// The audience as used in JSON and query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Anyone => "anyone",
            Audience::Organization => "organization",
            Audience::Restricted => "restricted",
        }
    }
}

/// What kind of thing is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// One file.
    File,
    /// One folder.
    Folder,
    /// Several files.
    Multiple,
    /// The vendor does not say.
    Unknown,
}

/// Per-link permissions; `None` means the vendor does not report that permission.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Permissions {
    /// Visitors may preview.
    pub preview: Option<bool>,
    /// Visitors may download.
    pub download: Option<bool>,
    /// Visitors may edit.
    pub edit: Option<bool>,
}

/// Counters; `None` means the vendor does not report it (never invented as 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Times the link was opened.
    pub views: Option<u64>,
    /// Times content was downloaded through the link.
    pub downloads: Option<u64>,
    /// Times content was saved into another drive.
    pub saves: Option<u64>,
}

/// One shared file, where the vendor lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SourceFile {
    /// The vendor's file id.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub id: CompactString,
    /// File name.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub name: CompactString,
    /// Size in bytes, when reported.
    pub size: Option<u64>,
    /// MIME type, when reported.
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub mime_type: Option<CompactString>,
}

/// What is shared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Source {
    /// File, folder, several files, or unknown.
    pub kind: SourceKind,
    /// The vendor's URI of the source, when it has one (Cloudreve `cloudreve://…`).
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub uri: Option<CompactString>,
    /// The shared files, where the vendor lists them.
    #[serde(default)]
    pub files: Vec<SourceFile>,
}

impl Default for Source {
    fn default() -> Self {
        Source {
            kind: SourceKind::Unknown,
            uri: None,
            files: Vec::new(),
        }
    }
}

/// The owner of a link, when the vendor reports one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Owner {
    /// The vendor's user id.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub id: CompactString,
    /// Display name.
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub name: Option<CompactString>,
    /// E-mail address, when visible.
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub email: Option<CompactString>,
}

/// The unified share link.
///
/// `Serialize` writes the redacted form (no `password`, `url` without an embedded access
/// code); use [`Share::view`] to choose.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Share {
    /// `{account}:{native_id}`.
    #[cfg_attr(feature = "utoipa", schema(value_type = String, example = "hq:g2guA"))]
    pub id: ShareId,
    /// Configured account name.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub account: CompactString,
    /// Vendor kind.
    pub provider: Provider,
    /// The vendor's own id, as a string.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub native_id: CompactString,
    /// Display name.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub name: CompactString,
    /// The link a person opens, without any embedded access code, as the vendor gave it.
    /// Served only when it is an `http`/`https` URL ([`is_servable_url`]); anything else
    /// (`javascript:`, `data:`, …) is sent as `null` and the record counts as damaged.
    #[serde(deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub url: CompactString,
    /// The link with the access code embedded, where the vendor makes one (Cloudreve
    /// `/s/{id}/{password}`). Sent as `url` only when secrets are revealed.
    #[serde(default, skip_serializing)]
    pub secret_url: Option<Secret>,
    /// Vendor short code.
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub short_code: Option<CompactString>,
    /// Normalized state.
    pub status: ShareStatus,
    /// Who may open the link.
    pub audience: Audience,
    /// An access code is needed; `None` = the vendor did not say (never guessed as `false`).
    pub password_protected: Option<bool>,
    /// The access code. Never serialized by `Share` itself: see [`Share::view`].
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub password: Option<Secret>,
    /// Creation time (UTC).
    pub created_at: Option<DateTime<Utc>>,
    /// Expiry time (UTC); `None` = never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Permissions; each `None` when not reported.
    pub permissions: Permissions,
    /// Counters; each `None` when not reported.
    pub stats: Stats,
    /// Downloads left before the link dies.
    pub remaining_downloads: Option<i64>,
    /// What is shared.
    pub source: Source,
    /// The owner, when reported.
    pub owner: Option<Box<Owner>>,
    /// The share message.
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub comment: Option<CompactString>,
    /// Vendor fields with no unified home, under their vendor names.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub vendor: VendorFields,
}

/// Reads the served `url` back: `null` (a URL that was not servable) becomes the empty string,
/// which is not servable either.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<CompactString, D::Error> {
    Ok(Option::<CompactString>::deserialize(d)?.unwrap_or_default())
}

/// Whether a vendor URL may be served: it starts with `http://` or `https://` (any case).
/// Every other scheme (`javascript:`, `data:`, `file:`, a relative or blank value) would be
/// followed by a dashboard, a spreadsheet or a script that trusts the gateway's `url`.
pub fn is_servable_url(url: &str) -> bool {
    let b = url.as_bytes();
    let starts =
        |prefix: &[u8]| b.len() > prefix.len() && b[..prefix.len()].eq_ignore_ascii_case(prefix);
    starts(b"http://") || starts(b"https://")
}

impl Share {
    /// Sets the access code the caller just gave on a create or update, for vendors whose
    /// answer does not carry it (Nextcloud answers its hash, older Seafile servers nothing):
    /// the answer to that call shows it; a later read from the vendor does not.
    pub fn echo_password(&mut self, password: Option<&Secret>) {
        if let Some(p) = password {
            self.password_protected = Some(true);
            self.password = Some(p.clone());
        }
    }

    /// Whether both the public and the secret URL may be served ([`is_servable_url`]); a
    /// record for which this is false is counted as damaged where records are stored.
    pub fn has_servable_urls(&self) -> bool {
        is_servable_url(&self.url)
            && self
                .secret_url
                .as_ref()
                .is_none_or(|s| is_servable_url(s.expose()))
    }

    /// A serializable view of this share that includes `password` (and the `url` with the
    /// access code embedded) only when `reveal_secrets` is true.
    pub fn view(&self, reveal_secrets: bool) -> ShareView<'_> {
        ShareView {
            share: self,
            reveal_secrets,
        }
    }
}

impl Serialize for Share {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.view(false).serialize(serializer)
    }
}

/// A [`Share`] as sent to a client, with or without its secrets.
#[derive(Clone, Copy)]
pub struct ShareView<'a> {
    share: &'a Share,
    reveal_secrets: bool,
}

impl ShareView<'_> {
    /// The `url` this view shows; `None` when the vendor's URL is not `http`/`https`
    /// ([`is_servable_url`]).
    pub fn url(&self) -> Option<&str> {
        let url = match (&self.share.secret_url, self.reveal_secrets) {
            (Some(secret), true) => secret.expose(),
            _ => &self.share.url,
        };
        is_servable_url(url).then_some(url)
    }

    /// The `password` this view shows.
    pub fn password(&self) -> Option<&str> {
        if self.reveal_secrets {
            self.share.password.as_ref().map(Secret::expose)
        } else {
            None
        }
    }
}

/// The wire form, borrowed field by field so that no clone is needed to redact.
#[derive(Serialize)]
struct Repr<'a> {
    id: &'a ShareId,
    account: &'a str,
    provider: Provider,
    native_id: &'a str,
    name: &'a str,
    url: Option<&'a str>,
    short_code: &'a Option<CompactString>,
    status: ShareStatus,
    audience: Audience,
    password_protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    created_at: &'a Option<DateTime<Utc>>,
    expires_at: &'a Option<DateTime<Utc>>,
    permissions: &'a Permissions,
    stats: &'a Stats,
    remaining_downloads: Option<i64>,
    source: &'a Source,
    owner: &'a Option<Box<Owner>>,
    comment: &'a Option<CompactString>,
    vendor: &'a VendorFields,
}

impl Serialize for ShareView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.share;
        Repr {
            id: &s.id,
            account: &s.account,
            provider: s.provider,
            native_id: &s.native_id,
            name: &s.name,
            url: self.url(),
            short_code: &s.short_code,
            status: s.status,
            audience: s.audience,
            password_protected: s.password_protected,
            password: self.password(),
            created_at: &s.created_at,
            expires_at: &s.expires_at,
            permissions: &s.permissions,
            stats: &s.stats,
            remaining_downloads: s.remaining_downloads,
            source: &s.source,
            owner: &s.owner,
            comment: &s.comment,
            vendor: &s.vendor,
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::AccountName;
    use serde_json::{json, Value};

    pub(crate) fn sample() -> Share {
        let account = AccountName::new("hq").unwrap();
        Share {
            id: ShareId::new(&account, "g2guA").unwrap(),
            account: "hq".into(),
            provider: Provider::named("cloudreve"),
            native_id: "g2guA".into(),
            name: "Inspirations".into(),
            url: "http://localhost:5173/s/g2guA".into(),
            secret_url: Some(Secret::new("http://localhost:5173/s/g2guA/gcqzfaze")),
            short_code: Some("g2guA".into()),
            status: ShareStatus::Active,
            audience: Audience::Anyone,
            password_protected: Some(true),
            password: Some(Secret::new("gcqzfaze")),
            created_at: Some("2025-06-10T08:16:39Z".parse().unwrap()),
            expires_at: None,
            permissions: Permissions::default(),
            stats: Stats {
                views: Some(0),
                downloads: Some(0),
                saves: None,
            },
            remaining_downloads: None,
            source: Source {
                kind: SourceKind::Folder,
                uri: None,
                files: vec![],
            },
            owner: Some(Box::new(Owner {
                id: "bnUn".into(),
                name: Some("Luke Skywalker".into()),
                email: Some("luke@skywalker.com".into()),
            })),
            comment: None,
            vendor: json!({"price": 20}).as_object().unwrap().clone().into(),
        }
    }

    #[test]
    fn providers_are_names_stored_once() {
        let a = Provider::named("zeta-vendor");
        let b = Provider::intern("zeta-vendor").unwrap();
        let c = Provider::named("alpha-vendor");
        assert_eq!(a, b);
        assert_eq!(std::mem::size_of::<Provider>(), 1);
        assert!(c < a, "ordered by name, not by registration");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"zeta-vendor\"");
        let back: Provider = serde_json::from_str("\"alpha-vendor\"").unwrap();
        assert_eq!((back, back.as_str()), (c, "alpha-vendor"));
        assert_eq!(
            format!("{a} {a:?}"),
            "zeta-vendor Provider(\"zeta-vendor\")"
        );
        assert!(Provider::intern("Not A Name").is_err());
        assert!(serde_json::from_str::<Provider>("\"\"").is_err());
    }

    #[test]
    fn the_stored_form_stays_compact() {
        // Every cached share costs this much plus its long text (docs/memory.md): a field
        // added carelessly (a `Map`, an unboxed rarely-set struct) shows up here first.
        assert!(
            std::mem::size_of::<Share>() <= 400,
            "{}",
            std::mem::size_of::<Share>()
        );
        let s = sample();
        assert!(!s.native_id.is_heap_allocated() && !s.account.is_heap_allocated());
    }

    #[test]
    fn serializes_as_the_contract_example() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(v["id"], "hq:g2guA");
        assert_eq!(v["provider"], "cloudreve");
        assert_eq!(v["status"], "active");
        assert_eq!(v["audience"], "anyone");
        assert_eq!(v["created_at"], "2025-06-10T08:16:39Z");
        assert_eq!(v["expires_at"], Value::Null);
        assert_eq!(
            v["permissions"],
            json!({"preview": null, "download": null, "edit": null})
        );
        assert_eq!(
            v["source"],
            json!({"kind": "folder", "uri": null, "files": []})
        );
        assert_eq!(v["vendor"], json!({"price": 20}));
    }

    #[test]
    fn null_counters_stay_null_and_zero_stays_zero() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            v["stats"],
            json!({"views": 0, "downloads": 0, "saves": null})
        );
        let back: Share = serde_json::from_value(v).unwrap();
        assert_eq!(back.stats.saves, None);
        assert_eq!(back.stats.views, Some(0));
    }

    #[test]
    fn password_is_omitted_unless_revealed() {
        let share = sample();
        let plain = serde_json::to_value(&share).unwrap();
        assert!(plain.get("password").is_none());
        // Neither the password field nor the URL leaks the access code.
        assert!(!plain.to_string().contains("gcqzfaze"), "{plain}");
        let hidden = serde_json::to_value(share.view(false)).unwrap();
        assert_eq!(hidden, plain);
        assert_eq!(hidden["password_protected"], true);
        assert_eq!(hidden["url"], "http://localhost:5173/s/g2guA");
        let shown = serde_json::to_value(share.view(true)).unwrap();
        assert_eq!(shown["password"], "gcqzfaze");
        assert_eq!(shown["url"], "http://localhost:5173/s/g2guA/gcqzfaze");
        // A view of a share without a password has no key even when revealing.
        let mut open = share.clone();
        open.password = None;
        assert!(serde_json::to_value(open.view(true))
            .unwrap()
            .get("password")
            .is_none());
        // Debug never prints it.
        assert!(!format!("{share:?}").contains("gcqzfaze"));
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let mut share = sample();
        share.secret_url = None;
        let json = serde_json::to_string(&share.view(true)).unwrap();
        let back: Share = serde_json::from_str(&json).unwrap();
        assert_eq!(back, share);
        // The redacted form round-trips to the same share minus its secrets.
        let back: Share = serde_json::from_str(&serde_json::to_string(&share).unwrap()).unwrap();
        assert_eq!(back.password, None);
        assert_eq!(back.name, share.name);
    }

    #[test]
    fn only_http_urls_are_served() {
        for ok in [
            "http://x",
            "https://drive.example/s/a",
            "HTTPS://X/y",
            "Http://x",
        ] {
            assert!(is_servable_url(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript://%0aalert(1)",
            "data:text/html,<script>",
            "file:///etc/passwd",
            "vbscript:x",
            " https://x",
            "https:x",
            "http://",
            "//evil.example/x",
            "/s/abc",
            "",
        ] {
            assert!(!is_servable_url(bad), "{bad:?}");
        }
        let mut share = sample();
        assert!(share.has_servable_urls());
        share.url = "javascript:alert(document.cookie)".into();
        assert!(!share.has_servable_urls());
        assert_eq!(serde_json::to_value(&share).unwrap()["url"], Value::Null);
        // The secret URL is shown when revealed, and it is checked on its own.
        assert_eq!(
            serde_json::to_value(share.view(true)).unwrap()["url"],
            "http://localhost:5173/s/g2guA/gcqzfaze"
        );
        share.url = "http://localhost:5173/s/g2guA".into();
        share.secret_url = Some(Secret::new("javascript:alert(1)"));
        assert!(!share.has_servable_urls());
        assert_eq!(
            serde_json::to_value(share.view(true)).unwrap()["url"],
            Value::Null
        );
        assert_eq!(
            serde_json::to_value(share.view(false)).unwrap()["url"],
            "http://localhost:5173/s/g2guA"
        );
        // A served `null` reads back as a URL that is still not served.
        share.url = "data:x".into();
        let back: Share = serde_json::from_value(serde_json::to_value(&share).unwrap()).unwrap();
        assert_eq!(back.url, "");
        assert_eq!(back.view(false).url(), None);
    }
}
