//! This vendor's registration: its name, capabilities, how it reads an account's settings
//! (the `auth` table into [`CloudreveAuth`]) and how it builds the provider. The gateway's
//! vendor list holds [`VENDOR`].

use crate::config::{CloudreveAuth, CloudreveConfig, DEFAULT_PAGE_SIZE, MIN_PAGE_SIZE};
use crate::provider::CloudreveProvider;
use std::sync::Arc;
use unishare_core::registry::{
    AccountInput, AccountSettings, LoginFuture, Registered, Vendor, VendorKind,
};
use unishare_core::{Capabilities, Error, Provider, SettingError, ShareProvider};

/// The vendor's name: `provider = "cloudreve"`.
pub const NAME: &str = "cloudreve";

/// The vendor's name as a [`Provider`].
pub fn provider() -> Provider {
    VENDOR.name()
}

/// The registration the gateway's vendor list holds.
pub static VENDOR: Registered<Cloudreve> = Registered::new();

/// Cloudreve v4 as a [`VendorKind`].
pub struct Cloudreve;

impl VendorKind for Cloudreve {
    type Settings = CloudreveAuth;
    const NAME: &'static str = NAME;
    const CAPABILITIES: Capabilities = crate::CAPABILITIES;

    /// `password` (`email`, `password`), `token` (`refresh_token`) or `oauth` (`client_id`,
    /// `client_secret`, `refresh_token`; a rotated refresh token is written back to
    /// `refresh_token_file` when the token was read from one).
    fn parse(input: &mut AccountInput) -> Result<CloudreveAuth, SettingError> {
        let mut auth: CloudreveAuth =
            input.auth(&["password", "refresh_token", "client_secret"])?;
        if let CloudreveAuth::OAuth { persist_to, .. } = &mut auth {
            *persist_to = input.secret_file("refresh_token");
        }
        Ok(auth)
    }

    /// `unishare login cloudreve …`: an OAuth app's grant, once ([`crate::login`]).
    fn login(args: Vec<String>) -> Option<LoginFuture> {
        Some(Box::pin(crate::login::run_cli(args)))
    }

    fn build(
        account: AccountSettings,
        auth: &CloudreveAuth,
    ) -> Result<Arc<dyn ShareProvider>, Error> {
        Ok(Arc::new(CloudreveProvider::new(CloudreveConfig {
            account: account.name,
            base_url: account.base_url,
            auth: auth.clone(),
            policy: account.policy,
            page_size: account
                .page_size
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .max(MIN_PAGE_SIZE),
            inventory: account.inventory,
        })?))
    }
}
