//! What each vendor crate declares, for checks made before any provider is built.

use unishare_core::{Capabilities, Provider};

/// The capabilities every account of `provider` has (each vendor crate's `CAPABILITIES`).
pub fn capabilities(provider: Provider) -> Capabilities {
    match provider {
        Provider::Cloudreve => unishare_cloudreve::CAPABILITIES,
        Provider::Koodrive => unishare_koodrive::CAPABILITIES,
    }
}
