//! Site-wide inventory: every user's links through the administrator's listing
//! `POST /api/v4/admin/share` (`vendors/cloudreve-v4.md` §3.8; `docs/vendors/cloudreve.md`).
//!
//! BE-4.18 facts this file follows:
//! - the body is `AdminListService` (`service/admin/list.go`): `page` ≥ 1, `page_size`,
//!   `order_by`, `order_direction`, `conditions`, `searches`; **offset** paging
//!   (`inventory/share.go` `offsetPagination`: `Offset(page * page_size)`, `total_items` counted
//!   on every page). The crawl asks in id order, ascending, so new shares land at the end;
//!   a `total_items` that changes under the crawl (a deletion shifts every later offset) starts
//!   it again from the first page, at most [`MAX_RESTARTS`] times (the gateway keeps one copy of
//!   a share seen twice);
//! - each record is the raw `ent.Share` (`ent/share.go`, every scalar `omitempty`: a zero
//!   count, file `type` 0 = file and `file_children` 0 = in the trash are **absent**) with
//!   `edges.user` (`ent.User`: `id`, `email`, `nick`, `status`) and `edges.file`, plus
//!   `user_hash_id` and `share_link` = `{site}/s/{share hashid}[/{password}]`
//!   (`service/admin/share.go`, `pkg/cluster/routes/routes.go` `MasterShareUrl`);
//! - nothing computes validity here: it is derived as `IsValidShare` does
//!   (`inventory/share.go` l.227).

use crate::mapping::parse_share_url;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unishare_core::paging::SiteCursor;
use unishare_core::{
    lenient, AccountName, Audience, Error, Owner, Page, Permissions, Secret, Share, ShareId,
    ShareStatus, SkippedRecord, Source, SourceKind, Stats, VendorFieldsBuilder,
};

/// How often a crawl starts again when the site's share count changes under it.
pub(crate) const MAX_RESTARTS: u32 = 3;

/// `AdminListService` (`service/admin/list.go`).
#[derive(Serialize)]
pub(crate) struct AdminListRequest {
    pub page: u64,
    pub page_size: u32,
    pub order_by: &'static str,
    pub order_direction: &'static str,
    pub conditions: serde_json::Map<String, serde_json::Value>,
    pub searches: serde_json::Map<String, serde_json::Value>,
}

impl AdminListRequest {
    /// Page `page` (1-based) of every share in id order.
    pub fn page(page: u64, page_size: u32) -> AdminListRequest {
        AdminListRequest {
            page,
            page_size,
            order_by: "id",
            order_direction: "asc",
            conditions: Default::default(),
            searches: Default::default(),
        }
    }
}

/// `admin.ListShareResponse` (`service/admin/response.go`).
#[derive(Deserialize)]
struct AdminListData {
    #[serde(default)]
    pagination: Option<AdminPagination>,
    #[serde(default)]
    shares: Option<Vec<Box<RawValue>>>,
}

#[derive(Deserialize)]
struct AdminPagination {
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    total_items: Option<u64>,
}

/// `GetShareResponse`: the raw `ent.Share` plus `user_hash_id` and `share_link`.
#[derive(Deserialize)]
struct AdminShareDto {
    #[serde(default, deserialize_with = "lenient::datetime_opt")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    password: Option<String>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    views: Option<u64>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    downloads: Option<u64>,
    #[serde(default, deserialize_with = "lenient::datetime_opt")]
    expires: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    remain_downloads: Option<i64>,
    #[serde(default)]
    props: Option<PropsDto>,
    #[serde(default)]
    edges: Option<EdgesDto>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    user_hash_id: Option<String>,
    #[serde(default)]
    share_link: Option<String>,
}

/// `types.ShareProps`.
#[derive(Deserialize)]
struct PropsDto {
    #[serde(default)]
    share_view: Option<bool>,
    #[serde(default)]
    show_read_me: Option<bool>,
}

#[derive(Deserialize)]
struct EdgesDto {
    #[serde(default)]
    user: Option<UserDto>,
    #[serde(default)]
    file: Option<FileDto>,
}

/// `ent.User` (the password hash is `json:"-"`).
#[derive(Deserialize)]
struct UserDto {
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    id: Option<i64>,
    #[serde(default)]
    email: Option<unishare_core::CompactString>,
    #[serde(default)]
    nick: Option<unishare_core::CompactString>,
    #[serde(default)]
    status: Option<String>,
}

/// `ent.File`.
#[derive(Deserialize)]
struct FileDto {
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    r#type: Option<i64>,
    #[serde(default)]
    name: Option<unishare_core::CompactString>,
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    owner_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::i64_opt")]
    file_children: Option<i64>,
}

/// Maps the `data` of one admin listing answer for the page `at`: the page and the cursor of
/// the next one (`None` after the last).
pub(crate) fn map_page(
    account: &AccountName,
    data: Option<&RawValue>,
    at: SiteCursor,
    page_size: u32,
    now: DateTime<Utc>,
) -> Result<Page, Error> {
    let data: AdminListData = crate::client::from_data(data)
        .map_err(|e| Error::upstream_protocol(format!("unreadable admin share list: {e}")))?;
    let total = data
        .pagination
        .and_then(|p| p.total_items)
        .unwrap_or_default();
    let records = data.shares.unwrap_or_default();
    let mut page = Page::default();
    // The count moved under the crawl (not on its first page): start again.
    if at.page > 1 && total != at.total && at.restarts < MAX_RESTARTS {
        tracing::info!(account = %account, before = at.total, now = total, "site share count changed during the crawl; starting again");
        page.next = Some(
            SiteCursor {
                page: 1,
                total,
                restarts: at.restarts + 1,
            }
            .encode(),
        );
        return Ok(page);
    }
    page.shares.reserve(records.len());
    for raw in &records {
        match map_record(account, raw, now) {
            Ok(share) => page.shares.push(share),
            Err(skipped) => {
                tracing::warn!(account = %account, native_id = skipped.native_id.as_deref().unwrap_or("?"), reason = %skipped.reason, "skipped a Cloudreve admin share record");
                page.skipped.push(skipped);
            }
        }
    }
    let seen = at.page.saturating_mul(u64::from(page_size));
    if !records.is_empty() && seen < total {
        page.next = Some(
            SiteCursor {
                page: at.page + 1,
                total,
                restarts: at.restarts,
            }
            .encode(),
        );
    }
    Ok(page)
}

/// Maps one admin record.
fn map_record(
    account: &AccountName,
    raw: &RawValue,
    now: DateTime<Utc>,
) -> Result<Share, SkippedRecord> {
    let dto: AdminShareDto = serde_json::from_str(raw.get()).map_err(|e| SkippedRecord {
        native_id: None,
        reason: format!("unreadable Cloudreve admin share: {e}"),
    })?;
    let link = dto.share_link.as_deref().unwrap_or_default();
    let parsed = parse_share_url(link).ok_or_else(|| SkippedRecord {
        native_id: None,
        reason: format!("admin share without a share_link /s/{{id}}: {link:?}"),
    })?;
    let native_id = parsed.id.clone();
    let skipped = |reason: String| SkippedRecord {
        native_id: Some(native_id.clone()),
        reason,
    };
    let id = ShareId::new(account, &native_id).map_err(|e| skipped(e.message().to_owned()))?;
    let password = dto
        .password
        .filter(|p| !p.is_empty())
        .or_else(|| parsed.password.clone());
    let secret_url = password.as_ref().map(|_| Secret::new(link));
    let edges = dto.edges.unwrap_or(EdgesDto {
        user: None,
        file: None,
    });
    let status = status(&dto.expires, dto.remain_downloads, &edges, now);
    let (kind, name) = match &edges.file {
        Some(f) if f.r#type == Some(1) => (SourceKind::Folder, f.name.clone()),
        Some(f) => (SourceKind::File, f.name.clone()),
        None => (SourceKind::Unknown, None),
    };
    let owner = edges.user.as_ref().and_then(|u| {
        let id = dto.user_hash_id.clone().filter(|h| !h.is_empty())?;
        Some(Box::new(Owner {
            id: id.into(),
            name: u.nick.clone().filter(|n| !n.is_empty()),
            email: u.email.clone().filter(|e| !e.is_empty()),
        }))
    });
    let props = dto.props.unwrap_or(PropsDto {
        share_view: None,
        show_read_me: None,
    });
    let mut vendor = VendorFieldsBuilder::default();
    vendor
        .insert_some("share_view", props.share_view.filter(|b| *b))
        .insert_some("show_readme", props.show_read_me.filter(|b| *b))
        .insert_some(
            "owner_status",
            edges
                .user
                .as_ref()
                .and_then(|u| u.status.clone())
                .filter(|s| s != "active"),
        );
    Ok(Share {
        id,
        account: account.as_str().into(),
        provider: crate::provider(),
        short_code: Some(native_id.as_str().into()),
        native_id: native_id.into(),
        name: name.unwrap_or_default(),
        url: parsed.public_url.into(),
        secret_url,
        status,
        audience: Audience::Anyone,
        // The raw record: no `password` means none.
        password_protected: Some(password.is_some()),
        password: password.map(Secret::new),
        created_at: dto.created_at.filter(|t| t.timestamp() > 0),
        expires_at: dto.expires,
        permissions: Permissions::default(),
        stats: Stats {
            // `omitempty` on the raw counters: absent is 0.
            views: Some(dto.views.unwrap_or(0)),
            downloads: Some(dto.downloads.unwrap_or(0)),
            saves: None,
        },
        remaining_downloads: dto.remain_downloads,
        source: Source {
            kind,
            uri: None,
            files: Vec::new(),
        },
        owner,
        comment: None,
        vendor: vendor.build(),
    })
}

/// `IsValidShare` on the raw record: a past expiry or no downloads left → `expired`; no file,
/// a file in the trash (`file_children` absent = 0) or owned by someone else → the source is
/// gone; no owner or one not `active` → `invalid`.
fn status(
    expires: &Option<DateTime<Utc>>,
    remain_downloads: Option<i64>,
    edges: &EdgesDto,
    now: DateTime<Utc>,
) -> ShareStatus {
    if expires.is_some_and(|at| at <= now) || remain_downloads.is_some_and(|n| n <= 0) {
        return ShareStatus::Expired;
    }
    let Some(user) = &edges.user else {
        return ShareStatus::Invalid;
    };
    if user.status.as_deref().is_some_and(|s| s != "active") {
        return ShareStatus::Invalid;
    }
    match &edges.file {
        Some(f)
            if f.file_children.unwrap_or(0) != 0
                && (f.owner_id.is_none() || f.owner_id == user.id) =>
        {
            ShareStatus::Active
        }
        _ => ShareStatus::SourceDeleted,
    }
}
