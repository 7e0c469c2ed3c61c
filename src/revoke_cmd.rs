//! `unishare revoke`: offboarding without a server. Crawls the selected accounts, shows what
//! the filter matches, asks (or takes `--yes`), then revokes with a progress bar, one audit
//! event per share, and a per-account summary. At least one filter is required.

use crate::export_cmd::FilterArgs;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use unishare_core::Error;
use unishare_gateway::auth::Principal;
use unishare_gateway::query::Filter;
use unishare_gateway::routes::offboard::matching_ids;
use unishare_gateway::routes::writes::revoke_ids;
use unishare_gateway::AppState;

/// The flags of `unishare revoke`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct RevokeArgs {
    /// Which links (at least one filter, e.g. `--owner alice@example.com`).
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only list what would be revoked.
    #[arg(long)]
    pub dry_run: bool,
    /// Revoke without asking.
    #[arg(long)]
    pub yes: bool,
}

/// How many ids one step of the progress bar revokes.
const STEP: usize = 100;

/// Runs the command; `Ok(true)` when every matched link was revoked (or listed, dry run).
pub async fn run(state: &std::sync::Arc<AppState>, args: &RevokeArgs) -> Result<bool, Error> {
    let pairs = args.filter.pairs();
    if pairs.is_empty() {
        return Err(Error::invalid_request(
            "give at least one filter (e.g. --owner alice@example.com); revoking every link of every account is not offered",
        ));
    }
    let mut filter = Filter::default();
    for (k, v) in &pairs {
        filter.apply_pair(k, v)?;
    }
    let selected = crate::export_cmd::selected_accounts(state, &filter)?;
    let mut failed_crawls = 0;
    for r in futures::future::join_all(selected.iter().map(|a| a.start_crawl())).await {
        if let Err(e) = r {
            eprintln!("crawl FAILED: {e}");
            failed_crawls += 1;
        }
    }
    let principal = Principal::cli();
    let (ids, partial, _) = matching_ids(state, &principal, &filter)
        .await
        .map_err(|e| e.0)?;
    let mut per_account: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &ids {
        *per_account
            .entry(id.split(':').next().unwrap_or("?"))
            .or_default() += 1;
    }
    eprintln!("{} link(s) match:", ids.len());
    for (account, n) in &per_account {
        eprintln!("  {account}: {n}");
    }
    if args.dry_run {
        let mut out = std::io::stdout().lock();
        for id in &ids {
            let _ = writeln!(out, "{id}");
        }
        return Ok(failed_crawls == 0);
    }
    if partial || failed_crawls > 0 {
        return Err(Error::upstream_unavailable(
            "an account could not be read, so what the filter matches is not known: nothing was revoked",
        ));
    }
    if ids.is_empty() {
        return Ok(true);
    }
    if !args.yes && !confirm(ids.len())? {
        eprintln!("nothing revoked");
        return Ok(false);
    }
    let bar = progress(ids.len());
    let mut revoked: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for chunk in ids.chunks(STEP) {
        for r in revoke_ids(state, &principal, chunk).await {
            let account = r.id.split(':').next().unwrap_or("?").to_owned();
            let entry = revoked.entry(account).or_default();
            match &r.error {
                None => entry.0 += 1,
                Some(e) => {
                    entry.1 += 1;
                    bar.println(format!("  {}: FAILED ({}): {}", r.id, e.kind, e.detail));
                }
            }
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let mut all_ok = true;
    for (account, (ok, failed)) in &revoked {
        eprintln!("  {account}: {ok} revoked, {failed} failed");
        all_ok &= *failed == 0;
    }
    Ok(all_ok)
}

/// Asks on the terminal; without one, `--yes` is required.
fn confirm(n: usize) -> Result<bool, Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid_request(
            "not a terminal: pass --yes to revoke without asking (or --dry-run to list)",
        ));
    }
    eprint!("Revoke these {n} link(s)? Type 'yes' to go on: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::internal(format!("cannot read the answer: {e}")))?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}

fn progress(len: usize) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} revoked [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
