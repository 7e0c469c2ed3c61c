//! `unishare demo`: one simulator per account of `config/demo.toml` (from testkit's simulator
//! list, so every registered vendor with a simulator is covered), seeded shares, a site-wide
//! account (every user's links, several owners), the gateway in front of them, and
//! ready-to-paste commands. No credentials, nothing to install.

use crate::config::{Config, RawConfig};
use crate::state::AppState;
use figment::providers::{Format, Toml};
use figment::Figment;
use std::net::SocketAddr;
use unishare_testkit::sims::{self, RunningSim, SimEntry, SimOptions};

/// The demo configuration (`config/demo.toml`), with simulator URLs filled in at start.
pub const DEMO_TOML: &str = include_str!("../../../config/demo.toml");

/// One demo account's running simulator.
pub struct DemoVendor {
    /// The account name.
    pub account: String,
    /// Whether the account lists every user's links.
    pub site: bool,
    /// The simulator's list entry.
    pub entry: &'static SimEntry,
    /// The simulator; dropping it stops it.
    pub sim: Box<dyn RunningSim>,
}

/// Running simulators, one per demo account, in config order; dropping them stops them.
pub struct DemoVendors(pub Vec<DemoVendor>);

/// Users of a site-wide demo account besides its administrator.
pub const SITE_USERS: usize = 5;

/// The seed of a site-wide account's simulator, so that its links differ from those of a
/// user account of the same vendor.
const SITE_SEED: u64 = 7;

fn demo_raw() -> Result<RawConfig, String> {
    Figment::new()
        .merge(Toml::string(DEMO_TOML))
        .extract()
        .map_err(|e| format!("config/demo.toml: {e}"))
}

/// Starts one simulator per demo account with `shares` seeded shares each.
pub async fn start_vendors(shares: usize) -> Result<DemoVendors, String> {
    let mut out = Vec::new();
    for account in demo_raw()?.accounts {
        let entry = sims::find(&account.provider).ok_or_else(|| {
            format!(
                "config/demo.toml: account {:?}: no simulator for provider {:?}",
                account.name, account.provider
            )
        })?;
        let site = account.inventory.as_deref() == Some("site");
        let sim = (entry.start)(SimOptions {
            seed_shares: shares,
            other_users: if site { SITE_USERS } else { 0 },
            seed: site.then_some(SITE_SEED),
        })
        .await
        .map_err(|e| format!("starting the {} simulator: {e}", entry.label))?;
        out.push(DemoVendor {
            account: account.name,
            site,
            entry,
            sim,
        });
    }
    Ok(DemoVendors(out))
}

/// The demo config pointed at the running simulators and listening on `listen`.
pub fn demo_config(vendors: &DemoVendors, listen: SocketAddr) -> Result<Config, String> {
    let mut raw = demo_raw()?;
    raw.server.listen = listen;
    for account in &mut raw.accounts {
        if let Some(v) = vendors.0.iter().find(|v| v.account == account.name) {
            account.base_url = v.sim.base_url();
        }
    }
    raw.validate("config/demo.toml").map_err(|e| e.to_string())
}

/// Runs the demo until Ctrl-C.
pub async fn run(listen: SocketAddr, shares: usize) -> Result<(), String> {
    let vendors = start_vendors(shares).await?;
    let config = demo_config(&vendors, listen)?;
    let state = AppState::from_config(config).map_err(|e| e.to_string())?;
    let listener = crate::server::bind(listen).await.map_err(|e| {
        format!("{e} (another program uses the port; try `unishare demo --listen 127.0.0.1:0`)")
    })?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("{}", banner(addr, &vendors, shares));
    crate::server::serve(state, listener, crate::server::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// The text printed at start: where each simulator is, and commands to try.
fn banner(addr: SocketAddr, vendors: &DemoVendors, shares: usize) -> String {
    let base = format!("http://{addr}");
    let mut s = format!(
        "\nunishare demo: open the dashboard at {base}/\n\
         \n  API: {base}/v1/shares (OpenAPI: {base}/openapi.json)"
    );
    for v in &vendors.0 {
        let who = match v.site {
            true => format!("{:?}, site-wide", v.account),
            false => format!("{:?}", v.account),
        };
        let what = match v.site {
            true => format!("{shares} links of {} users", v.sim.owners()),
            false => format!("{shares} shares{}", v.entry.note),
        };
        s.push_str(&format!(
            "\n  simulated {:<10} (account {who}): {} with {what}",
            v.entry.label,
            v.sim.base_url()
        ));
    }
    s.push_str(&format!(
        "\n\nTry:\n\
         \n  curl -s '{base}/v1/shares?limit=5' | jq .\
         \n  curl -s '{base}/v1/shares?sort=views&order=desc&limit=10' | jq '.shares[] | {{id, name, stats}}'\
         \n  curl -s '{base}/v1/shares?q=report&password_protected=true' | jq '.total'\
         \n  curl -s '{base}/v1/accounts' | jq ."
    ));
    if let Some(v) = vendors.0.get(1) {
        s.push_str(&format!(
            "\n  curl -s '{base}/v1/shares?status=expired&provider={}&limit=5' | jq .\
             \n  curl -s '{base}/v1/shares?account={}&password_protected=true&limit=5' | jq .",
            v.entry.provider, v.account
        ));
    }
    if let Some(v) = vendors.0.iter().find(|v| v.site) {
        s.push_str(&format!(
            "\n  curl -s '{base}/v1/stats?account={}' | jq .by_owner\
             \n  curl -s '{base}/v1/shares?owner=user1@example.com' | jq .total\
             \n  curl -s -X POST '{base}/v1/shares/revoke' -H 'content-type: application/json' -d '{{\"where\": {{\"owner\": \"user1@example.com\"}}, \"dry_run\": true}}' | jq .matched",
            v.account
        ));
    }
    if let Some(v) = vendors.0.first() {
        let a = &v.account;
        s.push_str(&format!("\n  curl -s '{base}/v1/shares/{a}:<id>' | jq ."));
        if let Some(body) = v.entry.create_example {
            s.push_str(&format!(
                "\n  curl -s -X POST '{base}/v1/accounts/{a}/shares' -H 'content-type: application/json' \\\
                 \n       -d '{body}' | jq ."
            ));
        }
        s.push_str(&format!(
            "\n  curl -s -X PATCH '{base}/v1/shares/{a}:<id>' -H 'content-type: application/json' -d '{{\"expires_at\": \"2027-01-31T00:00:00Z\"}}' | jq .\
             \n  curl -s -X DELETE '{base}/v1/shares/{a}:<id>' -i"
        ));
    }
    s.push_str(&format!(
        "\n  curl -s '{base}/readyz'\n\nPress Ctrl-C to stop.\n"
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_demo_account_gets_a_simulator_and_the_config_validates() {
        let vendors = start_vendors(2).await.expect("simulators");
        let config = demo_config(&vendors, "127.0.0.1:0".parse().expect("addr")).expect("config");
        assert_eq!(vendors.0.len(), config.accounts.len());
        for (v, a) in vendors.0.iter().zip(&config.accounts) {
            assert_eq!(a.base_url, v.sim.base_url());
            assert_eq!(v.entry.provider, a.provider.as_str());
        }
        let text = banner("127.0.0.1:8080".parse().expect("addr"), &vendors, 2);
        for v in &vendors.0 {
            assert!(text.contains(&v.sim.base_url()), "{text}");
        }
    }
}
