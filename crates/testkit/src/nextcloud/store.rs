//! The simulated server's data: a file tree and shares of every type, as the share tables hold
//! them (the password as a hash, the expiry as a date in the server's zone).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `share_type` values the simulator holds.
pub(crate) const TYPE_USER: u8 = 0;
pub(crate) const TYPE_GROUP: u8 = 1;
pub(crate) const TYPE_LINK: u8 = 3;

/// One node of the user's folder.
#[derive(Clone, Debug)]
pub(crate) struct SimNode {
    pub id: u64,
    pub parent: u64,
    /// `/Documents/report-3.pdf`.
    pub path: String,
    pub folder: bool,
    pub mimetype: &'static str,
    pub size: u64,
}

impl SimNode {
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or_default()
    }
}

/// One share, as `oc_share` holds it.
#[derive(Clone, Debug)]
pub(crate) struct SimShare {
    pub id: u64,
    pub share_type: u8,
    pub node: SimNode,
    pub permissions: i64,
    pub stime: i64,
    /// The expiry date in the server's zone.
    pub expiration: Option<NaiveDate>,
    pub token: String,
    /// User or group shared with (user and group shares).
    pub share_with: Option<String>,
    /// The password hash (link shares).
    pub password_hash: Option<String>,
    pub label: String,
    pub note: String,
    pub hide_download: bool,
}

/// Every node and share.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub nodes: Vec<SimNode>,
    pub shares: Vec<SimShare>,
    pub next_id: u64,
    pub next_token: u64,
}

const TOKEN_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

impl Store {
    /// Files and folders, `links` public links plus a user or group share for every fourth
    /// link, from `seed`; expiry dates around `now` in a zone `offset` seconds east, some in
    /// the past when `with_expired`.
    pub fn seeded(
        links: usize,
        seed: u64,
        now: DateTime<Utc>,
        offset: i32,
        with_expired: bool,
    ) -> Store {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut store = Store {
            next_id: 1,
            next_token: seed,
            ..Store::default()
        };
        let folders = ["Documents", "Photos", "Projects", "Shared", "Talk"];
        for (i, f) in folders.iter().enumerate() {
            store.nodes.push(SimNode {
                id: 100 + i as u64,
                parent: 2,
                path: format!("/{f}"),
                folder: true,
                mimetype: "httpd/unix-directory",
                size: rng.gen_range(10_000..50_000_000),
            });
        }
        let n_files = (links + 20).max(40);
        for i in 0..n_files {
            let folder = i % folders.len();
            let (name, mimetype, is_folder) = match i % 4 {
                0 => (format!("report-{i}.pdf"), "application/pdf", false),
                1 => (format!("photo-{i}.jpg"), "image/jpeg", false),
                2 => (format!("album-{i}"), "httpd/unix-directory", true),
                _ => (format!("notes-{i}.md"), "text/markdown", false),
            };
            store.nodes.push(SimNode {
                id: 1000 + i as u64,
                parent: 100 + folder as u64,
                path: format!("/{}/{name}", folders[folder]),
                folder: is_folder,
                mimetype,
                size: rng.gen_range(0..20_000_000),
            });
        }
        let today = (now + Duration::seconds(i64::from(offset))).date_naive();
        for i in 0..links {
            let node = store.nodes[5 + (i % n_files)].clone();
            let expiration = match rng.gen_range(0..10) {
                0..=5 => None,
                6 | 7 => Some(today + Duration::days(rng.gen_range(1..90))),
                _ if with_expired => Some(today - Duration::days(rng.gen_range(0..60))),
                _ => Some(today + Duration::days(rng.gen_range(90..400))),
            };
            let password = (rng.gen_range(0..3) == 0).then(|| format!("seeded-pw-{i}"));
            let permissions = if node.folder && rng.gen_range(0..5) == 0 {
                15
            } else {
                1
            };
            let stime = (now - Duration::days(rng.gen_range(1..400))).timestamp();
            let mut share = store.new_share(TYPE_LINK, node.clone(), permissions, stime);
            share.expiration = expiration;
            share.password_hash = password.as_deref().map(hash);
            share.hide_download = rng.gen_range(0..6) == 0;
            if i % 3 == 0 {
                share.label = format!("Link {i}");
            }
            if i % 5 == 0 {
                share.note = format!("Shared with the team <{i}> / é");
            }
            store.shares.push(share);
            if i % 4 == 0 {
                let (ty, with) = if i % 8 == 0 {
                    (TYPE_USER, "bob")
                } else {
                    (TYPE_GROUP, "staff")
                };
                let mut other = store.new_share(ty, node, 19, stime);
                other.share_with = Some(with.to_owned());
                store.shares.push(other);
            }
        }
        store
    }

    /// A share with a fresh id and token.
    pub fn new_share(
        &mut self,
        share_type: u8,
        node: SimNode,
        permissions: i64,
        stime: i64,
    ) -> SimShare {
        let id = self.next_id;
        self.next_id += 1;
        let token = if share_type == TYPE_LINK {
            self.token()
        } else {
            String::new()
        };
        SimShare {
            id,
            share_type,
            node,
            permissions,
            stime,
            expiration: None,
            token,
            share_with: None,
            password_hash: None,
            label: String::new(),
            note: String::new(),
            hide_download: false,
        }
    }

    fn token(&mut self) -> String {
        let mut rng = StdRng::seed_from_u64(self.next_token);
        self.next_token = self.next_token.wrapping_add(1);
        (0..15)
            .map(|_| TOKEN_ALPHABET[rng.gen_range(0..TOKEN_ALPHABET.len())] as char)
            .collect()
    }

    /// Shares in the order `getShares` lists them: user, group, then link shares (each type
    /// in id order).
    pub fn listed(&self) -> Vec<&SimShare> {
        let mut out: Vec<&SimShare> = Vec::with_capacity(self.shares.len());
        for ty in [TYPE_USER, TYPE_GROUP, TYPE_LINK] {
            out.extend(self.shares.iter().filter(|s| s.share_type == ty));
        }
        out
    }

    pub fn find(&self, id: u64) -> Option<&SimShare> {
        self.shares.iter().find(|s| s.id == id)
    }

    pub fn find_mut(&mut self, id: u64) -> Option<&mut SimShare> {
        self.shares.iter_mut().find(|s| s.id == id)
    }

    pub fn node_at(&self, path: &str) -> Option<&SimNode> {
        let want = format!("/{}", path.trim_matches('/'));
        self.nodes.iter().find(|n| n.path == want)
    }
}

/// A stand-in for the server's `IHasher` output (`3|$argon2id$...`): never the password.
pub(crate) fn hash(password: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("unishare-sim-salt:{password}").as_bytes());
    format!(
        "3|$argon2id$v=19$m=65536,t=4,p=1${}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, digest)
    )
}
