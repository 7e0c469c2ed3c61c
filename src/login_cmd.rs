//! `unishare login <vendor> …`: a vendor's one-time sign-in flow (an OAuth app's grant),
//! found by name in the gateway's vendor list and run with the words after the vendor's name
//! (`unishare login <vendor> --help` prints its flags).

use unishare_core::Error;
use unishare_gateway::vendors;

/// Runs the login flow of vendor `vendor` with `args`.
pub async fn run(vendor: &str, args: Vec<String>) -> Result<(), Error> {
    let Some(v) = vendors::find(vendor) else {
        let names: Vec<&str> = vendors::names().collect();
        return Err(Error::invalid_request(format!(
            "unknown provider {vendor:?}: expected one of {}",
            names.join(", ")
        )));
    };
    match v.login(args) {
        Some(flow) => flow.await,
        None => Err(Error::invalid_request(format!(
            "provider {vendor:?} has no login flow: its credentials go in the config as they are"
        ))),
    }
}
