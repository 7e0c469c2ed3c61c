//! This vendor's registration: its name, capabilities, how it reads an account's settings
//! ([`NextcloudSettings`]) and how it builds the provider. The gateway's vendor list holds
//! [`VENDOR`].

use crate::config::{NextcloudAuth, NextcloudConfig, ServerZone};
use crate::provider::NextcloudProvider;
use std::sync::Arc;
use unishare_core::registry::{AccountInput, AccountSettings, Registered, Vendor, VendorKind};
use unishare_core::{Capabilities, Error, Provider, SettingError, ShareProvider};

/// The vendor's name: `provider = "nextcloud"`.
pub const NAME: &str = "nextcloud";

/// The vendor's name as a [`Provider`].
pub fn provider() -> Provider {
    VENDOR.name()
}

/// The registration the gateway's vendor list holds.
pub static VENDOR: Registered<Nextcloud> = Registered::new();

/// Nextcloud / ownCloud 10 as a [`VendorKind`].
pub struct Nextcloud;

/// The account key naming the zone the server writes expiry dates in.
pub const SERVER_TIMEZONE: &str = "server_timezone";

/// What a Nextcloud account reads: its `auth` table and `server_timezone`.
#[derive(Clone, Debug)]
pub struct NextcloudSettings {
    /// `app_password` (`user`, `app_password`).
    pub auth: NextcloudAuth,
    /// `server_timezone` (default UTC).
    pub zone: ServerZone,
}

impl VendorKind for Nextcloud {
    type Settings = NextcloudSettings;
    const NAME: &'static str = NAME;
    const CAPABILITIES: Capabilities = crate::CAPABILITIES;
    const ACCOUNT_KEYS: &'static [&'static str] = &[SERVER_TIMEZONE];

    fn parse(input: &mut AccountInput) -> Result<NextcloudSettings, SettingError> {
        let auth = input.auth(&["app_password"])?;
        let zone = match input.option(SERVER_TIMEZONE) {
            Some(z) => z
                .parse()
                .map_err(|e: Error| SettingError::at(SERVER_TIMEZONE, e.message().to_owned()))?,
            None => ServerZone::UTC,
        };
        Ok(NextcloudSettings { auth, zone })
    }

    fn build(
        account: AccountSettings,
        settings: &NextcloudSettings,
    ) -> Result<Arc<dyn ShareProvider>, Error> {
        Ok(Arc::new(NextcloudProvider::new(NextcloudConfig {
            account: account.name,
            base_url: account.base_url,
            auth: settings.auth.clone(),
            zone: settings.zone,
            policy: account.policy,
        })?))
    }
}
