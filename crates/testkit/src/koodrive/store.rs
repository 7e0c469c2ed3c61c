//! The simulator's share store: shares ordered by sharing time (newest first, the default
//! `sortType=4&sortDirection=2`), so a page is a B-tree range scan, O(page).

use super::DocShape;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

/// A file a share can point to.
#[derive(Clone, Debug)]
pub(crate) struct SimFile {
    pub id: String,
    pub container_id: String,
    pub name: String,
    pub size: u64,
    pub mime: String,
    pub suffix: String,
}

/// One share as the simulator keeps it.
#[derive(Clone, Debug)]
pub(crate) struct SimShare {
    pub share_id: String,
    pub short_url: String,
    pub share_time: DateTime<Utc>,
    pub scope: u8,
    pub files: Vec<SimFile>,
    pub display_name: String,
    pub permission: Option<(bool, bool, bool)>,
    pub extract_code: Option<String>,
    pub expire_time: Option<DateTime<Utc>>,
    pub status: u8,
    pub comment: Option<String>,
    pub view_cnt: Option<u64>,
    pub download_cnt: Option<u64>,
    pub save_cnt: Option<u64>,
    pub container_id: String,
    pub container_name: String,
    pub user_ids: Vec<String>,
    pub dept_ids: Vec<String>,
    pub group_ids: Vec<String>,
    /// A `linkUrl` set by a test ([`crate::koodrive::KooDriveSim::set_link_url`]) instead of
    /// the one built from `short_url`.
    pub link_url: Option<String>,
}

type Key = (Reverse<i64>, String);

fn key_of(s: &SimShare) -> Key {
    (Reverse(s.share_time.timestamp_millis()), s.share_id.clone())
}

/// A decoded list cursor: the last key served (none = the start) and how many empty pages in
/// a row led here (so that consecutive empty pages get different cursors).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cursor {
    after: Option<(i64, String)>,
    empties: u32,
}

impl Cursor {
    pub fn parse(s: &str) -> Option<Cursor> {
        if s.is_empty() || s == "0" {
            return Some(Cursor {
                after: None,
                empties: 0,
            });
        }
        let mut parts = s.split('-');
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let empties = c.parse().ok()?;
        if a == "begin" {
            return Some(Cursor {
                after: None,
                empties,
            });
        }
        Some(Cursor {
            after: Some((a.parse().ok()?, b.to_owned())),
            empties,
        })
    }

    /// What decides the page cut: the last id and the empty-page count, not the time (which
    /// moves with the start time), so cuts repeat across runs with the same seed.
    pub fn stable_key(&self) -> String {
        match &self.after {
            None => format!("begin-{}", self.empties),
            Some((_, id)) => format!("{id}-{}", self.empties),
        }
    }

    fn encode(&self) -> String {
        match &self.after {
            None => format!("begin-x-{}", self.empties),
            Some((ms, id)) => format!("{ms}-{id}-{}", self.empties),
        }
    }
}

/// Render options for one answer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Render {
    pub string_counters: bool,
    pub detail: bool,
    pub shape: DocShape,
}

#[derive(Default)]
pub(crate) struct Store {
    order: BTreeSet<Key>,
    shares: HashMap<String, SimShare>,
}

impl Store {
    pub fn insert(&mut self, s: SimShare) {
        if let Some(old) = self.shares.remove(&s.share_id) {
            self.order.remove(&key_of(&old));
        }
        self.order.insert(key_of(&s));
        self.shares.insert(s.share_id.clone(), s);
    }

    pub fn remove(&mut self, id: &str) -> bool {
        match self.shares.remove(id) {
            Some(old) => {
                self.order.remove(&key_of(&old));
                true
            }
            None => false,
        }
    }

    pub fn get(&self, id: &str) -> Option<&SimShare> {
        self.shares.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut SimShare> {
        self.shares.get_mut(id)
    }

    pub fn len(&self) -> usize {
        self.shares.len()
    }

    /// Ids in list order.
    pub fn ids(&self) -> Vec<String> {
        self.order.iter().map(|(_, id)| id.clone()).collect()
    }

    /// Up to `take` shares after `cursor`, and the next cursor (none when nothing follows).
    pub fn page(&self, cursor: &Cursor, take: usize) -> (Vec<&SimShare>, Option<String>) {
        let start: Bound<Key> = match &cursor.after {
            None => Bound::Unbounded,
            Some((ms, id)) => Bound::Excluded((Reverse(*ms), id.clone())),
        };
        let mut iter = self.order.range((start, Bound::Unbounded));
        let keys: Vec<&Key> = iter.by_ref().take(take).collect();
        // With `take == 0` this looks at the first share after the cursor: an empty page is
        // the end only when nothing follows.
        let more = iter.next().is_some();
        let shares: Vec<&SimShare> = keys
            .iter()
            .filter_map(|(_, id)| self.shares.get(id))
            .collect();
        let next = more.then(|| {
            match keys.last() {
                Some((Reverse(ms), id)) => Cursor {
                    after: Some((*ms, id.clone())),
                    empties: 0,
                },
                None => Cursor {
                    after: cursor.after.clone(),
                    empties: cursor.empties + 1,
                },
            }
            .encode()
        });
        (shares, next)
    }
}

pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn counter(v: Option<u64>, as_string: bool) -> Option<Value> {
    v.map(|n| {
        if as_string {
            json!(n.to_string())
        } else {
            json!(n)
        }
    })
}

impl SimShare {
    pub fn link_url(&self) -> String {
        if let Some(url) = &self.link_url {
            return url.clone();
        }
        format!(
            "https://koodrive.sim/cloudfile/#/sharelink/i/{}",
            self.short_url
        )
    }

    /// `ShareByMeLink` (or `ShareByMeLinkDetail` with `detail`).
    pub fn to_json(&self, r: Render) -> Value {
        // "Sometimes strings, sometimes numbers": per share, by the id's last digit.
        let strings = r.string_counters && self.share_id.ends_with(['1', '3', '5', '7', '9']);
        let mut m = Map::new();
        m.insert("shareId".into(), json!(self.share_id));
        m.insert("shortUrl".into(), json!(self.short_url));
        m.insert("linkUrl".into(), json!(self.link_url()));
        m.insert("shareTime".into(), json!(iso(self.share_time)));
        m.insert("scope".into(), json!(self.scope));
        if !r.detail {
            let files: Vec<Value> = self
                .files
                .iter()
                .map(|f| {
                    json!({"id": f.id, "fileName": f.name, "fileType": "file", "mimeType": f.mime,
                           "size": f.size, "parentFolder": [format!("{}-root", f.container_id)],
                           "fileSuffix": f.suffix, "containers": [f.container_id]})
                })
                .collect();
            m.insert("files".into(), Value::Array(files));
        } else {
            let named = |ids: &[String], prefix: &str| -> Value {
                ids.iter()
                    .map(|i| json!({"id": i, "name": format!("{prefix} {i}")}))
                    .collect()
            };
            m.insert("users".into(), named(&self.user_ids, "user"));
            m.insert("depts".into(), named(&self.dept_ids, "dept"));
            m.insert("groups".into(), named(&self.group_ids, "group"));
            // `ShareByMeLinkDetail` (vendors/koodrive.md §3.3) has no files, no counters and
            // no space: what a client knows of those comes from the list.
        }
        m.insert("displayName".into(), json!(self.display_name));
        // The current reference's `ShareByMeLink` has neither `permission` nor `extractCode`;
        // the seed page's and every detail (`ShareByMeLinkDetail`) have both.
        let secretive = !r.detail && r.shape == DocShape::CurrentReference;
        if let Some((preview, edit, download)) = self.permission.filter(|_| !secretive) {
            m.insert(
                "permission".into(),
                json!({"preview": preview, "edit": edit, "download": download}),
            );
        }
        if !secretive {
            // A share without a code answers `""`, as the create answer does.
            let code = self.extract_code.as_deref().unwrap_or_default();
            m.insert("extractCode".into(), json!(code));
        }
        if let Some(t) = self.expire_time {
            m.insert("expireTime".into(), json!(iso(t)));
        }
        m.insert("status".into(), json!(self.status));
        if let Some(c) = &self.comment {
            m.insert("comment".into(), json!(c));
        }
        if r.detail {
            return Value::Object(m);
        }
        self.insert_counters(&mut m, strings);
        m.insert("containerId".into(), json!(self.container_id));
        m.insert("containerName".into(), json!(self.container_name));
        Value::Object(m)
    }

    /// Adds `viewCnt`, `downloadCnt` and `saveCnt` (those the share has), as strings or numbers.
    pub fn insert_counters(&self, m: &mut Map<String, Value>, as_string: bool) {
        for (k, v) in [
            ("viewCnt", self.view_cnt),
            ("downloadCnt", self.download_cnt),
            ("saveCnt", self.save_cnt),
        ] {
            if let Some(v) = counter(v, as_string) {
                m.insert(k.into(), v);
            }
        }
    }
}
