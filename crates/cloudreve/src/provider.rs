//! [`CloudreveProvider`]: the share operations over the Cloudreve v4 API.

use crate::auth::Auth;
use crate::capabilities::CAPABILITIES;
use crate::client::{decode_envelope, from_data, Call, Http};
use crate::config::CloudreveConfig;
use crate::dto::{ListAnswer, ShareDto, ShareUpsertRequest};
use crate::error::{map_code, CallKind, CODE_LOGIN_REQUIRED};
use crate::mapping::{map_list_data, map_list_decoded, map_raw, parse_share_url};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use reqwest::Method;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::convert::Infallible;
use std::fmt;
use unishare_core::retry::{Idempotency, RetryPolicy};
use unishare_core::{
    AccountName, Audience, CallContext, Capabilities, CreateShare, Error, ErrorKind, Owner, Page,
    PageCursor, Patch, Permissions, Provider, RevokeOutcome, Secret, Share, ShareId, ShareProvider,
    ShareStatus, Source, SourceInput, SourceKind, Stats, UpdateShare, VendorFieldsBuilder,
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
    auth_method: &'static str,
}

impl fmt::Debug for CloudreveProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudreveProvider")
            .field("account", &self.account.as_str())
            .field("api_base", &self.http.api_base().as_str())
            .field("auth", &self.auth_method)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl CloudreveProvider {
    /// Builds the provider. Fails on an invalid config (page size out of 10..=100, a base URL
    /// that is not an http(s) site root, an empty credential); makes no network call.
    pub fn new(config: CloudreveConfig) -> Result<Self, Error> {
        let in_account = |e: Error| e.in_account(config.account.as_str(), Provider::Cloudreve);
        config.validate().map_err(in_account)?;
        let http = Http::new(config.api_base().map_err(in_account)?).map_err(in_account)?;
        Ok(CloudreveProvider {
            auth_method: config.auth.method(),
            account: config.account,
            http,
            auth: Auth::new(config.auth),
            policy: config.policy,
            page_size: config.page_size.to_string(),
        })
    }

    fn context(&self, op: &'static str) -> impl Fn(Error) -> Error + '_ {
        move |e| {
            e.in_account(self.account.as_str(), Provider::Cloudreve)
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
        let token = self.auth.access(&self.http).await?;
        let call = |bearer| Call {
            method: req.method.clone(),
            path: req.path,
            query: req.query,
            body: req.body,
            bearer: Some(bearer),
            correlation_id: ctx.request_id.as_deref(),
        };
        let body = self.http.send_raw(call(&token.token)).await?;
        if let Some(t) = one_pass(&body) {
            return Ok(Reply::Decoded(t));
        }
        let mut answer = decode_envelope(&body)?;
        if answer.code == CODE_LOGIN_REQUIRED {
            tracing::debug!(account = %self.account, "Cloudreve answered 401; renewing the token once");
            let fresh = self
                .auth
                .after_unauthorized(&self.http, token.generation)
                .await?;
            let body = self.http.send_raw(call(&fresh.token)).await?;
            if let Some(t) = one_pass(&body) {
                return Ok(Reply::Decoded(t));
            }
            answer = decode_envelope(&body)?;
        }
        if answer.code != 0 {
            return Err(map_code(answer.code, &answer.msg, CallKind::Api));
        }
        Ok(Reply::Data(answer.data))
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

    /// `GET /share/info/{id}?owner_extended=true`, raw, as the owner sees it.
    ///
    /// The route has optional auth: a token the server no longer accepts is not a `401` there
    /// but an anonymous answer (no `source_uri`, and for a password share no password, expiry
    /// or download counts: `vendors/cloudreve-v4.md` §2.3). Such an answer renews the token
    /// once and asks again; what a fresh token gets is the owner's view.
    async fn fetch_info(
        &self,
        native_id: &str,
        op: &'static str,
        ctx: &CallContext,
    ) -> Result<Box<RawValue>, Error> {
        check_native_id(native_id).map_err(self.context(op))?;
        let sent_with = self
            .auth
            .access(&self.http)
            .await
            .map_err(self.context(op))?
            .generation;
        let data = self.fetch_info_once(native_id, op, ctx).await?;
        if answered_as_owner(&data) {
            return Ok(data);
        }
        tracing::debug!(account = %self.account, "Cloudreve answered share info anonymously; renewing the token once");
        self.auth
            .after_unauthorized(&self.http, sent_with)
            .await
            .map_err(self.context(op))?;
        self.fetch_info_once(native_id, op, ctx).await
    }

    async fn fetch_info_once(
        &self,
        native_id: &str,
        op: &'static str,
        ctx: &CallContext,
    ) -> Result<Box<RawValue>, Error> {
        let data = self
            .call(
                op,
                Idempotency::Idempotent,
                Req {
                    method: Method::GET,
                    path: &["share", "info", native_id],
                    query: &[("owner_extended", "true")],
                    body: None::<&()>,
                },
                ctx,
            )
            .await?;
        data.ok_or_else(|| {
            self.context(op)(Error::upstream_protocol("share info answer without data"))
        })
    }

    /// `GET /share/info/{id}` mapped into the unified model.
    async fn fetch_share(
        &self,
        native_id: &str,
        op: &'static str,
        ctx: &CallContext,
    ) -> Result<Share, Error> {
        let raw = self.fetch_info(native_id, op, ctx).await?;
        map_raw(&self.account, &raw).map_err(|skipped| {
            self.context(op)(Error::upstream_protocol(format!(
                "unreadable share {native_id}: {}",
                skipped.reason
            )))
        })
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

    /// The share the vendor just created, when reading it back failed: built from the
    /// request and the returned URL so that a successful create is never reported as failed
    /// (a caller would create a duplicate).
    fn provisional(
        &self,
        native_id: &str,
        vendor_url: &str,
        req: &CreateShare,
        uri: &str,
    ) -> Result<Share, Error> {
        let parsed = parse_share_url(vendor_url);
        let password = req.password.clone().or_else(|| {
            parsed
                .as_ref()
                .and_then(|p| p.password.clone())
                .map(Secret::new)
        });
        let (url, secret_url) = match &parsed {
            Some(p) if p.password.is_some() => {
                (p.public_url.clone(), Some(Secret::new(vendor_url)))
            }
            _ => (vendor_url.to_owned(), None),
        };
        let mut vendor = VendorFieldsBuilder::default();
        for key in VENDOR_OPTIONS {
            vendor.insert_some(key, req.vendor.get(key));
        }
        Ok(Share {
            id: ShareId::new(&self.account, native_id)?,
            account: self.account.as_str().into(),
            provider: Provider::Cloudreve,
            native_id: native_id.into(),
            name: uri
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .into(),
            url: url.into(),
            secret_url,
            short_code: Some(native_id.into()),
            status: ShareStatus::Active,
            audience: Audience::Anyone,
            password_protected: password.is_some(),
            password,
            created_at: Some(Utc::now()),
            expires_at: req.expires_at,
            permissions: Permissions::default(),
            stats: Stats {
                views: Some(0),
                downloads: Some(0),
                saves: None,
            },
            remaining_downloads: req.max_downloads.map(i64::from),
            source: Source {
                kind: SourceKind::Unknown,
                uri: Some(uri.into()),
                files: Vec::new(),
            },
            owner: None::<Box<Owner>>,
            comment: None,
            vendor: vendor.build(),
        })
    }
}

#[async_trait]
impl ShareProvider for CloudreveProvider {
    fn provider(&self) -> Provider {
        Provider::Cloudreve
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn check_native_id(&self, native_id: &str) -> Result<(), Error> {
        crate::native_id::check(native_id)
    }

    async fn list_page(
        &self,
        cursor: Option<&PageCursor>,
        ctx: &CallContext,
    ) -> Result<Page, Error> {
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
        self.fetch_share(native_id, "get", ctx).await
    }

    async fn create(&self, req: &CreateShare, ctx: &CallContext) -> Result<Share, Error> {
        let now = Utc::now();
        CAPABILITIES
            .check_create(req, now)
            .map_err(self.context("create"))?;
        let SourceInput::Uri { uri } = &req.source else {
            return Err(self.context("create")(Error::invalid_request(
                "Cloudreve sources are URIs: send {\"source\": {\"uri\": \"cloudreve://my/...\"}}",
            )));
        };
        let uri = uri.trim();
        let (share_view, show_readme) =
            vendor_flags(&req.vendor, (false, false)).map_err(self.context("create"))?;
        let body = ShareUpsertRequest {
            uri,
            is_private: req.password.is_some(),
            password: req.password.as_ref().map(Secret::expose).unwrap_or(""),
            downloads: req.max_downloads.map(i64::from).unwrap_or(0),
            expire: req.expires_at.map(|at| seconds_until(at, now)).unwrap_or(0),
            share_view,
            show_readme,
        };
        let data = self
            .call(
                "create",
                Idempotency::NonIdempotent,
                Req {
                    method: Method::PUT,
                    path: &["share"],
                    query: &[],
                    body: Some(&body),
                },
                ctx,
            )
            .await?;
        let vendor_url = data
            .as_deref()
            .and_then(|d| from_data::<String>(Some(d)).ok())
            .ok_or_else(|| {
                self.context("create")(Error::upstream_protocol(
                    "create answered without the share URL",
                ))
            })?;
        let Some(parsed) = parse_share_url(&vendor_url) else {
            return Err(self.context("create")(Error::upstream_protocol(format!(
                "create answered a URL without /s/{{id}}: {vendor_url:?}"
            ))));
        };
        match self.fetch_share(&parsed.id, "create", ctx).await {
            Ok(share) => Ok(share),
            Err(e) => {
                tracing::warn!(
                    account = %self.account,
                    native_id = %parsed.id,
                    error = %e,
                    "share created but reading it back failed; returning what the request said"
                );
                self.provisional(&parsed.id, &vendor_url, req, uri)
                    .map_err(self.context("create"))
            }
        }
    }

    async fn update(
        &self,
        native_id: &str,
        req: &UpdateShare,
        ctx: &CallContext,
    ) -> Result<Share, Error> {
        CAPABILITIES
            .check_update(req, Utc::now())
            .map_err(self.context("update"))?;
        // Edit is a full replace of the limits and needs the share's own file URI: read first.
        let raw = self.fetch_info(native_id, "update", ctx).await?;
        let current: ShareDto = from_data(Some(&raw)).map_err(|e| {
            self.context("update")(Error::upstream_protocol(format!(
                "unreadable share {native_id}: {e}"
            )))
        })?;
        let current_flags = (
            current.share_view.unwrap_or(false),
            current.show_readme.unwrap_or(false),
        );
        let (share_view, show_readme) =
            vendor_flags(&req.vendor, current_flags).map_err(self.context("update"))?;
        let Some(uri) = current.source_uri.as_deref().filter(|u| !u.is_empty()) else {
            return Err(self.context("update")(Error::upstream_protocol(
                "Cloudreve did not report the share's source_uri (owner_extended); only the owner can edit a share",
            )));
        };
        let now = Utc::now();
        let downloads = match req.max_downloads {
            Patch::Set(n) => i64::from(n),
            Patch::Clear => 0,
            Patch::Unchanged => match current.remain_downloads {
                Some(n) if n > 0 => n,
                // 0 would clear the limit, reviving an exhausted share.
                Some(_) => {
                    return Err(self.context("update")(Error::new(
                        ErrorKind::Conflict,
                        "the share has no downloads left: set max_downloads to change it",
                    )))
                }
                None => 0,
            },
        };
        let expire = match req.expires_at {
            Patch::Set(at) => seconds_until(at, now),
            Patch::Clear => 0,
            Patch::Unchanged => current
                .expires
                .map(|at| seconds_until(at, now))
                .unwrap_or(0),
        };
        let password = current.password.as_deref().unwrap_or("");
        let body = ShareUpsertRequest {
            uri,
            // Ignored by the server on edit; sent as they are so that nothing could change.
            is_private: !password.is_empty(),
            password,
            downloads,
            expire,
            share_view,
            show_readme,
        };
        self.call(
            "update",
            Idempotency::Idempotent,
            Req {
                method: Method::POST,
                path: &["share", native_id],
                query: &[],
                body: Some(&body),
            },
            ctx,
        )
        .await?;
        self.fetch_share(native_id, "update", ctx).await
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

/// Seconds from `now` to `at`, rounded up, at least 1 (the vendor's `expire`).
fn seconds_until(at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let ms = (at - now).num_milliseconds();
    ((ms + 999) / 1000).max(1)
}

/// Reads `share_view` / `show_readme` from `req.vendor` (booleans), defaulting to `current`;
/// any other key is an invalid request naming it.
fn vendor_flags(vendor: &Map<String, Value>, current: (bool, bool)) -> Result<(bool, bool), Error> {
    if let Some(key) = vendor
        .keys()
        .find(|k| !VENDOR_OPTIONS.contains(&k.as_str()))
    {
        return Err(Error::invalid_request(format!(
            "unknown Cloudreve vendor option {key:?}: supported are \"share_view\" and \"show_readme\""
        )));
    }
    let flag = |key: &str, default: bool| match vendor.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Error::invalid_request(format!(
            "vendor option {key:?} must be a boolean"
        ))),
    };
    Ok((
        flag("share_view", current.0)?,
        flag("show_readme", current.1)?,
    ))
}

/// Whether a `/share/info?owner_extended=true` answer is the owner's view: only the owner
/// gets `source_uri` (`vendors/cloudreve-v4.md` §3, Share fields).
fn answered_as_owner(data: &RawValue) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        source_uri: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_str::<Probe>(data.get()).is_ok_and(|p| p.source_uri.is_some())
}

fn check_native_id(native_id: &str) -> Result<(), Error> {
    if native_id.is_empty() || native_id.len() > 64 || native_id.contains(['/', '?', '#']) {
        return Err(Error::invalid_request(format!(
            "{:?} is not a Cloudreve share id",
            native_id.chars().take(64).collect::<String>()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expire_seconds_round_up_and_are_positive() {
        let now = Utc::now();
        assert_eq!(
            seconds_until(now + chrono::Duration::milliseconds(1500), now),
            2
        );
        assert_eq!(seconds_until(now + chrono::Duration::seconds(60), now), 60);
        assert_eq!(seconds_until(now - chrono::Duration::seconds(5), now), 1);
    }

    #[test]
    fn vendor_options_are_checked() {
        let m = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(
            vendor_flags(&m(json!({})), (true, false)).unwrap(),
            (true, false)
        );
        assert_eq!(
            vendor_flags(
                &m(json!({"share_view": false, "show_readme": true})),
                (true, false)
            )
            .unwrap(),
            (false, true)
        );
        let e = vendor_flags(&m(json!({"price": 20})), (false, false)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert!(e.message().contains("price"));
        assert!(vendor_flags(&m(json!({"share_view": "yes"})), (false, false)).is_err());
    }
}
