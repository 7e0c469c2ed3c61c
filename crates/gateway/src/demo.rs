//! `unishare demo`: simulated Cloudreve, KooDrive and Nextcloud accounts with seeded shares, a
//! site-wide Cloudreve account (every user's links, several owners), the gateway in front of
//! them, and ready-to-paste commands. No credentials, nothing to install.

use crate::config::{Config, RawConfig};
use crate::state::AppState;
use figment::providers::{Format, Toml};
use figment::Figment;
use std::net::SocketAddr;
use unishare_testkit::cloudreve::{CloudreveSim, CloudreveSimConfig};
use unishare_testkit::koodrive::{KooDriveSim, KooDriveSimConfig};
use unishare_testkit::nextcloud::{NextcloudSim, NextcloudSimConfig};

/// The demo configuration (`config/demo.toml`), with simulator URLs filled in at start.
pub const DEMO_TOML: &str = include_str!("../../../config/demo.toml");

/// Running simulators; dropping them stops them.
pub struct DemoVendors {
    /// The Cloudreve simulator.
    pub cloudreve: CloudreveSim,
    /// The KooDrive simulator.
    pub koodrive: KooDriveSim,
    /// The Nextcloud simulator (server zone UTC, like the demo account's default).
    pub nextcloud: NextcloudSim,
    /// A second Cloudreve with several users, listed site-wide by its administrator (account
    /// "corp", `inventory = "site"`).
    pub site: CloudreveSim,
}

/// Users of the site-wide demo Cloudreve besides its administrator.
pub const SITE_USERS: usize = 5;

/// Starts the three simulators with `shares` seeded shares each.
pub async fn start_vendors(shares: usize) -> std::io::Result<DemoVendors> {
    let cloudreve = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: shares,
        ..CloudreveSimConfig::default()
    })
    .await?;
    let koodrive = KooDriveSim::start(KooDriveSimConfig {
        seed_shares: shares,
        ..KooDriveSimConfig::default()
    })
    .await?;
    let nextcloud = NextcloudSim::start(NextcloudSimConfig {
        seed_shares: shares,
        ..NextcloudSimConfig::default()
    })
    .await?;
    let site = CloudreveSim::start(CloudreveSimConfig {
        seed_shares: shares,
        other_users: SITE_USERS,
        seed: 7,
        ..CloudreveSimConfig::default()
    })
    .await?;
    Ok(DemoVendors {
        cloudreve,
        koodrive,
        nextcloud,
        site,
    })
}

/// The demo config pointed at the running simulators and listening on `listen`.
pub fn demo_config(vendors: &DemoVendors, listen: SocketAddr) -> Result<Config, String> {
    let mut raw: RawConfig = Figment::new()
        .merge(Toml::string(DEMO_TOML))
        .extract()
        .map_err(|e| format!("config/demo.toml: {e}"))?;
    raw.server.listen = listen;
    for account in &mut raw.accounts {
        account.base_url = match account.provider.as_str() {
            "cloudreve" if account.inventory.as_deref() == Some("site") => vendors.site.base_url(),
            "cloudreve" => vendors.cloudreve.base_url(),
            "nextcloud" => vendors.nextcloud.base_url(),
            _ => vendors.koodrive.base_url(),
        };
    }
    raw.validate("config/demo.toml").map_err(|e| e.to_string())
}

/// Runs the demo until Ctrl-C.
pub async fn run(listen: SocketAddr, shares: usize) -> Result<(), String> {
    let vendors = start_vendors(shares)
        .await
        .map_err(|e| format!("starting the simulators: {e}"))?;
    let config = demo_config(&vendors, listen)?;
    let state = AppState::from_config(config).map_err(|e| e.to_string())?;
    let listener = crate::server::bind(listen).await.map_err(|e| {
        format!("{e} (another program uses the port; try `unishare demo --listen 127.0.0.1:0`)")
    })?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    print_banner(addr, &vendors, shares);
    crate::server::serve(state, listener, crate::server::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

fn print_banner(addr: SocketAddr, vendors: &DemoVendors, shares: usize) {
    let base = format!("http://{addr}");
    println!(
        "\nunishare demo: open the dashboard at {base}/\n\
         \n  API: {base}/v1/shares (OpenAPI: {base}/openapi.json)\
         \n  simulated Cloudreve  (account \"hq\"): {} with {shares} shares\
         \n  simulated KooDrive   (account \"cn\"): {} with {shares} shares\
         \n  simulated Nextcloud  (account \"nc\"): {} with {shares} links (expired ones are deleted by the server when listed)\
         \n  simulated Cloudreve  (account \"corp\", site-wide): {} with {shares} links of {} users\
         \n\nTry:\n\
         \n  curl -s '{base}/v1/shares?limit=5' | jq .\
         \n  curl -s '{base}/v1/shares?sort=views&order=desc&limit=10' | jq '.shares[] | {{id, name, stats}}'\
         \n  curl -s '{base}/v1/shares?status=expired&provider=koodrive&limit=5' | jq .\
         \n  curl -s '{base}/v1/shares?account=nc&password_protected=true&limit=5' | jq .\
         \n  curl -s '{base}/v1/shares?q=report&password_protected=true' | jq '.total'\
         \n  curl -s '{base}/v1/accounts' | jq .\
         \n  curl -s '{base}/v1/stats?account=corp' | jq .by_owner\
         \n  curl -s '{base}/v1/shares?owner=user1@example.com' | jq .total\
         \n  curl -s -X POST '{base}/v1/shares/revoke' -H 'content-type: application/json' -d '{{\"where\": {{\"owner\": \"user1@example.com\"}}, \"dry_run\": true}}' | jq .matched\
         \n  curl -s '{base}/v1/shares/hq:<id>' | jq .\
         \n  curl -s -X POST '{base}/v1/accounts/hq/shares' -H 'content-type: application/json' \\\
         \n       -d '{{\"source\": {{\"uri\": \"cloudreve://my/Reports\"}}, \"password\": \"s3cret12\", \"max_downloads\": 10}}' | jq .\
         \n  curl -s -X PATCH '{base}/v1/shares/hq:<id>' -H 'content-type: application/json' -d '{{\"expires_at\": \"2027-01-31T00:00:00Z\"}}' | jq .\
         \n  curl -s -X DELETE '{base}/v1/shares/hq:<id>' -i\
         \n  curl -s '{base}/readyz'\
         \n\nPress Ctrl-C to stop.\n",
        vendors.cloudreve.base_url(),
        vendors.koodrive.base_url(),
        vendors.nextcloud.base_url(),
        vendors.site.base_url(),
        SITE_USERS + 1,
    );
}
