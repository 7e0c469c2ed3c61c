//! What a provider can do, declared as data, and the one central check that rejects a request
//! asking for something the provider cannot honour.
//!
//! Two outcomes, two kinds:
//! - an option the vendor has no way to honour → [`ErrorKind::Unsupported`](crate::ErrorKind)
//!   naming the capability (HTTP 422);
//! - a value the vendor would reject for its form (password alphabet, comment length, expiry
//!   range) → [`ErrorKind::InvalidRequest`](crate::ErrorKind) (HTTP 400), before any vendor call.

use crate::error::Error;
use crate::model::Audience;
use crate::request::{CreateShare, Patch, PermissionsInput, SourceInput, UpdateShare};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// How a provider addresses what is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceForm {
    /// `{"uri": "..."}` (Cloudreve).
    Uri,
    /// `{"file_ids": [...], "container_id": "..."}` (KooDrive).
    FileIds,
}

/// A set of audiences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct AudienceSet {
    /// Anyone with the link.
    pub anyone: bool,
    /// Same organization.
    pub organization: bool,
    /// Named users.
    pub restricted: bool,
}

impl AudienceSet {
    /// Whether `a` is in the set.
    pub fn contains(self, a: Audience) -> bool {
        match a {
            Audience::Anyone => self.anyone,
            Audience::Organization => self.organization,
            Audience::Restricted => self.restricted,
        }
    }
}

/// The form a vendor accepts for an access code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PasswordRule {
    /// 1 to `max` ASCII letters and digits (Cloudreve: 32).
    Alphanumeric {
        /// Longest accepted.
        max: usize,
    },
    /// Exactly `len` ASCII letters and digits (KooDrive: 8).
    ExactAlphanumeric {
        /// Required length.
        len: usize,
    },
}

impl PasswordRule {
    /// Checks a password against the rule (message never contains the password).
    pub fn check(self, password: &str) -> Result<(), Error> {
        let alnum = password.bytes().all(|b| b.is_ascii_alphanumeric());
        let n = password.chars().count();
        match self {
            PasswordRule::Alphanumeric { max } if !alnum || n == 0 || n > max => {
                Err(Error::invalid_request(format!(
                    "password must be 1 to {max} ASCII letters or digits"
                )))
            }
            PasswordRule::ExactAlphanumeric { len } if !alnum || n != len => {
                Err(Error::invalid_request(format!(
                    "password must be exactly {len} ASCII letters or digits"
                )))
            }
            _ => Ok(()),
        }
    }
}

/// What a provider can do. Plain data, `Copy`, declared once per provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Capabilities {
    /// How sources are addressed on create.
    pub source_form: SourceForm,
    /// Audiences a link can be created with.
    pub audiences: AudienceSet,
    /// A password can be set on create.
    pub create_with_password: bool,
    /// The form passwords must have.
    pub password_rule: PasswordRule,
    /// An expiry can be set on create.
    pub create_with_expiry: bool,
    /// An expiry must be given on create (KooDrive `validDays` is mandatory).
    pub expiry_required: bool,
    /// A link can live forever (no expiry).
    pub never_expires: bool,
    /// Longest expiry in days from now, when limited.
    pub expiry_max_days: Option<u32>,
    /// A download limit can be set on create.
    pub create_with_max_downloads: bool,
    /// A share message can be set on create.
    pub create_with_comment: bool,
    /// Longest share message, in characters.
    pub comment_max_chars: Option<usize>,
    /// Permissions can be set on create.
    pub create_with_permissions: bool,
    /// The password can be changed or removed after create.
    pub update_password: bool,
    /// The expiry can be changed after create.
    pub update_expiry: bool,
    /// The download limit can be changed after create.
    pub update_max_downloads: bool,
    /// The share message can be changed after create.
    pub update_comment: bool,
    /// Permissions can be changed after create.
    pub update_permissions: bool,
    /// Most links one revoke call takes (1 = one at a time).
    pub revoke_batch_max: usize,
    /// The vendor reports view counts.
    pub reports_views: bool,
    /// The vendor reports download counts.
    pub reports_downloads: bool,
    /// The vendor reports save counts.
    pub reports_saves: bool,
    /// The vendor reports permissions.
    pub reports_permissions: bool,
    /// The vendor has an administrator's listing of every user's links, so an account may be
    /// configured with `inventory = "site"` ([`crate::Inventory::Site`]).
    pub site_inventory: bool,
}

impl Capabilities {
    /// The central check for a create request. Call it before any vendor call.
    pub fn check_create(&self, req: &CreateShare, now: DateTime<Utc>) -> Result<(), Error> {
        match (&req.source, self.source_form) {
            (SourceInput::Uri { uri }, SourceForm::Uri) => {
                if uri.trim().is_empty() {
                    return Err(Error::invalid_request("source.uri is empty"));
                }
            }
            (SourceInput::Files { file_ids, container_id }, SourceForm::FileIds) => {
                if file_ids.is_empty() || file_ids.iter().any(|f| f.trim().is_empty()) {
                    return Err(Error::invalid_request(
                        "source.file_ids must list at least one non-empty file id",
                    ));
                }
                if container_id.trim().is_empty() {
                    return Err(Error::invalid_request("source.container_id is empty"));
                }
            }
            (_, SourceForm::Uri) => {
                return Err(Error::invalid_request(
                    "this account's provider addresses sources by URI: send {\"source\": {\"uri\": \"...\"}}",
                ))
            }
            (_, SourceForm::FileIds) => {
                return Err(Error::invalid_request(
                    "this account's provider addresses sources by file ids: send {\"source\": {\"file_ids\": [...], \"container_id\": \"...\"}}",
                ))
            }
        }
        if let Some(audience) = req.audience {
            if !self.audiences.contains(audience) {
                return Err(Error::unsupported(
                    "audiences",
                    format!(
                        "this provider cannot create links for audience {:?}",
                        audience.as_str()
                    ),
                ));
            }
        }
        if let Some(password) = &req.password {
            if !self.create_with_password {
                return Err(Error::unsupported(
                    "create_with_password",
                    "this provider cannot protect a link with a password",
                ));
            }
            self.password_rule.check(password.expose())?;
        }
        match req.expires_at {
            Some(at) => {
                if !self.create_with_expiry {
                    return Err(Error::unsupported(
                        "create_with_expiry",
                        "this provider cannot set an expiry",
                    ));
                }
                self.check_expiry(at, now)?;
            }
            None if self.expiry_required => {
                return Err(Error::unsupported(
                    "never_expires",
                    "this provider needs an expiry: set expires_at",
                ))
            }
            None => {}
        }
        if let Some(n) = req.max_downloads {
            if !self.create_with_max_downloads {
                return Err(Error::unsupported(
                    "create_with_max_downloads",
                    "this provider cannot limit downloads",
                ));
            }
            if n == 0 {
                return Err(Error::invalid_request("max_downloads must be at least 1"));
            }
        }
        if let Some(comment) = &req.comment {
            if !self.create_with_comment {
                return Err(Error::unsupported(
                    "create_with_comment",
                    "this provider cannot store a share message",
                ));
            }
            self.check_comment(comment)?;
        }
        if let Some(p) = &req.permissions {
            if !p.is_empty() && !self.create_with_permissions {
                return Err(Error::unsupported(
                    "create_with_permissions",
                    "this provider cannot set link permissions",
                ));
            }
        }
        Ok(())
    }

    /// The central check for an update request. Call it before any vendor call.
    pub fn check_update(&self, req: &UpdateShare, now: DateTime<Utc>) -> Result<(), Error> {
        if req.is_empty() {
            return Err(Error::invalid_request("the update changes nothing"));
        }
        match &req.password {
            Patch::Unchanged => {}
            _ if !self.update_password => {
                return Err(Error::unsupported(
                    "update_password",
                    "this provider cannot change or remove a password after the link is created",
                ))
            }
            Patch::Set(p) => self.password_rule.check(p.expose())?,
            Patch::Clear => {}
        }
        match &req.expires_at {
            Patch::Unchanged => {}
            _ if !self.update_expiry => {
                return Err(Error::unsupported(
                    "update_expiry",
                    "this provider cannot change the expiry after the link is created",
                ))
            }
            Patch::Clear if !self.never_expires => {
                return Err(Error::unsupported(
                    "never_expires",
                    "this provider cannot make a link never expire",
                ))
            }
            Patch::Clear => {}
            Patch::Set(at) => self.check_expiry(*at, now)?,
        }
        match &req.max_downloads {
            Patch::Unchanged => {}
            _ if !self.update_max_downloads => {
                return Err(Error::unsupported(
                    "update_max_downloads",
                    "this provider cannot change a download limit",
                ))
            }
            Patch::Set(0) => {
                return Err(Error::invalid_request("max_downloads must be at least 1"))
            }
            _ => {}
        }
        match &req.comment {
            Patch::Unchanged => {}
            _ if !self.update_comment => {
                return Err(Error::unsupported(
                    "update_comment",
                    "this provider cannot change the share message",
                ))
            }
            Patch::Set(c) => self.check_comment(c)?,
            Patch::Clear => {}
        }
        if let Some(p) = &req.permissions {
            if !PermissionsInput::is_empty(p) && !self.update_permissions {
                return Err(Error::unsupported(
                    "update_permissions",
                    "this provider cannot change link permissions",
                ));
            }
        }
        Ok(())
    }

    fn check_expiry(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Error> {
        if at <= now {
            return Err(Error::invalid_request("expires_at must be in the future"));
        }
        if let Some(max) = self.expiry_max_days {
            if at - now > chrono::Duration::days(i64::from(max)) {
                return Err(Error::invalid_request(format!(
                    "expires_at must be at most {max} days from now for this provider"
                )));
            }
        }
        Ok(())
    }

    fn check_comment(&self, comment: &str) -> Result<(), Error> {
        if let Some(max) = self.comment_max_chars {
            if comment.chars().count() > max {
                return Err(Error::invalid_request(format!(
                    "comment must be at most {max} characters"
                )));
            }
        }
        Ok(())
    }
}
