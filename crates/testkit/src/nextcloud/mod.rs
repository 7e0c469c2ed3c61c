//! Nextcloud simulator: an axum server on `127.0.0.1:0` answering the OCS Share API the way
//! the server's source does (`docs/vendors/nextcloud.md`):
//!
//! - `GET|POST /ocs/{v1,v2}.php/apps/files_sharing/api/v1/shares`,
//!   `GET|PUT|DELETE …/shares/{id}`; the whole list in one answer, user and group shares mixed
//!   in with the links (grouped by type, as `getShares` merges them), expired links deleted
//!   when read (`Manager::checkShare`);
//! - XML unless `format=json` or `Accept: application/json`; the v1 envelope (statuscode 100,
//!   HTTP 200 for failures but 997) and the v2 one (HTTP status = OCS status); JSON escaped the
//!   way PHP's `json_encode` does it;
//! - basic auth with one user and app password (else OCS 997), `OCS-APIRequest: true` required
//!   (else HTTP 412 `{"message":"CSRF check failed"}`);
//! - passwords stored and answered as hashes, expiry dates in the server's zone, a password
//!   policy (400 with its message), optionally enforced passwords (403) and a default expiry;
//! - every route counts requests and applies [`Faults`] under the names `list`, `get`,
//!   `create`, `update`, `delete`.

// Route helpers return a ready `Response` as their error: boxing it would only add noise to a
// test simulator.
#![allow(clippy::result_large_err)]

pub mod entry;
mod render;
mod routes;
mod store;

use crate::faults::{Counters, Faults};
use crate::serve::Served;
use routes::SimState;
use std::sync::{Arc, Mutex, OnceLock};

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct NextcloudSimConfig {
    /// Accepted login name.
    pub user: String,
    /// Accepted app password.
    pub app_password: String,
    /// Public links seeded at start (plus a user or group share for every fourth one, and some
    /// links already expired, which the first read deletes).
    pub seed_shares: usize,
    /// Seed of the generated data.
    pub seed: u64,
    /// Seed some links with an expiry date already past (the first read deletes them, so a
    /// list returns fewer than `seed_shares` links).
    pub seed_expired: bool,
    /// The server's zone, seconds east of UTC: `expiration` dates are written in it.
    pub zone_offset_secs: i32,
    /// The password policy's minimum length.
    pub password_min_length: usize,
    /// `shareapi_enforce_links_password`.
    pub enforce_password: bool,
    /// `shareapi_default_expire_date` with `shareapi_expire_after_n_days`: the expiry a link
    /// created without `expireDate` gets.
    pub default_expire_days: Option<u32>,
}

impl Default for NextcloudSimConfig {
    fn default() -> Self {
        NextcloudSimConfig {
            user: "alice".into(),
            app_password: "Xq7pL-wN2mK-8vRtY-3sZaB-c4DeF".into(),
            seed_shares: 0,
            seed: 7,
            seed_expired: true,
            zone_offset_secs: 0,
            password_min_length: 8,
            enforce_password: false,
            default_expire_days: None,
        }
    }
}

/// A running simulator; dropped = shut down.
pub struct NextcloudSim {
    state: Arc<SimState>,
    served: Served,
}

impl NextcloudSim {
    /// Seeds the data and starts serving on `127.0.0.1:0`.
    pub async fn start(config: NextcloudSimConfig) -> std::io::Result<NextcloudSim> {
        let store = store::Store::seeded(
            config.seed_shares,
            config.seed,
            chrono::Utc::now(),
            config.zone_offset_secs,
            config.seed_expired,
        );
        let state = Arc::new(SimState {
            store: Mutex::new(store),
            config,
            faults: Faults::default(),
            counters: Counters::default(),
            addr: OnceLock::new(),
        });
        let served = Served::start(|addr| {
            let _ = state.addr.set(addr);
            routes::router(state.clone())
        })
        .await?;
        Ok(NextcloudSim { state, served })
    }

    /// `http://127.0.0.1:PORT` (the provider adds `/ocs/v2.php/…`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    /// The accepted `(user, app password)`.
    pub fn credentials(&self) -> (String, String) {
        (
            self.state.config.user.clone(),
            self.state.config.app_password.clone(),
        )
    }

    /// Fault injection, by route name.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Requests served, by route name.
    pub fn counters(&self) -> &Counters {
        &self.state.counters
    }

    /// The ids of the public links a list returns now (expired ones excluded), in list order.
    pub fn link_ids(&self) -> Vec<String> {
        let mut store = self.state.lock();
        self.state.drop_expired(&mut store);
        store
            .listed()
            .into_iter()
            .filter(|s| s.share_type == store::TYPE_LINK)
            .map(|s| s.id.to_string())
            .collect()
    }

    /// The ids of the user and group shares (never part of the unified list).
    pub fn other_share_ids(&self) -> Vec<String> {
        self.state
            .lock()
            .shares
            .iter()
            .filter(|s| s.share_type != store::TYPE_LINK)
            .map(|s| s.id.to_string())
            .collect()
    }

    /// Paths a create can share: `(path, is_folder)`.
    pub fn paths(&self) -> Vec<(String, bool)> {
        self.state
            .lock()
            .nodes
            .iter()
            .map(|n| (n.path.clone(), n.folder))
            .collect()
    }
}

impl std::fmt::Debug for NextcloudSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NextcloudSim")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}
