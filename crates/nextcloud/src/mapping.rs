//! Nextcloud share records → the unified [`Share`] (`DESIGN.md` §7 mapping table).
//!
//! Only public links (`share_type` 3) become shares; user, group, e-mail, federated, room and
//! other shares the same list carries are ignored (they are not links). The `password` /
//! `share_with` of a link is the server's **hash** of the access code: it only tells that a
//! password is set and is never returned as [`Share::password`].

use crate::config::ServerZone;
use crate::dto::{perm, OcsShare, SHARE_TYPE_LINK};
use chrono::{DateTime, NaiveDate, Utc};
use compact_str::CompactString;
use unishare_core::{
    AccountName, Audience, Owner, Permissions, Share, ShareId, ShareStatus, SkippedRecord, Source,
    SourceFile, SourceKind, Stats, VendorFieldsBuilder,
};

/// What one record of the list is.
#[derive(Debug)]
pub enum Mapped {
    /// A public link, mapped.
    Link(Box<Share>),
    /// Not a public link (user, group, e-mail... share): not part of the unified list.
    NotALink,
}

/// Maps one record. `Ok(Mapped::NotALink)` for a share that is not a public link; `Err` for a
/// link the mapper cannot use (no id, no URL, a bad date), with the reason.
pub fn map_share(
    account: &AccountName,
    rec: OcsShare<'_>,
    zone: ServerZone,
    now: DateTime<Utc>,
) -> Result<Mapped, SkippedRecord> {
    let native_id: Option<CompactString> = rec.id.clone();
    let skipped = |reason: String| SkippedRecord {
        native_id: native_id.as_ref().map(ToString::to_string),
        reason,
    };
    match rec.share_type {
        Some(SHARE_TYPE_LINK) => {}
        Some(_) => return Ok(Mapped::NotALink),
        None => return Err(skipped("record has no share_type".into())),
    }
    map_link(account, rec, zone, now)
        .map(|s| Mapped::Link(Box::new(s)))
        .map_err(skipped)
}

/// Maps a record known to be a public link.
fn map_link(
    account: &AccountName,
    rec: OcsShare<'_>,
    zone: ServerZone,
    now: DateTime<Utc>,
) -> Result<Share, String> {
    let native_id = rec.id.ok_or("record has no id")?;
    let id = ShareId::new(account, &native_id).map_err(|e| e.message().to_owned())?;
    let url: CompactString = rec
        .url
        .as_deref()
        .filter(|u| !u.is_empty())
        .ok_or("link record has no url")?
        .into();
    let expires_at = match rec.expiration.as_deref() {
        None => None,
        Some(s) => parse_expiration(s, zone)?,
    };
    let status = match expires_at {
        // The server refuses a link from the first second of its expiry date on
        // (`Manager::checkShare`: `getExpirationDate() <= new \DateTime()`).
        Some(at) if at <= now => ShareStatus::Expired,
        _ => ShareStatus::Active,
    };
    let name = basename(rec.file_target.as_deref())
        .or_else(|| basename(rec.path.as_deref()))
        .map(CompactString::from)
        .unwrap_or_else(|| native_id.clone());
    // A hash in either field: protected; both keys absent: the server did not say.
    let password_protected = match (rec.password, rec.share_with) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (None, None) => None,
        _ => Some(false),
    };
    let bits = rec.permissions;
    let permissions = bits
        .map(|p| permissions_of(p, rec.hide_download.unwrap_or(false)))
        .unwrap_or_default();
    let kind = match rec.item_type.as_deref() {
        Some("file") => SourceKind::File,
        Some("folder") => SourceKind::Folder,
        _ => SourceKind::Unknown,
    };
    let files = match (kind, &rec.item_source) {
        (SourceKind::File, Some(file_id)) => vec![SourceFile {
            id: file_id.clone(),
            name: name.clone(),
            size: rec.item_size,
            mime_type: rec.mimetype.as_deref().map(CompactString::from),
        }],
        _ => Vec::new(),
    };
    let owner = rec
        .uid_owner
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(|uid| {
            Box::new(Owner {
                id: uid.into(),
                name: rec
                    .displayname_owner
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .map(CompactString::from),
                email: None,
            })
        });
    let mut vendor = VendorFieldsBuilder::default();
    vendor.insert_some("permissions", bits).insert_some(
        "label",
        rec.label
            .as_deref()
            .or(rec.name.as_deref())
            .filter(|l| !l.is_empty()),
    );
    Ok(Share {
        id,
        account: account.as_str().into(),
        provider: crate::provider(),
        native_id,
        name,
        url,
        secret_url: None,
        short_code: rec
            .token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(CompactString::from),
        status,
        audience: Audience::Anyone,
        password_protected,
        password: None,
        created_at: rec.stime.and_then(|s| DateTime::from_timestamp(s, 0)),
        expires_at,
        permissions,
        stats: Stats::default(),
        remaining_downloads: None,
        source: Source {
            kind,
            uri: rec.path.as_deref().map(CompactString::from),
            files,
        },
        owner,
        comment: rec
            .note
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(CompactString::from),
        vendor: vendor.build(),
    })
}

/// The unified permissions of a link's bit field: `preview` = read; `download` = read without
/// `hide_download`; `edit` = update (public upload sets create | update | delete; a file drop,
/// create only, allows neither preview nor download nor edit).
pub fn permissions_of(bits: i64, hide_download: bool) -> Permissions {
    let read = bits & perm::READ != 0;
    Permissions {
        preview: Some(read),
        download: Some(read && !hide_download),
        edit: Some(bits & perm::UPDATE != 0),
    }
}

/// `expiration` → UTC: `Y-m-d 00:00:00` (what `formatShare` writes), also `Y-m-d H:i:s` with
/// another time and a bare `Y-m-d`, read as a local time in `zone`. `""` = no expiry.
pub fn parse_expiration(s: &str, zone: ServerZone) -> Result<Option<DateTime<Utc>>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("expiration {:?} is not Y-m-d H:i:s", clip(t));
    let (date, time) = match t.split_once(' ') {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
    let time = match time {
        Some(tm) => chrono::NaiveTime::parse_from_str(tm.trim(), "%H:%M:%S").map_err(|_| bad())?,
        None => chrono::NaiveTime::MIN,
    };
    let local = date.and_time(time);
    local
        .and_local_timezone(zone.offset())
        .single()
        .map(|d| Some(d.with_timezone(&Utc)))
        .ok_or_else(bad)
}

/// The last segment of a path, `None` when there is none (`/`, empty).
fn basename(path: Option<&str>) -> Option<&str> {
    path?
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct() -> AccountName {
        AccountName::new("nc").unwrap()
    }

    #[test]
    fn permission_bits() {
        let p = permissions_of(1, false);
        assert_eq!(
            (p.preview, p.download, p.edit),
            (Some(true), Some(true), Some(false))
        );
        let p = permissions_of(17, true);
        assert_eq!(
            (p.preview, p.download, p.edit),
            (Some(true), Some(false), Some(false))
        );
        let p = permissions_of(15, false);
        assert_eq!(p.edit, Some(true));
        // File drop: upload only.
        let p = permissions_of(4, false);
        assert_eq!(
            (p.preview, p.download, p.edit),
            (Some(false), Some(false), Some(false))
        );
    }

    #[test]
    fn expiration_is_local_midnight() {
        let z: ServerZone = "+02:00".parse().unwrap();
        let at = parse_expiration("2027-01-31 00:00:00", z).unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2027-01-30T22:00:00+00:00");
        let at = parse_expiration("2027-01-31", ServerZone::UTC)
            .unwrap()
            .unwrap();
        assert_eq!(at.to_rfc3339(), "2027-01-31T00:00:00+00:00");
        assert_eq!(parse_expiration("", z).unwrap(), None);
        assert!(parse_expiration("31.01.2027", z).is_err());
        assert!(parse_expiration("2027-01-31T00:00:00Z", z).is_err());
    }

    #[test]
    fn names_come_from_file_target_then_path() {
        assert_eq!(basename(Some("/Photos/2026/")), Some("2026"));
        assert_eq!(basename(Some("/report.pdf")), Some("report.pdf"));
        assert_eq!(basename(Some("/")), None);
        let rec = OcsShare {
            id: Some("5".into()),
            share_type: Some(3),
            url: Some("https://c/s/x".into()),
            file_target: Some("/".into()),
            path: Some("/Docs/a.txt".into()),
            ..OcsShare::default()
        };
        let Mapped::Link(s) = map_share(&acct(), rec, ServerZone::UTC, Utc::now()).unwrap() else {
            panic!("not a link")
        };
        assert_eq!(s.name, "a.txt");
        // Neither password key: the server did not say.
        assert_eq!(s.password_protected, None);
    }

    #[test]
    fn other_share_types_are_not_links_and_a_link_without_url_is_skipped() {
        let rec = OcsShare {
            id: Some("5".into()),
            share_type: Some(0),
            ..OcsShare::default()
        };
        assert!(matches!(
            map_share(&acct(), rec, ServerZone::UTC, Utc::now()),
            Ok(Mapped::NotALink)
        ));
        let rec = OcsShare {
            id: Some("6".into()),
            share_type: Some(3),
            ..OcsShare::default()
        };
        let e = map_share(&acct(), rec, ServerZone::UTC, Utc::now()).unwrap_err();
        assert_eq!(e.native_id.as_deref(), Some("6"));
        assert!(e.reason.contains("url"), "{}", e.reason);
    }
}
