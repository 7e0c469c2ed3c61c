//! Arbitrary bytes as a Cloudreve v4 list answer: decode the envelope, then map every record of
//! `data.shares` exactly as the provider's `list_page` does. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use unishare_core::AccountName;

fuzz_target!(|data: &[u8]| {
    let Ok(envelope) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(account) = AccountName::new("fuzz") else {
        return;
    };
    let records = match envelope.pointer("/data/shares") {
        Some(Value::Array(a)) => a.clone(),
        _ => vec![envelope],
    };
    for raw in records {
        let _ = unishare_cloudreve::bench::map_record(&account, raw);
    }
});
