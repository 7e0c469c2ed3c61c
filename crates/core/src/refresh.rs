//! Merging a share read alone (a vendor's detail call) with the version a list gave.
//!
//! A vendor's single-share read may carry fewer fields than its list: KooDrive's
//! `GET /share/{id}` (`ShareByMeLinkDetail`) has no view, download or save counters, no file
//! list and no space (`vendors/koodrive.md` §3.3). Replacing the listed version with such an
//! answer would turn known counters into `null` and the source into `unknown`. Only fields a
//! vendor never clears once set are kept from the earlier version; a field a write can clear
//! (password, expiry, download limit, comment) always comes from the new answer.

use crate::model::{Share, SourceKind};
use crate::vendor::VendorFields;

impl Share {
    /// Fills what this answer did not report from `previous`, the version of the same share
    /// read earlier (normally from the vendor's list): the counters, the source (kind, URI and
    /// files), the owner and vendor fields absent from this answer. Everything this answer
    /// did report stays as it is.
    pub fn fill_unreported(&mut self, previous: &Share) {
        if self.native_id != previous.native_id || self.provider != previous.provider {
            return;
        }
        let stats = &mut self.stats;
        stats.views = stats.views.or(previous.stats.views);
        stats.downloads = stats.downloads.or(previous.stats.downloads);
        stats.saves = stats.saves.or(previous.stats.saves);
        let source = &mut self.source;
        if source.kind == SourceKind::Unknown {
            source.kind = previous.source.kind;
        }
        if source.uri.is_none() {
            source.uri.clone_from(&previous.source.uri);
        }
        if source.files.is_empty() {
            source.files.clone_from(&previous.source.files);
        }
        if self.owner.is_none() {
            self.owner.clone_from(&previous.owner);
        }
        if !previous.vendor.is_empty() {
            let mut fields = self.vendor.to_map();
            let before = fields.len();
            for (key, value) in previous.vendor.to_map() {
                fields.entry(key).or_insert(value);
            }
            if fields.len() != before {
                self.vendor = VendorFields::from_map(fields);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Owner, Source, SourceFile, SourceKind, Stats};
    use crate::{
        AccountName, Audience, Permissions, Provider, Share, ShareId, ShareStatus, VendorFields,
    };
    use serde_json::json;

    fn share(native_id: &str) -> Share {
        let account = AccountName::new("cn").expect("account");
        Share {
            id: ShareId::new(&account, native_id).expect("id"),
            account: account.as_str().into(),
            provider: Provider::named("koodrive"),
            native_id: native_id.into(),
            name: "Q4".into(),
            url: "https://k.example/s/x".into(),
            secret_url: None,
            short_code: None,
            status: ShareStatus::Active,
            audience: Audience::Anyone,
            password_protected: Some(false),
            password: None,
            created_at: None,
            expires_at: None,
            permissions: Permissions::default(),
            stats: Stats::default(),
            remaining_downloads: None,
            source: Source::default(),
            owner: None,
            comment: None,
            vendor: VendorFields::new(),
        }
    }

    fn vendor(v: serde_json::Value) -> VendorFields {
        VendorFields::from_map(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn a_detail_keeps_what_only_the_list_reported() {
        let mut listed = share("1689743054514187776");
        listed.stats = Stats {
            views: Some(12),
            downloads: Some(3),
            saves: Some(1),
        };
        listed.source = Source {
            kind: SourceKind::File,
            uri: None,
            files: vec![SourceFile {
                id: "f1".into(),
                name: "Q4.pdf".into(),
                mime_type: Some("application/pdf".into()),
                size: Some(1024),
            }],
        };
        listed.owner = Some(Box::new(Owner {
            id: "u1".into(),
            name: Some("Li".into()),
            email: None,
        }));
        listed.vendor = vendor(json!({"scope": 1, "containerId": "c1", "containerName": "Team"}));
        listed.comment = Some("old".into());

        let mut detail = share("1689743054514187776");
        detail.vendor = vendor(json!({"scope": 2}));
        detail.comment = None;
        detail.fill_unreported(&listed);

        assert_eq!(detail.stats, listed.stats);
        assert_eq!(detail.source, listed.source);
        assert_eq!(detail.owner, listed.owner);
        assert_eq!(
            detail.vendor.to_map(),
            json!({"scope": 2, "containerId": "c1", "containerName": "Team"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            "the detail's own value wins"
        );
        assert_eq!(
            detail.comment, None,
            "a field a write can clear is not restored"
        );
    }

    #[test]
    fn reported_fields_and_other_shares_are_left_alone() {
        let mut listed = share("1");
        listed.stats.views = Some(5);
        let mut fresh = share("1");
        fresh.stats.views = Some(9);
        fresh.fill_unreported(&listed);
        assert_eq!(fresh.stats.views, Some(9));
        let mut other = share("2");
        other.fill_unreported(&listed);
        assert_eq!(other.stats.views, None);
    }
}
