//! The shared state of the HTTP service.

use crate::account::{Account, CachePolicy};
use crate::config::Config;
use crate::cursor::CursorCodec;
use crate::snapshot::Snapshot;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use unishare_core::{Error, ShareProvider};

/// Everything a handler needs.
pub struct AppState {
    /// Validated configuration.
    pub config: Config,
    /// Accounts in configuration order.
    pub accounts: Vec<Arc<Account>>,
    by_name: HashMap<String, Arc<Account>>,
    /// Signs list cursors.
    pub cursors: CursorCodec,
    /// `total` of recent queries, keyed by query digest and snapshot generations.
    pub totals: moka::sync::Cache<(String, Vec<u64>), usize>,
    /// Serialized list responses.
    pub pages: crate::page_cache::PageCache,
    /// The callers the API keys stand for.
    pub principals: crate::auth::Principals,
    /// `[cluster]`: this replica's membership, once joined (`cluster::join`).
    pub cluster: std::sync::OnceLock<Arc<crate::cluster::Cluster>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

impl crate::auth::HasPrincipals for AppState {
    fn principals(&self) -> &crate::auth::Principals {
        &self.principals
    }
}

impl AppState {
    /// State over providers built from the config.
    pub fn from_config(config: Config) -> Result<Arc<AppState>, Error> {
        let mut providers = Vec::new();
        let mut policies = Vec::new();
        for a in &config.accounts {
            let (provider, policy) =
                crate::registry::build(a, &config.upstream, config.server.request_timeout)?;
            providers.push(provider);
            policies.push(policy);
        }
        let state = AppState::with_providers(config, providers);
        for (account, policy) in state.accounts.iter().zip(policies) {
            account.set_upstream(policy);
        }
        if let Some(path) = &state.config.store.path {
            let store = crate::store::SnapshotStore::open(path).map_err(|e| {
                Error::invalid_request(format!(
                    "store.path {}: cannot open the snapshot directory: {e}",
                    path.display()
                ))
            })?;
            let store = Arc::new(store);
            for (account, config) in state.accounts.iter().zip(&state.config.accounts) {
                account.attach_store(crate::store::AccountStore {
                    store: Arc::clone(&store),
                    key: config.store_key(),
                });
            }
        }
        Ok(state)
    }

    /// State over the given providers (tests, demo).
    pub fn with_providers(config: Config, providers: Vec<Arc<dyn ShareProvider>>) -> Arc<AppState> {
        let policy = CachePolicy {
            ttl: config.cache.ttl,
            max_stale: config.cache.max_stale,
            cold_wait: config.cache.cold_wait,
            max_shares: config.cache.max_shares_per_account,
            failure_backoff: config
                .cache
                .ttl
                .min(Duration::from_secs(5))
                .max(Duration::from_millis(100)),
        };
        let accounts: Vec<Arc<Account>> = providers
            .into_iter()
            .map(|p| Account::new(p, policy))
            .collect();
        let by_name = accounts
            .iter()
            .map(|a| (a.name.as_str().to_owned(), Arc::clone(a)))
            .collect();
        let cursors = match &config.cursor_secret {
            Some(s) => CursorCodec::new(s.expose().as_bytes()),
            None => CursorCodec::random(),
        };
        let totals = moka::sync::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(config.cache.ttl.max(Duration::from_secs(1)))
            .build();
        Arc::new(AppState {
            principals: crate::auth::Principals::new(
                &config.api_keys,
                config.limits.max_exports_per_key,
            ),
            config,
            accounts,
            by_name,
            cursors,
            totals,
            pages: crate::page_cache::PageCache::default(),
            cluster: std::sync::OnceLock::new(),
        })
    }

    /// An account by name.
    pub fn account(&self, name: &str) -> Option<&Arc<Account>> {
        self.by_name.get(name)
    }

    /// Joins the `[cluster]` when one is configured (loads the shared snapshots first; see
    /// [`crate::cluster::join`]). Call before [`Self::warm_up`]; later calls do nothing.
    pub async fn join_cluster(&self) {
        if self.cluster.get().is_some() {
            return;
        }
        if let Some(c) = crate::cluster::join(&self.config, &self.accounts).await {
            let _ = self.cluster.set(c);
        }
    }

    /// Waits (at most `within`) until what this process wrote is sent to the `[cluster]`;
    /// true without a cluster. For command-line runs, before they exit.
    pub async fn settle_cluster(&self, within: Duration) -> bool {
        match self.cluster.get() {
            Some(c) => c.settle(within).await,
            None => true,
        }
    }

    /// At shutdown: the `[cluster]` gets what is queued and the leases back (bounded).
    pub async fn leave_cluster(&self) {
        if let Some(c) = self.cluster.get() {
            c.leave(Duration::from_secs(2)).await;
        }
    }

    /// Starts the first crawl of every account in the background, and the session
    /// keep-alive of the accounts whose vendor needs one (`keep_alive.rs`).
    pub fn warm_up(&self) {
        for a in &self.accounts {
            drop(a.start_crawl());
            crate::keep_alive::start(a);
        }
    }

    /// `total` for a query over the given snapshots, cached per snapshot generation.
    pub fn total(
        &self,
        digest: &str,
        snaps: &[Arc<Snapshot>],
        filter: &crate::query::Filter,
    ) -> usize {
        let key = (
            digest.to_owned(),
            snaps.iter().map(|s| s.generation).collect::<Vec<_>>(),
        );
        self.totals
            .get_with(key, || crate::query::count(snaps, filter))
    }
}
