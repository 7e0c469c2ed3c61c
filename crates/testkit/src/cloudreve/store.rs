//! The simulator's data: files that can be shared, and shares keyed by an internal numeric db id
//! (id order) with a hashid-like public id.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The signed-in user of the simulator (the owner of every share).
pub(crate) const OWNER_ID: &str = "bnUn";
/// The owner's nickname.
pub(crate) const OWNER_NICKNAME: &str = "Luke Skywalker";

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// A user of the site (`ent.User`). The first is the one the simulator signs in.
#[derive(Clone, Debug)]
pub(crate) struct UserRec {
    /// The database id (`ent.User.id`, an integer).
    pub db_id: i64,
    /// The public hashid (`user_hash_id`, the redacted owner's `id`).
    pub hash_id: String,
    pub email: String,
    pub nick: String,
    /// `active`, `inactive`, `manual_banned` or `sys_banned`.
    pub status: String,
}

/// A file or folder in the user's drive (`cloudreve://my/{path}`).
#[derive(Clone, Debug)]
pub(crate) struct FileRec {
    pub is_folder: bool,
    pub size: i64,
    /// In the trash bin (`file_children == 0`): its shares are invalid, its path resolves no
    /// more.
    pub trashed: bool,
}

/// One share as the server stores it.
#[derive(Clone, Debug)]
pub(crate) struct ShareRec {
    pub db_id: u64,
    pub hashid: String,
    /// Index of the owner in [`Store::users`] (0 = the signed-in user).
    pub owner: usize,
    /// Path of the source under `my/`.
    pub path: String,
    pub password: String,
    pub remain_downloads: Option<i64>,
    pub visited: u64,
    pub downloaded: u64,
    pub expires: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub share_view: bool,
    pub show_readme: bool,
    /// Pro only.
    pub price: Option<i64>,
    /// Pro only.
    pub permission_setting: Option<Value>,
}

impl ShareRec {
    /// `IsShareExpired`: past its expiry, or out of downloads.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|at| at <= now) || self.remain_downloads.is_some_and(|n| n <= 0)
    }

    /// The display name: the last segment of the path.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

impl Store {
    /// `IsValidShare`: not expired, its owner active, its source not in the trash.
    pub fn is_valid(&self, rec: &ShareRec, now: DateTime<Utc>) -> bool {
        !rec.is_expired(now)
            && self
                .users
                .get(rec.owner)
                .is_some_and(|u| u.status == "active")
            && self.files.get(&rec.path).is_some_and(|f| !f.trashed)
    }

    /// Adds `n` more users (`user{i}@example.com`), with hashid-like ids.
    pub fn add_users(&mut self, n: usize) {
        for i in 1..=n {
            let hash_id = self.new_hashid();
            self.users.push(UserRec {
                db_id: i as i64 + 1,
                hash_id,
                email: format!("user{i}@example.com"),
                nick: format!("User {i}"),
                status: "active".to_owned(),
            });
        }
    }

    /// Whether `path` names a file or folder of the drive (not one in the trash); the parent
    /// folders of every stored path exist too.
    pub fn exists(&self, path: &str) -> bool {
        match self.files.get(path) {
            Some(f) => !f.trashed,
            None => {
                let prefix = format!("{path}/");
                self.files.keys().any(|p| p.starts_with(&prefix))
            }
        }
    }
}

/// Files and shares.
pub(crate) struct Store {
    pub shares: BTreeMap<u64, ShareRec>,
    /// Every hashid ever issued → db id (kept after delete: a real hashid decodes without a
    /// lookup, so a page token naming a deleted share still works).
    pub ids: HashMap<String, u64>,
    pub files: BTreeMap<String, FileRec>,
    /// Every user; `users[0]` is the signed-in one.
    pub users: Vec<UserRec>,
    next_db_id: u64,
    pub rng: StdRng,
}

impl Store {
    pub fn new(rng: StdRng) -> Self {
        Store {
            shares: BTreeMap::new(),
            ids: HashMap::new(),
            files: BTreeMap::new(),
            users: vec![UserRec {
                db_id: 1,
                hash_id: OWNER_ID.to_owned(),
                email: String::new(),
                nick: OWNER_NICKNAME.to_owned(),
                status: "active".to_owned(),
            }],
            next_db_id: 1,
            rng,
        }
    }

    /// A fresh, unique, hashid-like id of 4 to 6 characters of `[a-zA-Z0-9]`.
    fn new_hashid(&mut self) -> String {
        loop {
            let len = self.rng.gen_range(4..=6);
            let id: String = (0..len)
                .map(|_| ALPHABET[self.rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            if !self.ids.contains_key(&id) {
                return id;
            }
        }
    }

    /// Inserts a share built by `make` from its db id and hashid; returns its hashid.
    pub fn insert(&mut self, make: impl FnOnce(u64, String) -> ShareRec) -> String {
        let db_id = self.next_db_id;
        self.next_db_id += 1;
        let hashid = self.new_hashid();
        self.ids.insert(hashid.clone(), db_id);
        self.shares.insert(db_id, make(db_id, hashid.clone()));
        hashid
    }

    pub fn get(&self, hashid: &str) -> Option<&ShareRec> {
        self.ids.get(hashid).and_then(|db| self.shares.get(db))
    }

    pub fn get_mut(&mut self, hashid: &str) -> Option<&mut ShareRec> {
        let db = *self.ids.get(hashid)?;
        self.shares.get_mut(&db)
    }

    pub fn remove(&mut self, hashid: &str) -> bool {
        match self.ids.get(hashid) {
            Some(db) => self.shares.remove(db).is_some(),
            None => false,
        }
    }

    /// A random password as the server generates it: 8 lowercase letters.
    pub fn random_password(&mut self) -> String {
        (0..8)
            .map(|_| (b'a' + self.rng.gen_range(0..26u8)) as char)
            .collect()
    }
}

/// Whether `s` looks like a share hashid (else the server answers `40001 Failed to parse
/// object ID`).
pub(crate) fn is_hashid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Resolves a create/edit `uri` to a path under `my/`: `cloudreve://[uid@]my/{path}`, the path
/// percent-decoded (Go's `url.Parse`). `Err(code, msg)` as the server would answer; the root
/// folder is `403 "src file not found"` (`WithNotRoot` under `CreateOrUpdateShare`, BE-4.18
/// `pkg/filemanager/manager/operation.go`).
pub(crate) fn resolve_uri(uri: &str) -> Result<String, (i64, &'static str)> {
    let Some(rest) = uri.strip_prefix("cloudreve://") else {
        return Err((40001, "unknown uri"));
    };
    let rest = match rest.split_once('@') {
        Some((uid, rest)) if uid == OWNER_ID => rest,
        Some((_, _)) => return Err((403, "permission denied")),
        None => rest,
    };
    let Some(path) = rest.strip_prefix("my") else {
        return Err((40001, "unknown uri"));
    };
    if !(path.is_empty() || path.starts_with('/')) {
        return Err((40001, "unknown uri"));
    }
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Err((403, "src file not found"));
    }
    percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map(|p| p.into_owned())
        .map_err(|_| (40001, "unknown uri"))
}

/// The owner-side URI of a path under `my/` as Go's `url.URL.String()` prints it
/// (`cloudreve://{uid}@my/{path}`, each segment percent-encoded; the root is
/// `cloudreve://{uid}@my/`).
pub(crate) fn owner_uri(path: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b',')
        .remove(b':')
        .remove(b';')
        .remove(b'=')
        .remove(b'@');
    let encoded: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
        .collect();
    format!("cloudreve://{OWNER_ID}@my/{}", encoded.join("/"))
}

/// The `source_uri` of a share of `path` (`share_navigator.go` `Root`: a single-file share's
/// root is the file's parent folder; `visit.go` returns `root.Uri(true)`).
pub(crate) fn share_root_uri(path: &str, is_folder: bool) -> String {
    if is_folder {
        owner_uri(path)
    } else {
        owner_uri(path.rsplit_once('/').map_or("", |(parent, _)| parent))
    }
}
