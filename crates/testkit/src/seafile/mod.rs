//! Seafile simulator: an axum server on `127.0.0.1:0` answering seahub's share-link API the
//! way its source does (`docs/vendors/seafile.md`):
//!
//! - `POST /api2/auth-token/` (form `username`, `password`; `{"token"}`; 400
//!   `non_field_errors`; optional two-factor prompt with `X-Seafile-OTP: required`);
//! - `GET|POST /api/v2.1/share-links/`, `GET|PUT|DELETE /api/v2.1/share-links/{token}/` as
//!   [`ServerVersion`] V1 (a user with exactly one link gets **one object**, no permissions, no
//!   `PUT`), V3 (permissions-only `PUT`) or V4 (current: `password`, `expiration_time`);
//! - `GET /api/v2.1/admin/share-links/?page&per_page[&order_by&direction]` with
//!   `{"share_link_list", "count"}` ([`AdminListing`] A1 or A2), `GET|DELETE
//!   /api/v2.1/admin/share-links/{token}/`, staff only;
//! - `Authorization: Token <key>` (unknown key: 401 `Invalid token` on V4, 403 on V1), DRF's
//!   user throttle when [`SeafileSimConfig::throttle`] is set (429 + `Retry-After`);
//! - Django's `APPEND_SLASH`: a path without its trailing slash is a 301;
//! - every route counts requests and applies [`Faults`] under the names `auth`, `list`, `get`,
//!   `create`, `update`, `delete`, `admin_list`, `admin_get`, `admin_delete`.

// Route helpers return a ready `Response` as their error: boxing it would only add noise to a
// test simulator.
#![allow(clippy::result_large_err)]

mod admin;
pub mod entry;
mod render;
mod routes;
mod store;

use crate::faults::{Counters, Faults};
use crate::serve::Served;
use routes::SimState;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use store::SimUser;

/// Which shape of the user endpoint the server has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerVersion {
    /// `share_links.py` @ `00f7e0c`: one link → one object; no `permissions`, no `password`,
    /// no `PUT`; a create for a path that has a link returns it; only `expire_days`.
    V1,
    /// Permissions on records and create, a permissions-only `PUT`; a create for a path that
    /// has a link is a 400; no `password` in records; `expire_days` only.
    V3,
    /// `share_links.py` @ `15dfbd6`: `password` in records, `expiration_time`, a `PUT` that
    /// changes permissions and expiry.
    V4,
}

/// Which admin listing the server has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminListing {
    /// Always `ctime` ascending; records without expiry; a delete of an unknown token is 404.
    A1,
    /// `order_by`/`direction` (default `-ctime`); records with `expire_date`/`is_expired`; a
    /// delete of an unknown token is a success.
    A2,
}

/// DRF's `UserRateThrottle`: `requests` per `window` per user on the share-link routes.
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    /// Requests allowed per window.
    pub requests: usize,
    /// The window.
    pub window: Duration,
}

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct SeafileSimConfig {
    /// Links seeded at start, spread over the admin and two users.
    pub seed_links: usize,
    /// Seed of the generated data.
    pub seed: u64,
    /// The user endpoint's shape.
    pub version: ServerVersion,
    /// The admin listing's shape.
    pub admin_listing: AdminListing,
    /// The server's zone, seconds east of UTC (`ctime`/`expire_date` carry it).
    pub zone_offset_secs: i32,
    /// `SHARE_LINK_PASSWORD_MIN_LENGTH`.
    pub password_min_length: usize,
    /// Throttle the share-link routes.
    pub throttle: Option<Throttle>,
    /// Ask for a two-factor code at `/api2/auth-token/`.
    pub two_factor: bool,
}

impl Default for SeafileSimConfig {
    fn default() -> Self {
        SeafileSimConfig {
            seed_links: 0,
            seed: 11,
            version: ServerVersion::V4,
            admin_listing: AdminListing::A2,
            zone_offset_secs: 8 * 3600,
            password_min_length: 8,
            throttle: None,
            two_factor: false,
        }
    }
}

/// A user's sign-in: `(username, password, token)`.
pub type Credentials = (String, String, String);

/// A running simulator; dropped = shut down.
pub struct SeafileSim {
    state: Arc<SimState>,
    served: Served,
}

fn users() -> Vec<SimUser> {
    let user = |email: &str, name: &str, password: &str, token: &str, is_staff| SimUser {
        email: email.into(),
        name: name.into(),
        password: password.into(),
        token: token.into(),
        is_staff,
    };
    vec![
        user(
            "admin@example.com",
            "Site Admin",
            "admin-pass-1",
            "0b5e8a2f6c1d4e7a9b3c5d7e9f1a2b3c4d5e6f70",
            true,
        ),
        user(
            "user1@example.com",
            "User 1",
            "user1-pass-1",
            "1c6f9b3a7d2e5f8a0b4c6d8e0f2a3b4c5d6e7f81",
            false,
        ),
        user(
            "user2@example.com",
            "User 2",
            "user2-pass-1",
            "2d7a0c4b8e3f6a9b1c5d7e9f1a3b4c5d6e7f8092",
            false,
        ),
    ]
}

impl SeafileSim {
    /// Seeds the data and starts serving on `127.0.0.1:0`.
    pub async fn start(config: SeafileSimConfig) -> std::io::Result<SeafileSim> {
        let store =
            store::Store::seeded(config.seed_links, config.seed, chrono::Utc::now(), users());
        let state = Arc::new(SimState {
            store: Mutex::new(store),
            config,
            faults: Faults::default(),
            counters: Counters::default(),
            addr: OnceLock::new(),
            throttle_log: Mutex::default(),
        });
        let served = Served::start(|addr| {
            let _ = state.addr.set(addr);
            routes::router(state.clone())
        })
        .await?;
        Ok(SeafileSim { state, served })
    }

    /// `http://127.0.0.1:PORT` (the seahub root).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    fn creds(&self, i: usize) -> Credentials {
        let store = self.state.lock();
        let u = &store.users[i];
        (u.email.clone(), u.password.clone(), u.token.clone())
    }

    /// The site administrator's sign-in.
    pub fn admin(&self) -> Credentials {
        self.creds(0)
    }

    /// A regular user's sign-in (`user1@example.com`: the Cloudreve simulator's site users are
    /// `user{i}@example.com` too, so a demo's `by_owner` merges the same people across both).
    pub fn user(&self) -> Credentials {
        self.creds(1)
    }

    /// Another regular user's sign-in (`user2@example.com`).
    pub fn other_user(&self) -> Credentials {
        self.creds(2)
    }

    /// Fault injection, by route name.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Requests served, by route name.
    pub fn counters(&self) -> &Counters {
        &self.state.counters
    }

    /// Tokens of `username`'s links.
    pub fn tokens_of(&self, username: &str) -> Vec<String> {
        let store = self.state.lock();
        store
            .links
            .iter()
            .filter(|l| l.owner == username)
            .map(|l| l.token.clone())
            .collect()
    }

    /// Tokens of every link on the site, in creation order.
    pub fn all_tokens(&self) -> Vec<String> {
        self.state
            .lock()
            .links
            .iter()
            .map(|l| l.token.clone())
            .collect()
    }

    /// Source URIs (`seafile://{repo_id}{path}`) of files no link shares yet.
    pub fn free_sources(&self) -> Vec<String> {
        let store = self.state.lock();
        store
            .repos
            .iter()
            .flat_map(|r| {
                r.dirents
                    .iter()
                    .filter(|d| d.path.starts_with("/free/"))
                    .filter(|d| {
                        !store
                            .links
                            .iter()
                            .any(|l| l.repo_id == r.id && l.path == d.path)
                    })
                    .map(move |d| format!("seafile://{}{}", r.id, d.path))
            })
            .collect()
    }

    /// Deletes every link of `username` but the first (to reach the one-link answer).
    pub fn keep_one_link(&self, username: &str) {
        let mut store = self.state.lock();
        let mut kept = false;
        store.links.retain(|l| {
            if l.owner != username {
                return true;
            }
            let keep = !kept;
            kept = true;
            keep
        });
    }

    /// Creates a link owned by `username` for a new file (the site's count changes, as a user
    /// creating a link during a crawl would make it).
    pub fn add_link(&self, username: &str) -> String {
        self.state.add_link(username)
    }

    /// Deletes a link directly (as another client would).
    pub fn remove_link(&self, token: &str) {
        self.state.lock().links.retain(|l| l.token != token);
    }
}

impl std::fmt::Debug for SeafileSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeafileSim")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}
