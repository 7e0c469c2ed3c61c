//! Listing every user's links for a site administrator (`crate::site` maps the answers).

use super::{CloudreveProvider, Req};
use crate::site::{map_page, AdminListRequest};
use chrono::Utc;
use reqwest::Method;
use unishare_core::paging::SiteCursor;
use unishare_core::retry::Idempotency;
use unishare_core::{CallContext, Error, ErrorKind, Page, PageCursor};

impl CloudreveProvider {
    /// One page of `POST /admin/share`. A login that is not a site administrator gets
    /// `{"code":403,"msg":""}` from `middleware.IsAdmin` (BE-4.18 `middleware/auth.go` l.270):
    /// an account error saying so, not a vendor fault.
    pub(super) async fn list_site_page(
        &self,
        cursor: Option<&PageCursor>,
        ctx: &CallContext,
    ) -> Result<Page, Error> {
        let at = match cursor {
            Some(c) => SiteCursor::parse(c, "Cloudreve").map_err(self.context("list"))?,
            None => SiteCursor::start(),
        };
        let page_size: u32 = self.page_size.parse().unwrap_or(100);
        let body = AdminListRequest::page(at.page, page_size);
        let data = self
            .call(
                "list",
                Idempotency::Idempotent,
                Req {
                    method: Method::POST,
                    path: &["admin", "share"],
                    query: &[],
                    body: Some(&body),
                },
                ctx,
            )
            .await
            .map_err(not_an_admin)?;
        map_page(&self.account, data.as_deref(), at, page_size, Utc::now())
            .map_err(self.context("list"))
    }
}

/// `403` on the admin route: the credentials are not a site administrator's.
fn not_an_admin(e: Error) -> Error {
    if e.kind() == ErrorKind::Forbidden && e.vendor_code() == Some("403") {
        let account = e.account().map(str::to_owned);
        let mut out = Error::upstream_auth(
            "the account is not a site administrator: Cloudreve refused POST /api/v4/admin/share \
             (403); inventory = \"site\" needs an administrator's credentials",
        )
        .with_vendor_code("403")
        .with_operation("list");
        if let (Some(a), Some(p)) = (account, e.provider()) {
            out = out.in_account(&a, p);
        }
        return out;
    }
    e
}
