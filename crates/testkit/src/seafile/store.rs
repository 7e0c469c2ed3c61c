//! The simulated server's data: users with tokens, libraries with their dirents, and the
//! `FileShare` rows (`seahub/share/models.py`): token, owner, library, path, type, ctime,
//! view count, password, expiry, permission.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A user of the site.
#[derive(Clone, Debug)]
pub(crate) struct SimUser {
    /// The username (an e-mail here).
    pub email: String,
    pub name: String,
    pub password: String,
    /// The v1 API token.
    pub token: String,
    pub is_staff: bool,
}

/// One file or folder of a library.
#[derive(Clone, Debug)]
pub(crate) struct SimDirent {
    /// `/docs/report-3.pdf` or `/projects/p4/` (a folder's path ends with `/`).
    pub path: String,
    pub is_dir: bool,
    pub size: u64,
    pub obj_id: String,
}

/// A library.
#[derive(Clone, Debug)]
pub(crate) struct SimRepo {
    pub id: String,
    pub name: String,
    pub dirents: Vec<SimDirent>,
}

/// `FileShare.permission`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Perm {
    ViewDownload,
    ViewOnly,
    EditDownload,
    EditOnly,
    ViewDownloadUpload,
}

impl Perm {
    /// `FileShare.get_permissions()`: `(can_edit, can_download, can_upload)`.
    pub fn flags(self) -> (bool, bool, bool) {
        match self {
            Perm::ViewDownload => (false, true, false),
            Perm::ViewOnly => (false, false, false),
            Perm::EditDownload => (true, true, false),
            Perm::EditOnly => (true, false, false),
            Perm::ViewDownloadUpload => (false, true, true),
        }
    }

    /// `check_permissions_arg` (v4).
    pub fn from_flags(can_edit: bool, can_download: bool, can_upload: bool) -> Perm {
        match (can_edit, can_download, can_upload) {
            (false, true, true) => Perm::ViewDownloadUpload,
            (false, true, _) => Perm::ViewDownload,
            (false, false, _) => Perm::ViewOnly,
            (true, true, _) => Perm::EditDownload,
            (true, false, _) => Perm::EditOnly,
        }
    }
}

/// One share link.
#[derive(Clone, Debug)]
pub(crate) struct SimLink {
    pub token: String,
    pub owner: String,
    pub repo_id: String,
    pub path: String,
    pub is_dir: bool,
    pub ctime: DateTime<Utc>,
    pub view_cnt: u64,
    pub password: Option<String>,
    pub expire: Option<DateTime<Utc>>,
    pub perm: Perm,
}

impl SimLink {
    /// `FileShare.get_obj_name()`.
    pub fn obj_name(&self) -> &str {
        if self.path == "/" {
            return "/";
        }
        self.path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
    }

    /// `FileShare.is_expired()`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expire.is_some_and(|e| now > e)
    }
}

/// Users, libraries and links.
#[derive(Debug)]
pub(crate) struct Store {
    pub users: Vec<SimUser>,
    pub repos: Vec<SimRepo>,
    /// In insertion (= ctime) order.
    pub links: Vec<SimLink>,
    rng: StdRng,
}

/// Paths free of links that a create may share, per library.
pub(crate) const FREE_PATHS: usize = 40;

impl Store {
    /// `links` links spread over the users (the admin first), some expired, some with a
    /// password, some with permissions other than the default, ctime one minute apart.
    pub fn seeded(links: usize, seed: u64, now: DateTime<Utc>, users: Vec<SimUser>) -> Store {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut repos: Vec<SimRepo> = (0..3)
            .map(|r| SimRepo {
                id: uuid_like(&mut rng),
                name: ["My Library", "Projects", "Shared Docs"][r].to_owned(),
                dirents: Vec::new(),
            })
            .collect();
        for repo in &mut repos {
            for k in 0..FREE_PATHS {
                let obj_id = hex(&mut rng, 20);
                repo.dirents.push(SimDirent {
                    path: format!("/free/new-{k}.pdf"),
                    is_dir: false,
                    size: 1000 + k as u64,
                    obj_id,
                });
            }
            let obj_id = hex(&mut rng, 20);
            repo.dirents.push(SimDirent {
                path: "/free/folder/".into(),
                is_dir: true,
                size: 0,
                obj_id,
            });
        }
        let mut store = Store {
            users,
            repos,
            links: Vec::new(),
            rng,
        };
        for i in 0..links {
            let owner = store.users[i % store.users.len()].email.clone();
            let r = i % store.repos.len();
            let is_dir = i % 3 == 1;
            let path = if is_dir {
                format!("/projects/p{i}/")
            } else {
                format!("/docs/report-{i}.pdf")
            };
            let obj_id = hex(&mut store.rng, 20);
            let size = 10_000 + i as u64;
            store.repos[r].dirents.push(SimDirent {
                path: path.clone(),
                is_dir,
                size,
                obj_id,
            });
            let ctime = now - Duration::minutes((links - i) as i64 + 60);
            let expire = match i % 7 {
                0 => Some(now - Duration::days(2)),
                3 => Some(now + Duration::days(10)),
                _ => None,
            };
            let perm = match i % 5 {
                2 => Perm::ViewOnly,
                4 if !is_dir => Perm::EditDownload,
                4 => Perm::ViewDownloadUpload,
                _ => Perm::ViewDownload,
            };
            let token = store.new_token();
            store.links.push(SimLink {
                token,
                owner,
                repo_id: store.repos[r].id.clone(),
                path,
                is_dir,
                ctime: ctime.with_nanosecond0(),
                view_cnt: (i as u64 * 7) % 50,
                password: (i % 4 == 2).then(|| format!("pass{i:04}word")),
                expire: expire.map(WithNanos::with_nanosecond0),
                perm,
            });
        }
        store
    }

    /// A fresh token (`gen_token`: lowercase hex, `SHARE_LINK_TOKEN_LENGTH` = 20).
    pub fn new_token(&mut self) -> String {
        loop {
            let t = hex(&mut self.rng, 20);
            if !self.links.iter().any(|l| l.token == t) {
                return t;
            }
        }
    }

    pub fn user_by_token(&self, token: &str) -> Option<&SimUser> {
        self.users.iter().find(|u| u.token == token)
    }

    pub fn repo(&self, id: &str) -> Option<&SimRepo> {
        self.repos.iter().find(|r| r.id == id)
    }

    pub fn link(&self, token: &str) -> Option<&SimLink> {
        self.links.iter().find(|l| l.token == token)
    }

    pub fn link_mut(&mut self, token: &str) -> Option<&mut SimLink> {
        self.links.iter_mut().find(|l| l.token == token)
    }

    pub fn user(&self, email: &str) -> Option<&SimUser> {
        self.users.iter().find(|u| u.email == email)
    }
}

/// Seconds precision, as the database and `datetime_to_isoformat_timestr` keep them.
pub(crate) trait WithNanos {
    fn with_nanosecond0(self) -> Self;
}

impl WithNanos for DateTime<Utc> {
    fn with_nanosecond0(self) -> Self {
        DateTime::from_timestamp(self.timestamp(), 0).unwrap_or(self)
    }
}

fn hex(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
        .collect()
}

fn uuid_like(rng: &mut StdRng) -> String {
    let h = hex(rng, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
