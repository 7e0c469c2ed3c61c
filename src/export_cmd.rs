//! `unishare export`: the export of `GET /v1/export` without a server. Crawls every selected
//! account directly, then streams the gateway's own serializer
//! ([`unishare_gateway::export::Batches`]) to a file or stdout, with a progress bar on stderr
//! and a per-account summary at the end.

use std::io::Write;
use unishare_core::{Error, Provider};

use unishare_gateway::export::{write_all, Batches, ExportQuery, Format};
use unishare_gateway::AppState;

/// What `unishare export` did for one account.
#[derive(Clone, Debug)]
pub struct AccountOutcome {
    /// Account name.
    pub account: String,
    /// Vendor.
    pub provider: Provider,
    /// Shares of this account written (matching the filters), when its crawl succeeded.
    pub exported: Option<usize>,
    /// Vendor records the crawl could not map (skipped, not exported).
    pub skipped: usize,
    /// Why the account could not be exported.
    pub error: Option<Error>,
}

/// The result of `unishare export`.
#[derive(Clone, Debug)]
pub struct CliReport {
    /// One entry per selected account, in configuration order.
    pub accounts: Vec<AccountOutcome>,
    /// Shares written in all.
    pub written: u64,
}

impl CliReport {
    /// Accounts that failed (their shares are missing from the output).
    pub fn failed(&self) -> usize {
        self.accounts.iter().filter(|a| a.error.is_some()).count()
    }

    /// The human summary printed at the end.
    pub fn summary(&self, output: &str) -> String {
        let mut s = String::new();
        for a in &self.accounts {
            match (&a.error, a.exported) {
                (Some(e), _) => {
                    s.push_str(&format!("  {} ({}): FAILED: {e}\n", a.account, a.provider))
                }
                (None, n) => s.push_str(&format!(
                    "  {} ({}): {} share(s) exported, {} skipped record(s)\n",
                    a.account,
                    a.provider,
                    n.unwrap_or(0),
                    a.skipped
                )),
            }
        }
        let failed = self.failed();
        if failed > 0 {
            s.push_str(&format!(
                "PARTIAL export: {failed} account(s) failed; {} share(s) of the other accounts written to {output}\n",
                self.written
            ));
        } else {
            s.push_str(&format!(
                "export complete: {} share(s) written to {output}\n",
                self.written
            ));
        }
        s
    }
}

/// The accounts a command's filter selects; an account name the config lacks is an error.
pub fn selected_accounts(
    state: &AppState,
    filter: &unishare_gateway::query::Filter,
) -> Result<Vec<std::sync::Arc<unishare_gateway::account::Account>>, Error> {
    for name in &filter.accounts {
        if state.account(name).is_none() {
            return Err(Error::invalid_request(format!(
                "unknown account {name:?} (not in the config)"
            )));
        }
    }
    Ok(state
        .accounts
        .iter()
        .filter(|a| filter.wants_account(a.name.as_str(), a.kind))
        .cloned()
        .collect())
}

/// `unishare export`: crawls every selected account directly (no server, no cache reuse), then
/// streams the same serializer as `GET /v1/export` into `out`. Progress (a spinner while
/// crawling, then a bar of shares written) goes to stderr, hidden when stderr is not a terminal.
/// An account that fails is reported and left out; the others are still written.
pub async fn run(
    state: &AppState,
    query: ExportQuery,
    reveal: bool,
    out: &mut dyn Write,
) -> Result<CliReport, Error> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    let selected = selected_accounts(state, &query.filter)?;
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_message(format!("crawling {} account(s)", selected.len()));
    let crawls = futures::future::join_all(selected.iter().map(|a| {
        let bar = bar.clone();
        async move {
            let r = a.start_crawl().await;
            bar.println(match &r {
                Ok(s) => format!("crawled {}: {} share(s)", a.name, s.shares.len()),
                Err(e) => format!("crawl of {} FAILED: {e}", a.name),
            });
            r
        }
    }))
    .await;
    let mut snaps = Vec::new();
    let mut outcomes = Vec::new();
    for (a, r) in selected.iter().zip(crawls) {
        match r {
            Ok(s) => {
                outcomes.push(AccountOutcome {
                    account: a.name.to_string(),
                    provider: a.kind,
                    exported: None,
                    skipped: s.skipped,
                    error: None,
                });
                snaps.push(s);
            }
            Err(e) => outcomes.push(AccountOutcome {
                account: a.name.to_string(),
                provider: a.kind,
                exported: None,
                skipped: 0,
                error: Some(e),
            }),
        }
    }
    let mut batches = Batches::new(snaps, query, reveal);
    let counts = batches.counts();
    let mut ok = outcomes.iter_mut().filter(|o| o.error.is_none());
    for n in &counts {
        if let Some(o) = ok.next() {
            o.exported = Some(*n);
        }
    }
    bar.set_length(counts.iter().sum::<usize>() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} shares [{elapsed}, {per_sec}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let written = write_all(&mut batches, out, |n| bar.set_position(n));
    bar.finish_and_clear();
    Ok(CliReport {
        accounts: outcomes,
        written: written?,
    })
}

/// The list filters as flags (validated like the query string), for `export` and `revoke`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct FilterArgs {
    /// Only this account (repeatable).
    #[arg(long)]
    pub account: Vec<String>,
    /// Only this provider (a vendor name, as in an account's `provider`).
    #[arg(long)]
    pub provider: Option<String>,
    /// Only this status (repeatable: active, expired, source_deleted, invalid).
    #[arg(long)]
    pub status: Vec<String>,
    /// Only this audience (anyone, organization, restricted).
    #[arg(long)]
    pub audience: Option<String>,
    /// Only links with (true) or without (false) an access code.
    #[arg(long)]
    pub password_protected: Option<String>,
    /// Case-insensitive substring of the name.
    #[arg(long)]
    pub q: Option<String>,
    /// Created after this RFC 3339 time.
    #[arg(long)]
    pub created_after: Option<String>,
    /// Created before this RFC 3339 time.
    #[arg(long)]
    pub created_before: Option<String>,
    /// Expiring before this RFC 3339 time.
    #[arg(long)]
    pub expires_before: Option<String>,
    /// Only links of this owner: e-mail (case-insensitive) or owner id (repeatable).
    #[arg(long)]
    pub owner: Vec<String>,
}

impl FilterArgs {
    /// The flags as query pairs (`GET /v1/shares` names).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        pairs.extend(self.account.iter().map(|a| ("account", a.clone())));
        pairs.extend(self.status.iter().map(|s| ("status", s.clone())));
        pairs.extend(self.owner.iter().map(|o| ("owner", o.clone())));
        for (k, v) in [
            ("provider", &self.provider),
            ("audience", &self.audience),
            ("password_protected", &self.password_protected),
            ("q", &self.q),
            ("created_after", &self.created_after),
            ("created_before", &self.created_before),
            ("expires_before", &self.expires_before),
        ] {
            if let Some(v) = v {
                pairs.push((k, v.clone()));
            }
        }
        pairs
    }
}

/// The filters and sort of `unishare export`, as flags (validated like the query string).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ExportArgs {
    /// The filters.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Sort key (created_at, name, views, downloads, expires_at).
    #[arg(long)]
    pub sort: Option<String>,
    /// Sort order (asc, desc).
    #[arg(long)]
    pub order: Option<String>,
    /// Include access codes (`password`, and the `url` with the code embedded). Off by default.
    #[arg(long)]
    pub include_passwords: bool,
}

impl ExportArgs {
    /// The flags as query pairs, plus `format`, parsed into a query.
    pub fn query(&self, format: Format) -> Result<ExportQuery, Error> {
        let mut pairs = self.filter.pairs();
        for (k, v) in [("sort", &self.sort), ("order", &self.order)] {
            if let Some(v) = v {
                pairs.push((k, v.clone()));
            }
        }
        pairs.push(("format", format.as_str().to_owned()));
        ExportQuery::from_pairs(pairs)
    }
}
