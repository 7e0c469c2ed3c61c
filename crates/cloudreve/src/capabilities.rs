//! What a Cloudreve v4 account can do, as data (`vendors/cloudreve-v4.md` §3.2, §3.3, §4).

use unishare_core::{AudienceSet, Capabilities, PasswordRule, SourceForm};

/// The capabilities of every Cloudreve v4 account.
///
/// - Sources are `cloudreve://` URIs; links are always open to anyone holding them.
/// - Passwords: 1..=32 ASCII letters/digits (`binding:"omitempty,max=32,alphanum"`); they
///   cannot be changed after create (edit ignores `password`).
/// - Expiry (`expire`, seconds from now) and a download limit (`downloads`) can be set and
///   changed; no expiry means never.
/// - No share message, no per-link permissions in the Community Edition.
/// - `revoke` takes up to 100 ids per call, deleted one by one with bounded concurrency.
pub const CAPABILITIES: Capabilities = Capabilities {
    source_form: SourceForm::Uri,
    audiences: AudienceSet {
        anyone: true,
        organization: false,
        restricted: false,
    },
    create_with_password: true,
    password_rule: PasswordRule::Alphanumeric { max: 32 },
    create_with_expiry: true,
    expiry_required: false,
    never_expires: true,
    expiry_max_days: None,
    create_with_max_downloads: true,
    create_with_comment: false,
    comment_max_chars: None,
    create_with_permissions: false,
    update_password: false,
    update_expiry: true,
    update_max_downloads: true,
    update_comment: false,
    update_permissions: false,
    revoke_batch_max: 100,
    reports_views: true,
    reports_downloads: true,
    reports_saves: false,
    reports_permissions: false,
    site_inventory: true,
};
