//! A simulated **Cloudreve v4** (Community Edition 4.18) server for the share and sign-in calls,
//! faithful to `shared/vendors/cloudreve-v4.md`:
//!
//! - every JSON answer is HTTP 200 with the envelope `{code, data?, msg, correlation_id?}`;
//!   unknown paths answer gin's plain-text HTTP 404;
//! - sign-in (`POST /api/v4/session/token`: `40080`, `40001`, captcha `40026`, 2FA `203`),
//!   refresh (`40020`), opaque tokens that really expire (`401 Login required`);
//! - `GET /api/v4/share` with cursor pagination (`base64({"id":"<hashid>"})`, `shares: null`
//!   when empty, `next_token` absent on the last page, `50001` for a bad token), share info,
//!   create (`PUT`, returns the URL), edit (`POST`, full replace, password untouched), delete
//!   and batch delete (with its documented double-JSON bug);
//! - seedable (deterministic with [`CloudreveSimConfig::seed`]), 50,000+ shares served in
//!   O(page) per list call; per-route [`Faults`] and [`Counters`] with the route names
//!   `login`, `refresh`, `list`, `get`, `create`, `update`, `delete`, `batch_delete`, `ping`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
//! let sim = CloudreveSim::start(CloudreveSimConfig { seed_shares: 100, ..Default::default() }).await?;
//! println!("{}", sim.base_url());
//! # Ok(()) }
//! ```

mod admin;
pub mod entry;
pub mod fault;
mod oauth;
mod render;
mod routes;
mod seed;
mod store;
mod tokens;

use crate::faults::{Counters, Faults};
use chrono::Utc;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use store::Store;
use tokens::Tokens;

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct CloudreveSimConfig {
    /// The account's e-mail.
    pub email: String,
    /// The account's password.
    pub password: String,
    /// Access token lifetime.
    pub access_ttl: Duration,
    /// Refresh token lifetime.
    pub refresh_ttl: Duration,
    /// Shares to seed.
    pub seed_shares: usize,
    /// RNG seed: the same seed gives the same data.
    pub seed: u64,
    /// The login captcha is on (`40026` on sign-in).
    pub login_captcha: bool,
    /// The account has 2FA (`203` on sign-in).
    pub two_factor: bool,
    /// Serve the Pro-only fields `price` and `permission_setting` on some shares.
    pub pro_fields: bool,
    /// Users besides the signed-in one; seeded shares are spread over all of them. The
    /// signed-in user's list shows only its own; the admin listing shows every user's.
    pub other_users: usize,
    /// The signed-in user's group has the admin permission (`POST /admin/share` allowed).
    pub admin: bool,
    /// A registered OAuth app `(client_id, client_secret)` (Cloudreve 4.12+), or none.
    pub oauth_client: Option<(String, String)>,
}

impl Default for CloudreveSimConfig {
    fn default() -> Self {
        CloudreveSimConfig {
            email: "admin@cloudreve.org".into(),
            password: "demo-password".into(),
            access_ttl: Duration::from_secs(3600),
            refresh_ttl: Duration::from_secs(14 * 24 * 3600),
            seed_shares: 0,
            seed: 42,
            login_captcha: false,
            two_factor: false,
            pro_fields: false,
            other_users: 0,
            admin: true,
            oauth_client: None,
        }
    }
}

/// Settings a running simulator reads per request.
#[derive(Clone)]
pub(crate) struct Settings {
    pub email: String,
    pub password: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub login_captcha: bool,
    pub two_factor: bool,
    pub pro_fields: bool,
    pub admin: bool,
}

/// Shared state of the running server.
pub(crate) struct SimState {
    /// The site URL (`siteURL`) used in share links.
    pub site: String,
    settings: Mutex<Settings>,
    store: Mutex<Store>,
    tokens: Mutex<Tokens>,
    pub faults: Faults,
    pub counters: Counters,
    /// Hashids deleted through `DELETE /share/{id}`, in order.
    deleted: Mutex<Vec<String>>,
    /// The registered OAuth app and its pending authorization codes.
    pub(crate) oauth: Mutex<oauth::OAuthState>,
}

impl SimState {
    pub(crate) fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn settings_mut(&self) -> MutexGuard<'_, Settings> {
        self.settings.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn lock_store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn lock_tokens(&self) -> MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes a share deleted through the API.
    pub(crate) fn record_delete(&self, hashid: &str) {
        self.deleted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(hashid.to_owned());
    }

    /// Issues a token pair; returns the `Token` object.
    pub(crate) fn issue_tokens(&self) -> Value {
        self.issue_tokens_scoped(None)
    }

    /// Issues a token pair carrying an OAuth grant's `scopes` (or none); returns the `Token`
    /// object.
    pub(crate) fn issue_tokens_scoped(&self, scopes: Option<Vec<String>>) -> Value {
        let s = self.settings();
        let pair = self
            .lock_tokens()
            .issue_with(s.access_ttl, s.refresh_ttl, scopes);
        let now = Utc::now();
        let at = |d: Duration| {
            chrono::Duration::from_std(d)
                .ok()
                .and_then(|d| now.checked_add_signed(d))
                .unwrap_or(now)
        };
        json!({
            "access_token": pair.access,
            "refresh_token": pair.refresh,
            "access_expires": render::go_time(at(pair.access_ttl)),
            "refresh_expires": render::go_time(at(pair.refresh_ttl)),
        })
    }
}

/// A running simulated Cloudreve v4 server on `127.0.0.1`. Shuts down when dropped.
pub struct CloudreveSim {
    state: Arc<SimState>,
    addr: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for CloudreveSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudreveSim")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl CloudreveSim {
    /// Binds `127.0.0.1:0`, seeds the data and spawns the server.
    pub async fn start(config: CloudreveSimConfig) -> std::io::Result<CloudreveSim> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut store = Store::new(StdRng::seed_from_u64(config.seed));
        seed::files(&mut store);
        if let Some(me) = store.users.first_mut() {
            me.email.clone_from(&config.email);
        }
        store.add_users(config.other_users);
        seed::shares(&mut store, config.seed_shares, Utc::now());
        let state = Arc::new(SimState {
            site: format!("http://{addr}"),
            settings: Mutex::new(Settings {
                email: config.email,
                password: config.password,
                access_ttl: config.access_ttl,
                refresh_ttl: config.refresh_ttl,
                login_captcha: config.login_captcha,
                two_factor: config.two_factor,
                pro_fields: config.pro_fields,
                admin: config.admin,
            }),
            store: Mutex::new(store),
            tokens: Mutex::new(Tokens::default()),
            faults: Faults::default(),
            counters: Counters::default(),
            deleted: Mutex::new(Vec::new()),
            oauth: Mutex::new(oauth::OAuthState::new(config.oauth_client.clone())),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = routes::router(state.clone());
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "cloudreve simulator stopped");
            }
        });
        Ok(CloudreveSim {
            state,
            addr,
            shutdown: Some(tx),
        })
    }

    /// The site root, `http://127.0.0.1:PORT` (the API is under `/api/v4`).
    pub fn base_url(&self) -> String {
        self.state.site.clone()
    }

    /// Faults to arm, by route name.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Requests served, by route name.
    pub fn counters(&self) -> &Counters {
        &self.state.counters
    }

    /// The signed-in user consents to the OAuth app for `scopes` (what the web client's
    /// consent page does, `POST /session/oauth/consent`): the authorization code the app
    /// exchanges at `POST /api/v4/session/oauth/token` (valid 10 minutes, once). `code_challenge`
    /// is PKCE's S256 challenge, when the app sent one.
    pub fn authorize(&self, scopes: &[&str], code_challenge: Option<&str>) -> String {
        let code = tokens::random_token(128);
        self.state
            .oauth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .add_code(&code, scopes, code_challenge);
        code
    }

    /// An access token of the signed-in user, issued without the sign-in call (for benches
    /// and tests that exercise other routes).
    pub fn access_token(&self) -> String {
        self.state.issue_tokens()["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Hashids of the shares deleted through `DELETE /api/v4/share/{id}`, in order.
    pub fn deleted_ids(&self) -> Vec<String> {
        self.state
            .deleted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Native ids of the shares of the user with this e-mail (the signed-in user's are those
    /// of the configured e-mail), in id order.
    pub fn share_ids_of(&self, email: &str) -> Vec<String> {
        let store = self.state.lock_store();
        let Some(owner) = store.users.iter().position(|u| u.email == email) else {
            return Vec::new();
        };
        store
            .shares
            .values()
            .filter(|r| r.owner == owner)
            .map(|r| r.hashid.clone())
            .collect()
    }

    /// The users' e-mails and public ids, the signed-in user first.
    pub fn users(&self) -> Vec<(String, String)> {
        self.state
            .lock_store()
            .users
            .iter()
            .map(|u| (u.email.clone(), u.hash_id.clone()))
            .collect()
    }

    /// Sets a user's status (`active`, `inactive`, `manual_banned`, `sys_banned`): a
    /// share of a user who is not active is invalid. `false` for an unknown e-mail.
    pub fn set_user_status(&self, email: &str, status: &str) -> bool {
        let mut store = self.state.lock_store();
        match store.users.iter_mut().find(|u| u.email == email) {
            Some(u) => {
                u.status = status.to_owned();
                true
            }
            None => false,
        }
    }

    /// Native ids of every stored share, in id order.
    pub fn share_ids(&self) -> Vec<String> {
        self.state
            .lock_store()
            .shares
            .values()
            .map(|r| r.hashid.clone())
            .collect()
    }

    /// How many shares are stored.
    pub fn share_count(&self) -> usize {
        self.state.lock_store().shares.len()
    }

    /// Adds a file (a path under `my/`, any characters) that a create can then share, as
    /// `cloudreve://my/{path}`; the share's name is the path's last segment.
    pub fn add_file(&self, path: &str, size: i64) {
        self.state.lock_store().files.insert(
            path.to_owned(),
            store::FileRec {
                is_folder: false,
                size,
                trashed: false,
            },
        );
    }

    /// URIs of existing files and folders a create can share (`cloudreve://my/...`).
    pub fn source_uris(&self) -> Vec<String> {
        self.state
            .lock_store()
            .files
            .keys()
            .map(|p| format!("cloudreve://my/{p}"))
            .collect()
    }

    /// Changes the lifetime of access tokens issued from now on.
    pub fn set_access_ttl(&self, d: Duration) {
        self.state.settings_mut().access_ttl = d;
    }

    /// Changes the lifetime of refresh tokens issued from now on.
    pub fn set_refresh_ttl(&self, d: Duration) {
        self.state.settings_mut().refresh_ttl = d;
    }

    /// Turns the login captcha on or off.
    pub fn set_login_captcha(&self, on: bool) {
        self.state.settings_mut().login_captcha = on;
    }

    /// Turns 2FA on the account on or off.
    pub fn set_two_factor(&self, on: bool) {
        self.state.settings_mut().two_factor = on;
    }

    /// Changes the account password; like the real server, this invalidates every refresh
    /// token.
    pub fn set_password(&self, password: &str) {
        self.state.settings_mut().password = password.to_owned();
        self.state.lock_tokens().revoke_refresh_tokens();
    }

    /// Invalidates every refresh token (sign-out of every session).
    pub fn revoke_refresh_tokens(&self) {
        self.state.lock_tokens().revoke_refresh_tokens();
    }

    /// Expires every access token issued so far.
    pub fn expire_access_tokens(&self) {
        self.state.lock_tokens().expire_access_tokens();
    }

    /// Deletes every share (to test an empty list).
    pub fn clear_shares(&self) {
        self.state.lock_store().shares.clear();
    }

    /// The stored record of a share as the owner's list shows it (`None` when unknown).
    pub fn share_json(&self, native_id: &str) -> Option<Value> {
        let settings = self.state.settings();
        let store = self.state.lock_store();
        let rec = store.get(native_id)?;
        let viewer = render::Viewer {
            owner: true,
            unlocked: true,
            extended: true,
        };
        Some(render::share(
            &store,
            rec,
            &self.state.site,
            &settings.email,
            viewer,
            settings.pro_fields,
            Utc::now(),
        ))
    }

    /// Moves the source of a share to the trash bin (and every other share of the same
    /// file's): its shares turn invalid (`expired: true` in the list, `404 "Share link
    /// expired"` on info) and its path no longer resolves. `false` for an unknown share.
    pub fn trash_source(&self, native_id: &str) -> bool {
        let mut store = self.state.lock_store();
        let Some(path) = store.get(native_id).map(|r| r.path.clone()) else {
            return false;
        };
        match store.files.get_mut(&path) {
            Some(file) => {
                file.trashed = true;
                true
            }
            None => false,
        }
    }

    /// Sets a share's expiry as an edit would, without the API (to make a link expire now).
    /// `false` for an unknown share.
    pub fn set_expires(&self, native_id: &str, at: Option<chrono::DateTime<Utc>>) -> bool {
        match self.state.lock_store().get_mut(native_id) {
            Some(rec) => {
                rec.expires = at;
                true
            }
            None => false,
        }
    }

    /// The stored access code of a share (`None` when unknown; empty when it has none).
    pub fn share_password(&self, native_id: &str) -> Option<String> {
        self.state
            .lock_store()
            .get(native_id)
            .map(|r| r.password.clone())
    }

    /// Simulates `n` downloads through a share (decrements `remain_downloads`).
    pub fn record_downloads(&self, native_id: &str, n: u64) -> bool {
        let mut store = self.state.lock_store();
        let Some(rec) = store.get_mut(native_id) else {
            return false;
        };
        rec.downloaded += n;
        if let Some(left) = &mut rec.remain_downloads {
            *left -= n as i64;
        }
        true
    }
}

impl Drop for CloudreveSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
