//! How a vendor plugs in: one crate per vendor declares a [`VendorKind`] (its name, its
//! capabilities, how it reads its own account settings and how it builds its provider) and
//! exports it as a `static VENDOR: Registered<…>`; the gateway holds one list of those
//! (`&[&dyn Vendor]`) and never names a vendor anywhere else.
//!
//! The model is OpenDAL's per-service builder behind one registration list. The gateway
//! validates what every account has (name, `base_url`, `page_size`, limits, `inventory`) and
//! hands the rest to the vendor: the `auth` table, which the vendor deserializes into its own
//! `#[serde(tag = "method")]` enum after the secrets it names are resolved
//! ([`AccountInput::auth`]), and the account keys only it reads ([`VendorKind::ACCOUNT_KEYS`]).

use crate::capabilities::Capabilities;
use crate::error::Error;
use crate::id::AccountName;
use crate::inventory::Inventory;
use crate::model::Provider;
use crate::provider::ShareProvider;
use crate::retry::RetryPolicy;
use crate::settings::{KeyTable, SettingError};
use serde::de::DeserializeOwned;
use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

/// What every account has, validated by the gateway before the vendor sees it.
#[derive(Clone, Debug)]
pub struct AccountSettings {
    /// The configured account name.
    pub name: AccountName,
    /// The vendor's base URL as written (an `http(s)` URL).
    pub base_url: String,
    /// The account's upstream call policy (timeouts, retries, breaker, limits).
    pub policy: RetryPolicy,
    /// The crawl page size, when configured (1 to 100); `None`: the vendor's default.
    pub page_size: Option<u32>,
    /// Whose links the account lists (checked against [`Capabilities::site_inventory`]).
    pub inventory: Inventory,
}

/// What a vendor reads of one account: its `auth` table and the vendor-only account keys
/// that are set. Errors are [`SettingError`]s with keys relative to the account
/// (`auth.password`, `server_timezone`).
#[derive(Debug)]
pub struct AccountInput {
    provider: Provider,
    account: AccountName,
    auth: KeyTable,
    options: BTreeMap<String, String>,
    /// The file each secret read by [`Self::auth`] came from, when it came from one.
    files: BTreeMap<String, PathBuf>,
}

impl AccountInput {
    /// The input of account `account` of `provider`: its `auth` table and the vendor-only
    /// account keys it sets.
    pub fn new(
        provider: Provider,
        account: AccountName,
        auth: BTreeMap<String, String>,
        options: BTreeMap<String, String>,
    ) -> AccountInput {
        AccountInput {
            provider,
            account,
            auth: KeyTable::new(auth),
            options,
            files: BTreeMap::new(),
        }
    }

    /// Deserializes what is left of the `auth` table into the vendor's auth enum, tagged by
    /// `method` (`#[serde(tag = "method", deny_unknown_fields)]`), after resolving each of
    /// `secret_keys` from its inline, `_env` or `_file` form. An unknown method is reported
    /// with the enum's own methods; a leftover key is an unknown key.
    pub fn auth<T: DeserializeOwned>(&mut self, secret_keys: &[&str]) -> Result<T, SettingError> {
        for k in secret_keys {
            if let Some(f) = self.auth.secret_file(k) {
                self.files.insert((*k).to_owned(), f);
            }
        }
        let what = format!("{} account {:?}", self.provider, self.account.as_str());
        std::mem::take(&mut self.auth)
            .deserialize_tagged("method", &what, secret_keys)
            .map_err(|e| e.under("auth"))
    }

    /// Takes optional plain key `key` of the `auth` table before [`Self::auth`] reads the
    /// rest (a key every method shares, handled outside the enum).
    pub fn take_auth_optional(&mut self, key: &str) -> Result<Option<String>, SettingError> {
        self.auth.take_optional(key).map_err(|e| e.under("auth"))
    }

    /// The file secret `key` of the `auth` table was (or will be) read from, when it was
    /// given as `{key}_file`.
    pub fn secret_file(&self, key: &str) -> Option<PathBuf> {
        self.files
            .get(key)
            .cloned()
            .or_else(|| self.auth.secret_file(key))
    }

    /// A vendor-only account key (one of [`VendorKind::ACCOUNT_KEYS`]), when set.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }
}

/// One vendor, as its crate declares it. Implemented on a unit type and registered as
/// `pub static VENDOR: Registered<ThatType> = Registered::new();`.
pub trait VendorKind: Send + Sync + 'static {
    /// What the vendor reads from an account besides the common settings: usually its auth
    /// enum, plus any vendor-only option. Its `Debug` must not show secrets (hold them as
    /// [`crate::Secret`]).
    type Settings: fmt::Debug + Send + Sync + 'static;

    /// The vendor's name, as written in `provider = "…"` and in JSON (lower-case ASCII
    /// letters, digits, `_` or `-`).
    const NAME: &'static str;

    /// What every account of this vendor can do (an account may declare less at run time).
    const CAPABILITIES: Capabilities;

    /// Account-level keys besides the common ones that this vendor reads (e.g. a server
    /// time zone); a key of another vendor's list set on this vendor's account is an error.
    const ACCOUNT_KEYS: &'static [&'static str] = &[];

    /// Reads the vendor's settings of one account (secrets resolved by [`AccountInput::auth`]).
    fn parse(input: &mut AccountInput) -> Result<Self::Settings, SettingError>;

    /// Builds the provider of one account.
    fn build(
        account: AccountSettings,
        settings: &Self::Settings,
    ) -> Result<Arc<dyn ShareProvider>, Error>;

    /// A sign-in flow run once from the command line (`unishare login <vendor> …`, `args` being
    /// the words after the vendor's name), for vendors whose credentials are obtained that way
    /// (an OAuth grant). `None` (the default): the vendor has none.
    fn login(_args: Vec<String>) -> Option<LoginFuture> {
        None
    }
}

/// A running `unishare login` flow.
pub type LoginFuture = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// A registered vendor, as the gateway's list holds it (object-safe [`VendorKind`]).
pub trait Vendor: Send + Sync + 'static {
    /// [`VendorKind::NAME`].
    fn name(&self) -> Provider;
    /// [`VendorKind::CAPABILITIES`].
    fn capabilities(&self) -> Capabilities;
    /// [`VendorKind::ACCOUNT_KEYS`].
    fn account_keys(&self) -> &'static [&'static str];
    /// [`VendorKind::parse`], its result type-erased.
    fn parse(&self, input: &mut AccountInput) -> Result<VendorSettings, SettingError>;
    /// [`VendorKind::login`].
    fn login(&self, args: Vec<String>) -> Option<LoginFuture>;
    /// [`VendorKind::build`]; settings parsed by another vendor are an internal error.
    fn build(
        &self,
        account: AccountSettings,
        settings: &VendorSettings,
    ) -> Result<Arc<dyn ShareProvider>, Error>;
}

impl fmt::Debug for dyn Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Vendor({})", self.name())
    }
}

/// The registration of vendor `K`: `pub static VENDOR: Registered<K> = Registered::new();`.
pub struct Registered<K> {
    provider: OnceLock<Provider>,
    kind: PhantomData<fn() -> K>,
}

impl<K> Registered<K> {
    /// The registration (a `const fn`, for a `static`).
    pub const fn new() -> Self {
        Registered {
            provider: OnceLock::new(),
            kind: PhantomData,
        }
    }
}

impl<K> Default for Registered<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: VendorKind> Vendor for Registered<K> {
    fn name(&self) -> Provider {
        *self.provider.get_or_init(|| Provider::named(K::NAME))
    }

    fn capabilities(&self) -> Capabilities {
        K::CAPABILITIES
    }

    fn account_keys(&self) -> &'static [&'static str] {
        K::ACCOUNT_KEYS
    }

    fn parse(&self, input: &mut AccountInput) -> Result<VendorSettings, SettingError> {
        K::parse(input).map(|s| VendorSettings(Arc::new(s)))
    }

    fn login(&self, args: Vec<String>) -> Option<LoginFuture> {
        K::login(args)
    }

    fn build(
        &self,
        account: AccountSettings,
        settings: &VendorSettings,
    ) -> Result<Arc<dyn ShareProvider>, Error> {
        match settings.downcast_ref::<K::Settings>() {
            Some(s) => K::build(account, s),
            None => Err(Error::internal(format!(
                "account {}: its settings were not read by vendor {}",
                account.name,
                K::NAME
            ))),
        }
    }
}

/// A vendor's parsed settings of one account, type-erased ([`VendorKind::Settings`]);
/// `Debug` is the vendor's own (which redacts secrets).
#[derive(Clone)]
pub struct VendorSettings(Arc<dyn AnySettings>);

impl VendorSettings {
    /// The settings as vendor type `T`, when they are of that type.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        (*self.0).as_any().downcast_ref::<T>()
    }
}

impl fmt::Debug for VendorSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (*self.0).fmt(f)
    }
}

trait AnySettings: Any + fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any + fmt::Debug + Send + Sync> AnySettings for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The vendor named `name` in `list`.
pub fn find(list: &[&'static dyn Vendor], name: &str) -> Option<&'static dyn Vendor> {
    list.iter().copied().find(|v| v.name().as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Mine(u8);

    #[test]
    fn settings_downcast_to_their_own_type_only() {
        let s = VendorSettings(Arc::new(Mine(7)));
        assert_eq!(s.downcast_ref::<Mine>(), Some(&Mine(7)));
        assert!(s.downcast_ref::<u8>().is_none());
        assert_eq!(format!("{s:?}"), "Mine(7)");
    }
}
