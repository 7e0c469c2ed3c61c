//! Revoking: `POST /share/cancel` in chunks, and the per-id reading of its answer.

use super::{KooDriveProvider, CAPABILITIES};
use crate::client::Call;
use crate::dto::{CancelBody, CancelResponse, ShareSubResponse};
use crate::error::map_sub_result;
use reqwest::Method;
use std::collections::HashMap;
use unishare_core::lenient::Code;
use unishare_core::retry::Idempotency;
use unishare_core::{CallContext, Error, ErrorKind, Result, RevokeOutcome};

impl KooDriveProvider {
    /// Cancels `native_ids` in chunks of the batch maximum; one outcome per id, input order.
    /// An auth failure before any chunk succeeded fails the call; any other chunk failure is
    /// that chunk's ids' outcome.
    pub(super) async fn revoke_all(
        &self,
        native_ids: &[String],
        ctx: &CallContext,
    ) -> Result<Vec<RevokeOutcome>> {
        let mut results: HashMap<String, Result<()>> = HashMap::new();
        let mut chunk_errors: Vec<(usize, Error)> = Vec::new();
        let mut any_ok = false;
        for (i, chunk) in native_ids.chunks(CAPABILITIES.revoke_batch_max).enumerate() {
            match self.cancel_chunk(chunk, ctx).await {
                Ok(map) => {
                    any_ok = true;
                    results.extend(map);
                }
                Err(e) if e.kind() == ErrorKind::UpstreamAuth && !any_ok => return Err(e),
                Err(e) => chunk_errors.push((i, e)),
            }
        }
        let batch = CAPABILITIES.revoke_batch_max;
        Ok(native_ids
            .iter()
            .enumerate()
            .map(|(pos, id)| {
                let result = match chunk_errors.iter().find(|(c, _)| *c == pos / batch) {
                    Some((_, e)) => Err(e.clone()),
                    None => results.get(id).cloned().unwrap_or(Ok(())),
                };
                RevokeOutcome {
                    native_id: id.clone(),
                    result,
                }
            })
            .collect())
    }

    async fn cancel_chunk(
        &self,
        chunk: &[String],
        ctx: &CallContext,
    ) -> Result<HashMap<String, Result<()>>> {
        let call = Call {
            op: "revoke",
            method: Method::POST,
            path: "/share/cancel".into(),
            query: Vec::new(),
            body: Some(self.json(&CancelBody { share_ids: chunk }, "revoke")?),
            idempotency: Idempotency::Idempotent,
        };
        let resp: CancelResponse = self.client.call(&call, ctx).await?;
        Ok(self.cancel_results(chunk, resp.sub_response_list.unwrap_or_default()))
    }

    /// The per-id results of one cancel call. A sub-response names its share by `shareId`
    /// (seed page, carrier example) or, as the current reference's table has only
    /// `{code, msg}`, by its position in the request's `shareIds`; position is trusted only
    /// when the list has exactly one entry per id sent. Without a list the call's own
    /// `code: 0` answers for all; with one, an id it does not answer for is not confirmed.
    fn cancel_results(
        &self,
        chunk: &[String],
        subs: Vec<ShareSubResponse>,
    ) -> HashMap<String, Result<()>> {
        let mut out = HashMap::new();
        let per_id = !subs.is_empty();
        let positional = subs.len() == chunk.len();
        for (pos, sub) in subs.into_iter().enumerate() {
            let id = match sub.share_id {
                Some(id) => id.to_string(),
                None if positional => chunk[pos].clone(),
                None => continue,
            };
            let msg = sub.msg.or(sub.message);
            let result = match &sub.code {
                None | Some(Code::Num(0)) => Ok(()),
                Some(code) => {
                    let e = map_sub_result(code, msg.as_deref());
                    Err(self.ctx_err(e, "revoke"))
                }
            };
            out.insert(id, result);
        }
        if per_id {
            for id in chunk {
                out.entry(id.clone()).or_insert_with(|| {
                    Err(self.ctx_err(
                        Error::upstream_protocol(
                            "KooDrive's cancel answer did not answer for this share: \
                             not confirmed revoked",
                        ),
                        "revoke",
                    ))
                });
            }
        }
        out
    }
}
