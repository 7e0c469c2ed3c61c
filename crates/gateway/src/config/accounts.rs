//! `[[accounts]]`: what every account has is checked here; the rest (its `auth` table and its
//! vendor-only keys) is handed to the account's vendor, found by name in the vendor list.

use super::sections::AccountSection;
use super::{AccountConfig, ConfigError};
use std::collections::HashSet;
use unishare_core::registry::AccountInput;
use unishare_core::retry::{RateLimit, DEFAULT_MAX_CONCURRENCY};
use unishare_core::settings::one_of;
use unishare_core::{AccountName, Inventory};

/// Validates every account, in order; returns them and the set of their names.
pub(super) fn validate(
    sections: Vec<AccountSection>,
    origin: &str,
) -> Result<(Vec<AccountConfig>, HashSet<String>), ConfigError> {
    let mut names = HashSet::new();
    let mut accounts = Vec::new();
    for (i, a) in sections.into_iter().enumerate() {
        let key = format!("accounts[{i}].name");
        let name = AccountName::new(a.name.clone())
            .map_err(|e| ConfigError::at(origin, &key, e.message()))?;
        if !names.insert(a.name.clone()) {
            return Err(ConfigError::at(
                origin,
                key,
                format!("duplicate account name {:?}", a.name),
            ));
        }
        accounts.push(account(i, name, a, origin)?);
    }
    Ok((accounts, names))
}

/// One account.
fn account(
    i: usize,
    name: AccountName,
    a: AccountSection,
    origin: &str,
) -> Result<AccountConfig, ConfigError> {
    let at = |k: &str, msg: String| ConfigError::at(origin, format!("accounts[{i}].{k}"), msg);
    let vendor = crate::vendors::find(&a.provider).ok_or_else(|| {
        let names: Vec<&str> = crate::vendors::names().collect();
        at(
            "provider",
            format!(
                "unknown provider {:?} for account {:?}: expected {}",
                a.provider,
                name.as_str(),
                one_of(&names)
            ),
        )
    })?;
    let provider = vendor.name();
    let base =
        url::Url::parse(&a.base_url).map_err(|e| at("base_url", format!("not a URL ({e})")))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(at("base_url", "must be http(s)".into()));
    }
    if let Some(ps) = a.page_size {
        if !(1..=100).contains(&ps) {
            return Err(at("page_size", "must be 1 to 100".into()));
        }
    }
    let max_concurrency = a.max_concurrency.unwrap_or(DEFAULT_MAX_CONCURRENCY);
    if !(1..=1024).contains(&max_concurrency) {
        return Err(at("max_concurrency", "must be 1 to 1024".into()));
    }
    let rate_limit = match &a.rate_limit {
        Some(r) => Some(r.parse::<RateLimit>().map_err(|e| at("rate_limit", e))?),
        None => None,
    };
    let options = a.vendor_options();
    for k in options.keys() {
        if !vendor.account_keys().contains(&k.as_str()) {
            let owners: Vec<&str> = crate::vendors::VENDORS
                .iter()
                .filter(|v| v.account_keys().contains(&k.as_str()))
                .map(|v| v.name().as_str())
                .collect();
            return Err(at(k, format!("is only for provider {}", one_of(&owners))));
        }
    }
    let inventory = match a.inventory.as_deref() {
        None => Inventory::User,
        Some(s) => s
            .parse::<Inventory>()
            .map_err(|e| at("inventory", e.message().to_string()))?,
    };
    if inventory == Inventory::Site && !vendor.capabilities().site_inventory {
        return Err(at(
            "inventory",
            format!("{provider} has no site-wide listing of every user's links: use \"user\""),
        ));
    }
    let mut input = AccountInput::new(provider, name.clone(), a.auth, options);
    let auth = vendor.parse(&mut input).map_err(|e| match e.key() {
        Some(k) => at(k, e.message().to_owned()),
        None => ConfigError::at(origin, format!("accounts[{i}]"), e.message()),
    })?;
    Ok(AccountConfig {
        name,
        provider,
        vendor,
        base_url: a.base_url,
        auth,
        page_size: a.page_size,
        max_concurrency,
        rate_limit,
        inventory,
    })
}
