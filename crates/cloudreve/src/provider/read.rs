//! Reading one share as its owner: `GET /share/info/{id}` (`vendors/cloudreve-v4.md` §3.4,
//! §3.7; `docs/vendors/cloudreve.md`).
//!
//! Three facts of the BE-4.18 source shape this file:
//! - `owner_extended=true` opens the share through the share navigator, which checks the
//!   share's password with no owner exemption: without `&password=<code>` a password share
//!   answers `40069 "File not found"`. The code comes from the gateway's copy of the share
//!   (the owner's list reports it), else from a plain info call (the owner is always unlocked).
//! - A single-file share's `source_uri` is the file's parent folder: the file's own URI is the
//!   folder URI joined with the percent-encoded name.
//! - An invalid link (expired, out of downloads, source in the trash, owner inactive) answers
//!   `404 "Share link expired"`: the share exists, so it is reported with its status, from the
//!   gateway's copy or from the owner's list.

use super::{CloudreveProvider, Req};
use crate::error::{is_incorrect_share_password, is_link_expired};
use crate::mapping::{map_raw, status_of};
use crate::uri::file_in_folder;
use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;
use unishare_core::lenient;
use unishare_core::retry::Idempotency;
use unishare_core::Inventory;
use unishare_core::{
    CallContext, Error, PageCursor, Share, ShareProvider, ShareStatus, SourceKind,
};

/// Which `/share/info` view to ask for.
#[derive(Clone, Copy)]
enum View<'a> {
    /// `owner_extended=true` (adds `source_uri`), with the share's access code when it has one.
    Extended(Option<&'a str>),
    /// No query: what any visitor asks; the owner gets the unlocked share, code included.
    Plain,
}

impl CloudreveProvider {
    /// One share as its owner sees it. `code` is the access code the gateway knows for it (the
    /// owner's list reports it); `known` is the gateway's copy, used when the link is no
    /// longer valid.
    pub(super) async fn read_share(
        &self,
        native_id: &str,
        code: Option<&str>,
        known: Option<&Share>,
        op: &'static str,
        ctx: &CallContext,
    ) -> Result<Share, Error> {
        match self.owner_view(native_id, code, op, ctx).await {
            Err(e) if is_link_expired(&e) => self.invalid_share(native_id, known, e, ctx).await,
            other => other,
        }
    }

    /// `GET /share/info/{id}?owner_extended=true[&password=…]`, mapped, with the share's own
    /// source URI. A missing or stale code (`40069`) is learned once from a plain info call.
    pub(super) async fn owner_view(
        &self,
        native_id: &str,
        code: Option<&str>,
        op: &'static str,
        ctx: &CallContext,
    ) -> Result<Share, Error> {
        let raw = match self
            .fetch_info(native_id, View::Extended(code), op, ctx)
            .await
        {
            Err(e) if is_incorrect_share_password(&e) => {
                let code = self.learn_code(native_id, op, ctx).await?;
                self.fetch_info(native_id, View::Extended(Some(&code)), op, ctx)
                    .await?
            }
            other => other?,
        };
        let mut share = map_raw(&self.account, &raw).map_err(|skipped| {
            self.context(op)(Error::upstream_protocol(format!(
                "unreadable share {native_id}: {}",
                skipped.reason
            )))
        })?;
        if share.source.kind == SourceKind::File {
            if let Some(folder) = share.source.uri.take() {
                share.source.uri = Some(file_in_folder(&folder, &share.name).into());
            }
        }
        Ok(share)
    }

    /// The access code of a password share, from the owner's plain view.
    async fn learn_code(
        &self,
        native_id: &str,
        op: &'static str,
        ctx: &CallContext,
    ) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct Code {
            #[serde(default, deserialize_with = "lenient::string_opt")]
            password: Option<String>,
        }
        let raw = self.fetch_info(native_id, View::Plain, op, ctx).await?;
        serde_json::from_str::<Code>(raw.get())
            .ok()
            .and_then(|c| c.password)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                self.context(op)(Error::upstream_protocol(format!(
                    "Cloudreve asked for the access code of share {native_id} but did not tell it to its owner"
                )))
            })
    }

    /// A share Cloudreve calls `404 "Share link expired"`: it exists but is not valid. When the
    /// gateway's copy explains why (a past expiry, no downloads left) that copy is the answer,
    /// as `expired`. Otherwise (a copy with downloads left may be stale, or the source went to
    /// the trash) the owner's list, which still holds the share with its limits, says which
    /// ([`status_of`]).
    async fn invalid_share(
        &self,
        native_id: &str,
        known: Option<&Share>,
        expired: Error,
        ctx: &CallContext,
    ) -> Result<Share, Error> {
        if let Some(known) = known {
            let status = status_of(true, true, known.expires_at, known.remaining_downloads);
            if status == ShareStatus::Expired {
                let mut share = known.clone();
                share.status = status;
                return Ok(share);
            }
        }
        let mut cursor: Option<PageCursor> = None;
        loop {
            let page = self.list_page(cursor.as_ref(), ctx).await?;
            if let Some(mut share) = page.shares.into_iter().find(|s| s.native_id == native_id) {
                // The list has no source URI: keep the one the copy learned.
                if let Some(known) = known {
                    share.fill_unreported(known);
                }
                return Ok(share);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Err(self.context("get")(expired)),
            }
        }
    }

    /// `GET /share/info/{id}` in the given view, raw, as the owner sees it.
    ///
    /// The route has optional auth: a token the server no longer accepts is not a `401` there
    /// but an anonymous answer (no `source_uri`; a password share locked: §2.3). Such an
    /// answer renews the token once and asks again; what a fresh token gets is the owner's view.
    async fn fetch_info(
        &self,
        native_id: &str,
        view: View<'_>,
        op: &'static str,
        ctx: &CallContext,
    ) -> Result<Box<RawValue>, Error> {
        super::check_native_id(native_id).map_err(self.context(op))?;
        let sent_with = self
            .auth
            .access(&self.http)
            .await
            .map_err(self.context(op))?
            .generation;
        let data = self.fetch_info_once(native_id, view, op, ctx).await?;
        // A site administrator reads other users' shares: not the owner's view, and rightly.
        if self.inventory == Inventory::Site || answered_as_owner(&data, view) {
            return Ok(data);
        }
        tracing::debug!(account = %self.account, "Cloudreve answered share info anonymously; renewing the token once");
        self.auth
            .after_unauthorized(&self.http, sent_with)
            .await
            .map_err(self.context(op))?;
        self.fetch_info_once(native_id, view, op, ctx).await
    }

    async fn fetch_info_once(
        &self,
        native_id: &str,
        view: View<'_>,
        op: &'static str,
        ctx: &CallContext,
    ) -> Result<Box<RawValue>, Error> {
        let query: Vec<(&str, &str)> = match view {
            View::Extended(None) => vec![("owner_extended", "true")],
            View::Extended(Some(code)) => vec![("owner_extended", "true"), ("password", code)],
            View::Plain => Vec::new(),
        };
        let data = self
            .call(
                op,
                Idempotency::Idempotent,
                Req {
                    method: Method::GET,
                    path: &["share", "info", native_id],
                    query: &query,
                    body: None::<&()>,
                },
                ctx,
            )
            .await?;
        data.ok_or_else(|| {
            self.context(op)(Error::upstream_protocol("share info answer without data"))
        })
    }
}

/// Whether a `/share/info` answer is the owner's view: only the owner gets `source_uri` in the
/// extended view, and only an unlocked viewer (always the owner) gets `unlocked: true` for a
/// password share in the plain one (`vendors/cloudreve-v4.md` §4).
fn answered_as_owner(data: &RawValue, view: View<'_>) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        source_uri: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        unlocked: Option<bool>,
    }
    let Ok(probe) = serde_json::from_str::<Probe>(data.get()) else {
        return false;
    };
    match view {
        View::Extended(_) => probe.source_uri.is_some(),
        View::Plain => probe.unlocked == Some(true),
    }
}
