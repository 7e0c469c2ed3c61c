//! `[store] path`: each account's last complete snapshot, kept on disk so that a restart
//! serves every share at once (`state: "stale"`) while the first crawl runs (`docs/store.md`).
//!
//! One file per account, `{path}/{account}.snap`, replaced atomically (written to a temporary
//! file in the same directory, `fsync`ed, renamed, directory `fsync`ed), mode `0600` in a
//! `0700` directory: the file holds share passwords and secret URLs. Layout:
//!
//! ```text
//! "UNISHARE-SNAPSHOT\n"  magic (18 bytes)
//! u32 LE                 format version (FORMAT_VERSION)
//! u32 LE                 header length, then the header (JSON: account, source, synced_at, …)
//! u64 LE                 payload length, then the payload: zstd of one JSON array per share
//! u32 LE                 CRC-32 of header and payload
//! ```
//!
//! A file that is damaged (bad magic, truncated, wrong checksum, undecodable), of another
//! format version, or of another account or source (provider, base URL or inventory changed)
//! is ignored with a warning: the account then starts cold, as without a store.

mod codec;

use crate::snapshot::Snapshot;
use chrono::{DateTime, Utc};
pub(crate) use codec::{decode, encode_snapshot};
pub use codec::{decode_shares, encode_shares, FORMAT_VERSION};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use unishare_core::Share;

/// `[store]` as written.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// The snapshot directory; no store when absent.
    #[serde(default)]
    pub path: Option<PathBuf>,
}

impl StoreSection {
    /// A relative or empty path is refused: a service's working directory is rarely meant.
    pub fn validate(&self, origin: &str) -> Result<(), crate::config_error::ConfigError> {
        match &self.path {
            Some(p) if p.as_os_str().is_empty() || p.is_relative() => {
                Err(crate::config_error::ConfigError::at(
                    origin,
                    "store.path".to_string(),
                    "must be an absolute directory path",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Where one account's snapshot is stored, and what it must match to be loaded.
#[derive(Clone, Debug)]
pub struct StoreKey {
    /// The account name.
    pub account: String,
    /// What the shares were read from (`provider base_url inventory`): a snapshot of another
    /// server is never served under this account.
    pub source: String,
}

/// A snapshot read back from the store.
#[derive(Debug)]
pub struct Restored {
    /// Every share, secrets included.
    pub shares: Vec<Arc<Share>>,
    /// When the data was read from the vendor.
    pub synced_at: DateTime<Utc>,
    /// Records the vendor sent that could not be mapped during that crawl.
    pub skipped: usize,
}

/// The snapshot directory.
#[derive(Debug)]
pub struct SnapshotStore {
    dir: PathBuf,
    /// Held while a file is written.
    writing: std::sync::Mutex<()>,
}

/// Why a stored snapshot was not loaded (logged as a warning).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Not a snapshot file, or cut short, or its checksum does not match.
    #[error("damaged snapshot file: {0}")]
    Damaged(&'static str),
    /// Another format version.
    #[error("snapshot format version {0}, this build reads {FORMAT_VERSION}")]
    Version(u32),
    /// Another account or source.
    #[error("the file is of {0}, not of this account's configuration")]
    Foreign(String),
    /// The payload does not decode.
    #[error("undecodable snapshot: {0}")]
    Decode(String),
}

impl SnapshotStore {
    /// Opens (creating it `0700` if needed) the store directory.
    pub fn open(dir: impl Into<PathBuf>) -> std::io::Result<SnapshotStore> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        restrict(&dir, 0o700)?;
        Ok(SnapshotStore {
            dir,
            writing: std::sync::Mutex::new(()),
        })
    }

    /// The file of `account`: its name with every byte outside `[A-Za-z0-9_-]` as `%XX`.
    pub fn file_of(&self, account: &str) -> PathBuf {
        let mut name = String::with_capacity(account.len() + 5);
        for b in account.bytes() {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
                name.push(b as char);
            } else {
                name.push_str(&format!("%{b:02X}"));
            }
        }
        name.push_str(".snap");
        self.dir.join(name)
    }

    /// Writes `snapshot` as `key`'s, replacing the previous one atomically. Blocking: call it
    /// off the request path (`spawn_blocking`).
    pub fn save(&self, key: &StoreKey, snapshot: &Snapshot) -> Result<(), StoreError> {
        let bytes = codec::encode_snapshot(key, snapshot)?;
        let path = self.file_of(&key.account);
        let tmp = path.with_extension(format!("snap.tmp{}", std::process::id()));
        let written = (|| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            restrict(&tmp, 0o600)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            if let Ok(d) = std::fs::File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok::<_, std::io::Error>(())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        Ok(written?)
    }

    /// The stored snapshot of `key`, if there is one that is whole and matches; `Ok(None)` when
    /// there is no file.
    pub fn load(&self, key: &StoreKey) -> Result<Option<Restored>, StoreError> {
        let path = self.file_of(&key.account);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        codec::decode(&bytes, key).map(Some)
    }
}

/// Sets `path`'s permission bits (Unix; elsewhere the directory's ACLs apply).
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// The store of one account: the shared directory and this account's key.
#[derive(Clone, Debug)]
pub struct AccountStore {
    /// The directory.
    pub store: Arc<SnapshotStore>,
    /// This account's file and what it must match.
    pub key: StoreKey,
}

impl AccountStore {
    /// The stored snapshot, built for serving (its age counts from now: a restored snapshot
    /// is served `stale`, and while the vendor fails for `max_stale`), or `None` with a
    /// warning when the file is damaged or foreign.
    pub fn restore(
        &self,
        account: unishare_core::AccountName,
        provider: unishare_core::Provider,
    ) -> Option<Snapshot> {
        let started = std::time::Instant::now();
        match self.store.load(&self.key) {
            Ok(Some(r)) => {
                let n = r.shares.len();
                let snap = Snapshot::build(
                    account,
                    provider,
                    r.shares,
                    std::time::Instant::now(),
                    r.synced_at,
                    r.skipped,
                );
                metrics::counter!("unishare_store_loads_total", "outcome" => "restored")
                    .increment(1);
                tracing::info!(account = %self.key.account, shares = n,
                    ms = started.elapsed().as_millis() as u64, synced_at = %r.synced_at,
                    "snapshot restored from the store");
                Some(snap)
            }
            Ok(None) => None,
            Err(e) => {
                metrics::counter!("unishare_store_loads_total", "outcome" => "ignored")
                    .increment(1);
                tracing::warn!(account = %self.key.account, error = %e,
                    file = %self.store.file_of(&self.key.account).display(),
                    "stored snapshot ignored; the account starts cold");
                None
            }
        }
    }

    /// Writes `snapshot` on a blocking thread, off the request path; a failure is logged and
    /// counted (`unishare_store_writes_total{outcome="failed"}`), never fatal. Writes of one
    /// store are serialized, so the last crawl's snapshot is the one left on disk.
    pub fn save_in_background(&self, snapshot: Arc<Snapshot>) {
        let this = self.clone();
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        rt.spawn_blocking(move || {
            let _one = this
                .store
                .writing
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let outcome = match this.store.save(&this.key, &snapshot) {
                Ok(()) => "ok",
                Err(e) => {
                    tracing::warn!(account = %this.key.account, error = %e, "saving the snapshot failed");
                    "failed"
                }
            };
            metrics::counter!("unishare_store_writes_total", "outcome" => outcome).increment(1);
        });
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::codec::MAGIC;
    use super::*;
    use serde_json::json;
    use unishare_core::AccountName;
    use unishare_core::Secret;

    /// A share of account `hq`, with `extra` fields replaced (also used by the cluster tests).
    pub(crate) fn share(native: &str, extra: serde_json::Value) -> Share {
        let mut v = json!({
            "id": format!("hq:{native}"), "account": "hq", "provider": "cloudreve",
            "native_id": native, "name": format!("file {native}"),
            "url": format!("https://drive.example/s/{native}"), "short_code": null,
            "status": "active", "audience": "anyone", "password_protected": null,
            "created_at": "2026-11-30T10:00:00Z", "expires_at": null,
            "permissions": {"preview": true, "download": null, "upload": null, "edit": null},
            "stats": {"views": 3, "downloads": null, "saves": null},
            "remaining_downloads": null,
            "source": {"kind": "folder", "uri": "cloudreve://my/docs", "files": []},
            "owner": null, "comment": null, "vendor": {"price": 0}
        });
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        serde_json::from_value(v).expect("a share")
    }

    fn snapshot(shares: Vec<Share>) -> Snapshot {
        Snapshot::build(
            AccountName::new("hq").expect("name"),
            shares[0].provider,
            shares.into_iter().map(Arc::new).collect(),
            std::time::Instant::now(),
            "2026-12-01T00:00:00Z".parse().expect("time"),
            2,
        )
    }

    fn key() -> StoreKey {
        StoreKey {
            account: "hq".into(),
            source: "cloudreve http://127.0.0.1:1 User".into(),
        }
    }

    fn temp_store() -> (PathBuf, SnapshotStore) {
        let dir = std::env::temp_dir().join(format!(
            "unishare-store-test-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let store = SnapshotStore::open(&dir).expect("open");
        (dir, store)
    }

    #[test]
    fn a_snapshot_round_trips_with_its_secrets_and_unservable_urls() {
        let (dir, store) = temp_store();
        let mut secret = share("a1", json!({"password_protected": true}));
        secret.password = Some(Secret::new("pa55"));
        secret.secret_url = Some(Secret::new("https://drive.example/s/a1/pa55"));
        let mut damaged = share("b2", json!({}));
        damaged.url = "javascript:alert(1)".into();
        let plain = share(
            "c3",
            json!({"owner": {"id": "7", "name": "Ann", "email": null}}),
        );
        let original = vec![secret, damaged, plain];
        store
            .save(&key(), &snapshot(original.clone()))
            .expect("save");
        let back = store.load(&key()).expect("load").expect("a snapshot");
        let back: Vec<Share> = back.shares.iter().map(|s| (**s).clone()).collect();
        assert_eq!(back, original);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&store.file_of("hq")), 0o600);
            assert_eq!(mode(&dir), 0o700);
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn damaged_foreign_and_other_version_files_are_refused() {
        let (dir, store) = temp_store();
        store
            .save(&key(), &snapshot(vec![share("a1", json!({}))]))
            .expect("save");
        let path = store.file_of("hq");
        let good = std::fs::read(&path).expect("read");
        let refused = |bytes: &[u8]| {
            std::fs::write(&path, bytes).expect("write");
            store.load(&key()).expect_err("refused")
        };
        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x40;
        assert!(matches!(refused(&flipped), StoreError::Damaged(_)));
        assert!(matches!(
            refused(&good[..good.len() - 3]),
            StoreError::Damaged(_)
        ));
        assert!(matches!(
            refused(b"{\"not\": \"a snapshot\"}"),
            StoreError::Damaged(_)
        ));
        let mut v2 = good.clone();
        v2[MAGIC.len()] = 2;
        assert!(matches!(refused(&v2), StoreError::Version(2)));
        std::fs::write(&path, &good).expect("write");
        let moved = StoreKey {
            source: "cloudreve http://elsewhere User".into(),
            ..key()
        };
        assert!(matches!(store.load(&moved), Err(StoreError::Foreign(_))));
        assert!(store.load(&key()).expect("load").is_some());
        let none = StoreKey {
            account: "other".into(),
            ..key()
        };
        assert!(store.load(&none).expect("no file").is_none());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn account_names_become_safe_file_names() {
        let (dir, store) = temp_store();
        assert_eq!(store.file_of("hq-1_a"), dir.join("hq-1_a.snap"));
        assert_eq!(store.file_of("../x y"), dir.join("%2E%2E%2Fx%20y.snap"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
