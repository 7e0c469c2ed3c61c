//! Arbitrary bytes as a Nextcloud list answer: the one-pass OCS envelope decode with every
//! record mapped, as the provider does. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unishare_core::AccountName;
use unishare_nextcloud::ocs::{decode, ListSeed};
use unishare_nextcloud::ServerZone;

fuzz_target!(|data: &[u8]| {
    let Ok(account) = AccountName::new("fuzz") else {
        return;
    };
    let seed = ListSeed {
        account: &account,
        zone: ServerZone::UTC,
        now: chrono::Utc::now(),
    };
    let _ = decode("list", 200, None, data, seed);
});
