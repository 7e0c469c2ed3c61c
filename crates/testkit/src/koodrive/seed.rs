//! Deterministic seed data: a file catalogue in a few spaces, and shares covering every status,
//! scope, expiry, access-code, file-count and counter form the docs describe.

use super::store::{SimFile, SimShare};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// First share id: the docs' example `1689743054514187776` (19 digits).
pub(crate) const FIRST_SHARE_ID: u64 = 1_689_743_054_514_187_776;

pub(crate) const CONTAINERS: [(&str, &str); 3] = [
    ("IAAB5thdWzxEoAsiA1681759183084696448", "研发部空间"),
    ("IAAB5thdWzxEoAsiA1681759183084696449", "Marketing Ünits"),
    (
        "IAAB5thdWzxEoAsiA1681759183084696450",
        "Projets d'équipe 🚀",
    ),
];

const NAMES: [(&str, &str, &str); 8] = [
    ("季度报告", "pdf", "application/pdf"),
    (
        "Überblick",
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "budget-2025",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("会议纪要", "txt", "text/plain"),
    ("photo ✨", "jpg", "image/jpeg"),
    (
        "Présentation",
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("design spec", "md", "text/markdown"),
    ("архив", "zip", "application/zip"),
];

const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn token(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| ALNUM[rng.gen_range(0..ALNUM.len())] as char)
        .collect()
}

/// 8 files per space.
pub(crate) fn files(seed: u64) -> Vec<SimFile> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xF11E);
    let mut out = Vec::new();
    for (ci, (cid, _)) in CONTAINERS.iter().enumerate() {
        for (ni, (stem, ext, mime)) in NAMES.iter().enumerate() {
            out.push(SimFile {
                id: format!("Fry{}", token(&mut rng, 30)),
                container_id: (*cid).to_owned(),
                name: format!("{stem} {}-{}.{ext}", ci + 1, ni + 1),
                size: rng.gen_range(0..50_000_000),
                mime: (*mime).to_owned(),
                suffix: (*ext).to_owned(),
            });
        }
    }
    out
}

pub(crate) fn display_name(files: &[SimFile]) -> String {
    match files {
        [] => "已删除的文件".to_owned(),
        [one] => one.name.clone(),
        [first, ..] => format!("{}等多个文件", first.name),
    }
}

pub(crate) fn container_name(id: &str) -> String {
    CONTAINERS
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_else(|| "空间".to_owned())
}

/// `n` shares; ids ascend from [`FIRST_SHARE_ID`] in steps of 2..=9 (so none collide with
/// created ones, which continue from the returned next id).
pub(crate) fn shares(
    n: usize,
    seed: u64,
    catalogue: &[SimFile],
    now: DateTime<Utc>,
) -> (Vec<SimShare>, u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut next_id = FIRST_SHARE_ID;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        next_id += rng.gen_range(2..=9);
        let share_id = next_id.to_string();
        let share_time = now - Duration::milliseconds(rng.gen_range(60_000..400 * 86_400_000i64));
        let (cid, cname) = CONTAINERS[rng.gen_range(0..CONTAINERS.len())];
        let in_space: Vec<&SimFile> = catalogue.iter().filter(|f| f.container_id == cid).collect();
        let nfiles = match rng.gen_range(0..10) {
            0 => 0,
            1..=6 => 1,
            _ => rng.gen_range(2..=4),
        };
        let start = rng.gen_range(0..in_space.len());
        let files: Vec<SimFile> = (0..nfiles)
            .map(|k| in_space[(start + k) % in_space.len()].clone())
            .collect();
        // Status: mostly 0 (by expiry); some deleted / invalid / expired. A share with no file
        // left is "file deleted".
        let status = if nfiles == 0 {
            1
        } else {
            match rng.gen_range(0..20) {
                0 => 1,
                1 => 2,
                2 => 3,
                _ => 0,
            }
        };
        let valid_days = [1i64, 7, 30, 365][rng.gen_range(0..4)];
        let mut expire_time = Some(share_time + Duration::days(valid_days));
        // Every few records have no (or an empty) expiry, as older records may.
        if i % 17 == 5 {
            expire_time = None;
        }
        let scope = [1u8, 1, 2, 3][rng.gen_range(0..4)];
        let extract_code = rng.gen_bool(0.4).then(|| token(&mut rng, 8));
        let permission = match rng.gen_range(0..3) {
            0 => None,
            _ => Some((true, false, rng.gen_bool(0.7))),
        };
        let views = rng.gen_range(0..5000);
        out.push(SimShare {
            short_url: (next_id + 1).to_string(),
            share_id,
            share_time,
            scope,
            display_name: display_name(&files),
            files,
            permission,
            extract_code,
            expire_time,
            status,
            comment: rng
                .gen_bool(0.5)
                .then(|| format!("分享 #{i} — please review ✅")),
            view_cnt: (i % 11 != 3).then_some(views),
            download_cnt: (i % 5 != 1).then_some(views / 3),
            save_cnt: (i % 3 != 0).then_some(views / 7),
            container_id: cid.to_owned(),
            container_name: cname.to_owned(),
            user_ids: if scope == 3 {
                vec![format!("15050842187645472{:02}", i % 100)]
            } else {
                vec![]
            },
            dept_ids: vec![],
            group_ids: vec![],
            link_url: None,
        });
    }
    (out, next_id + 10)
}
