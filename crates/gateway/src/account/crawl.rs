//! The crawl: one at a time per account, in its own task, over the vendor's pages
//! ([`unishare_core::paging::pages`]); what it finds is checked ([`check_crawl`]) and installed.

use super::state::Failure;
use super::{lock, Account};
use crate::crawl_check::check_crawl;
use crate::snapshot::Snapshot;
use chrono::Utc;
use futures::future::{BoxFuture, FutureExt, Shared};
use futures::StreamExt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use unishare_core::{paging, CallContext, Error, ErrorKind, Share, VendorInterner};

/// The shared crawl every waiter awaits.
pub type CrawlFuture = Shared<BoxFuture<'static, Result<Arc<Snapshot>, Error>>>;

impl Account {
    /// Starts a crawl unless one runs; returns the shared crawl. The crawl runs in its own task,
    /// so it goes on even when every waiter gives up.
    pub fn start_crawl(self: &Arc<Self>) -> CrawlFuture {
        let mut slot = lock(&self.crawl);
        if let Some(c) = slot.as_ref() {
            return c.clone();
        }
        let me = Arc::clone(self);
        // The crawl runs in its own task; a second task always frees the slot afterwards, even
        // when the crawl panicked, so that a later request can crawl again.
        let crawl = tokio::spawn(Arc::clone(self).crawl_and_install());
        let handle = tokio::spawn(async move {
            let out = match crawl.await {
                Ok(out) => out,
                Err(e) => {
                    // The panic's payload may hold vendor data: logged here, never returned.
                    tracing::error!(account = %me.name, error = %e, "the crawl task panicked");
                    let error =
                        Error::internal("the crawl failed unexpectedly (see the server log)")
                            .in_account(me.name.as_str(), me.kind)
                            .with_operation("list");
                    me.record_failure(&error);
                    Err(error)
                }
            };
            me.settled.store(true, Ordering::Relaxed);
            *lock(&me.crawl) = None;
            out
        });
        let fut = async move {
            handle.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "the crawl bookkeeping task panicked");
                Err(Error::internal(
                    "the crawl failed unexpectedly (see the server log)",
                ))
            })
        }
        .boxed()
        .shared();
        *slot = Some(fut.clone());
        fut
    }

    /// Starts a background refresh when none runs and the vendor is not in failure backoff.
    pub fn refresh_in_background(self: &Arc<Self>) {
        if self.crawling() || self.recently_failed().is_some() {
            return;
        }
        drop(self.start_crawl());
    }

    async fn crawl_and_install(self: Arc<Self>) -> Result<Arc<Snapshot>, Error> {
        // In a cluster, a fresh shared snapshot replaces the crawl; else crawl under the lease
        // (or alone while Redis does not answer).
        let lease = match self.cluster.get() {
            Some(cluster) => match cluster.before_crawl(&self).await {
                super::Refresh::Loaded(snap) => return Ok(snap),
                super::Refresh::Crawl(permit) => permit,
                super::Refresh::Failed(error) => {
                    let error = error
                        .in_account(self.name.as_str(), self.kind)
                        .with_operation("list");
                    self.record_failure(&error);
                    return Err(error);
                }
            },
            None => None,
        };
        let started = Instant::now();
        let span = tracing::info_span!("crawl", account = %self.name, provider = %self.kind);
        let result = tracing::Instrument::instrument(self.crawl_all(), span).await;
        let result = result.and_then(|(shares, skipped_ids)| {
            let skipped = skipped_ids.len();
            check_crawl(self.current().as_deref(), shares, &skipped_ids)
                .map(|shares| (shares, skipped))
                .map_err(|e| {
                    self.counters
                        .skipped_records
                        .fetch_add(skipped as u64, Ordering::Relaxed);
                    e.in_account(self.name.as_str(), self.kind)
                        .with_operation("list")
                })
        });
        let out = match result {
            Ok((shares, skipped)) => {
                let _w = lock(&self.write_lock);
                let (upserts, removed) = self.changes_since(started);
                let mut snap = Snapshot::build(
                    self.name.clone(),
                    self.kind,
                    shares,
                    started,
                    Utc::now(),
                    skipped,
                );
                if !upserts.is_empty() || !removed.is_empty() {
                    snap = snap.with_changes(&upserts, &removed);
                }
                let snap = Arc::new(snap);
                {
                    let mut d = self.data_mut();
                    d.snapshot = Some(Arc::clone(&snap));
                    d.failure = None;
                }
                self.restored.store(false, Ordering::Release);
                if let Some(store) = self.store.get() {
                    store.save_in_background(Arc::clone(&snap));
                }
                if let (Some(cluster), Some(lease)) = (self.cluster.get(), lease) {
                    cluster.after_crawl(lease, Arc::clone(&snap), started);
                }
                lock(&self.writes).retain(|(at, _)| *at >= started);
                let ms = started.elapsed().as_millis() as u64;
                self.last_crawl_ms.store(ms, Ordering::Relaxed);
                self.counters.crawls_ok.fetch_add(1, Ordering::Relaxed);
                self.counters
                    .skipped_records
                    .fetch_add(skipped as u64, Ordering::Relaxed);
                tracing::info!(account = %self.name, shares = snap.shares.len(), skipped, ms, "snapshot built");
                Ok(snap)
            }
            Err(error) => {
                self.record_failure(&error);
                if let (Some(cluster), Some(permit)) = (self.cluster.get(), lease) {
                    cluster.crawl_failed(permit, &error, self.policy.failure_backoff);
                }
                Err(error)
            }
        };
        crate::metrics::record_crawl(self.name.as_str(), out.is_ok(), started.elapsed());
        out
    }

    /// Counts a failed crawl and keeps its error for `state` and the failure backoff.
    fn record_failure(&self, error: &Error) {
        self.counters.crawls_failed.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(account = %self.name, error = %error, "crawl failed; keeping the previous snapshot");
        self.data_mut().failure = Some(Failure {
            error: error.clone(),
            at: Instant::now(),
        });
    }

    async fn crawl_all(&self) -> Result<(Vec<Arc<Share>>, Vec<Option<String>>), Error> {
        let ctx = CallContext::default();
        let mut shares: Vec<Arc<Share>> = Vec::new();
        let mut skipped: Vec<Option<String>> = Vec::new();
        let mut vendor = VendorInterner::default();
        // The paging walk guards against lists that never end (a repeated cursor, more pages
        // than `max_shares` could fill); its errors already name the account.
        let max_pages = self.policy.max_shares + 1000;
        let mut pages = std::pin::pin!(paging::pages(&*self.provider, &ctx, max_pages));
        while let Some(page) = pages.next().await {
            let page = page?;
            for s in &page.skipped {
                tracing::warn!(account = %self.name, native_id = ?s.native_id, reason = %s.reason, "skipped a vendor record");
            }
            skipped.extend(page.skipped.into_iter().map(|s| s.native_id));
            for s in page.shares.iter().filter(|s| !s.has_servable_urls()) {
                self.counters
                    .damaged_records
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(account = %self.name, native_id = %s.native_id, "vendor record has a url that is not http(s); serving it as null");
            }
            shares.extend(page.shares.into_iter().map(|mut s| {
                // Records mostly repeat a few vendor field sets: keep each once.
                s.vendor = vendor.intern(std::mem::take(&mut s.vendor));
                Arc::new(s)
            }));
            if shares.len() > self.policy.max_shares {
                return Err(Error::new(
                    ErrorKind::UpstreamProtocol,
                    format!(
                        "account has more than {} shares; raise cache.max_shares_per_account",
                        self.policy.max_shares
                    ),
                )
                .in_account(self.name.as_str(), self.kind)
                .with_operation("list"));
            }
        }
        // A vendor may list a share twice while it changes under the crawl: keep the last.
        let mut seen = std::collections::HashMap::with_capacity(shares.len());
        for (i, s) in shares.iter().enumerate() {
            seen.insert(s.native_id.clone(), i);
        }
        if seen.len() != shares.len() {
            let keep: std::collections::HashSet<usize> = seen.into_values().collect();
            let mut i = 0;
            shares.retain(|_| {
                let k = keep.contains(&i);
                i += 1;
                k
            });
        }
        Ok((shares, skipped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::CachePolicy;
    use std::sync::atomic::AtomicU64;
    use std::time::Duration;
    use unishare_cloudreve::{CloudreveAuth, CloudreveConfig, CloudreveProvider};
    use unishare_core::retry::RetryPolicy;
    use unishare_core::Secret;
    use unishare_core::{AccountName, Provider, ShareProvider};
    use unishare_testkit::cloudreve::{fault, CloudreveSim, CloudreveSimConfig};
    use unishare_testkit::faults::Fault;

    async fn setup(shares: usize) -> (CloudreveSim, Arc<Account>) {
        let cfg = CloudreveSimConfig {
            seed_shares: shares,
            ..Default::default()
        };
        let sim = CloudreveSim::start(cfg.clone()).await.expect("sim");
        let mut pc = CloudreveConfig::new(
            AccountName::new("hq").expect("name"),
            sim.base_url(),
            CloudreveAuth::Password {
                email: cfg.email.clone(),
                password: Secret::new(cfg.password.clone()),
            },
        );
        pc.page_size = 100;
        pc.policy = RetryPolicy::new(Duration::from_secs(5), 0).with_account("hq");
        let provider = Arc::new(CloudreveProvider::new(pc).expect("provider"));
        let account = Account::new(
            provider,
            CachePolicy {
                ttl: Duration::from_secs(60),
                max_stale: Duration::from_secs(600),
                cold_wait: Duration::from_secs(5),
                max_shares: 100_000,
                failure_backoff: Duration::ZERO,
            },
        );
        (sim, account)
    }

    /// Panics on its first list call, then lists nothing.
    struct PanicsOnce {
        name: AccountName,
        calls: AtomicU64,
    }

    #[async_trait::async_trait]
    impl ShareProvider for PanicsOnce {
        fn provider(&self) -> Provider {
            unishare_cloudreve::provider()
        }
        fn account(&self) -> &AccountName {
            &self.name
        }
        fn capabilities(&self) -> unishare_core::Capabilities {
            unishare_cloudreve::CAPABILITIES
        }
        async fn list_page(
            &self,
            _: Option<&unishare_core::PageCursor>,
            _: &CallContext,
        ) -> Result<unishare_core::Page, Error> {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("a bug in a mapper");
            }
            Ok(unishare_core::Page {
                shares: Vec::new(),
                next: None,
                skipped: Vec::new(),
            })
        }
        async fn get(&self, _: &str, _: &CallContext) -> Result<Share, Error> {
            Err(Error::not_found("none"))
        }
        async fn create(
            &self,
            _: &unishare_core::CreateShare,
            _: &CallContext,
        ) -> Result<Share, Error> {
            Err(Error::not_found("none"))
        }
        async fn update(
            &self,
            _: &str,
            _: &unishare_core::UpdateShare,
            _: &CallContext,
        ) -> Result<Share, Error> {
            Err(Error::not_found("none"))
        }
        async fn revoke(
            &self,
            _: &[String],
            _: &CallContext,
        ) -> Result<Vec<unishare_core::RevokeOutcome>, Error> {
            Ok(Vec::new())
        }
    }

    #[tokio::test]
    async fn a_panicking_crawl_fails_cleanly_and_the_next_one_runs() {
        let account = Account::new(
            Arc::new(PanicsOnce {
                name: AccountName::new("hq").expect("name"),
                calls: AtomicU64::new(0),
            }),
            CachePolicy {
                ttl: Duration::from_secs(60),
                max_stale: Duration::from_secs(600),
                cold_wait: Duration::from_secs(5),
                max_shares: 100,
                failure_backoff: Duration::ZERO,
            },
        );
        let err = account.start_crawl().await.expect_err("the crawl panicked");
        assert_eq!(err.kind(), ErrorKind::Internal, "{err}");
        assert!(account.settled());
        // The slot is free again (also when nobody awaited the crawl): a new crawl runs.
        for _ in 0..100 {
            if !account.crawling() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(!account.crawling());
        let snap = account.start_crawl().await.expect("second crawl");
        assert!(snap.shares.is_empty());
        assert_eq!(account.counters.crawls_failed.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_crawl_failing_half_way_never_replaces_a_complete_snapshot() {
        let (sim, account) = setup(250).await;
        let first = account.start_crawl().await.expect("first crawl");
        assert_eq!(first.shares.len(), 250);
        // The first page answers, every later one fails.
        sim.faults()
            .inject("list", Fault::Latency(Duration::ZERO), Some(1));
        sim.faults().inject("list", fault::empty_500(), None);
        let err = account.start_crawl().await.expect_err("crawl must fail");
        assert_eq!(err.kind(), ErrorKind::UpstreamUnavailable, "{err}");
        let kept = account.current().expect("snapshot");
        assert_eq!(kept.generation, first.generation);
        assert_eq!(kept.shares.len(), 250);
        assert_eq!(account.counters.crawls_failed.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_shrunken_crawl_with_unreadable_records_is_not_believed() {
        let (sim, account) = setup(150).await;
        let first = account.start_crawl().await.expect("first crawl");
        // One page of records that cannot be mapped, and the list ends there.
        let junk = serde_json::json!({"shares": [{"name": 1}, {"url": []}, {}], "pagination": {}});
        sim.faults().inject("list", fault::list_data(junk), Some(1));
        let err = account.start_crawl().await.expect_err("must be rejected");
        assert_eq!(err.kind(), ErrorKind::UpstreamProtocol);
        assert!(err.message().contains("not believed"), "{err}");
        assert_eq!(
            account.current().expect("kept").generation,
            first.generation
        );
    }

    #[tokio::test]
    async fn a_mass_revoke_without_errors_is_believed() {
        let (sim, account) = setup(150).await;
        account.start_crawl().await.expect("first crawl");
        sim.clear_shares();
        let snap = account
            .start_crawl()
            .await
            .expect("an empty list is believed");
        assert!(snap.shares.is_empty());
    }

    #[tokio::test]
    async fn an_unreadable_record_keeps_its_previous_version() {
        let (_sim, account) = setup(120).await;
        let prev = account.start_crawl().await.expect("crawl");
        let victim = prev.shares[7].native_id.to_string();
        let shares: Vec<Arc<Share>> = prev
            .shares
            .iter()
            .filter(|s| s.native_id != victim)
            .cloned()
            .collect();
        let out = check_crawl(Some(&prev), shares.clone(), &[Some(victim.clone())]).unwrap();
        assert_eq!(out.len(), 120);
        assert!(out.iter().any(|s| s.native_id == victim));
        // An unreadable record listed twice is carried forward once.
        let out = check_crawl(
            Some(&prev),
            shares.clone(),
            &[Some(victim.clone()), Some(victim.clone())],
        )
        .unwrap();
        assert_eq!(out.len(), 120);
        // A small loss with an unidentifiable bad record is within the tolerance.
        let out = check_crawl(Some(&prev), shares, &[None]).unwrap();
        assert_eq!(out.len(), 119);
    }
}
