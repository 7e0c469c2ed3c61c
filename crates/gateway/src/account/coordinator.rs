//! What an account asks of a coordinator shared by several replicas (the `[cluster]`,
//! `crate::cluster`), as a trait, so that the account does not depend on how it is shared:
//! before a crawl, whether to crawl at all; after one, what to publish; and every write.

use super::Account;
use crate::snapshot::Snapshot;
use std::sync::Arc;
use std::time::Instant;
use unishare_core::Share;

/// The permission to crawl that a coordinator granted (its lease), handed back with the
/// snapshot the crawl built. Opaque to the account; dropping it frees it.
pub struct CrawlPermit(pub Box<dyn std::any::Any + Send + Sync>);

impl std::fmt::Debug for CrawlPermit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CrawlPermit")
    }
}

/// What a refresh does.
#[derive(Debug)]
pub enum Refresh {
    /// A snapshot another replica built was installed and is fresh: no crawl.
    Loaded(Arc<Snapshot>),
    /// Crawl, with the permit to publish (`None`: crawl alone, nothing is published).
    Crawl(Option<CrawlPermit>),
    /// Another replica's crawl just failed: count it as this one's (served stale on error, the
    /// failure backoff runs) instead of calling the sick vendor again.
    Failed(unishare_core::Error),
}

/// What a coordinator reports about the account (`GET /v1/accounts`).
#[derive(Clone, Copy, Debug)]
pub struct CoordinatorInfo {
    /// The shared generation served (0: none).
    pub generation: u64,
    /// Shared snapshots loaded instead of crawling.
    pub loads: u64,
    /// Whether the coordinator's server answers.
    pub up: bool,
}

/// A coordinator of one account across replicas.
#[async_trait::async_trait]
pub trait Coordinator: Send + Sync + std::fmt::Debug {
    /// Decides a refresh (it may install another replica's snapshot into `account`).
    async fn before_crawl(&self, account: &Arc<Account>) -> Refresh;
    /// A crawl under `permit` installed `snapshot`; it began at `started`.
    fn after_crawl(&self, permit: CrawlPermit, snapshot: Arc<Snapshot>, started: Instant);
    /// A crawl under `permit` failed with `error`; the other replicas should not crawl for
    /// `backoff`.
    fn crawl_failed(
        &self,
        permit: CrawlPermit,
        error: &unishare_core::Error,
        backoff: std::time::Duration,
    );
    /// A write made through this replica (already applied locally).
    fn write(&self, upserts: &[Arc<Share>], removed: &[String]);
    /// What to report.
    fn info(&self) -> CoordinatorInfo;
}
