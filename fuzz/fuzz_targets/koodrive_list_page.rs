//! Arbitrary bytes as a KooDrive list answer: decode `ListResponse`, then `map_page` it as the
//! provider does. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unishare_core::AccountName;
use unishare_koodrive::dto::ListResponse;
use unishare_koodrive::mapping::map_page;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<ListResponse>(data) else {
        return;
    };
    let Ok(account) = AccountName::new("fuzz") else {
        return;
    };
    let _ = map_page(&account, body, chrono::Utc::now());
});
