//! The provider behavior suite against a real server an operator points it at (opt-in).
//!
//! Each vendor crate has a `tests/live.rs` that reads `UNISHARE_LIVE_<VENDOR>_*` variables;
//! when any is unset it prints one line saying so and passes without a call. The suite creates
//! shares on the source it is given and revokes only the shares it created (README, "Test
//! against your own server").

use crate::behavior::Fixture;
use std::sync::Arc;
use unishare_core::{CallContext, CreateShare, PageCursor, ShareProvider};

/// The values of `names`, or `None` (after printing which is missing) when one is unset or
/// empty: the live suite is then skipped.
pub fn env(suite: &str, names: &[&str]) -> Option<Vec<String>> {
    let mut values = Vec::with_capacity(names.len());
    for name in names {
        match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => values.push(v),
            _ => {
                println!("live {suite} suite skipped: {name} is not set (see README, \"Test against your own server\")");
                return None;
            }
        }
    }
    Some(values)
}

/// A behavior-suite fixture over a live account: the shares it holds now are read by walking
/// its list (a real server cannot be seeded), so the suite's list check compares two walks.
pub async fn fixture(
    provider: Arc<dyn ShareProvider>,
    create_request: CreateShare,
    unknown_id: &str,
) -> Fixture {
    let ctx = CallContext::with_request_id("live-suite");
    let mut seeded_ids = Vec::new();
    let mut cursor: Option<PageCursor> = None;
    loop {
        let page = match provider.list_page(cursor.as_ref(), &ctx).await {
            Ok(page) => page,
            Err(e) => panic!("live suite: listing the account failed: {e}"),
        };
        seeded_ids.extend(page.shares.iter().map(|s| s.native_id.to_string()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Fixture {
        provider,
        seeded_ids,
        create_request,
        unknown_id: unknown_id.to_owned(),
    }
}
