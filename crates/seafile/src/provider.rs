//! [`SeafileProvider`]: the [`ShareProvider`] of one Seafile account.

use crate::client::{Answer, AnswerExt, Call, Client};
use crate::config::SeafileConfig;
use crate::dto::{list_records, LinkDto};
use crate::mapping::{map_link, parse_source_uri};
use crate::site::{self, admin_link_path, not_admin};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use unishare_core::capabilities::{AudienceSet, PasswordRule, SourceForm};
use unishare_core::{
    AccountName, CallContext, Capabilities, CreateShare, Error, ErrorKind, Inventory, Page,
    PageCursor, Patch, PermissionsInput, Provider, Result, RevokeOutcome, Share, ShareProvider,
    SourceInput, UpdateShare,
};

/// What seahub's share-link API lets a link do (`docs/vendors/seafile.md` §5–§8). Site
/// settings (forced passwords, minimum password length and strength, expiry bounds) are not
/// known in advance: the server's refusal is returned as it says it.
pub const CAPABILITIES: Capabilities = Capabilities {
    source_form: SourceForm::Uri,
    audiences: AudienceSet {
        anyone: true,
        organization: false,
        restricted: false,
    },
    create_with_password: true,
    // `FileShare.password` is a 128-character column holding the encrypted form.
    password_rule: PasswordRule::ServerPolicy { max: 64 },
    create_with_expiry: true,
    expiry_required: false,
    never_expires: true,
    expiry_max_days: None,
    create_with_max_downloads: false,
    create_with_comment: false,
    comment_max_chars: None,
    create_with_permissions: true,
    update_password: false,
    update_expiry: true,
    update_max_downloads: false,
    update_comment: false,
    update_permissions: true,
    revoke_batch_max: 1,
    reports_views: true,
    reports_downloads: false,
    reports_saves: false,
    reports_permissions: true,
    site_inventory: true,
};

const LINKS: [&str; 3] = ["api", "v2.1", "share-links"];

/// The provider of one Seafile account.
pub struct SeafileProvider {
    account: AccountName,
    inventory: Inventory,
    client: Client,
}

impl SeafileProvider {
    /// Builds the provider (no network call).
    pub fn new(config: SeafileConfig) -> Result<Self> {
        let client = Client::new(
            config.account.clone(),
            &config.base_url,
            config.auth,
            config.policy,
        )?;
        Ok(SeafileProvider {
            account: config.account,
            inventory: config.inventory,
            client,
        })
    }

    fn map_one(&self, op: &'static str, body: &[u8]) -> Result<Share> {
        let dto: LinkDto = serde_json::from_slice(body).map_err(|e| {
            Error::upstream_protocol(format!("unreadable Seafile share-link answer on {op}: {e}"))
        })?;
        map_link(&self.account, dto, Utc::now()).map_err(|skip| {
            Error::upstream_protocol(format!(
                "Seafile share-link answer cannot be mapped: {}",
                skip.reason
            ))
        })
    }

    /// One link: the admin detail for a site account, the user detail otherwise.
    async fn fetch(&self, op: &'static str, token: &str) -> Result<Share> {
        check_id(token)?;
        let path = match self.inventory {
            Inventory::Site => admin_link_path(token),
            Inventory::User => link_path(token),
        };
        let call = Call::new(op, Method::GET, path);
        self.client
            .call(&call, |a: &Answer| {
                self.map_one(op, a.ok(op).map_err(not_admin_if_site(self.inventory))?)
            })
            .await
    }

    /// `ShareLink.get` answers any token of the site (no owner check; on v4 the record even
    /// carries the password), so a user account confirms that a link it did not list is its
    /// own: the list filtered to the link's library and path (`repo_id`, `path`) holds it.
    async fn check_owned(&self, op: &'static str, share: &Share) -> Result<()> {
        let not_ours = || Error::not_found("Seafile: that link is not one of this account's");
        let (repo, path) = share
            .source
            .uri
            .as_deref()
            .and_then(parse_source_uri)
            .ok_or_else(not_ours)?;
        let mut call = Call::new(op, Method::GET, LINKS.to_vec());
        call.query = vec![("repo_id", repo.to_owned()), ("path", path.to_owned())];
        let owned = self
            .client
            .call(&call, |a: &Answer| {
                // The library or the path is gone: so is the link.
                if a.status == 404 {
                    return Ok(false);
                }
                let records = list_records(a.ok(op)?).map_err(|e| {
                    Error::upstream_protocol(format!("unreadable share-link list: {e}"))
                })?;
                Ok(records.iter().any(|raw| {
                    serde_json::from_str::<LinkDto>(raw.get())
                        .is_ok_and(|d| d.token.as_deref() == Some(share.native_id.as_str()))
                }))
            })
            .await?;
        if owned {
            Ok(())
        } else {
            Err(not_ours())
        }
    }

    async fn write(&self, call: Call<'_>) -> Result<Share> {
        let op = call.op;
        self.client
            .call(&call, |a: &Answer| self.map_one(op, a.ok(op)?))
            .await
    }

    async fn revoke_one(&self, token: &str) -> Result<()> {
        check_id(token)?;
        let path = match self.inventory {
            Inventory::Site => admin_link_path(token),
            Inventory::User => link_path(token),
        };
        let call = Call::new("revoke", Method::DELETE, path);
        self.client
            .call(&call, |a: &Answer| {
                // An unknown token is `{"success": true}` (user route, newer admin route) or a
                // 404 (first admin route): revoked or absent, either way not there.
                if a.status == 404 && self.inventory == Inventory::Site {
                    return Ok(());
                }
                a.ok("revoke").map(drop)
            })
            .await
    }
}

fn not_admin_if_site(inventory: Inventory) -> impl Fn(Error) -> Error {
    move |e| match inventory {
        Inventory::Site => not_admin(e),
        Inventory::User => e,
    }
}

fn link_path(token: &str) -> Vec<&str> {
    vec![LINKS[0], LINKS[1], LINKS[2], token]
}

#[async_trait]
impl ShareProvider for SeafileProvider {
    fn provider(&self) -> Provider {
        crate::provider()
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn inventory(&self) -> Inventory {
        self.inventory
    }

    /// User inventory: the whole list in one answer (the endpoint does not page), either
    /// shape. Site inventory: the admin listing, page by page.
    async fn list_page(&self, cursor: Option<&PageCursor>, _ctx: &CallContext) -> Result<Page> {
        let page = match self.inventory {
            Inventory::Site => site::list_page(&self.client, &self.account, cursor)
                .await
                .map_err(|e| {
                    e.in_account(self.account.as_str(), crate::provider())
                        .with_operation("list")
                })?,
            Inventory::User => {
                if cursor.is_some() {
                    return Err(Error::invalid_request(
                        "Seafile lists a user's links in one answer: there is no next page",
                    ));
                }
                let call = Call::new("list", Method::GET, LINKS.to_vec());
                self.client
                    .call(&call, |a: &Answer| {
                        let records = list_records(a.ok("list")?).map_err(|e| {
                            Error::upstream_protocol(format!("unreadable share-link list: {e}"))
                        })?;
                        let now = Utc::now();
                        let mut page = Page::default();
                        for raw in records {
                            let mapped = serde_json::from_str::<LinkDto>(raw.get())
                                .map_err(|e| unishare_core::SkippedRecord {
                                    native_id: None,
                                    reason: format!("unreadable Seafile share-link record: {e}"),
                                })
                                .and_then(|dto| map_link(&self.account, dto, now));
                            match mapped {
                                Ok(share) => page.shares.push(share),
                                Err(skip) => page.skipped.push(skip),
                            }
                        }
                        Ok(page)
                    })
                    .await?
            }
        };
        for skip in &page.skipped {
            tracing::warn!(account = %self.account, native_id = ?skip.native_id, reason = %skip.reason, "skipped a Seafile share-link record");
        }
        Ok(page)
    }

    async fn get(&self, native_id: &str, ctx: &CallContext) -> Result<Share> {
        let share = self.fetch("get", native_id).await?;
        if self.inventory == Inventory::User && ctx.known.is_none() {
            self.check_owned("get", &share).await?;
        }
        Ok(share)
    }

    fn check_native_id(&self, native_id: &str) -> Result<()> {
        check_id(native_id)
    }

    async fn create(&self, req: &CreateShare, _ctx: &CallContext) -> Result<Share> {
        CAPABILITIES.check_create(req, Utc::now())?;
        let SourceInput::Uri { uri } = &req.source else {
            return Err(Error::invalid_request(
                "Seafile shares a path in a library: send {\"source\": {\"uri\": \"seafile://{repo_id}/path\"}}",
            ));
        };
        let (repo_id, path) = parse_source_uri(uri).ok_or_else(|| {
            Error::invalid_request(
                "source.uri must be seafile://{repo_id}{path}, e.g. seafile://7f5e2b1c-0d3a-4e6f-9a8b-1c2d3e4f5a6b/Reports/q4.pdf",
            )
        })?;
        no_vendor_options(&req.vendor)?;
        let mut call = Call::new("create", Method::POST, LINKS.to_vec());
        call.form = vec![("repo_id", repo_id.to_owned()), ("path", path.to_owned())];
        if let Some(p) = &req.password {
            call.form.push(("password", p.expose().to_owned()));
        }
        if let Some(at) = req.expires_at {
            call.form.push(("expiration_time", iso(at)));
        }
        if let Some(p) = &req.permissions {
            if let Some(json) = permissions_json(p, None, "create_with_permissions")? {
                call.form.push(("permissions", json));
            }
        }
        let mut share = self.write(call).await?;
        if let Some(at) = req.expires_at {
            if !same_instant(share.expires_at, at) {
                return Err(Error::unsupported(
                    "create_with_expiry",
                    format!(
                        "this Seafile server ignored expiration_time (a release without it): link {} was created without that expiry; revoke it or set the expiry in Seafile",
                        share.native_id
                    ),
                ));
            }
        }
        share.echo_password(req.password.as_ref());
        Ok(share)
    }

    async fn update(&self, native_id: &str, req: &UpdateShare, ctx: &CallContext) -> Result<Share> {
        CAPABILITIES.check_update(req, Utc::now())?;
        check_id(native_id)?;
        no_vendor_options(&req.vendor)?;
        let mut form: Vec<(&'static str, String)> = Vec::new();
        if let Some(p) = &req.permissions {
            // The server replaces every permission (`check_permissions_arg` defaults the
            // absent ones): fill them from the link as it is now.
            let current = match &ctx.known {
                Some(known) if known.permissions.download.is_some() => known.permissions,
                _ => self.fetch("update", native_id).await?.permissions,
            };
            if let Some(json) = permissions_json(p, Some(current), "update_permissions")? {
                form.push(("permissions", json));
            }
        }
        let wanted_expiry = match &req.expires_at {
            Patch::Unchanged => None,
            Patch::Clear => {
                return Err(Error::unsupported(
                    "update_expiry",
                    "Seafile cannot remove an expiry once set (PUT takes expire_days or expiration_time only)",
                ))
            }
            Patch::Set(at) => {
                form.push(("expiration_time", iso(*at)));
                Some(*at)
            }
        };
        if form.is_empty() {
            return Err(Error::invalid_request(
                "the update changes nothing Seafile can change",
            ));
        }
        let capability = if wanted_expiry.is_some() {
            "update_expiry"
        } else {
            "update_permissions"
        };
        let mut call = Call::new("update", Method::PUT, link_path(native_id));
        call.form = form;
        let share = self.write(call).await.map_err(|e| match e.vendor_code() {
            // No `put` on the route (servers before link updates): DRF's 405.
            Some("http:405") => Error::unsupported(
                capability,
                "this Seafile server cannot update a share link (PUT answered 405)",
            ),
            _ => e,
        })?;
        if let Some(at) = wanted_expiry {
            if !same_instant(share.expires_at, at) {
                return Err(Error::unsupported(
                    "update_expiry",
                    "this Seafile server ignored the new expiry (its PUT changes permissions only)",
                ));
            }
        }
        Ok(share)
    }

    async fn revoke(
        &self,
        native_ids: &[String],
        _ctx: &CallContext,
    ) -> Result<Vec<RevokeOutcome>> {
        let mut out = Vec::with_capacity(native_ids.len());
        for id in native_ids {
            let result = self.revoke_one(id).await;
            if let Err(e) = &result {
                if out.is_empty() && e.kind() == ErrorKind::UpstreamAuth {
                    return Err(e.clone());
                }
            }
            out.push(RevokeOutcome {
                native_id: id.clone(),
                result,
            });
        }
        Ok(out)
    }
}

/// Link tokens are `gen_token` output: lowercase hex (the routes match `[a-f0-9]+`), at
/// most 100 characters (`FileShare.token`). Anything else is a 400 before any vendor call.
pub fn check_id(native_id: &str) -> Result<()> {
    unishare_core::id::check_native_form(
        native_id,
        100,
        |b| b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        "Seafile",
        "lowercase hex characters",
    )
}

/// `expiration_time`: ISO 8601 with an offset (`dateutil.parser.isoparse`), in UTC.
fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Whether the server kept `wanted` (it stores whole seconds).
fn same_instant(got: Option<DateTime<Utc>>, wanted: DateTime<Utc>) -> bool {
    got.is_some_and(|g| (g - wanted).num_seconds().abs() <= 1)
}

/// `permissions` as seahub's `check_permissions_arg` reads it (a JSON object as text):
/// `can_download` and `can_edit`, the ones not asked for taken from `current`. Previews
/// cannot be turned off: every Seafile link shows its content.
fn permissions_json(
    p: &PermissionsInput,
    current: Option<unishare_core::Permissions>,
    capability: &'static str,
) -> Result<Option<String>> {
    if p.preview == Some(false) {
        return Err(Error::unsupported(
            capability,
            "Seafile links always show their content (permissions.preview = false is not possible)",
        ));
    }
    if p.download.is_none() && p.edit.is_none() {
        return Ok(None);
    }
    let current = current.unwrap_or_default();
    let download = p.download.or(current.download).unwrap_or(true);
    let edit = p.edit.or(current.edit).unwrap_or(false);
    Ok(Some(
        serde_json::json!({"can_download": download, "can_edit": edit}).to_string(),
    ))
}

fn no_vendor_options(vendor: &serde_json::Map<String, serde_json::Value>) -> Result<()> {
    match vendor.keys().next() {
        None => Ok(()),
        Some(k) => Err(Error::invalid_request(format!(
            "unknown Seafile vendor option {k:?} (Seafile takes none)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_hex() {
        for ok in ["a", "0f3c9e2d1b", &"f".repeat(100)] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "ABC", "g1", "a/b", "..", "a b", &"a".repeat(101)] {
            assert_eq!(
                check_id(bad).unwrap_err().kind(),
                ErrorKind::InvalidRequest,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn permissions_fill_what_was_not_asked() {
        let p = PermissionsInput {
            edit: Some(true),
            ..Default::default()
        };
        let current = unishare_core::Permissions {
            preview: None,
            download: Some(false),
            edit: Some(false),
        };
        let json = permissions_json(&p, Some(current), "update_permissions")
            .unwrap()
            .unwrap();
        assert_eq!(json, r#"{"can_download":false,"can_edit":true}"#);
        let no_preview = PermissionsInput {
            preview: Some(false),
            ..Default::default()
        };
        let e = permissions_json(&no_preview, None, "create_with_permissions").unwrap_err();
        assert_eq!(e.capability(), Some("create_with_permissions"));
        assert_eq!(
            permissions_json(&PermissionsInput::default(), None, "x").unwrap(),
            None
        );
    }

    #[test]
    fn expiration_time_is_iso_with_an_offset() {
        let at: DateTime<Utc> = "2026-05-17T02:26:22Z".parse().unwrap();
        assert_eq!(iso(at), "2026-05-17T02:26:22Z");
        assert!(same_instant(Some(at), at));
        assert!(!same_instant(None, at));
    }
}
