//! Site-wide inventory: every user's links through `GET /api/v2.1/admin/share-links/`
//! (`docs/vendors/seafile.md` §8).
//!
//! - offset paging (`page`, `per_page`), asked in creation order ascending
//!   (`order_by=ctime&direction=asc`; the first listing release sorts so anyway) so that links
//!   created during a crawl land after it; a `count` that changes between pages (a deletion
//!   shifts every later offset) starts the crawl again, at most [`MAX_RESTARTS`] times;
//! - list records carry no link, library or path: each is completed by the admin detail
//!   `GET /api/v2.1/admin/share-links/{token}/`, [`DETAIL_CONCURRENCY`] at a time; a record
//!   whose detail is 404 was deleted meanwhile and is left out.

use crate::client::{AnswerExt, Call, Client};
use crate::dto::{AdminListDto, LinkDto};
use crate::mapping::map_link;
use chrono::Utc;
use futures::stream::{self, StreamExt};
use reqwest::Method;
use unishare_core::paging::SiteCursor;
use unishare_core::{AccountName, Error, ErrorKind, Page, PageCursor, Result, SkippedRecord};

/// Links asked per admin page (the server's default).
pub const PER_PAGE: u64 = 100;
/// How often a crawl starts again when the site's link count changes under it.
pub const MAX_RESTARTS: u32 = 3;
/// Admin detail calls in flight at once during a site crawl.
pub const DETAIL_CONCURRENCY: usize = 4;

/// The path of the admin detail (and delete) of `token`.
pub fn admin_link_path(token: &str) -> Vec<&str> {
    vec!["api", "v2.1", "admin", "share-links", token]
}

/// One page of the site crawl.
pub async fn list_page(
    client: &Client,
    account: &AccountName,
    cursor: Option<&PageCursor>,
) -> Result<Page> {
    let at = match cursor {
        Some(c) => SiteCursor::parse(c, "Seafile")?,
        None => SiteCursor::start(),
    };
    let mut call = Call::new(
        "list",
        Method::GET,
        vec!["api", "v2.1", "admin", "share-links"],
    );
    call.query = vec![
        ("page", at.page.to_string()),
        ("per_page", PER_PAGE.to_string()),
        ("order_by", "ctime".to_owned()),
        ("direction", "asc".to_owned()),
    ];
    let (records, count) = client
        .call(&call, |answer| {
            let body = answer.ok("list").map_err(not_admin)?;
            let dto: AdminListDto<'_> = serde_json::from_slice(body).map_err(|e| {
                Error::upstream_protocol(format!("unreadable admin share-link list: {e}"))
            })?;
            let records: Vec<std::result::Result<LinkDto, SkippedRecord>> = dto
                .share_link_list
                .unwrap_or_default()
                .into_iter()
                .map(|raw| {
                    serde_json::from_str::<LinkDto>(raw.get()).map_err(|e| SkippedRecord {
                        native_id: None,
                        reason: format!("unreadable Seafile admin share-link record: {e}"),
                    })
                })
                .collect();
            Ok((records, dto.count.unwrap_or_default()))
        })
        .await?;
    let mut page = Page::default();
    if at.page > 1 && count != at.total && at.restarts < MAX_RESTARTS {
        tracing::info!(account = %account, before = at.total, now = count, "Seafile site link count changed during the crawl; starting again");
        page.next = Some(
            SiteCursor {
                page: 1,
                total: count,
                restarts: at.restarts + 1,
            }
            .encode(),
        );
        return Ok(page);
    }
    let listed = records.len() as u64;
    let completed: Vec<Result<Option<LinkDto>>> = stream::iter(records)
        .map(|rec| async move {
            match rec {
                Ok(rec) => complete(client, rec).await,
                Err(skip) => Err(Error::upstream_protocol(skip.reason)),
            }
        })
        .buffered(DETAIL_CONCURRENCY)
        .collect()
        .await;
    let now = Utc::now();
    for rec in completed {
        match rec {
            Ok(Some(rec)) => match map_link(account, rec, now) {
                Ok(share) => page.shares.push(share),
                Err(skip) => page.skipped.push(skip),
            },
            Ok(None) => {}
            Err(e) if e.kind() == ErrorKind::UpstreamProtocol => page.skipped.push(SkippedRecord {
                native_id: None,
                reason: e.message().to_owned(),
            }),
            Err(e) => return Err(e),
        }
    }
    if listed > 0 && at.page.saturating_mul(PER_PAGE) < count {
        page.next = Some(
            SiteCursor {
                page: at.page + 1,
                total: count,
                restarts: at.restarts,
            }
            .encode(),
        );
    }
    Ok(page)
}

/// A list record completed by its admin detail; `None` when the link is gone.
async fn complete(client: &Client, rec: LinkDto) -> Result<Option<LinkDto>> {
    let Some(token) = rec.token.clone().filter(|t| !t.is_empty()) else {
        return Err(Error::upstream_protocol(
            "admin share-link record has no token",
        ));
    };
    if crate::provider::check_id(&token).is_err() {
        return Err(Error::upstream_protocol(format!(
            "admin share-link record has a token that is not hex: {:?}",
            token.chars().take(40).collect::<String>()
        )));
    }
    let call = Call::new("list", Method::GET, admin_link_path(&token));
    let detail = client
        .call(&call, |answer| {
            if answer.status == 404 {
                return Ok(None);
            }
            let body = answer.ok("list").map_err(not_admin)?;
            serde_json::from_slice::<LinkDto>(body)
                .map(Some)
                .map_err(|e| {
                    Error::upstream_protocol(format!("unreadable admin share-link detail: {e}"))
                })
        })
        .await?;
    Ok(detail.map(|d| d.or(rec)))
}

/// `403` on an admin route: the credentials are not a site administrator's.
pub fn not_admin(e: Error) -> Error {
    if e.kind() == ErrorKind::Forbidden {
        Error::new(
            ErrorKind::UpstreamAuth,
            "the account is not a Seafile administrator: /api/v2.1/admin/share-links/ answered 403; inventory = \"site\" needs an administrator's token or login",
        )
        .with_vendor_code("http:403")
    } else {
        e
    }
}
