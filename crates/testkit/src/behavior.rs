//! The provider behavior suite (OpenDAL style): one set of contract checks run against every
//! [`ShareProvider`], selecting cases by its [`Capabilities`].
//!
//! A vendor crate's test builds a [`Fixture`] over its simulator and calls [`run`]; every
//! failed check is collected and reported together, then the test panics.

use chrono::{Duration, Utc};
use std::collections::HashSet;
use std::sync::Arc;
use unishare_core::{
    Audience, CallContext, CreateShare, ErrorKind, Patch, Secret, Share, ShareProvider,
    ShareStatus, UpdateShare,
};

/// What the suite needs to exercise one provider.
pub struct Fixture {
    /// The provider under test, over a freshly seeded simulator.
    pub provider: Arc<dyn ShareProvider>,
    /// Native ids of every share the simulator holds before the suite runs.
    pub seeded_ids: Vec<String>,
    /// A create request the simulator accepts (a source that exists; an expiry where the
    /// provider requires one). The suite varies its options.
    pub create_request: CreateShare,
    /// A well-formed native id the vendor does not know.
    pub unknown_id: String,
}

/// Runs every check; panics with the list of failures, if any.
pub async fn run(fx: &Fixture) {
    let mut failures = Vec::new();
    macro_rules! check {
        ($name:literal, $f:expr) => {
            if let Err(msg) = $f.await {
                failures.push(format!("{}: {}", $name, msg));
            }
        };
    }
    check!(
        "list walks every share exactly once",
        list_walks_every_share_once(fx)
    );
    check!(
        "unreported counters are null",
        unreported_fields_are_null(fx)
    );
    check!("get matches the list", get_matches_list(fx));
    check!("unknown id is not_found", unknown_is_not_found(fx));
    check!("create, get, update, revoke round trip", round_trip(fx));
    check!("password on create", password_on_create(fx));
    check!(
        "unsupported options are rejected",
        unsupported_options_rejected(fx)
    );
    check!("revoke reports every id", revoke_reports_every_id(fx));
    if !failures.is_empty() {
        panic!(
            "behavior suite: {} check(s) failed for {} ({}):\n  - {}",
            failures.len(),
            fx.provider.account(),
            fx.provider.provider(),
            failures.join("\n  - ")
        );
    }
}

type Check = Result<(), String>;

fn ctx() -> CallContext {
    CallContext::with_request_id("behavior-suite")
}

/// Walks every page; returns the shares in crawl order.
pub async fn crawl(provider: &dyn ShareProvider) -> Result<Vec<Share>, String> {
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..100_000 {
        let page = provider
            .list_page(cursor.as_ref(), &ctx())
            .await
            .map_err(|e| format!("list_page failed: {e}"))?;
        if !page.skipped.is_empty() {
            return Err(format!("unexpected skipped records: {:?}", page.skipped));
        }
        out.extend(page.shares);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
    Err("list did not end after 100000 pages".into())
}

async fn list_walks_every_share_once(fx: &Fixture) -> Check {
    let p = fx.provider.as_ref();
    let shares = crawl(p).await?;
    let mut seen = HashSet::new();
    for s in &shares {
        if !seen.insert(s.native_id.to_string()) {
            return Err(format!("{} listed twice", s.native_id));
        }
        if s.account != p.account().as_str() || s.id.account() != p.account().as_str() {
            return Err(format!("{} has account {:?}", s.native_id, s.account));
        }
        if s.id.native_id() != s.native_id {
            return Err(format!(
                "id {} does not end with native id {}",
                s.id, s.native_id
            ));
        }
        if s.provider != p.provider() {
            return Err(format!("{} has provider {}", s.native_id, s.provider));
        }
    }
    let expected: HashSet<String> = fx.seeded_ids.iter().cloned().collect();
    if seen != expected {
        let missing: Vec<_> = expected.difference(&seen).take(5).collect();
        let extra: Vec<_> = seen.difference(&expected).take(5).collect();
        return Err(format!(
            "listed {} shares, seeded {}; missing e.g. {missing:?}, extra e.g. {extra:?}",
            seen.len(),
            expected.len()
        ));
    }
    Ok(())
}

async fn unreported_fields_are_null(fx: &Fixture) -> Check {
    let caps = fx.provider.capabilities();
    for s in crawl(fx.provider.as_ref()).await? {
        if !caps.reports_saves && s.stats.saves.is_some() {
            return Err(format!(
                "{}: saves reported though the vendor has none",
                s.id
            ));
        }
        if !caps.reports_downloads && s.stats.downloads.is_some() {
            return Err(format!(
                "{}: downloads reported though the vendor has none",
                s.id
            ));
        }
        if !caps.reports_views && s.stats.views.is_some() {
            return Err(format!(
                "{}: views reported though the vendor has none",
                s.id
            ));
        }
        let p = s.permissions;
        if !caps.reports_permissions
            && (p.preview.is_some() || p.download.is_some() || p.edit.is_some())
        {
            return Err(format!(
                "{}: permissions reported though the vendor has none",
                s.id
            ));
        }
        if s.password.is_some() && s.password_protected != Some(true) {
            return Err(format!(
                "{}: has a password but is not password_protected",
                s.id
            ));
        }
    }
    Ok(())
}

async fn get_matches_list(fx: &Fixture) -> Check {
    let shares = crawl(fx.provider.as_ref()).await?;
    let Some(listed) = shares.iter().find(|s| s.status == ShareStatus::Active) else {
        return Err("no active share seeded".into());
    };
    let got = fx
        .provider
        .get(&listed.native_id, &ctx())
        .await
        .map_err(|e| format!("get {} failed: {e}", listed.native_id))?;
    if got.id != listed.id || got.name != listed.name || got.url != listed.url {
        return Err(format!(
            "get returned {:?}/{:?}, list had {:?}/{:?}",
            got.id, got.name, listed.id, listed.name
        ));
    }
    // A list record that does not say (`null`: e.g. KooDrive's current `ShareByMeLink` has no
    // `extractCode`) cannot disagree with a detail that does.
    let password_disagrees =
        listed.password_protected.is_some() && got.password_protected != listed.password_protected;
    if password_disagrees || got.expires_at != listed.expires_at {
        return Err(format!(
            "get and list disagree on password or expiry for {}",
            got.id
        ));
    }
    Ok(())
}

async fn unknown_is_not_found(fx: &Fixture) -> Check {
    match fx.provider.get(&fx.unknown_id, &ctx()).await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("expected not_found, got {e}")),
        Ok(s) => Err(format!("expected not_found, got share {}", s.id)),
    }
}

async fn round_trip(fx: &Fixture) -> Check {
    let p = fx.provider.as_ref();
    let caps = p.capabilities();
    let created = p
        .create(&fx.create_request, &ctx())
        .await
        .map_err(|e| format!("create failed: {e}"))?;
    if created.status != ShareStatus::Active {
        return Err(format!("created share is {:?}", created.status));
    }
    let got = p
        .get(&created.native_id, &ctx())
        .await
        .map_err(|e| format!("get after create failed: {e}"))?;
    if got.id != created.id {
        return Err(format!("get after create returned {}", got.id));
    }
    let listed = crawl(p).await?;
    if !listed.iter().any(|s| s.id == created.id) {
        return Err(format!("created {} is not listed", created.id));
    }
    // Update something the provider supports.
    let mut update = UpdateShare::default();
    let wanted_expiry = Utc::now() + Duration::days(2);
    if caps.update_expiry {
        update.expires_at = Patch::Set(wanted_expiry);
    } else if caps.update_comment {
        update.comment = Patch::Set("behavior suite".into());
    }
    if !update.is_empty() {
        let updated = p
            .update(&created.native_id, &update, &ctx())
            .await
            .map_err(|e| format!("update failed: {e}"))?;
        if caps.update_expiry {
            let Some(at) = updated.expires_at else {
                return Err("updated share has no expiry".into());
            };
            // Whole-day vendors may round up to the next day.
            let diff = (at - wanted_expiry).num_seconds().abs();
            if diff > 86_400 + 60 {
                return Err(format!("asked for expiry {wanted_expiry}, got {at}"));
            }
        } else if updated.comment.as_deref() != Some("behavior suite") {
            return Err(format!("comment not updated: {:?}", updated.comment));
        }
    }
    let outcomes = p
        .revoke(&[created.native_id.to_string()], &ctx())
        .await
        .map_err(|e| format!("revoke failed: {e}"))?;
    match outcomes.as_slice() {
        [o] if o.native_id == created.native_id && o.result.is_ok() => {}
        other => return Err(format!("revoke outcomes: {other:?}")),
    }
    match p.get(&created.native_id, &ctx()).await {
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(format!("get after revoke: expected not_found, got {e}")),
        Ok(s) if s.status != ShareStatus::Active => {}
        Ok(s) => return Err(format!("get after revoke still returns active {}", s.id)),
    }
    if crawl(p).await?.iter().any(|s| s.id == created.id) {
        return Err(format!("revoked {} is still listed", created.id));
    }
    Ok(())
}

async fn password_on_create(fx: &Fixture) -> Check {
    let p = fx.provider.as_ref();
    let caps = p.capabilities();
    if !caps.create_with_password {
        return Ok(());
    }
    let mut req = fx.create_request.clone();
    req.password = Some(Secret::new("Ab3dEf9h"));
    let created = p
        .create(&req, &ctx())
        .await
        .map_err(|e| format!("create with password failed: {e}"))?;
    let result = if created.password_protected != Some(true) {
        Err("created with a password but not password_protected".to_string())
    } else if created.password.as_ref().map(Secret::expose) != Some("Ab3dEf9h") {
        Err("password not reported back".to_string())
    } else if created.url.contains("Ab3dEf9h") {
        Err("url carries the password; it belongs in secret_url".to_string())
    } else {
        Ok(())
    };
    let _ = p.revoke(&[created.native_id.to_string()], &ctx()).await;
    result
}

async fn unsupported_options_rejected(fx: &Fixture) -> Check {
    let p = fx.provider.as_ref();
    let caps = p.capabilities();
    let expect_unsupported = |r: unishare_core::Result<Share>, cap: &str| match r {
        Err(e) if e.kind() == ErrorKind::Unsupported && e.capability() == Some(cap) => Ok(()),
        Err(e) => Err(format!("{cap}: expected unsupported naming it, got {e}")),
        Ok(s) => Err(format!(
            "{cap}: expected unsupported, but {} was created",
            s.id
        )),
    };
    if !caps.create_with_max_downloads {
        let mut req = fx.create_request.clone();
        req.max_downloads = Some(5);
        expect_unsupported(p.create(&req, &ctx()).await, "create_with_max_downloads")?;
    }
    if !caps.create_with_comment {
        let mut req = fx.create_request.clone();
        req.comment = Some("hello".into());
        expect_unsupported(p.create(&req, &ctx()).await, "create_with_comment")?;
    }
    for audience in [
        Audience::Anyone,
        Audience::Organization,
        Audience::Restricted,
    ] {
        if !caps.audiences.contains(audience) {
            let mut req = fx.create_request.clone();
            req.audience = Some(audience);
            expect_unsupported(p.create(&req, &ctx()).await, "audiences")?;
        }
    }
    if caps.expiry_required {
        let mut req = fx.create_request.clone();
        req.expires_at = None;
        expect_unsupported(p.create(&req, &ctx()).await, "never_expires")?;
    }
    let target = fx.seeded_ids.first().ok_or("nothing seeded")?;
    if !caps.update_password {
        let req = UpdateShare {
            password: Patch::Set(Secret::new("Zz9Yy8Xx")),
            ..Default::default()
        };
        expect_unsupported(p.update(target, &req, &ctx()).await, "update_password")?;
    }
    if !caps.update_max_downloads {
        let req = UpdateShare {
            max_downloads: Patch::Set(3),
            ..Default::default()
        };
        expect_unsupported(p.update(target, &req, &ctx()).await, "update_max_downloads")?;
    }
    Ok(())
}

async fn revoke_reports_every_id(fx: &Fixture) -> Check {
    let p = fx.provider.as_ref();
    let a = p
        .create(&fx.create_request, &ctx())
        .await
        .map_err(|e| format!("create failed: {e}"))?;
    let ids = vec![a.native_id.to_string(), fx.unknown_id.clone()];
    let outcomes = p
        .revoke(&ids, &ctx())
        .await
        .map_err(|e| format!("revoke failed: {e}"))?;
    let got: Vec<&str> = outcomes.iter().map(|o| o.native_id.as_str()).collect();
    if got != [a.native_id.as_str(), fx.unknown_id.as_str()] {
        return Err(format!("outcomes for {got:?}, asked {ids:?}"));
    }
    if let Err(e) = &outcomes[0].result {
        return Err(format!("revoking {} failed: {e}", a.native_id));
    }
    if let Err(e) = &outcomes[1].result {
        if e.kind() != ErrorKind::NotFound {
            return Err(format!("unknown id: expected ok or not_found, got {e}"));
        }
    }
    Ok(())
}
