//! The one list of simulators, one per vendor: what `unishare demo`, the end-to-end tests and
//! the benches iterate instead of naming vendors. Each entry starts its vendor's simulator
//! with seeded shares and tells how a gateway account reaches it (the simulator's built-in
//! credentials as an `auth = { … }` table, plus any account key it needs).
//!
//! A new vendor's simulator adds its own `SIM` entry (in its module's `entry.rs`) and one line
//! to [`SIMS`] (`docs/adding-a-vendor.md`).

use futures::future::BoxFuture;

/// How to start one simulator.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimOptions {
    /// Shares seeded at start.
    pub seed_shares: usize,
    /// For a site-wide account: users besides the administrator whose links are seeded too
    /// (only simulators of vendors with a site-wide listing honour it).
    pub other_users: usize,
    /// The seed of the generated data, when not the simulator's default.
    pub seed: Option<u64>,
}

/// A running simulator; dropping it stops it.
pub trait RunningSim: Send + Sync {
    /// The base URL an account's `base_url` is set to.
    fn base_url(&self) -> String;
    /// The native ids of the links the simulator holds now.
    fn native_ids(&self) -> Vec<String>;
    /// How many users own the seeded links (a site-wide account sees them all).
    fn owners(&self) -> usize {
        1
    }
}

/// A simulator starting.
pub type Starting = BoxFuture<'static, std::io::Result<Box<dyn RunningSim>>>;

/// One vendor's simulator, as the list holds it.
pub struct SimEntry {
    /// The vendor's name, as in an account's `provider`.
    pub provider: &'static str,
    /// The vendor's display name.
    pub label: &'static str,
    /// Starts the simulator.
    pub start: fn(SimOptions) -> Starting,
    /// The `auth = { … }` table of the simulator's built-in credentials.
    pub auth: &'static str,
    /// A note on how the simulator's links behave, for the demo banner (may be empty).
    pub note: &'static str,
    /// A `POST /v1/accounts/{account}/shares` body the simulator accepts, for the demo banner.
    pub create_example: Option<&'static str>,
}

impl SimEntry {
    /// An `[[accounts]]` table named `name` of this vendor at `base_url`, with `extra` account
    /// lines (e.g. `inventory = "site"`) before its `auth`.
    pub fn account_toml(&self, name: &str, base_url: &str, extra: &str) -> String {
        format!(
            "\n[[accounts]]\nname = \"{name}\"\nprovider = \"{}\"\nbase_url = \"{base_url}\"\n{extra}{}auth = {}\n",
            self.provider,
            if extra.is_empty() || extra.ends_with('\n') { "" } else { "\n" },
            self.auth
        )
    }
}

impl std::fmt::Debug for SimEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimEntry({})", self.provider)
    }
}

/// Every simulator, one per registered vendor.
pub static SIMS: &[&SimEntry] = &[
    &crate::cloudreve::entry::SIM,
    &crate::koodrive::entry::SIM,
    &crate::nextcloud::entry::SIM,
    &crate::seafile::entry::SIM,
];

/// The simulator of vendor `provider`.
pub fn find(provider: &str) -> Option<&'static SimEntry> {
    SIMS.iter().copied().find(|s| s.provider == provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_simulator_starts_with_its_seeded_shares() {
        for sim in SIMS {
            let running = (sim.start)(SimOptions {
                seed_shares: 3,
                ..SimOptions::default()
            })
            .await
            .expect("simulator starts");
            assert!(
                running.base_url().starts_with("http://127.0.0.1:"),
                "{sim:?}"
            );
            assert_eq!(running.native_ids().len(), 3, "{sim:?}");
            let toml = sim.account_toml("a", &running.base_url(), "");
            assert!(toml.contains(&format!("provider = \"{}\"", sim.provider)));
        }
    }
}
