//! KooDrive simulator: an axum server on `127.0.0.1:0` answering the `/koodrive/ose/v1` share
//! calls the way `shared/vendors/koodrive.md` describes them.
//!
//! It answers in either of the two documented shapes ([`DocShape`]): the older English page
//! (the seed: list records with `extractCode` and `permission`, cancel sub-responses with
//! `shareId`) or Huawei's current reference (neither key in list records, cancel
//! sub-responses `{code, msg}` only), and as an enterprise or a carrier tenant
//! ([`KooDriveSimConfig::carrier_agent`]). Its clock can be set off ours
//! ([`KooDriveSimConfig::clock_skew`]); every answer carries its `Date`.
//!
//! - `GET /share` (cursor pages that are sometimes short or empty before the end; only a
//!   missing `nextCursor` ends the list), `GET /share/{id}`, `POST /share`, `PUT /share/{id}`,
//!   `POST /share/cancel` (per-id `subResponseList`), `POST /session/refresh`;
//! - app HMAC-SHA256 signatures verified independently of the provider crate, and user tokens
//!   with a sliding expiry (see [`auth`]'s module docs for the failure answers);
//! - `code` sometimes `0`, sometimes `"0"`; counters sometimes numbers, sometimes strings,
//!   sometimes absent; errors as HTTP 400/500 + business code;
//! - every route counts requests and applies [`Faults`] under the names `list`, `get`,
//!   `create`, `update`, `cancel`, `session_refresh`; [`vendor_faults`] has ready-made vendor
//!   failure answers.

// Route helpers return a ready `Response` as their error: boxing it would only add noise to a
// test simulator.
#![allow(clippy::result_large_err)]

mod auth;
pub mod entry;
mod routes;
mod seed;
mod store;
mod validate;
pub mod vendor_faults;

use crate::faults::{Counters, Faults};
use routes::SimState;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which version of the vendor's reference the simulator answers like
/// (`vendors/koodrive.md` §11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DocShape {
    /// The older English page (`shared/vendors/seeds/002_*.txt`): `ShareByMeLink` has
    /// `extractCode` and `permission`; cancel sub-responses are `{shareId, code, msg}`.
    #[default]
    SeedPage,
    /// The current reference (zh, updated 2025-12-12): `ShareByMeLink` has neither
    /// `extractCode` nor `permission`; cancel sub-responses are `{code, msg}` in request order.
    CurrentReference,
}

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct KooDriveSimConfig {
    /// Accepted AppId.
    pub app_id: String,
    /// Accepted AppSecret.
    pub app_secret: String,
    /// Accepted `X-User-Id`.
    pub user_id: String,
    /// The initial user token, e.g. `Bearer+013b4daf…`.
    pub token: String,
    /// The token's session id (`x-session-id` on refresh).
    pub session_id: String,
    /// Sliding token expiry (20 minutes at KooDrive).
    pub token_ttl: Duration,
    /// Shares seeded at start.
    pub seed_shares: usize,
    /// Seed of the generated data and of the page-shortening.
    pub seed: u64,
    /// Probability that a list page is cut short (possibly to empty) before the end.
    pub short_page_probability: f64,
    /// Render counters as strings for some shares.
    pub string_counters: bool,
    /// Answer `"code":"0"` on some successes.
    pub string_code: bool,
    /// Which documented answer shape to use.
    pub shape: DocShape,
    /// `Some(name)`: a carrier-edition tenant. Every request must carry
    /// `X-Hw-Agentname: name` (else `400 13000102`; the real answer is undocumented),
    /// `createShare` takes `scope` 1 or 3 only, and `validDays: 0` on update means "validity
    /// not set" (the expiry is removed) rather than "unchanged".
    pub carrier_agent: Option<String>,
    /// The simulator's clock minus ours: an app-signed `X-Date` is checked against it, and
    /// every answer's `Date` header shows it.
    pub clock_skew: chrono::Duration,
}

impl Default for KooDriveSimConfig {
    fn default() -> Self {
        KooDriveSimConfig {
            app_id: "demo-app".into(),
            app_secret: "demo-app-secret".into(),
            user_id: "1505084218764547200".into(),
            token: "Bearer+013b4daf12f4099a6eb74e2708000cb7a418409192f3e149".into(),
            session_id: "demo-session".into(),
            token_ttl: Duration::from_secs(20 * 60),
            seed_shares: 0,
            seed: 7,
            short_page_probability: 0.1,
            string_counters: true,
            string_code: true,
            shape: DocShape::SeedPage,
            carrier_agent: None,
            clock_skew: chrono::Duration::zero(),
        }
    }
}

/// A running simulator; dropped = shut down.
pub struct KooDriveSim {
    state: Arc<SimState>,
    addr: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl KooDriveSim {
    /// Seeds the data and starts serving on `127.0.0.1:0`.
    pub async fn start(config: KooDriveSimConfig) -> std::io::Result<KooDriveSim> {
        let files = seed::files(config.seed);
        let (shares, next_id) =
            seed::shares(config.seed_shares, config.seed, &files, chrono::Utc::now());
        let mut store = store::Store::default();
        for s in shares {
            store.insert(s);
        }
        let state = Arc::new(SimState {
            store: Mutex::new(store),
            sessions: Mutex::new(auth::Sessions::new(
                &config.token,
                &config.session_id,
                config.token_ttl,
            )),
            app: auth::AppCredentials {
                app_id: config.app_id.clone(),
                app_secret: config.app_secret.clone(),
                user_id: config.user_id.clone(),
            },
            files,
            faults: Faults::default(),
            counters: Counters::default(),
            next_id: AtomicU64::new(next_id),
            seq: AtomicU64::new(0),
            seed: config.seed,
            short_page_probability: config.short_page_probability,
            string_counters: config.string_counters,
            string_code: config.string_code,
            shape: config.shape,
            carrier_agent: config.carrier_agent.clone(),
            clock_skew: config.clock_skew,
            bodies: Mutex::new(std::collections::HashMap::new()),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = routes::router(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(KooDriveSim {
            state,
            addr,
            shutdown: Some(tx),
            task,
        })
    }

    /// `http://127.0.0.1:PORT` (the provider adds `/koodrive/ose/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Fault injection, by route name.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Requests served, by route name.
    pub fn counters(&self) -> &Counters {
        &self.state.counters
    }

    /// Every share id, in list order (newest first).
    pub fn share_ids(&self) -> Vec<String> {
        self.lock_store().ids()
    }

    /// How many shares exist.
    pub fn share_count(&self) -> usize {
        self.lock_store().len()
    }

    /// Existing files a create can share: `(fileId, containerId)`.
    pub fn files(&self) -> Vec<(String, String)> {
        self.state
            .files
            .iter()
            .map(|f| (f.id.clone(), f.container_id.clone()))
            .collect()
    }

    /// Makes a share's `linkUrl` `url` (e.g. a `javascript:` URL, to test what the gateway
    /// serves); `false` when there is no such share.
    pub fn set_link_url(&self, share_id: &str, url: &str) -> bool {
        match self.lock_store().get_mut(share_id) {
            Some(share) => {
                share.link_url = Some(url.to_owned());
                true
            }
            None => false,
        }
    }

    /// The JSON body of the last request to a route (`create`, `update`, `cancel`, …), as
    /// received, whatever the answer was; `None` before any or for a body that is not JSON.
    pub fn last_body(&self, route: &str) -> Option<serde_json::Value> {
        self.state
            .bodies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(route)
            .cloned()
    }

    /// The current expiry of a share, in the simulator's store.
    pub fn expire_time(&self, share_id: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        self.lock_store().get(share_id).and_then(|s| s.expire_time)
    }

    /// Changes the sliding token expiry (e.g. to a few milliseconds in a test).
    pub fn set_token_ttl(&self, d: Duration) {
        self.state
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ttl = d;
    }

    fn lock_store(&self) -> std::sync::MutexGuard<'_, store::Store> {
        self.state.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for KooDriveSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}

impl std::fmt::Debug for KooDriveSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KooDriveSim")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}
