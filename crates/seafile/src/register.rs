//! This vendor's registration: its name, capabilities, how it reads an account's `auth` table
//! ([`SeafileAuth`]) and how it builds the provider. The gateway's vendor list holds
//! [`VENDOR`].

use crate::config::{SeafileAuth, SeafileConfig};
use crate::provider::SeafileProvider;
use std::sync::Arc;
use unishare_core::registry::{AccountInput, AccountSettings, Registered, Vendor, VendorKind};
use unishare_core::{Capabilities, Error, Provider, SettingError, ShareProvider};

/// The vendor's name: `provider = "seafile"`.
pub const NAME: &str = "seafile";

/// The vendor's name as a [`Provider`].
pub fn provider() -> Provider {
    VENDOR.name()
}

/// The registration the gateway's vendor list holds.
pub static VENDOR: Registered<Seafile> = Registered::new();

/// Seafile (seahub web API v2.1) as a [`VendorKind`].
pub struct Seafile;

impl VendorKind for Seafile {
    type Settings = SeafileAuth;
    const NAME: &'static str = NAME;
    const CAPABILITIES: Capabilities = crate::CAPABILITIES;

    fn parse(input: &mut AccountInput) -> Result<SeafileAuth, SettingError> {
        input.auth(&["token", "password"])
    }

    fn build(
        account: AccountSettings,
        auth: &SeafileAuth,
    ) -> Result<Arc<dyn ShareProvider>, Error> {
        Ok(Arc::new(SeafileProvider::new(SeafileConfig {
            account: account.name,
            base_url: account.base_url,
            auth: auth.clone(),
            inventory: account.inventory,
            policy: account.policy,
        })?))
    }
}
