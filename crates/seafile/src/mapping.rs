//! Seafile link records → the unified [`Share`] (`DESIGN.md` §7 mapping table,
//! `docs/vendors/seafile.md` §3).

use crate::dto::LinkDto;
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use unishare_core::{
    lenient, AccountName, Audience, Owner, Permissions, Secret, Share, ShareId, ShareStatus,
    SkippedRecord, Source, SourceFile, SourceKind, Stats, VendorFieldsBuilder,
};

/// The scheme of a Seafile source URI: `seafile://{repo_id}{path}`.
pub const URI_SCHEME: &str = "seafile://";

/// Maps one record read at `now`. `Err` for a record the mapper cannot use (no token, no
/// link, an expiry it cannot read), with the reason.
pub fn map_link(
    account: &AccountName,
    rec: LinkDto,
    now: DateTime<Utc>,
) -> Result<Share, SkippedRecord> {
    let Some(token) = rec.token.clone().filter(|t| !t.is_empty()) else {
        return Err(SkippedRecord {
            native_id: None,
            reason: "share-link record has no token".into(),
        });
    };
    let skipped = |reason: String| SkippedRecord {
        native_id: Some(token.to_string()),
        reason,
    };
    let id = ShareId::new(account, &token).map_err(|e| skipped(e.message().to_owned()))?;
    let url: CompactString = rec
        .link
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| skipped("share-link record has no link".into()))?
        .into();
    // `''` = never (`get_share_link_info`); a value that cannot be read is not "never".
    let expires_at = match rec.expire_date.as_deref() {
        None => None,
        Some(s) => lenient::parse_datetime(s).map_err(|e| skipped(format!("expire_date: {e}")))?,
    };
    let expired = match rec.is_expired {
        Some(verdict) => verdict || expires_at.is_some_and(|at| at <= now),
        None => expires_at.is_some_and(|at| at <= now),
    };
    let (password_protected, password) = match rec.password.clone() {
        Some(Some(code)) => (Some(true), Some(Secret::new(code))),
        Some(None) => (Some(false), None),
        None => (None, None),
    };
    let kind = match rec.is_dir {
        Some(true) => SourceKind::Folder,
        Some(false) => SourceKind::File,
        None => SourceKind::Unknown,
    };
    let name = rec
        .obj_name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| basename(rec.path.as_deref()).map(CompactString::from))
        .unwrap_or_else(|| token.clone());
    let uri = match (rec.repo_id.as_deref(), rec.path.as_deref()) {
        (Some(repo), Some(path)) if !repo.is_empty() && path.starts_with('/') => {
            Some(CompactString::from(format!("{URI_SCHEME}{repo}{path}")))
        }
        _ => None,
    };
    let files = match (kind, rec.obj_id.as_ref()) {
        (SourceKind::File, Some(obj)) if !obj.is_empty() => vec![SourceFile {
            id: obj.clone(),
            name: name.clone(),
            size: rec.size,
            mime_type: None,
        }],
        _ => Vec::new(),
    };
    let permissions = rec
        .permissions
        .map(|p| Permissions {
            preview: None,
            download: p.can_download,
            edit: p.can_edit,
        })
        .unwrap_or_default();
    let owner = owner(&rec);
    let mut vendor = VendorFieldsBuilder::default();
    vendor
        .insert_some("repo_id", rec.repo_id.as_deref().filter(|r| !r.is_empty()))
        .insert_some(
            "repo_name",
            rec.repo_name.as_deref().filter(|r| !r.is_empty()),
        )
        .insert_some(
            "can_upload",
            rec.permissions.and_then(|p| p.can_upload).filter(|u| *u),
        );
    Ok(Share {
        id,
        account: account.as_str().into(),
        provider: crate::provider(),
        short_code: Some(token.clone()),
        native_id: token,
        name,
        url,
        secret_url: None,
        status: if expired {
            ShareStatus::Expired
        } else {
            ShareStatus::Active
        },
        audience: Audience::Anyone,
        password_protected,
        password,
        created_at: rec
            .ctime
            .as_deref()
            .and_then(|c| lenient::parse_datetime(c).ok().flatten()),
        expires_at,
        permissions,
        stats: Stats {
            views: rec.view_cnt,
            downloads: None,
            saves: None,
        },
        remaining_downloads: None,
        source: Source { kind, uri, files },
        owner,
        comment: None,
        vendor: vendor.build(),
    })
}

/// The owner: the username (`username` on user endpoints, `creator_email` on admin ones) is
/// the id; `creator_name` the name; the contact e-mail, else the username, the e-mail.
fn owner(rec: &LinkDto) -> Option<Box<Owner>> {
    let id = rec
        .username
        .clone()
        .or_else(|| rec.creator_email.clone())
        .filter(|u| !u.is_empty())?;
    let email = rec
        .creator_contact_email
        .clone()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| id.clone());
    Some(Box::new(Owner {
        id,
        name: rec.creator_name.clone().filter(|n| !n.is_empty()),
        email: Some(email),
    }))
}

/// A source URI `seafile://{repo_id}{path}` → `(repo_id, path)`.
pub fn parse_source_uri(uri: &str) -> Option<(&str, &str)> {
    // Not trimmed: a file name may end with a space.
    let rest = uri.strip_prefix(URI_SCHEME)?;
    let slash = rest.find('/')?;
    let (repo, path) = rest.split_at(slash);
    let repo_ok =
        (1..=64).contains(&repo.len()) && repo.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    (repo_ok && !path.contains('\0')).then_some((repo, path))
}

/// The last segment of a path, `None` when there is none (`/`, empty).
fn basename(path: Option<&str>) -> Option<&str> {
    path?
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn acct() -> AccountName {
        AccountName::new("sf").unwrap()
    }

    fn dto(v: serde_json::Value) -> LinkDto {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn source_uris_round_trip() {
        let repo = "7f5e2b1c-0d3a-4e6f-9a8b-1c2d3e4f5a6b";
        let uri = format!("seafile://{repo}/Reports/q4.pdf");
        assert_eq!(parse_source_uri(&uri), Some((repo, "/Reports/q4.pdf")));
        assert_eq!(
            parse_source_uri(&format!("seafile://{repo}/")),
            Some((repo, "/"))
        );
        for bad in [
            "",
            "seafile://",
            "seafile:///x",
            "cloudreve://my/x",
            "seafile://not a repo/x",
            &format!("seafile://{repo}"),
        ] {
            assert_eq!(parse_source_uri(bad), None, "{bad}");
        }
    }

    #[test]
    fn empty_expiry_is_never_and_an_unreadable_one_skips() {
        let now = Utc::now();
        let s = map_link(
            &acct(),
            dto(json!({"token": "ab", "link": "http://s/f/ab/", "expire_date": ""})),
            now,
        )
        .unwrap();
        assert_eq!((s.expires_at, s.status), (None, ShareStatus::Active));
        let e = map_link(
            &acct(),
            dto(json!({"token": "ab", "link": "http://s/f/ab/", "expire_date": "soon"})),
            now,
        )
        .unwrap_err();
        assert_eq!(e.native_id.as_deref(), Some("ab"));
        assert!(e.reason.contains("expire_date"), "{}", e.reason);
    }

    #[test]
    fn a_past_expiry_is_expired_even_without_the_verdict() {
        let now = Utc::now();
        let s = map_link(
            &acct(),
            dto(json!({"token": "ab", "link": "http://s/f/ab/",
                       "expire_date": "2020-01-01T00:00:00+08:00"})),
            now,
        )
        .unwrap();
        assert_eq!(s.status, ShareStatus::Expired);
        assert_eq!(
            s.expires_at.map(|t| t.to_rfc3339()),
            Some("2019-12-31T16:00:00+00:00".into())
        );
    }

    #[test]
    fn records_without_token_or_link_are_skipped() {
        let e = map_link(&acct(), dto(json!({"link": "http://s/f/ab/"})), Utc::now()).unwrap_err();
        assert_eq!(e.native_id, None);
        let e = map_link(&acct(), dto(json!({"token": "ab"})), Utc::now()).unwrap_err();
        assert!(e.reason.contains("link"));
    }
}
