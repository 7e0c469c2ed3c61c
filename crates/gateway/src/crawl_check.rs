//! What a finished crawl may install: the integrity rule against the previous snapshot, and
//! the source URIs single-share reads learned that the vendor's list does not report.

use crate::snapshot::Snapshot;
use std::sync::Arc;
use unishare_core::{Error, Share};

/// A crawl that skipped records may shrink the snapshot by at most this share (in percent)
/// before it is rejected as damaged data.
pub const SHRINK_TOLERANCE_PERCENT: usize = 10;

/// Applies the integrity rule to a finished crawl against the previous snapshot: carries
/// forward the previous version of records that were listed but unreadable, then rejects the
/// crawl when it skipped records and still lost more than [`SHRINK_TOLERANCE_PERCENT`] of
/// the previous shares. Returns the shares to install.
pub fn check_crawl(
    previous: Option<&Snapshot>,
    mut shares: Vec<Arc<Share>>,
    skipped: &[Option<String>],
) -> Result<Vec<Arc<Share>>, Error> {
    let Some(prev) = previous else {
        return Ok(shares);
    };
    keep_learned_uris(prev, &mut shares);
    if skipped.is_empty() {
        return Ok(shares);
    }
    let carried: Vec<Arc<Share>> = {
        // `present` also takes each carried id, so an unreadable record listed twice is
        // carried once.
        let mut present: std::collections::HashSet<&str> =
            shares.iter().map(|s| s.native_id.as_str()).collect();
        skipped
            .iter()
            .flatten()
            .filter(|id| present.insert(id.as_str()))
            .filter_map(|id| prev.get(id).cloned())
            .collect()
    };
    shares.extend(carried);
    let before = prev.shares.len();
    let after = shares.len();
    if after < before && (before - after) * 100 > before * SHRINK_TOLERANCE_PERCENT {
        return Err(Error::upstream_protocol(format!(
            "crawl not believed: {after} shares with {} unreadable records, against {before} \
             in the previous snapshot (more than {SHRINK_TOLERANCE_PERCENT}% lost while the \
             vendor sent damaged records); keeping the previous snapshot",
            skipped.len()
        )));
    }
    Ok(shares)
}

/// Keeps the source URI a single-share read learned when the list does not report one.
///
/// Some vendors tell a share's file URI only on a single read of a still-valid link (Cloudreve:
/// `/share/info?owner_extended`), while an edit needs it even after the link expired (to re-arm
/// it: `docs/vendors/cloudreve.md`). A share's source never changes under the same id, so the
/// URI stays valid across crawls. Costs one pass over the previous snapshot, and a lookup only
/// for the shares that had a URI the list lacks.
fn keep_learned_uris(prev: &Snapshot, shares: &mut [Arc<Share>]) {
    let learned: std::collections::HashMap<&str, &unishare_core::CompactString> = prev
        .shares
        .iter()
        .filter_map(|s| Some((s.native_id.as_str(), s.source.uri.as_ref()?)))
        .collect();
    if learned.is_empty() {
        return;
    }
    for share in shares.iter_mut().filter(|s| s.source.uri.is_none()) {
        if let Some(uri) = learned.get(share.native_id.as_str()) {
            Arc::make_mut(share).source.uri = Some((*uri).clone());
        }
    }
}
