//! Deterministic seed data: a few files and folders, and `n` shares with a realistic mix.

use super::store::{FileRec, ShareRec, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::Rng;
use serde_json::json;

/// Files and folders of the simulated drive: `(path under my/, is_folder, size)`.
const FILES: &[(&str, bool, i64)] = &[
    ("Reports", true, 0),
    ("Inspirations", true, 0),
    ("Docs/report.pdf", false, 1_234_567),
    ("新文件2.txt", false, 2_048),
    ("📷 Photos 2024", true, 0),
    ("budget-2025.xlsx", false, 99_331),
    ("Music/Ünïcödé – song.mp3", false, 5_321_004),
    ("Projects/unishare/README.md", false, 4_096),
    ("Videos", true, 0),
    ("notes.txt", false, 12),
];

/// Adds the drive's files.
pub(crate) fn files(store: &mut Store) {
    for (path, is_folder, size) in FILES {
        store.files.insert(
            (*path).to_owned(),
            FileRec {
                is_folder: *is_folder,
                size: *size,
                trashed: false,
            },
        );
    }
}

/// Adds `n` shares: expired by time, expired by downloads, password shares, files and folders,
/// unicode names; Pro fields on some when `pro_fields`.
pub(crate) fn shares(store: &mut Store, n: usize, now: DateTime<Utc>) {
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(now - Duration::days(500));
    let span_secs = (now - start).num_seconds().max(n as i64 + 1);
    let step = span_secs / (n as i64 + 1);
    for i in 0..n {
        let rng = &mut store.rng;
        let path = FILES[rng.gen_range(0..FILES.len())].0.to_owned();
        let mut created_at =
            start + Duration::seconds(step * i as i64 + rng.gen_range(0..step.max(1)));
        if rng.gen_bool(0.5) {
            created_at += Duration::milliseconds(rng.gen_range(1..1000));
        }
        let roll: f64 = rng.gen();
        let expires = if roll < 0.2 {
            Some(now - Duration::hours(rng.gen_range(1..5000)))
        } else if roll < 0.55 {
            Some(now + Duration::hours(rng.gen_range(1..5000)))
        } else {
            None
        };
        let roll: f64 = rng.gen();
        let remain_downloads = if roll < 0.1 {
            Some(0)
        } else if roll < 0.3 {
            Some(rng.gen_range(1..20))
        } else {
            None
        };
        let with_password = rng.gen_bool(0.3);
        let visited = if rng.gen_bool(0.2) {
            0
        } else {
            rng.gen_range(1..5000)
        };
        let downloaded = if rng.gen_bool(0.3) {
            0
        } else {
            rng.gen_range(1..300)
        };
        let share_view = rng.gen_bool(0.3);
        let show_readme = rng.gen_bool(0.2);
        let pro = rng.gen_bool(0.5);
        let price = pro.then(|| rng.gen_range(0..100));
        let everyone = if rng.gen_bool(0.5) { "AQ==" } else { "BQ==" };
        let permission_setting = pro.then(|| {
            json!({"same_group": null, "everyone": everyone, "other": null, "anonymous": "AQ==",
                   "group_explicit": {}, "user_explicit": {}})
        });
        let password = if with_password {
            store.random_password()
        } else {
            String::new()
        };
        // Drawn only with several users, so single-user seeds stay as they were.
        let users = store.users.len();
        let owner = if users > 1 {
            store.rng.gen_range(0..users)
        } else {
            0
        };
        store.insert(|db_id, hashid| ShareRec {
            db_id,
            hashid,
            owner,
            path,
            password,
            remain_downloads,
            visited,
            downloaded,
            expires,
            created_at,
            share_view,
            show_readme,
            price,
            permission_setting,
        });
    }
}
