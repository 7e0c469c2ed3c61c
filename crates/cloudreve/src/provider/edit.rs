//! Creating and editing shares: `PUT /share` and `POST /share/{id}` (`vendors/cloudreve-v4.md`
//! §3.2, §3.3, §3.7; `docs/vendors/cloudreve.md`).
//!
//! An edit replaces every limit and prop (`inventory/share.go` `Upsert`: no `downloads` clears
//! the limit, no `expire` clears the expiry, `share_view`/`show_readme` absent = false), so it
//! resends what does not change. It needs the URI of the share's own file and has no validity
//! check, so an expired link can be re-armed; the current state comes from the owner's view
//! while the link is valid and from the gateway's copy once it is not.

use super::{CloudreveProvider, Req, VENDOR_OPTIONS};
use crate::capabilities::CAPABILITIES;
use crate::client::from_data;
use crate::dto::ShareUpsertRequest;
use crate::error::is_link_expired;
use crate::mapping::parse_share_url;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Map, Value};
use unishare_core::retry::Idempotency;
use unishare_core::{
    Audience, CallContext, CreateShare, Error, ErrorKind, Inventory, Owner, Patch, Permissions,
    Secret, Share, ShareId, ShareStatus, Source, SourceInput, SourceKind, Stats, UpdateShare,
    VendorFieldsBuilder,
};

impl CloudreveProvider {
    /// `PUT /share`, then the new share read back with the code from the returned URL.
    pub(super) async fn create_share(
        &self,
        req: &CreateShare,
        ctx: &CallContext,
    ) -> Result<Share, Error> {
        let now = Utc::now();
        CAPABILITIES
            .check_create(req, now)
            .map_err(self.context("create"))?;
        let SourceInput::Uri { uri } = &req.source else {
            return Err(self.context("create")(Error::invalid_request(
                "Cloudreve sources are URIs: send {\"source\": {\"uri\": \"cloudreve://my/...\"}}",
            )));
        };
        let uri = uri.trim();
        let (share_view, show_readme) =
            vendor_flags(&req.vendor, (false, false)).map_err(self.context("create"))?;
        let body = ShareUpsertRequest {
            uri,
            is_private: req.password.is_some(),
            password: req.password.as_ref().map(Secret::expose).unwrap_or(""),
            downloads: req.max_downloads.map(i64::from).unwrap_or(0),
            expire: req.expires_at.map(|at| seconds_until(at, now)).unwrap_or(0),
            share_view,
            show_readme,
        };
        let data = self
            .call(
                "create",
                Idempotency::NonIdempotent,
                Req {
                    method: Method::PUT,
                    path: &["share"],
                    query: &[],
                    body: Some(&body),
                },
                ctx,
            )
            .await?;
        let vendor_url = data
            .as_deref()
            .and_then(|d| from_data::<String>(Some(d)).ok())
            .ok_or_else(|| {
                self.context("create")(Error::upstream_protocol(
                    "create answered without the share URL",
                ))
            })?;
        let Some(parsed) = parse_share_url(&vendor_url) else {
            return Err(self.context("create")(Error::upstream_protocol(format!(
                "create answered a URL without /s/{{id}}: {vendor_url:?}"
            ))));
        };
        let code = parsed.password.as_deref();
        match self.read_share(&parsed.id, code, None, "create", ctx).await {
            Ok(share) => Ok(share),
            Err(e) => {
                tracing::warn!(
                    account = %self.account,
                    native_id = %parsed.id,
                    error = %e,
                    "share created but reading it back failed; returning what the request said"
                );
                self.provisional(&parsed.id, &vendor_url, req, uri)
                    .map_err(self.context("create"))
            }
        }
    }

    /// `POST /share/{id}` with the share's own URI and every limit and prop, then the share
    /// read back.
    pub(super) async fn edit_share(
        &self,
        native_id: &str,
        req: &UpdateShare,
        ctx: &CallContext,
    ) -> Result<Share, Error> {
        CAPABILITIES
            .check_update(req, Utc::now())
            .map_err(self.context("update"))?;
        let known = ctx
            .known
            .as_ref()
            .filter(|k| k.native_id == native_id && k.account == self.account.as_str());
        let code = known.and_then(|k| k.password.as_ref()).map(Secret::expose);
        let current = match self.owner_view(native_id, code, "update", ctx).await {
            Ok(share) => share,
            Err(e) if is_link_expired(&e) => match known {
                Some(k) => k.clone(),
                None => return Err(self.context("update")(unknown_uri(native_id))),
            },
            Err(e) => return Err(e),
        };
        let Some(uri) = current.source.uri.as_deref().filter(|u| !u.is_empty()) else {
            if self.inventory == Inventory::Site {
                return Err(self.context("update")(not_the_owner(native_id)));
            }
            return Err(self.context("update")(unknown_uri(native_id)));
        };
        let flags = current.vendor.to_map();
        let flag = |key: &str| flags.get(key).and_then(Value::as_bool).unwrap_or(false);
        let (share_view, show_readme) =
            vendor_flags(&req.vendor, (flag("share_view"), flag("show_readme")))
                .map_err(self.context("update"))?;
        let now = Utc::now();
        let downloads = match req.max_downloads {
            Patch::Set(n) => i64::from(n),
            Patch::Clear => 0,
            Patch::Unchanged => match current.remaining_downloads {
                Some(n) if n > 0 => n,
                // 0 would clear the limit, reviving an exhausted share.
                Some(_) => {
                    return Err(self.context("update")(Error::new(
                        ErrorKind::Conflict,
                        "the share has no downloads left: set max_downloads to change it",
                    )))
                }
                None => 0,
            },
        };
        let expires_at = match req.expires_at {
            Patch::Set(at) => Some(at),
            Patch::Clear => None,
            // A past expiry stays (nearly) past: 1 s, the least the vendor takes.
            Patch::Unchanged => current.expires_at,
        };
        let password = current.password.as_ref().map(Secret::expose).unwrap_or("");
        let body = ShareUpsertRequest {
            uri,
            // Ignored by the server on edit; sent as they are so that nothing could change.
            is_private: !password.is_empty(),
            password,
            downloads,
            expire: expires_at.map(|at| seconds_until(at, now)).unwrap_or(0),
            share_view,
            show_readme,
        };
        self.call(
            "update",
            Idempotency::Idempotent,
            Req {
                method: Method::POST,
                path: &["share", native_id],
                query: &[],
                body: Some(&body),
            },
            ctx,
        )
        .await?;
        // What the share is now, should it still not be valid (a source in the trash).
        let mut expected = current.clone();
        expected.remaining_downloads = (downloads > 0).then_some(downloads);
        expected.expires_at = expires_at;
        let mut vendor = VendorFieldsBuilder::default();
        for (key, value) in flags {
            if !VENDOR_OPTIONS.contains(&key.as_str()) {
                vendor.insert_some(&key, Some(value));
            }
        }
        vendor
            .insert_some("share_view", share_view.then_some(true))
            .insert_some("show_readme", show_readme.then_some(true));
        expected.vendor = vendor.build();
        let code = current.password.as_ref().map(Secret::expose);
        self.read_share(native_id, code, Some(&expected), "update", ctx)
            .await
    }

    /// The share the vendor just created, when reading it back failed: built from the
    /// request and the returned URL so that a successful create is never reported as failed
    /// (a caller would create a duplicate).
    fn provisional(
        &self,
        native_id: &str,
        vendor_url: &str,
        req: &CreateShare,
        uri: &str,
    ) -> Result<Share, Error> {
        let parsed = parse_share_url(vendor_url);
        let password = req.password.clone().or_else(|| {
            parsed
                .as_ref()
                .and_then(|p| p.password.clone())
                .map(Secret::new)
        });
        let (url, secret_url) = match &parsed {
            Some(p) if p.password.is_some() => {
                (p.public_url.clone(), Some(Secret::new(vendor_url)))
            }
            _ => (vendor_url.to_owned(), None),
        };
        let mut vendor = VendorFieldsBuilder::default();
        for key in VENDOR_OPTIONS {
            vendor.insert_some(key, req.vendor.get(key));
        }
        Ok(Share {
            id: ShareId::new(&self.account, native_id)?,
            account: self.account.as_str().into(),
            provider: crate::provider(),
            native_id: native_id.into(),
            name: uri
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .into(),
            url: url.into(),
            secret_url,
            short_code: Some(native_id.into()),
            status: ShareStatus::Active,
            audience: Audience::Anyone,
            password_protected: Some(password.is_some()),
            password,
            created_at: Some(Utc::now()),
            expires_at: req.expires_at,
            permissions: Permissions::default(),
            stats: Stats {
                views: Some(0),
                downloads: Some(0),
                saves: None,
            },
            remaining_downloads: req.max_downloads.map(i64::from),
            source: Source {
                kind: SourceKind::Unknown,
                uri: Some(uri.into()),
                files: Vec::new(),
            },
            owner: None::<Box<Owner>>,
            comment: None,
            vendor: vendor.build(),
        })
    }
}

/// An edit of a share whose file URI unishare does not know and Cloudreve will not tell.
fn unknown_uri(native_id: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!(
            "Cloudreve reports share {native_id} as no longer valid and tells a share's file URI \
             only while it is valid; unishare has not seen this one's (it learns it on create \
             and on a read with refresh=true), so the edit cannot be sent"
        ),
    )
}

/// An edit of another user's share through a site administrator's account.
fn not_the_owner(native_id: &str) -> Error {
    Error::new(
        ErrorKind::Forbidden,
        format!(
            "Cloudreve lets only a share's owner edit it (CreateOrUpdateShare: only the file's \
             owner may share it) and does not tell others the file of share {native_id}: a \
             site-wide account lists and revokes every user's links but edits only its own"
        ),
    )
}

/// Seconds from `now` to `at`, rounded up, at least 1 (the vendor's `expire`).
pub(super) fn seconds_until(at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let ms = (at - now).num_milliseconds();
    ((ms + 999) / 1000).max(1)
}

/// Reads `share_view` / `show_readme` from `req.vendor` (booleans), defaulting to `current`;
/// any other key is an invalid request naming it.
pub(super) fn vendor_flags(
    vendor: &Map<String, Value>,
    current: (bool, bool),
) -> Result<(bool, bool), Error> {
    if let Some(key) = vendor
        .keys()
        .find(|k| !VENDOR_OPTIONS.contains(&k.as_str()))
    {
        return Err(Error::invalid_request(format!(
            "unknown Cloudreve vendor option {key:?}: supported are \"share_view\" and \"show_readme\""
        )));
    }
    let flag = |key: &str, default: bool| match vendor.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Error::invalid_request(format!(
            "vendor option {key:?} must be a boolean"
        ))),
    };
    Ok((
        flag("share_view", current.0)?,
        flag("show_readme", current.1)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expire_seconds_round_up_and_are_positive() {
        let now = Utc::now();
        assert_eq!(
            seconds_until(now + chrono::Duration::milliseconds(1500), now),
            2
        );
        assert_eq!(seconds_until(now + chrono::Duration::seconds(60), now), 60);
        assert_eq!(seconds_until(now - chrono::Duration::seconds(5), now), 1);
    }

    #[test]
    fn vendor_options_are_checked() {
        let m = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(
            vendor_flags(&m(json!({})), (true, false)).unwrap(),
            (true, false)
        );
        assert_eq!(
            vendor_flags(
                &m(json!({"share_view": false, "show_readme": true})),
                (true, false)
            )
            .unwrap(),
            (false, true)
        );
        let e = vendor_flags(&m(json!({"price": 20})), (false, false)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(e.message().contains("price"));
        assert!(vendor_flags(&m(json!({"share_view": "yes"})), (false, false)).is_err());
    }
}
