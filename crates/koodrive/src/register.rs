//! This vendor's registration: its name, capabilities, how it reads an account's settings
//! ([`KooDriveSettings`]) and how it builds the provider. The gateway's vendor list holds
//! [`VENDOR`].

use crate::config::{KooDriveAuth, KooDriveConfig, MAX_PAGE_SIZE};
use crate::provider::KooDriveProvider;
use std::sync::Arc;
use unishare_core::registry::{AccountInput, AccountSettings, Registered, Vendor, VendorKind};
use unishare_core::{Capabilities, Error, Provider, SettingError, ShareProvider};

/// The vendor's name: `provider = "koodrive"`.
pub const NAME: &str = "koodrive";

/// The vendor's name as a [`Provider`].
pub fn provider() -> Provider {
    VENDOR.name()
}

/// The registration the gateway's vendor list holds.
pub static VENDOR: Registered<KooDrive> = Registered::new();

/// KooDrive as a [`VendorKind`].
pub struct KooDrive;

/// What a KooDrive account reads from its `auth` table.
#[derive(Clone, Debug)]
pub struct KooDriveSettings {
    /// `app` (`app_id`, `app_secret`, `user_id`) or `token` (`token`, `session_id`).
    pub auth: KooDriveAuth,
    /// `agent_name`, either method: the carrier name of a carrier-edition account.
    pub agent_name: Option<String>,
}

impl VendorKind for KooDrive {
    type Settings = KooDriveSettings;
    const NAME: &'static str = NAME;
    const CAPABILITIES: Capabilities = crate::CAPABILITIES;

    fn parse(input: &mut AccountInput) -> Result<KooDriveSettings, SettingError> {
        let agent_name = input.take_auth_optional("agent_name")?;
        let auth = input.auth(&["app_secret", "token", "session_id"])?;
        Ok(KooDriveSettings { auth, agent_name })
    }

    fn build(
        account: AccountSettings,
        settings: &KooDriveSettings,
    ) -> Result<Arc<dyn ShareProvider>, Error> {
        Ok(Arc::new(KooDriveProvider::new(KooDriveConfig {
            account: account.name,
            base_url: account.base_url,
            auth: settings.auth.clone(),
            policy: account.policy,
            page_size: account.page_size.unwrap_or(MAX_PAGE_SIZE),
            agent_name: settings.agent_name.clone(),
        })?))
    }
}
