//! [`CloudreveProvider`]: the share operations over the Cloudreve v4 API.

mod edit;
mod read;
mod site;

use crate::auth::Auth;
use crate::capabilities::CAPABILITIES;
use crate::client::{decode_envelope, Call, Http};
use crate::config::CloudreveConfig;
use crate::dto::ListAnswer;
use crate::error::{map_code, CallKind, CODE_LOGIN_REQUIRED};
use crate::mapping::{map_list_data, map_list_decoded};
use async_trait::async_trait;
use futures::StreamExt;
use reqwest::Method;
use serde::Serialize;
use serde_json::value::RawValue;
use std::convert::Infallible;
use std::fmt;
use unishare_core::client::Authorized;
use unishare_core::retry::{Idempotency, RetryPolicy};
use unishare_core::{
    AccountName, CallContext, Capabilities, CreateShare, Error, ErrorKind, Inventory, Page,
    PageCursor, Provider, RevokeOutcome, Secret, Share, ShareProvider, UpdateShare,
};

/// One API request, before authentication.
struct Req<'a, B> {
    method: Method,
    /// Path segments after `/api/v4`.
    path: &'a [&'a str],
    query: &'a [(&'a str, &'a str)],
    body: Option<&'a B>,
}

/// A one-pass decoder of a `200` answer body (see [`CloudreveProvider::call_one_pass`]).
type OnePass<T> = fn(&[u8]) -> Option<T>;

/// What a call made of a `code: 0` answer.
enum Reply<T> {
    /// Read by the call's one-pass decoder.
    Decoded(T),
    /// The envelope `data`, as JSON text.
    Data(Option<Box<RawValue>>),
}

/// How many single deletes one `revoke` runs at a time.
const REVOKE_CONCURRENCY: usize = 8;
/// Vendor options a create or update accepts (`req.vendor`), all booleans.
const VENDOR_OPTIONS: [&str; 2] = ["share_view", "show_readme"];

/// One Cloudreve v4 account.
///
/// Cheap to share behind an `Arc`; holds one HTTP connection pool and one token state.
pub struct CloudreveProvider {
    account: AccountName,
    http: Http,
    auth: Auth,
    policy: RetryPolicy,
    page_size: String,
    inventory: Inventory,
    auth_method: &'static str,
}

impl fmt::Debug for CloudreveProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudreveProvider")
            .field("account", &self.account.as_str())
            .field("api_base", &self.http.api_base().as_str())
            .field("auth", &self.auth_method)
            .field("page_size", &self.page_size)
            .field("inventory", &self.inventory)
            .finish_non_exhaustive()
    }
}

impl CloudreveProvider {
    /// Builds the provider. Fails on an invalid config (page size out of 10..=100, a base URL
    /// that is not an http(s) site root, an empty credential); makes no network call.
    pub fn new(config: CloudreveConfig) -> Result<Self, Error> {
        let in_account = |e: Error| e.in_account(config.account.as_str(), crate::provider());
        config.validate().map_err(in_account)?;
        let http = Http::new(config.api_base().map_err(in_account)?).map_err(in_account)?;
        Ok(CloudreveProvider {
            auth_method: config.auth.method(),
            account: config.account,
            http,
            auth: Auth::new(config.auth),
            policy: config.policy,
            page_size: config.page_size.to_string(),
            inventory: config.inventory,
        })
    }

    fn context(&self, op: &'static str) -> impl Fn(Error) -> Error + '_ {
        move |e| {
            e.in_account(self.account.as_str(), crate::provider())
                .with_operation(op)
        }
    }

    /// One attempt of an authenticated call: get a token, send, and on `401` renew the tokens
    /// once and send again. Returns what `one_pass` made of the body, or else the envelope
    /// `data` of a `code: 0` answer.
    async fn attempt<B: Serialize, T>(
        &self,
        req: &Req<'_, B>,
        ctx: &CallContext,
        one_pass: OnePass<T>,
    ) -> Result<Reply<T>, Error> {
        self.auth
            .call(&self.http, |token: Secret| async move {
                let body = self
                    .http
                    .send_raw(Call {
                        method: req.method.clone(),
                        path: req.path,
                        query: req.query,
                        body: req.body,
                        bearer: Some(&token),
                        correlation_id: ctx.request_id.as_deref(),
                    })
                    .await?;
                if let Some(t) = one_pass(&body) {
                    return Ok(Authorized::Done(Reply::Decoded(t)));
                }
                let answer = decode_envelope(&body)?;
                let err = || map_code(answer.code, &answer.msg, CallKind::Api);
                match answer.code {
                    0 => Ok(Authorized::Done(Reply::Data(answer.data))),
                    CODE_LOGIN_REQUIRED => Ok(Authorized::Rejected(err())),
                    _ => Err(err()),
                }
            })
            .await
    }

    /// An authenticated call under the retry policy, with account and operation context.
    /// Returns the envelope `data` of the `code: 0` answer.
    async fn call<B: Serialize>(
        &self,
        op: &'static str,
        idempotency: Idempotency,
        req: Req<'_, B>,
        ctx: &CallContext,
    ) -> Result<Option<Box<RawValue>>, Error> {
        match self
            .call_one_pass(op, idempotency, req, ctx, |_| None::<Infallible>)
            .await?
        {
            Reply::Decoded(never) => match never {},
            Reply::Data(data) => Ok(data),
        }
    }

    /// [`Self::call`] with a one-pass decoder: `one_pass` may read a `200` answer's envelope
    /// and content in a single pass (a list page is ~50 KB) and returns `None` whenever it is
    /// not sure; the answer then goes through the envelope and the caller's own decoding.
    async fn call_one_pass<B: Serialize, T>(
        &self,
        op: &'static str,
        idempotency: Idempotency,
        req: Req<'_, B>,
        ctx: &CallContext,
        one_pass: OnePass<T>,
    ) -> Result<Reply<T>, Error> {
        self.policy
            .run(op, idempotency, |_| self.attempt(&req, ctx, one_pass))
            .await
            .map_err(self.context(op))
    }

    async fn delete_one(&self, native_id: &str, ctx: &CallContext) -> Result<(), Error> {
        check_native_id(native_id).map_err(self.context("revoke"))?;
        self.policy
            .run("revoke", Idempotency::Idempotent, |n| async move {
                match self
                    .attempt(
                        &Req {
                            method: Method::DELETE,
                            path: &["share", native_id],
                            query: &[],
                            body: None::<&()>,
                        },
                        ctx,
                        |_| None::<Infallible>,
                    )
                    .await
                {
                    // An earlier attempt may have deleted it before its answer was lost.
                    Err(e) if n > 0 && e.kind() == ErrorKind::NotFound => Ok(()),
                    other => other.map(drop),
                }
            })
            .await
            .map(|_| ())
            .map_err(self.context("revoke"))
    }
}

#[async_trait]
impl ShareProvider for CloudreveProvider {
    fn provider(&self) -> Provider {
        crate::provider()
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn inventory(&self) -> Inventory {
        self.inventory
    }

    fn check_native_id(&self, native_id: &str) -> Result<(), Error> {
        crate::native_id::check(native_id)
    }

    async fn list_page(
        &self,
        cursor: Option<&PageCursor>,
        ctx: &CallContext,
    ) -> Result<Page, Error> {
        if self.inventory == Inventory::Site {
            return self.list_site_page(cursor, ctx).await;
        }
        // Default (id) order: the vendor's cursor predicate is id-based whatever the order.
        let mut query = vec![
            ("page_size", self.page_size.as_str()),
            ("order_direction", "desc"),
        ];
        if let Some(c) = cursor {
            if c.0.trim().is_empty() {
                return Err(self.context("list")(Error::invalid_request(
                    "empty page cursor",
                )));
            }
            query.push(("next_page_token", c.0.as_str()));
        }
        let reply = self
            .call_one_pass(
                "list",
                Idempotency::Idempotent,
                Req {
                    method: Method::GET,
                    path: &["share"],
                    query: &query,
                    body: None::<&()>,
                },
                ctx,
                ListAnswer::one_pass,
            )
            .await?;
        let (mut page, next) = match reply {
            Reply::Decoded(data) => map_list_decoded(&self.account, data),
            Reply::Data(data) => {
                map_list_data(&self.account, data.as_deref()).map_err(self.context("list"))?
            }
        };
        if let (Some(next), Some(current)) = (&next, cursor) {
            if *next == current.0 {
                return Err(self.context("list")(Error::upstream_protocol(
                    "Cloudreve returned the page token it was given; the list would never end",
                )));
            }
        }
        page.next = next.map(PageCursor);
        Ok(page)
    }

    async fn get(&self, native_id: &str, ctx: &CallContext) -> Result<Share, Error> {
        let known = ctx
            .known
            .as_ref()
            .filter(|k| k.native_id == native_id && k.account == self.account.as_str());
        let code = known.and_then(|k| k.password.as_ref()).map(Secret::expose);
        self.read_share(native_id, code, known, "get", ctx).await
    }

    async fn create(&self, req: &CreateShare, ctx: &CallContext) -> Result<Share, Error> {
        self.create_share(req, ctx).await
    }

    async fn update(
        &self,
        native_id: &str,
        req: &UpdateShare,
        ctx: &CallContext,
    ) -> Result<Share, Error> {
        self.edit_share(native_id, req, ctx).await
    }

    async fn revoke(
        &self,
        native_ids: &[String],
        ctx: &CallContext,
    ) -> Result<Vec<RevokeOutcome>, Error> {
        if native_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Nothing can be attempted without a token: fail the whole call then.
        self.auth
            .access(&self.http)
            .await
            .map_err(self.context("revoke"))?;
        // Single deletes: the batch route (4.16+) silently skips ids it cannot delete and has
        // a documented double-JSON bug on error.
        let outcomes = futures::stream::iter(native_ids.iter().cloned())
            .map(|id: String| async move {
                let result = self.delete_one(&id, ctx).await;
                RevokeOutcome {
                    native_id: id,
                    result,
                }
            })
            .buffered(REVOKE_CONCURRENCY)
            .collect()
            .await;
        Ok(outcomes)
    }
}

/// Rejects an id that cannot be a share hashid before it reaches a vendor path.
fn check_native_id(native_id: &str) -> Result<(), Error> {
    if native_id.is_empty() || native_id.len() > 64 || native_id.contains(['/', '?', '#']) {
        return Err(Error::invalid_request(format!(
            "{:?} is not a Cloudreve share id",
            native_id.chars().take(64).collect::<String>()
        )));
    }
    Ok(())
}
