//! An in-memory provider that lists given shares (one page), for in-process router tests.
#![allow(dead_code)]

use async_trait::async_trait;
use std::sync::Arc;
use unishare_core::{
    AccountName, CallContext, Capabilities, CreateShare, Error, Page, PageCursor, Provider,
    RevokeOutcome, Share, ShareProvider, UpdateShare,
};
use unishare_gateway::config::Config;
use unishare_gateway::AppState;

pub struct Fake {
    pub name: AccountName,
    pub kind: Provider,
    pub shares: Vec<Share>,
}

#[async_trait]
impl ShareProvider for Fake {
    fn provider(&self) -> Provider {
        self.kind
    }
    fn account(&self) -> &AccountName {
        &self.name
    }
    fn capabilities(&self) -> Capabilities {
        unishare_gateway::vendors::capabilities(self.kind).expect("a registered vendor")
    }
    async fn list_page(&self, _: Option<&PageCursor>, _: &CallContext) -> Result<Page, Error> {
        Ok(Page {
            shares: self.shares.clone(),
            next: None,
            skipped: Vec::new(),
        })
    }
    async fn get(&self, native_id: &str, _: &CallContext) -> Result<Share, Error> {
        self.shares
            .iter()
            .find(|s| s.native_id == native_id)
            .cloned()
            .ok_or_else(|| Error::not_found("no such share"))
    }
    async fn create(&self, _: &CreateShare, _: &CallContext) -> Result<Share, Error> {
        Err(Error::upstream_unavailable("fake provider: read only"))
    }
    async fn update(&self, _: &str, _: &UpdateShare, _: &CallContext) -> Result<Share, Error> {
        Err(Error::upstream_unavailable("fake provider: read only"))
    }
    async fn revoke(&self, _: &[String], _: &CallContext) -> Result<Vec<RevokeOutcome>, Error> {
        Err(Error::upstream_unavailable("fake provider: read only"))
    }
}

/// Keys of the test config.
pub const ADMIN: &str = "admin-key-0123456789";
pub const READER: &str = "reader-key-0123456789";
pub const HQ_ONLY: &str = "hq-only-key-0123456789";
pub const WRITER: &str = "writer-key-0123456789";

/// State over fake accounts; `keys` adds the four API keys above.
pub async fn state(accounts: Vec<(&str, Provider, Vec<Share>)>, keys: bool) -> Arc<AppState> {
    let mut toml = String::from("[server]\nlisten = \"127.0.0.1:0\"\n[cache]\ncold_wait = \"120s\"\nttl = \"1h\"\nmax_stale = \"2h\"\nmax_shares_per_account = 1000000\n");
    if keys {
        for (name, key, scopes, accounts) in [
            ("admin", ADMIN, "\"read\", \"write\", \"secrets\"", "\"*\""),
            ("reader", READER, "\"read\"", "\"*\""),
            ("hq-only", HQ_ONLY, "\"read\"", "\"*\""),
            ("writer", WRITER, "\"write\"", "\"*\""),
        ] {
            toml.push_str(&format!(
                "[[api_keys]]\nname = \"{name}\"\nkey = \"{key}\"\nscopes = [{scopes}]\naccounts = [{accounts}]\n"
            ));
        }
    }
    let mut config = Config::from_toml_str(&toml, "test.toml").expect("config");
    // The config checks key accounts against its own (empty) account list: narrow here.
    for k in &mut config.api_keys {
        if k.name == "hq-only" {
            k.accounts = Some(["hq".to_owned()].into_iter().collect());
        }
    }
    let providers: Vec<Arc<dyn ShareProvider>> = accounts
        .into_iter()
        .map(|(name, kind, shares)| {
            Arc::new(Fake {
                name: AccountName::new(name).expect("name"),
                kind,
                shares,
            }) as Arc<dyn ShareProvider>
        })
        .collect();
    let state = AppState::with_providers(config, providers);
    for a in &state.accounts {
        a.start_crawl().await.expect("crawl");
    }
    state
}
