//! Paging as a stream: the walk over a vendor's list pages ([`ShareProvider::list_page`]), so
//! that a consumer (the gateway's crawl) takes pages as they come and never drives cursors.
//!
//! The walk starts with no cursor and passes back each page's [`Page::next`] until it is
//! `None`. It guards against vendors whose list never ends: a page cursor answered twice in a
//! row, or more than `max_pages` pages, is an [`crate::ErrorKind::UpstreamProtocol`] error
//! naming the account. The stream ends after its first error. Dropping it cancels the page
//! request in flight.

use crate::error::{Error, Result};
use crate::provider::{CallContext, ShareProvider};
use crate::request::{Page, PageCursor};
use futures::stream::{self, Stream};
use std::future::Future;

/// The pages of `provider`'s share list, in order (see the module docs). Errors the walk
/// itself raises name the provider's account.
pub fn pages<'a>(
    provider: &'a dyn ShareProvider,
    ctx: &'a CallContext,
    max_pages: usize,
) -> impl Stream<Item = Result<Page>> + Send + 'a {
    let account = provider.account().clone();
    let kind = provider.provider();
    walk(
        max_pages,
        move |cursor: Option<PageCursor>| async move { provider.list_page(cursor.as_ref(), ctx).await },
        move |e: Error| e.in_account(account.as_str(), kind),
    )
}

/// Where the walk stands.
enum Next {
    /// No page asked yet.
    First,
    /// The last page was asked with `used` and answered `next`.
    After {
        used: Option<PageCursor>,
        next: PageCursor,
    },
    /// The list ended, or failed.
    Done,
}

struct Walk<F, L> {
    fetch: F,
    label: L,
    next: Next,
    pages: usize,
    max_pages: usize,
}

/// The pages `fetch` answers, from no cursor to the page whose `next` is `None`; `label`
/// completes the errors the walk raises itself (a repeated cursor, too many pages). Errors of
/// `fetch` are passed through as they are.
pub fn walk<F, Fut, L>(max_pages: usize, fetch: F, label: L) -> impl Stream<Item = Result<Page>>
where
    F: FnMut(Option<PageCursor>) -> Fut,
    Fut: Future<Output = Result<Page>>,
    L: Fn(Error) -> Error,
{
    let start = Walk {
        fetch,
        label,
        next: Next::First,
        pages: 0,
        max_pages,
    };
    stream::unfold(start, |mut w| async move {
        let cursor = match std::mem::replace(&mut w.next, Next::Done) {
            Next::Done => return None,
            Next::First => None,
            Next::After { used, next } => {
                if used.as_ref() == Some(&next) {
                    let e = Error::upstream_protocol(format!(
                        "vendor returned the same page cursor twice (after {} pages)",
                        w.pages
                    ));
                    let e = (w.label)(e).with_operation("list");
                    return Some((Err(e), w));
                }
                if w.pages > w.max_pages {
                    let e = (w.label)(Error::upstream_protocol("vendor list does not end"));
                    return Some((Err(e), w));
                }
                Some(next)
            }
        };
        match (w.fetch)(cursor.clone()).await {
            Ok(page) => {
                w.pages += 1;
                if let Some(next) = page.next.clone() {
                    w.next = Next::After { used: cursor, next };
                }
                Some((Ok(page), w))
            }
            Err(e) => Some((Err(e), w)),
        }
    })
}

/// Where an offset-paged crawl of a listing whose total can change under it is (the site-wide
/// admin listings: Cloudreve's, Seafile's), kept in the opaque page cursor as
/// `site:{page}:{total}:{restarts}`. A vendor restarts the crawl when the total it sees differs
/// from the one it started with (a deletion shifts every later offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteCursor {
    /// The 1-based page to ask for.
    pub page: u64,
    /// The listing's total when the crawl (re)started.
    pub total: u64,
    /// Restarts so far.
    pub restarts: u32,
}

impl SiteCursor {
    /// The first page of a crawl.
    pub fn start() -> SiteCursor {
        SiteCursor {
            page: 1,
            total: 0,
            restarts: 0,
        }
    }

    /// Reads a cursor [`SiteCursor::encode`] wrote; anything else is an `invalid_request`
    /// naming `vendor`.
    pub fn parse(cursor: &PageCursor, vendor: &str) -> Result<SiteCursor> {
        let bad = || Error::invalid_request(format!("not a {vendor} site-inventory page cursor"));
        let mut parts = cursor.0.strip_prefix("site:").ok_or_else(bad)?.split(':');
        let mut next = || {
            parts
                .next()
                .and_then(|p| p.parse::<u64>().ok())
                .ok_or_else(bad)
        };
        let (page, total, restarts) = (next()?, next()?, next()?);
        if page == 0 || parts.next().is_some() {
            return Err(bad());
        }
        Ok(SiteCursor {
            page,
            total,
            restarts: u32::try_from(restarts).map_err(|_| bad())?,
        })
    }

    /// The opaque form.
    pub fn encode(self) -> PageCursor {
        PageCursor(format!(
            "site:{}:{}:{}",
            self.page, self.total, self.restarts
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use futures::StreamExt;
    use std::sync::{Arc, Mutex};

    fn cursor(s: &str) -> PageCursor {
        PageCursor(s.to_owned())
    }

    /// The cursors a fake vendor was asked for, in order.
    type Asked = Arc<Mutex<Vec<Option<String>>>>;

    /// A vendor answering `next` for each cursor asked (`None` = first page), recording asks.
    fn vendor(
        next: fn(Option<&str>) -> Result<Option<&'static str>>,
    ) -> (
        Asked,
        impl FnMut(Option<PageCursor>) -> std::future::Ready<Result<Page>>,
    ) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let fetch = move |c: Option<PageCursor>| {
            let c = c.map(|c| c.0);
            log.lock().unwrap().push(c.clone());
            std::future::ready(next(c.as_deref()).map(|n| Page {
                next: n.map(cursor),
                ..Page::default()
            }))
        };
        (asked, fetch)
    }

    fn labelled(e: Error) -> Error {
        Error::new(e.kind(), format!("hq: {}", e.message()))
    }

    #[tokio::test]
    async fn the_walk_follows_cursors_until_the_last_page() {
        let (asked, fetch) = vendor(|c| {
            Ok(match c {
                None => Some("p2"),
                Some("p2") => Some("p3"),
                _ => None,
            })
        });
        let pages: Vec<Result<Page>> = walk(10, fetch, labelled).collect().await;
        assert_eq!(pages.len(), 3);
        assert!(pages.iter().all(|p| p.is_ok()));
        assert_eq!(
            *asked.lock().unwrap(),
            vec![None, Some("p2".to_owned()), Some("p3".to_owned())]
        );
    }

    #[tokio::test]
    async fn a_cursor_answered_twice_is_a_protocol_error_and_ends_the_walk() {
        let (asked, fetch) = vendor(|_| Ok(Some("p2")));
        let pages: Vec<Result<Page>> = walk(10, fetch, labelled).collect().await;
        assert_eq!(pages.len(), 3, "two pages, then the error");
        let e = pages[2].as_ref().expect_err("repeated cursor");
        assert_eq!(e.kind(), ErrorKind::UpstreamProtocol);
        assert_eq!(
            e.message(),
            "hq: vendor returned the same page cursor twice (after 2 pages)"
        );
        assert_eq!(asked.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_list_that_does_not_end_is_cut_after_max_pages() {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let mut fetch = |_c: Option<PageCursor>| {
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            std::future::ready(Ok(Page {
                next: Some(PageCursor(format!("c{n}"))),
                ..Page::default()
            }))
        };
        let pages: Vec<Result<Page>> = walk(5, &mut fetch, labelled).collect().await;
        assert_eq!(pages.len(), 7, "six pages (more than 5), then the error");
        let e = pages.last().unwrap().as_ref().expect_err("endless");
        assert_eq!(e.message(), "hq: vendor list does not end");
    }

    #[tokio::test]
    async fn a_vendor_error_passes_through_and_ends_the_walk() {
        let (asked, fetch) = vendor(|c| match c {
            None => Ok(Some("p2")),
            _ => Err(Error::upstream_unavailable("down")),
        });
        let pages: Vec<Result<Page>> = walk(10, fetch, labelled).collect().await;
        assert_eq!(pages.len(), 2);
        let e = pages[1].as_ref().expect_err("vendor error");
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::UpstreamUnavailable, "down")
        );
        assert_eq!(
            asked.lock().unwrap().len(),
            2,
            "nothing asked after the error"
        );
    }

    #[tokio::test]
    async fn a_consumer_that_stops_asks_for_no_further_page() {
        let (asked, fetch) = vendor(|_| Ok(Some("again")));
        let mut pages = Box::pin(walk(10, fetch, labelled));
        assert!(pages.next().await.expect("a page").is_ok());
        drop(pages);
        assert_eq!(asked.lock().unwrap().len(), 1);
    }

    #[test]
    fn site_cursors_round_trip_and_foreign_ones_are_refused() {
        let c = SiteCursor {
            page: 7,
            total: 1234,
            restarts: 2,
        };
        assert_eq!(SiteCursor::parse(&c.encode(), "X").ok(), Some(c));
        for bad in [
            "",
            "site:",
            "site:0:1:0",
            "site:1:2",
            "site:1:2:3:4",
            "page:1:2:3",
            "site:a:1:0",
        ] {
            let e = SiteCursor::parse(&PageCursor(bad.into()), "X").expect_err(bad);
            assert!(e.message().contains("not a X site-inventory"), "{bad}");
        }
    }
}
