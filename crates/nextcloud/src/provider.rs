//! [`NextcloudProvider`]: the [`ShareProvider`] of one Nextcloud / ownCloud account.

use crate::client::{Call, Client};
use crate::config::{NextcloudConfig, ServerZone};
use crate::dto::perm;
use crate::mapping::{map_share, Mapped};
use crate::ocs::{decode, plain, single, ListSeed};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use unishare_core::capabilities::{AudienceSet, PasswordRule, SourceForm};
use unishare_core::retry::Idempotency;
use unishare_core::{
    AccountName, CallContext, Capabilities, CreateShare, Error, Page, PageCursor, Patch,
    PermissionsInput, Provider, Result, RevokeOutcome, Share, ShareProvider, SourceInput,
    UpdateShare,
};

/// What the OCS Share API lets a public link do (`docs/vendors/nextcloud.md` §4). Limits the
/// administrator sets (enforced passwords, enforced or capped expiry, password policy) are not
/// known in advance: the server's refusal is returned as it says it.
pub const CAPABILITIES: Capabilities = Capabilities {
    source_form: SourceForm::Uri,
    audiences: AudienceSet {
        anyone: true,
        organization: false,
        restricted: false,
    },
    create_with_password: true,
    password_rule: PasswordRule::ServerPolicy { max: 200 },
    create_with_expiry: true,
    expiry_required: false,
    never_expires: true,
    expiry_max_days: None,
    create_with_max_downloads: false,
    create_with_comment: true,
    comment_max_chars: None,
    create_with_permissions: true,
    update_password: true,
    update_expiry: true,
    update_max_downloads: false,
    update_comment: true,
    update_permissions: true,
    revoke_batch_max: 1,
    reports_views: false,
    reports_downloads: false,
    reports_saves: false,
    reports_permissions: true,
    site_inventory: false,
};

/// Permissions of a link that visitors may edit (public upload): read | create | update | delete.
const EDIT_BITS: i64 = perm::READ | perm::CREATE | perm::UPDATE | perm::DELETE;

/// The provider of one Nextcloud account.
pub struct NextcloudProvider {
    account: AccountName,
    zone: ServerZone,
    client: Client,
}

impl NextcloudProvider {
    /// Builds the provider (no network call).
    pub fn new(config: NextcloudConfig) -> Result<Self> {
        let client = Client::new(
            config.account.clone(),
            &config.base_url,
            config.auth,
            config.policy,
        )?;
        Ok(NextcloudProvider {
            account: config.account,
            zone: config.zone,
            client,
        })
    }

    /// `GET /shares/{id}`, as the server's record; not-a-link is `NotFound`.
    async fn fetch(&self, op: &'static str, native_id: &str) -> Result<Share> {
        check_id(native_id)?;
        let call = Call {
            op,
            method: Method::GET,
            id: Some(native_id),
            form: Vec::new(),
            idempotency: Idempotency::Idempotent,
        };
        self.client
            .call(&call, |status, ra, body| {
                let data: &RawValue = decode(op, status, ra, body, plain::<&RawValue>())?;
                self.map_one(single(data)?, Utc::now())
            })
            .await
    }

    fn map_one(&self, rec: crate::dto::OcsShare<'_>, now: DateTime<Utc>) -> Result<Share> {
        match map_share(&self.account, rec, self.zone, now) {
            Ok(Mapped::Link(share)) => Ok(*share),
            Ok(Mapped::NotALink) => Err(Error::not_found(
                "that Nextcloud share is not a public link",
            )),
            Err(skip) => Err(Error::upstream_protocol(format!(
                "Nextcloud share answer cannot be mapped: {}",
                skip.reason
            ))),
        }
    }

    /// A write (`POST /shares`, `PUT /shares/{id}`) whose answer is the share.
    async fn write(&self, call: Call<'_>) -> Result<Share> {
        let op = call.op;
        self.client
            .call(&call, |status, ra, body| {
                let data: &RawValue = decode(op, status, ra, body, plain::<&RawValue>())?;
                self.map_one(single(data)?, Utc::now())
            })
            .await
    }

    /// `expireDate` for `at`: the server keeps a date and expires the link at its local
    /// midnight (`parseDate` sets the time to 00:00:00), so the date sent is the one whose
    /// midnight is the first at or after `at` (never earlier than asked, at most a day later;
    /// a date of today would be refused as "in the past").
    fn expire_date(&self, at: DateTime<Utc>) -> String {
        self.zone.expiry_date_for(at).format("%Y-%m-%d").to_string()
    }
}

#[async_trait]
impl ShareProvider for NextcloudProvider {
    fn provider(&self) -> Provider {
        crate::provider()
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// The whole list in one answer: the OCS Share API does not page.
    async fn list_page(&self, cursor: Option<&PageCursor>, _ctx: &CallContext) -> Result<Page> {
        if cursor.is_some() {
            return Err(Error::invalid_request(
                "Nextcloud lists every share in one answer: there is no next page",
            ));
        }
        let call = Call {
            op: "list",
            method: Method::GET,
            id: None,
            form: Vec::new(),
            idempotency: Idempotency::Idempotent,
        };
        let (account, zone) = (&self.account, self.zone);
        let page = self
            .client
            .call(&call, |status, ra, body| {
                let seed = ListSeed {
                    account,
                    zone,
                    now: Utc::now(),
                };
                decode("list", status, ra, body, seed)
            })
            .await?;
        for skip in &page.skipped {
            tracing::warn!(account = %self.account, native_id = ?skip.native_id, reason = %skip.reason, "skipped a Nextcloud share record");
        }
        Ok(page)
    }

    async fn get(&self, native_id: &str, _ctx: &CallContext) -> Result<Share> {
        self.fetch("get", native_id).await
    }

    fn check_native_id(&self, native_id: &str) -> Result<()> {
        check_id(native_id)
    }

    async fn create(&self, req: &CreateShare, _ctx: &CallContext) -> Result<Share> {
        CAPABILITIES.check_create(req, Utc::now())?;
        let SourceInput::Uri { uri } = &req.source else {
            return Err(Error::invalid_request(
                "Nextcloud shares a path: send {\"source\": {\"uri\": \"/Documents/report.pdf\"}}",
            ));
        };
        let mut form: Vec<(&'static str, String)> = vec![
            ("path", uri.trim().to_owned()),
            ("shareType", "3".to_owned()),
        ];
        if let Some(p) = &req.password {
            form.push(("password", p.expose().to_owned()));
        }
        if let Some(at) = req.expires_at {
            form.push(("expireDate", self.expire_date(at)));
        }
        if let Some(note) = &req.comment {
            form.push(("note", note.clone()));
        }
        if let Some(p) = &req.permissions {
            if p.download == Some(false) {
                return Err(Error::unsupported(
                    "create_with_permissions",
                    "Nextcloud cannot hide downloads when the link is created; create it, then update permissions.download",
                ));
            }
            if let Some(bits) = permission_bits(p, "create_with_permissions")? {
                form.push(("permissions", bits.to_string()));
            }
        }
        push_vendor(&mut form, &req.vendor)?;
        let mut share = self
            .write(Call {
                op: "create",
                method: Method::POST,
                id: None,
                form,
                idempotency: Idempotency::NonIdempotent,
            })
            .await?;
        share.echo_password(req.password.as_ref());
        Ok(share)
    }

    async fn update(
        &self,
        native_id: &str,
        req: &UpdateShare,
        _ctx: &CallContext,
    ) -> Result<Share> {
        CAPABILITIES.check_update(req, Utc::now())?;
        let mut form: Vec<(&'static str, String)> = Vec::new();
        match &req.password {
            Patch::Unchanged => {}
            Patch::Clear => form.push(("password", String::new())),
            Patch::Set(p) => form.push(("password", p.expose().to_owned())),
        }
        match &req.expires_at {
            Patch::Unchanged => {}
            // `""` clears the expiry (`updateShare`: `$expireDate === ''`).
            Patch::Clear => form.push(("expireDate", String::new())),
            Patch::Set(at) => form.push(("expireDate", self.expire_date(*at))),
        }
        match &req.comment {
            Patch::Unchanged => {}
            Patch::Clear => form.push(("note", String::new())),
            Patch::Set(c) => form.push(("note", c.clone())),
        }
        if let Some(p) = &req.permissions {
            if let Some(bits) = permission_bits(p, "update_permissions")? {
                form.push(("permissions", bits.to_string()));
            }
            if let Some(download) = p.download {
                form.push(("hideDownload", (!download).to_string()));
            }
        }
        push_vendor(&mut form, &req.vendor)?;
        // A PUT on a user or group share would change it: only a public link may be updated.
        self.fetch("update", native_id).await?;
        let mut share = self
            .write(Call {
                op: "update",
                method: Method::PUT,
                id: Some(native_id),
                form,
                idempotency: Idempotency::Idempotent,
            })
            .await?;
        if let Patch::Set(p) = &req.password {
            share.echo_password(Some(p));
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
            // Refused credentials before anything was revoked: nothing can be attempted.
            if let Err(e) = &result {
                if out.is_empty() && e.kind() == unishare_core::ErrorKind::UpstreamAuth {
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

impl NextcloudProvider {
    async fn revoke_one(&self, native_id: &str) -> Result<()> {
        // A DELETE on a user or group share would remove it: only a public link may be revoked.
        self.fetch("revoke", native_id).await?;
        let call = Call {
            op: "revoke",
            method: Method::DELETE,
            id: Some(native_id),
            form: Vec::new(),
            idempotency: Idempotency::Idempotent,
        };
        self.client
            .call(&call, |status, ra, body| {
                decode("revoke", status, ra, body, plain::<serde::de::IgnoredAny>()).map(drop)
            })
            .await
    }
}

/// Share ids are the server's decimal database ids (`oc_share.id`; the OCS API takes them
/// as one path segment): 1 to 20 ASCII digits. Anything else is a 400 before any vendor call.
pub fn check_id(native_id: &str) -> Result<()> {
    unishare_core::id::check_native_form(
        native_id,
        20,
        u8::is_ascii_digit,
        "Nextcloud",
        "decimal digits",
    )
}

/// The bit field for `edit` (`true`: public upload; `false`: read only); `None` when `edit` is
/// not given. Previews cannot be turned off without turning off downloads too (`capability`
/// names the refusal).
fn permission_bits(p: &PermissionsInput, capability: &'static str) -> Result<Option<i64>> {
    if p.preview == Some(false) {
        return Err(Error::unsupported(
            capability,
            "Nextcloud links always allow previews (permissions.preview = false is not possible)",
        ));
    }
    Ok(p.edit.map(|edit| if edit { EDIT_BITS } else { perm::READ }))
}

/// Vendor options: `label` (a string up to 255 bytes).
fn push_vendor(form: &mut Vec<(&'static str, String)>, vendor: &Map<String, Value>) -> Result<()> {
    for (key, value) in vendor {
        match (key.as_str(), value) {
            ("label", Value::String(label)) => form.push(("label", label.clone())),
            ("label", _) => return Err(Error::invalid_request("vendor.label must be a string")),
            (other, _) => {
                return Err(Error::invalid_request(format!(
                    "unknown Nextcloud vendor option {other:?} (known: \"label\")"
                )))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_id;
    use unishare_core::ErrorKind;

    #[test]
    fn ids_are_digits_and_path_tricks_are_400() {
        for ok in ["1", "42", &"9".repeat(20)] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "1/2",
            "1%2F2",
            "pending",
            "-1",
            "1?format=xml",
            &"1".repeat(21),
        ] {
            let e = check_id(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{bad:?}");
        }
    }
}
