//! [`KooDriveProvider`]: the [`ShareProvider`] of one KooDrive account.

use crate::auth::Auth;
use crate::client::{Call, Client};
use crate::config::{KooDriveConfig, MAX_PAGE_SIZE};
use crate::dto::{CreateShareBody, ListBody, ShareByMeLink, ShareLinkResponse, UpdateShareBody};
use crate::mapping;
use crate::sign::encode;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Map, Value};
use std::fmt;
use unishare_core::retry::Idempotency;
use unishare_core::{
    AccountName, Audience, AudienceSet, CallContext, Capabilities, CreateShare, Error, Page,
    PageCursor, PasswordRule, Patch, Provider, Result, RevokeOutcome, Share, ShareProvider,
    SourceForm, SourceInput, SourceKind, UpdateShare,
};

/// What an enterprise KooDrive account can do (vendor doc §3, §5, §11), as data.
///
/// Link permissions are reported (the detail has `permission`) but cannot be set: every
/// edition documents `permission` on create and update as "supported in the future", so a
/// request carrying them is refused by the central check, naming `create_with_permissions` /
/// `update_permissions`, instead of being sent and silently ignored.
pub const CAPABILITIES: Capabilities = Capabilities {
    source_form: SourceForm::FileIds,
    audiences: AudienceSet {
        anyone: true,
        organization: true,
        restricted: true,
    },
    create_with_password: true,
    password_rule: PasswordRule::ExactAlphanumeric { len: 8 },
    create_with_expiry: true,
    expiry_required: true,
    never_expires: false,
    expiry_max_days: Some(365),
    create_with_max_downloads: false,
    create_with_comment: true,
    comment_max_chars: Some(511),
    create_with_permissions: false,
    update_password: true,
    update_expiry: true,
    update_max_downloads: false,
    update_comment: true,
    update_permissions: false,
    revoke_batch_max: 100,
    reports_views: true,
    reports_downloads: true,
    reports_saves: true,
    reports_permissions: true,
    site_inventory: false,
};

/// What a carrier-edition account can do: as [`CAPABILITIES`], but the carrier `createShare`
/// takes `scope` 1 (external link) or 3 (specified users) only, so no organization-only links
/// (KD-C, vendor doc §3.1, §11).
pub const CARRIER_CAPABILITIES: Capabilities = Capabilities {
    audiences: AudienceSet {
        anyone: true,
        organization: false,
        restricted: true,
    },
    ..CAPABILITIES
};

mod revoke;

/// Most files one share may hold (KD-C `fileIds` 1–100).
const MAX_FILES: usize = 100;
/// Vendor keys accepted in `vendor` on create and update, with their KD-G limits.
const AUDIENCE_KEYS: [(&str, usize); 3] = [("userIds", 500), ("deptIds", 50), ("groupIds", 50)];

/// The [`ShareProvider`] for one KooDrive account.
pub struct KooDriveProvider {
    account: AccountName,
    base_url: String,
    auth_method: &'static str,
    page_size: u32,
    capabilities: Capabilities,
    client: Client,
}

impl fmt::Debug for KooDriveProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KooDriveProvider")
            .field("account", &self.account)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth_method)
            .field("page_size", &self.page_size)
            .field("carrier", &!self.capabilities.audiences.organization)
            .finish_non_exhaustive()
    }
}

impl KooDriveProvider {
    /// Refreshes a user-token session that has been idle for `idle` or longer (what
    /// [`ShareProvider::keep_alive`] does with 15 minutes); nothing for app signing.
    pub async fn keep_alive_if_idle_for(
        &self,
        idle: std::time::Duration,
        ctx: &CallContext,
    ) -> Result<()> {
        self.client.keep_alive(idle, ctx).await
    }

    /// Validates the configuration and builds the provider (no network call).
    pub fn new(config: KooDriveConfig) -> Result<Self> {
        if !(1..=MAX_PAGE_SIZE).contains(&config.page_size) {
            return Err(Error::invalid_request(format!(
                "koodrive page_size must be 1 to {MAX_PAGE_SIZE}, got {}",
                config.page_size
            )));
        }
        match &config.auth {
            crate::KooDriveAuth::App {
                app_id,
                app_secret,
                user_id,
            } => {
                for (key, empty) in [
                    ("app_id", app_id.trim().is_empty()),
                    ("app_secret", app_secret.is_empty()),
                    ("user_id", user_id.trim().is_empty()),
                ] {
                    if empty {
                        return Err(Error::invalid_request(format!(
                            "koodrive app auth: {key} is empty"
                        )));
                    }
                }
            }
            crate::KooDriveAuth::Token { token, session_id } => {
                if token.expose().trim().is_empty() || session_id.expose().trim().is_empty() {
                    return Err(Error::invalid_request(
                        "koodrive token auth: token and session_id must not be empty",
                    ));
                }
            }
        }
        let client = Client::new(
            config.account.clone(),
            &config.base_url,
            Auth::new(&config.auth),
            config.policy.clone(),
            config.agent_name.as_deref(),
        )
        .map_err(|e| e.in_account(config.account.as_str(), crate::provider()))?;
        Ok(KooDriveProvider {
            capabilities: if config.is_carrier() {
                CARRIER_CAPABILITIES
            } else {
                CAPABILITIES
            },
            auth_method: config.auth.method(),
            base_url: config.base_url.trim().trim_end_matches('/').to_owned(),
            account: config.account,
            page_size: config.page_size,
            client,
        })
    }

    fn ctx_err(&self, e: Error, op: &'static str) -> Error {
        e.in_account(self.account.as_str(), crate::provider())
            .with_operation(op)
    }

    fn json<T: serde::Serialize>(&self, body: &T, op: &'static str) -> Result<Vec<u8>> {
        serde_json::to_vec(body)
            .map_err(|e| self.ctx_err(Error::internal(format!("cannot encode body: {e}")), op))
    }

    fn share_path(&self, native_id: &str, op: &'static str) -> Result<String> {
        let id = native_id.trim();
        if id.is_empty() || id.contains('/') {
            return Err(self.ctx_err(
                Error::invalid_request(format!("invalid KooDrive share id {native_id:?}")),
                op,
            ));
        }
        Ok(format!("/share/{}", encode(id)))
    }

    fn map_detail(&self, resp: ShareLinkResponse, op: &'static str) -> Result<Share> {
        let raw = resp.share_link.ok_or_else(|| {
            self.ctx_err(
                Error::upstream_protocol("KooDrive answer has no shareLink"),
                op,
            )
        })?;
        mapping::map_record(&self.account, &raw, Utc::now()).map_err(|skip| {
            self.ctx_err(
                Error::upstream_protocol(format!("cannot map the share: {}", skip.reason)),
                op,
            )
        })
    }

    async fn fetch(&self, native_id: &str, op: &'static str, ctx: &CallContext) -> Result<Share> {
        let call = Call {
            op,
            method: Method::GET,
            path: self.share_path(native_id, op)?,
            query: Vec::new(),
            body: None,
            idempotency: Idempotency::Idempotent,
        };
        let resp: ShareLinkResponse = self.client.call(&call, ctx).await?;
        self.map_detail(resp, op)
    }
}

/// Takes the access code from a create or update answer (`shareLink.extractCode`, documented
/// in both) when the read-back after it did not say (`password_protected: null`): the answer
/// is the vendor's own word on the same share, a moment earlier.
fn fill_password(share: &mut Share, answer: &Share) {
    if share.password_protected.is_none() && share.native_id == answer.native_id {
        share.password_protected = answer.password_protected;
        share.password.clone_from(&answer.password);
    }
}

/// Whole days for `validDays`: `ceil((at - now) / 1 day)`, clamped to 1..=365.
pub fn valid_days(at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (at - now).num_seconds().max(0);
    ((secs + 86_399) / 86_400).clamp(1, 365)
}

fn scope_of(audience: Audience) -> u8 {
    match audience {
        Audience::Anyone => 1,
        Audience::Organization => 2,
        Audience::Restricted => 3,
    }
}

/// The `userIds` / `deptIds` / `groupIds` of `vendor`; any other key is an error.
type AudienceIds = [Option<Vec<String>>; 3];

fn audience_ids(vendor: &Map<String, Value>) -> Result<AudienceIds> {
    let unknown: Vec<&str> = vendor
        .keys()
        .map(String::as_str)
        .filter(|k| !AUDIENCE_KEYS.iter().any(|(a, _)| a == k))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::invalid_request(format!(
            "unknown KooDrive vendor option(s) {unknown:?}: accepted are \"userIds\", \"deptIds\", \"groupIds\""
        )));
    }
    let mut out: AudienceIds = [None, None, None];
    for (slot, (key, max)) in out.iter_mut().zip(AUDIENCE_KEYS) {
        let Some(v) = vendor.get(key) else { continue };
        let ids: Vec<String> = match v {
            Value::Array(items) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
                    _ => Err(()),
                })
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| {
                    Error::invalid_request(format!(
                        "vendor.{key} must be an array of non-empty strings"
                    ))
                })?,
            _ => {
                return Err(Error::invalid_request(format!(
                    "vendor.{key} must be an array of strings"
                )))
            }
        };
        if ids.len() > max {
            return Err(Error::invalid_request(format!(
                "vendor.{key} takes at most {max} ids"
            )));
        }
        *slot = (!ids.is_empty()).then_some(ids);
    }
    Ok(out)
}

#[async_trait]
impl ShareProvider for KooDriveProvider {
    fn provider(&self) -> Provider {
        crate::provider()
    }

    fn keep_alive_interval(&self) -> Option<std::time::Duration> {
        self.client
            .has_session()
            .then_some(crate::auth::KEEP_ALIVE_EVERY)
    }

    async fn keep_alive(&self, ctx: &CallContext) -> Result<()> {
        self.keep_alive_if_idle_for(crate::auth::REFRESH_AFTER, ctx)
            .await
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn check_native_id(&self, native_id: &str) -> Result<()> {
        crate::native_id::check(native_id)
    }

    async fn list_page(&self, cursor: Option<&PageCursor>, ctx: &CallContext) -> Result<Page> {
        let call = Call {
            op: "list",
            method: Method::GET,
            path: "/share".into(),
            query: vec![
                ("pageSize".into(), self.page_size.to_string()),
                (
                    "pageCursor".into(),
                    cursor.map_or_else(|| "0".to_owned(), |c| c.0.clone()),
                ),
                ("sortType".into(), "4".into()),
                ("sortDirection".into(), "2".into()),
            ],
            body: None,
            idempotency: Idempotency::Idempotent,
        };
        let resp = self
            .client
            .call_one_pass(&call, ctx, ListBody::one_pass)
            .await?;
        Ok(mapping::map_page(&self.account, resp, Utc::now()))
    }

    async fn get(&self, native_id: &str, ctx: &CallContext) -> Result<Share> {
        self.fetch(native_id, "get", ctx).await
    }

    async fn create(&self, req: &CreateShare, ctx: &CallContext) -> Result<Share> {
        let now = Utc::now();
        let op = "create";
        self.capabilities()
            .check_create(req, now)
            .map_err(|e| self.ctx_err(e, op))?;
        let SourceInput::Files {
            file_ids,
            container_id,
        } = &req.source
        else {
            return Err(self.ctx_err(Error::invalid_request("KooDrive shares file ids"), op));
        };
        if file_ids.len() > MAX_FILES {
            return Err(self.ctx_err(
                Error::invalid_request(format!(
                    "KooDrive shares at most {MAX_FILES} files per link"
                )),
                op,
            ));
        }
        let [user_ids, dept_ids, group_ids] =
            audience_ids(&req.vendor).map_err(|e| self.ctx_err(e, op))?;
        let audience = req.audience.unwrap_or(Audience::Anyone);
        let named = user_ids.is_some() || dept_ids.is_some() || group_ids.is_some();
        if audience == Audience::Restricted && !named {
            return Err(self.ctx_err(
                Error::invalid_request(
                    "audience \"restricted\" needs vendor.userIds, vendor.deptIds or vendor.groupIds",
                ),
                op,
            ));
        }
        if audience != Audience::Restricted && named {
            return Err(self.ctx_err(
                Error::invalid_request(
                    "vendor.userIds/deptIds/groupIds apply only to audience \"restricted\"",
                ),
                op,
            ));
        }
        // check_create made sure an expiry is present.
        let expires_at = req.expires_at.unwrap_or(now);
        let body = CreateShareBody {
            scope: scope_of(audience),
            file_ids: file_ids.clone(),
            container_id: container_id.clone(),
            valid_days: valid_days(expires_at, now),
            extract_code: req.password.as_ref().map(|p| p.expose().to_owned()),
            comment: req.comment.clone(),
            user_ids,
            dept_ids,
            group_ids,
        };
        let call = Call {
            op,
            method: Method::POST,
            path: "/share".into(),
            query: Vec::new(),
            body: Some(self.json(&body, op)?),
            idempotency: Idempotency::NonIdempotent,
        };
        let resp: ShareLinkResponse = self.client.call(&call, ctx).await?;
        let raw = resp.share_link.unwrap_or(Value::Null);
        let created: ShareByMeLink = serde_json::from_value(raw.clone()).unwrap_or_default();
        let Some(share_id) = created.share_id else {
            return Err(self.ctx_err(
                Error::upstream_protocol("create answer has no shareLink.shareId"),
                op,
            ));
        };
        // What the create answer and the request say: neither the answer nor the detail lists
        // the files or the space, but the request named them (one file → `file`, more →
        // `multiple`, as the list maps them).
        let known = {
            let mut created: ShareByMeLink = serde_json::from_value(raw).unwrap_or_default();
            created.scope = created.scope.or(Some(Value::from(body.scope)));
            created.container_id = created.container_id.or(Some(body.container_id.into()));
            mapping::map_link(&self.account, created, Utc::now()).map(|mut s| {
                if s.source.kind == SourceKind::Unknown {
                    s.source.kind = match file_ids.len() {
                        0 => SourceKind::Unknown,
                        1 => SourceKind::File,
                        _ => SourceKind::Multiple,
                    };
                }
                s
            })
        };
        match (self.fetch(&share_id, op, ctx).await, known) {
            (Ok(mut share), Ok(known)) => {
                share.fill_unreported(&known);
                fill_password(&mut share, &known);
                Ok(share)
            }
            (Ok(share), Err(_)) => Ok(share),
            // The link exists: answer with what the create response says rather than fail
            // (a caller retrying a failed create would make a second link).
            (Err(e), known) => {
                tracing::warn!(account = %self.account, share_id = %share_id, error = %e, "reading back a created KooDrive share failed; answering from the create response");
                known.map_err(|_| e)
            }
        }
    }

    async fn update(&self, native_id: &str, req: &UpdateShare, ctx: &CallContext) -> Result<Share> {
        let now = Utc::now();
        let op = "update";
        self.capabilities()
            .check_update(req, now)
            .map_err(|e| self.ctx_err(e, op))?;
        let [user_ids, dept_ids, group_ids] =
            audience_ids(&req.vendor).map_err(|e| self.ctx_err(e, op))?;
        let mut body = UpdateShareBody {
            user_ids,
            dept_ids,
            group_ids,
            ..UpdateShareBody::default()
        };
        // `validDays` only when the expiry changes: the editions disagree on what 0 means.
        if let Patch::Set(at) = req.expires_at {
            body.valid_days = Some(valid_days(at, now));
            body.expire_time = Some(at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        }
        body.extract_code = match &req.password {
            Patch::Unchanged => None,
            // UNCONFIRMED: the docs do not say how to remove an access code; "" is the hedge.
            Patch::Clear => Some(String::new()),
            Patch::Set(p) => Some(p.expose().to_owned()),
        };
        body.comment = match &req.comment {
            Patch::Unchanged => None,
            Patch::Clear => Some(String::new()),
            Patch::Set(c) => Some(c.clone()),
        };
        let call = Call {
            op,
            method: Method::PUT,
            path: self.share_path(native_id, op)?,
            query: Vec::new(),
            body: Some(self.json(&body, op)?),
            idempotency: Idempotency::Idempotent,
        };
        let answer: ShareLinkResponse = self.client.call(&call, ctx).await?;
        let mut share = self.fetch(native_id, op, ctx).await?;
        // The update answer's `shareLink` has the counters the detail lacks (§3.3, §3.4).
        if let Ok(updated) = self.map_detail(answer, op) {
            share.fill_unreported(&updated);
            fill_password(&mut share, &updated);
        }
        Ok(share)
    }

    async fn revoke(&self, native_ids: &[String], ctx: &CallContext) -> Result<Vec<RevokeOutcome>> {
        self.revoke_all(native_ids, ctx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use unishare_core::ErrorKind;

    #[test]
    fn valid_days_round_up_and_clamp() {
        let now: DateTime<Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(valid_days(now + Duration::days(7), now), 7);
        assert_eq!(
            valid_days(now + Duration::days(2) - Duration::seconds(1), now),
            2
        );
        assert_eq!(valid_days(now + Duration::seconds(1), now), 1);
        assert_eq!(valid_days(now - Duration::days(1), now), 1);
        assert_eq!(valid_days(now + Duration::days(400), now), 365);
    }

    #[test]
    fn vendor_keys() {
        let v = |j: Value| audience_ids(j.as_object().unwrap());
        let ok = v(serde_json::json!({"userIds": ["u1"], "groupIds": []})).unwrap();
        assert_eq!(ok[0].as_deref(), Some(&["u1".to_string()][..]));
        assert!(ok[1].is_none() && ok[2].is_none());
        let e = v(serde_json::json!({"share_view": true, "userIds": ["u"]})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(e.message().contains("share_view"));
        assert!(v(serde_json::json!({"userIds": "u"})).is_err());
        assert!(v(serde_json::json!({"deptIds": [1]})).is_err());
    }
}
