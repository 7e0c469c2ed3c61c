//! Cloudreve `Share` objects into the unified [`Share`] (`DESIGN.md` §2, mapping table), and the
//! share-URL parser.

use crate::client::from_data;
use crate::dto::{ListData, ListShareResponse, Pagination, ShareDto};
use serde_json::value::RawValue;
use serde_json::Value;
use unishare_core::{
    AccountName, Audience, Error, Owner, Page, Permissions, Secret, Share, ShareId, ShareStatus,
    SkippedRecord, Source, SourceKind, Stats, VendorFieldsBuilder,
};
use url::Url;

/// Maps one raw list/info record; a record that cannot be mapped is a [`SkippedRecord`].
pub(crate) fn map_record(account: &AccountName, raw: Value) -> Result<Share, SkippedRecord> {
    let native_id = raw
        .get("id")
        .and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        })
        .filter(|s| !s.is_empty());
    let dto: ShareDto = serde_json::from_value(raw).map_err(|e| SkippedRecord {
        native_id: native_id.clone(),
        reason: format!("unreadable Cloudreve share: {e}"),
    })?;
    map_share(account, dto).map_err(|reason| SkippedRecord { native_id, reason })
}

/// Maps one record of a list or info answer, decoded straight from its JSON text (no
/// intermediate tree); a record that does not decode is parsed once more to report it.
pub(crate) fn map_raw(account: &AccountName, raw: &RawValue) -> Result<Share, SkippedRecord> {
    match serde_json::from_str::<ShareDto>(raw.get()) {
        Ok(dto) => map_dto(account, dto),
        Err(e) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(v) => map_record(account, v),
            Err(_) => Err(SkippedRecord {
                native_id: None,
                reason: format!("unreadable Cloudreve share: {e}"),
            }),
        },
    }
}

/// Maps the `data` of a `GET /share` answer: the page (records that cannot be mapped are
/// skipped and reported) and the next page token (absent or empty = the end).
pub(crate) fn map_list_data(
    account: &AccountName,
    data: Option<&RawValue>,
) -> Result<(Page, Option<String>), Error> {
    let resp: ListShareResponse = from_data(data)
        .map_err(|e| Error::upstream_protocol(format!("unreadable share list: {e}")))?;
    let records = resp.shares.unwrap_or_default();
    let mapped = records.iter().map(|raw| map_raw(account, raw));
    Ok(collect_page(account, resp.pagination, mapped))
}

/// Maps the `data` of a `GET /share` answer read in one pass ([`ListAnswer::one_pass`]):
/// the same page as [`map_list_data`] on the same answer.
///
/// [`ListAnswer::one_pass`]: crate::dto::ListAnswer::one_pass
pub(crate) fn map_list_decoded(account: &AccountName, data: ListData) -> (Page, Option<String>) {
    let records = data.shares.unwrap_or_default();
    let mapped = records.into_iter().map(|dto| map_dto(account, dto));
    collect_page(account, data.pagination, mapped)
}

/// Maps one decoded record; a skip report names the record's id.
fn map_dto(account: &AccountName, dto: ShareDto) -> Result<Share, SkippedRecord> {
    let native_id = dto.id.clone();
    map_share(account, dto).map_err(|reason| SkippedRecord { native_id, reason })
}

/// A page and its next token (absent or blank = the end) from the mapped records; records
/// that could not be mapped are logged and reported.
fn collect_page(
    account: &AccountName,
    pagination: Option<Pagination>,
    mapped: impl Iterator<Item = Result<Share, SkippedRecord>>,
) -> (Page, Option<String>) {
    let mut page = Page::default();
    page.shares.reserve(mapped.size_hint().0);
    for result in mapped {
        match result {
            Ok(share) => page.shares.push(share),
            Err(skipped) => {
                tracing::warn!(
                    account = %account,
                    native_id = skipped.native_id.as_deref().unwrap_or("?"),
                    reason = %skipped.reason,
                    "skipped a Cloudreve share record"
                );
                page.skipped.push(skipped);
            }
        }
    }
    let next = pagination
        .and_then(|p| p.next_token)
        .filter(|t| !t.trim().is_empty());
    (page, next)
}

/// Maps one decoded record.
pub(crate) fn map_share(account: &AccountName, dto: ShareDto) -> Result<Share, String> {
    let native_id = dto.id.ok_or("share without an id")?;
    let id = ShareId::new(account, &native_id).map_err(|e| e.message().to_owned())?;
    let vendor_url = dto
        .url
        .filter(|u| !u.trim().is_empty())
        .ok_or("share without a url")?;
    // Owner lists are always unlocked; a locked view (not the owner, no password) omits
    // `downloaded`, so only an unlocked record's missing `downloaded` means 0.
    let unlocked = dto.unlocked.unwrap_or(true);
    // Only a URL with a password segment is taken apart (parsing a URL costs a fifth of a
    // record's mapping; most links carry no password).
    let with_password = if ends_without_password(&vendor_url) {
        None
    } else {
        parse_share_url(&vendor_url).filter(|p| p.id == native_id && p.password.is_some())
    };
    let password = dto
        .password
        .filter(|p| !p.is_empty())
        .or_else(|| with_password.as_ref().and_then(|p| p.password.clone()));
    let (url, secret_url) = match with_password {
        Some(p) => (p.public_url, Some(vendor_url)),
        None => (vendor_url, None),
    };
    // `password_protected` (4.5+) and `is_private` are sent only when true, `password` only to
    // a viewer who unlocked the share: an unlocked record without any of them has no
    // password; a locked one (not the owner's view) may simply not say (§4).
    let password_protected = if dto.password_protected == Some(true)
        || dto.is_private == Some(true)
        || password.is_some()
    {
        Some(true)
    } else if unlocked {
        Some(false)
    } else {
        None
    };
    let created_at = dto.created_at.filter(|t| t.timestamp() > 0);
    let kind = match dto.source_type {
        Some(0) => SourceKind::File,
        Some(1) => SourceKind::Folder,
        _ => SourceKind::Unknown,
    };
    let owner = dto.owner.and_then(|o| {
        Some(Box::new(Owner {
            id: o.id?.into(),
            name: o.nickname.filter(|n| !n.is_empty()),
            email: o.email.filter(|e| !e.is_empty()),
        }))
    });
    let mut vendor = VendorFieldsBuilder::default();
    vendor
        .insert_some("price", dto.price)
        .insert_some("unlocked", dto.unlocked)
        .insert_some("share_view", dto.share_view)
        .insert_some("show_readme", dto.show_readme)
        .insert_some("size", dto.size)
        .insert_some("permission_setting", dto.permission_setting);
    Ok(Share {
        id,
        account: account.as_str().into(),
        provider: crate::provider(),
        short_code: Some(native_id.as_str().into()),
        native_id: native_id.into(),
        name: dto.name.unwrap_or_default(),
        url: url.into(),
        secret_url: secret_url.map(Secret::new),
        status: status_of(
            dto.expired.unwrap_or(false),
            unlocked,
            dto.expires,
            dto.remain_downloads,
        ),
        audience: Audience::Anyone,
        password_protected,
        password: password.map(Secret::new),
        created_at,
        expires_at: dto.expires,
        permissions: Permissions::default(),
        stats: Stats {
            views: dto.visited,
            downloads: if unlocked {
                Some(dto.downloaded.unwrap_or(0))
            } else {
                dto.downloaded
            },
            saves: None,
        },
        remaining_downloads: dto.remain_downloads,
        source: Source {
            kind,
            uri: dto.source_uri.filter(|u| !u.is_empty()),
            files: Vec::new(),
        },
        owner,
        comment: None,
        vendor: vendor.build(),
    })
}

/// The unified status of a record whose `expired` flag is `expired`.
///
/// In an owner's view `expired` is `IsValidShare(share) != nil` (BE-4.18
/// `service/share/response.go`, `inventory/share.go` `IsValidShare`): it is also true when the
/// source is in the trash or the owner is no longer active. Only a past expiry or no downloads
/// left make it `expired`; a dead link with neither is a dead source (`DESIGN.md` §2). A locked
/// view (not the owner's) hides both limits, so its `expired` is taken as it is.
pub(crate) fn status_of(
    expired: bool,
    unlocked: bool,
    expires: Option<chrono::DateTime<chrono::Utc>>,
    remain_downloads: Option<i64>,
) -> ShareStatus {
    if !expired {
        return ShareStatus::Active;
    }
    let out_of_downloads = remain_downloads.is_some_and(|n| n <= 0);
    let past = expires.is_some_and(|at| at <= chrono::Utc::now());
    if out_of_downloads || past || !unlocked {
        ShareStatus::Expired
    } else {
        ShareStatus::SourceDeleted
    }
}

/// A share URL `{site}/s/{id}[/{password}]`, taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ShareUrl {
    /// The share id.
    pub id: String,
    /// The password segment, when present.
    pub password: Option<String>,
    /// The URL without the password segment (and without a trailing slash).
    pub public_url: String,
}

/// True when `raw` visibly ends in `/s/{id}` (an optional trailing slash; `id` of letters,
/// digits, `-` and `_`): then [`parse_share_url`] finds no password, so the URL need not be
/// parsed. `false` means "parse it" (the check is tested against the parser).
///
/// A URL holding `?` or `#` anywhere is always parsed: what follows them is not path, so
/// `/s/{id}/{password}?x/s/y` visibly ends in `/s/y` yet carries a password. `\` (a path
/// separator to the URL parser), tab and line breaks (removed by it) are parsed too.
pub(crate) fn ends_without_password(raw: &str) -> bool {
    let raw = raw.trim();
    if raw
        .bytes()
        .any(|b| matches!(b, b'?' | b'#' | b'\\' | b'\t' | b'\n' | b'\r'))
    {
        return false;
    }
    let mut segments = raw.rsplit('/').filter(|s| !s.is_empty());
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    matches!(
        (segments.next(), segments.next()),
        (Some(id), Some("s")) if plain(id)
    )
}

/// Parses `{site}/s/{id}` or `{site}/s/{id}/{password}` (a site may live under a sub-path;
/// trailing slashes, queries and fragments are tolerated and dropped). `None` when the URL
/// has no `/s/{id}` tail.
pub(crate) fn parse_share_url(raw: &str) -> Option<ShareUrl> {
    let mut url = Url::parse(raw.trim()).ok()?;
    let segs: Vec<String> = url
        .path_segments()?
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let n = segs.len();
    let (id_at, password) = if n >= 2 && segs[n - 2] == "s" {
        (n - 1, None)
    } else if n >= 3 && segs[n - 3] == "s" {
        (n - 2, Some(segs[n - 1].clone()))
    } else {
        return None;
    };
    let id = segs[id_at].clone();
    if id.is_empty() {
        return None;
    }
    {
        let mut path = url.path_segments_mut().ok()?;
        path.clear();
        path.extend(&segs[..=id_at]);
    }
    url.set_query(None);
    url.set_fragment(None);
    Some(ShareUrl {
        id,
        password: password.filter(|p| !p.is_empty()),
        public_url: url.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_expired_is_expired_only_with_a_reason() {
        use chrono::{Duration, Utc};
        let past = Some(Utc::now() - Duration::hours(1));
        let future = Some(Utc::now() + Duration::hours(1));
        assert_eq!(status_of(false, true, past, Some(0)), ShareStatus::Active);
        assert_eq!(status_of(true, true, past, None), ShareStatus::Expired);
        assert_eq!(status_of(true, true, None, Some(0)), ShareStatus::Expired);
        assert_eq!(
            status_of(true, true, future, Some(-1)),
            ShareStatus::Expired
        );
        // Neither limit reached: the source is in the trash or the owner is inactive.
        assert_eq!(
            status_of(true, true, future, Some(3)),
            ShareStatus::SourceDeleted
        );
        assert_eq!(
            status_of(true, true, None, None),
            ShareStatus::SourceDeleted
        );
        // A locked view hides the limits: the vendor's word is kept.
        assert_eq!(status_of(true, false, None, None), ShareStatus::Expired);
    }

    #[test]
    fn share_urls() {
        let p = parse_share_url("http://localhost:5173/s/g2guA/gcqzfaze").unwrap();
        assert_eq!(p.id, "g2guA");
        assert_eq!(p.password.as_deref(), Some("gcqzfaze"));
        assert_eq!(p.public_url, "http://localhost:5173/s/g2guA");
        let p = parse_share_url("https://d.example.com/s/8X9FD").unwrap();
        assert_eq!((p.id.as_str(), p.password), ("8X9FD", None));
        assert_eq!(p.public_url, "https://d.example.com/s/8X9FD");
        let p = parse_share_url("https://d.example.com/s/8X9FD/").unwrap();
        assert_eq!((p.id.as_str(), p.password), ("8X9FD", None));
        assert_eq!(p.public_url, "https://d.example.com/s/8X9FD");
        let p = parse_share_url("https://d.example.com/s/8X9FD/pw1/?x=1#f").unwrap();
        assert_eq!(
            (p.id.as_str(), p.password.as_deref()),
            ("8X9FD", Some("pw1"))
        );
        assert_eq!(p.public_url, "https://d.example.com/s/8X9FD");
        // A site under a sub-path, even one named `s`.
        let p = parse_share_url("https://h.example.com/cloud/s/abc").unwrap();
        assert_eq!(p.public_url, "https://h.example.com/cloud/s/abc");
        let p = parse_share_url("https://h.example.com/s/s/abc").unwrap();
        assert_eq!((p.id.as_str(), p.password), ("abc", None));
        assert!(parse_share_url("https://h.example.com/home").is_none());
        assert!(parse_share_url("not a url").is_none());
    }

    #[test]
    fn the_no_password_shortcut_agrees_with_the_parser() {
        let cases = [
            ("http://localhost:5173/s/g2guA", true),
            ("https://d.example.com/s/8X9FD/", true),
            (" https://d.example.com//s//8X9FD// ", true),
            ("https://h.example.com/s/s/abc", true),
            ("http://s/abc", true),
            ("https://h.example.com/s/abc/s", false),
            ("http://localhost:5173/s/g2guA/gcqzfaze", false),
            ("https://d.example.com/s/8X9FD?x=1", false),
            ("https://d.example.com/s/8X9FD#f", false),
            ("https://d.example.com/s/8X%39FD", false),
            ("https://d.example.com/s/..", false),
            ("https://d.example.com/s/a.b", false),
            ("https://d.example.com/s\\abc", false),
            ("https://d.example.com/S/abc", false),
            ("https://d.example.com/s/\u{e9}t\u{e9}", false),
            ("not a url/s/abc", true),
            // Found by the property test below: the query hides the password segment.
            ("http://0\\/s/ab/x?y/s/s", false),
            ("https://h.example.com/s/ab/pw?next=/s/ab", false),
            ("https://h.example.com/s/ab/pw#/s/ab", false),
            ("https://h.example.com\\s\\ab\\pw/s/ab", false),
        ];
        for (raw, shortcut) in cases {
            assert_eq!(ends_without_password(raw), shortcut, "{raw}");
            if shortcut {
                let parsed = parse_share_url(raw);
                assert!(parsed.is_none_or(|p| p.password.is_none()), "{raw}");
            }
        }
    }

    #[test]
    fn the_shortcut_never_hides_a_password() {
        use proptest::prelude::*;
        // Mostly real sites (a URL the parser rejects proves little), then path segments
        // joined by `/` or by a character the URL parser treats apart (`?`, `#`, `\`, tab).
        let site = prop_oneof![
            3 => "(https?://)(h\\.example\\.com|localhost:5173|0|s)",
            1 => "(https?://)?[a-zA-Z0-9.:@%/?#\\\\\t-]{0,12}",
        ];
        let tail =
            "((/|/|/|/|//|\\?|#|\\\\|\t)(s|s|s|ab|ab|pw|A-_|a\\.b|\\.\\.|%41| |\u{e9}|)){0,8}/?";
        let urls = (site, tail).prop_map(|(site, tail)| format!("{site}{tail}"));
        let shortcuts = std::cell::Cell::new(0);
        proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(8192))
            .run(&urls, |raw| {
                if ends_without_password(&raw) {
                    shortcuts.set(shortcuts.get() + 1);
                    let parsed = parse_share_url(&raw);
                    prop_assert!(parsed.is_none_or(|p| p.password.is_none()), "{}", raw);
                }
                Ok(())
            })
            .unwrap();
        let n = shortcuts.get();
        assert!(n > 10, "only {n} generated URLs took the shortcut");
    }
}
