//! The contract one crate per vendor implements.

use crate::capabilities::Capabilities;
use crate::error::Result;
use crate::id::AccountName;
use crate::model::{Provider, Share};
use crate::request::{CreateShare, Page, PageCursor, RevokeOutcome, UpdateShare};
use async_trait::async_trait;

/// Per-call context passed from the gateway to a provider.
#[derive(Clone, Debug, Default)]
pub struct CallContext {
    /// The gateway request id, forwarded to vendors that take a trace id so that a vendor-side
    /// trace can be matched to ours.
    pub request_id: Option<String>,
    /// The gateway's copy of the share a `get` or `update` is about (from the account's
    /// snapshot), when it has one. A vendor may need what only its list reports to read or
    /// edit one share (Cloudreve: the share's access code; a share's file URI learned from an
    /// earlier read while the link was still valid) and must treat it as possibly stale.
    pub known: Option<Share>,
}

impl CallContext {
    /// A context carrying a request id.
    pub fn with_request_id(id: impl Into<String>) -> Self {
        CallContext {
            request_id: Some(id.into()),
            known: None,
        }
    }

    /// This context with the gateway's copy of the share the call is about.
    pub fn with_known(mut self, known: Option<Share>) -> Self {
        self.known = known;
        self
    }
}

/// One configured vendor account, seen through the unified model.
///
/// Object-safe: the gateway holds `Arc<dyn ShareProvider>`. Implementations:
/// - map the vendor's JSON into [`Share`] with ids `{account}:{native_id}`;
/// - map every vendor error code into an [`crate::ErrorKind`] in one function;
/// - call [`Capabilities::check_create`] / [`Capabilities::check_update`] before any vendor
///   call, so an unsupported option is never silently dropped;
/// - never put a secret in a log line, a `Debug` output or an error message.
#[async_trait]
pub trait ShareProvider: Send + Sync + 'static {
    /// The vendor kind.
    fn provider(&self) -> Provider;

    /// The configured account name.
    fn account(&self) -> &AccountName;

    /// What this account can do.
    fn capabilities(&self) -> Capabilities;

    /// Whose links the account lists (default: its own user's).
    fn inventory(&self) -> crate::Inventory {
        crate::Inventory::User
    }

    /// One page of the account's own shares, in the vendor's stable crawl order. `None` asks
    /// for the first page; pass back [`Page::next`] for the following one. A short or empty
    /// page is not the end: only `next == None` is.
    async fn list_page(&self, cursor: Option<&PageCursor>, ctx: &CallContext) -> Result<Page>;

    /// One share by its vendor id. Unknown (or, for vendors that cannot tell, expired) ids are
    /// [`crate::ErrorKind::NotFound`].
    async fn get(&self, native_id: &str, ctx: &CallContext) -> Result<Share>;

    /// Creates a link and returns it as the vendor now reports it.
    async fn create(&self, req: &CreateShare, ctx: &CallContext) -> Result<Share>;

    /// Changes a link and returns it as the vendor now reports it.
    async fn update(&self, native_id: &str, req: &UpdateShare, ctx: &CallContext) -> Result<Share>;

    /// Revokes links, batching as the vendor allows; one outcome per id, in input order.
    /// `Err` only when nothing could be attempted (e.g. authentication failed).
    async fn revoke(&self, native_ids: &[String], ctx: &CallContext) -> Result<Vec<RevokeOutcome>>;

    /// Checks the form of a native id a client sent, before it reaches a vendor path (the
    /// gateway calls this once, where it resolves a share id). A vendor's ids have one form
    /// (Cloudreve hashids, KooDrive digits); anything else is an
    /// [`crate::ErrorKind::InvalidRequest`]. The default accepts what [`crate::ShareId`] does.
    fn check_native_id(&self, _native_id: &str) -> Result<()> {
        Ok(())
    }

    /// How often [`Self::keep_alive`] should run; `None` (the default): the account's
    /// credentials do not lapse when unused.
    fn keep_alive_interval(&self) -> Option<std::time::Duration> {
        None
    }

    /// Keeps the vendor session alive through idle periods (KooDrive's user token dies after
    /// 20 minutes without a call); makes a call only when one is due. The default does nothing.
    async fn keep_alive(&self, _ctx: &CallContext) -> Result<()> {
        Ok(())
    }
}
