//! The vendors this gateway is built with: the one list every vendor is registered in (one
//! line per vendor crate, `docs/adding-a-vendor.md`). Config validation, the provider filter,
//! capability checks and the account registry all read it; nothing else in the gateway names
//! a vendor.

use unishare_core::registry::Vendor;
use unishare_core::{Capabilities, Provider};

/// Every registered vendor, in the order error messages list them.
pub static VENDORS: &[&dyn Vendor] = &[
    &unishare_cloudreve::VENDOR,
    &unishare_koodrive::VENDOR,
    &unishare_nextcloud::VENDOR,
    &unishare_seafile::VENDOR,
];

/// The vendor named `name`.
pub fn find(name: &str) -> Option<&'static dyn Vendor> {
    unishare_core::registry::find(VENDORS, name)
}

/// The names of every vendor, in list order.
pub fn names() -> impl Iterator<Item = &'static str> {
    VENDORS.iter().map(|v| v.name().as_str())
}

/// The capabilities every account of `provider` has (each vendor crate's `CAPABILITIES`);
/// `None` for a provider not in the list.
pub fn capabilities(provider: Provider) -> Option<Capabilities> {
    find(provider.as_str()).map(|v| v.capabilities())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_valid_provider_names() {
        let mut seen = std::collections::HashSet::new();
        for name in names() {
            assert!(seen.insert(name), "{name} is registered twice");
            assert_eq!(
                Provider::intern(name).ok().map(Provider::as_str),
                Some(name)
            );
        }
    }
}
