//! The `unishare` command: `serve`, `demo`, `export`, `check-config`.

mod export_cmd;
mod login_cmd;
mod revoke_cmd;

use clap::{Parser, Subcommand};
use export_cmd::ExportArgs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use unishare_gateway::export::Format;
use unishare_gateway::server::{self, LogFormat};
use unishare_gateway::{AppState, Config};

/// jemalloc: under many concurrent requests glibc's small per-thread caches run dry and every
/// request pays its slow path (~10 % of the cache-hit CPU in `perf`); jemalloc's do not, for the
/// same memory per cached share (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "unishare",
    version,
    about = "One share-link API over many cloud-drive vendors"
)]
struct Cli {
    /// Log format (the level comes from RUST_LOG, default info).
    #[arg(long, value_enum, global = true, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API for the accounts in the config.
    Serve {
        /// Config file (TOML); also UNISHARE_CONFIG.
        #[arg(long, env = "UNISHARE_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Run the gateway over built-in simulators of the vendors (no credentials).
    Demo {
        /// Listen address.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Shares seeded in each simulated account.
        #[arg(long, default_value_t = 320)]
        shares: usize,
    },
    /// Export every matching share of every account, crawling the vendors directly (no
    /// server). Progress on stderr; exits non-zero when an account failed (the others are
    /// still written).
    Export {
        /// Config file (TOML); also UNISHARE_CONFIG.
        #[arg(long, env = "UNISHARE_CONFIG")]
        config: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
        /// Output file (default: stdout).
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        args: Box<ExportArgs>,
    },
    /// Revoke every link a filter matches (offboarding), crawling the vendors directly (no
    /// server): lists what matches, asks (or --yes), revokes with a progress bar and a
    /// summary; one audit event per link.
    Revoke {
        /// Config file (TOML); also UNISHARE_CONFIG.
        #[arg(long, env = "UNISHARE_CONFIG")]
        config: Option<PathBuf>,
        #[command(flatten)]
        args: Box<revoke_cmd::RevokeArgs>,
    },
    /// Obtain an OAuth app grant once (the authorization-code flow) and store its refresh token.
    /// `unishare login <provider> --help` prints the provider's flags.
    Login {
        /// The provider whose flow to run, then its flags.
        #[arg(
            value_name = "PROVIDER [FLAGS]",
            required = true,
            num_args = 1..,
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        words: Vec<String>,
    },
    /// Validate a config file; with --probe, also call every vendor once.
    CheckConfig {
        /// Config file (TOML); also UNISHARE_CONFIG.
        #[arg(long, env = "UNISHARE_CONFIG")]
        config: Option<PathBuf>,
        /// List one page of every account to check URLs and credentials.
        #[arg(long)]
        probe: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    server::init_logging(cli.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { config } => serve(config).await,
            Command::Demo { listen, shares } => unishare_gateway::demo::run(listen, shares).await,
            Command::Export {
                config,
                format,
                output,
                args,
            } => export(config, format, output, args).await,
            Command::CheckConfig { config, probe } => check_config(config, probe).await,
            Command::Revoke { config, args } => revoke(config, &args).await,
            Command::Login { words } => match words.split_first() {
                Some((provider, flags)) => login_cmd::run(provider, flags.to_vec())
                    .await
                    .map_err(|e| e.to_string()),
                None => Err("give the provider: unishare login <provider> [flags]".to_owned()),
            },
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Option<PathBuf>) -> Result<(), String> {
    let config = Config::load(config.as_deref()).map_err(|e| e.to_string())?;
    let listen = config.server.listen;
    let state = AppState::from_config(config).map_err(|e| e.to_string())?;
    let listener = server::bind(listen).await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, accounts = state.accounts.len(), "unishare listening");
    // Machine-readable line for scripts and tests that start the binary on port 0.
    println!("listening on http://{addr}");
    server::serve(state, listener, server::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn revoke(config: Option<PathBuf>, args: &revoke_cmd::RevokeArgs) -> Result<(), String> {
    let config = Config::load(config.as_deref()).map_err(|e| e.to_string())?;
    let state = AppState::from_config(config).map_err(|e| e.to_string())?;
    // In a cluster: the shared snapshots are read instead of crawling, and the revocations
    // reach every replica at once.
    state.join_cluster().await;
    let outcome = revoke_cmd::run(&state, args).await;
    settle(&state).await;
    match outcome {
        Ok(true) => Ok(()),
        Ok(false) => Err("not every matched link was revoked".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Before a command-line run exits: what it wrote reaches the `[cluster]` (bounded).
async fn settle(state: &AppState) {
    if !state
        .settle_cluster(std::time::Duration::from_secs(10))
        .await
    {
        eprintln!("warning: some changes could not be sent to the cluster (Redis does not answer); the replicas see them at their next crawl");
    }
}

async fn export(
    config: Option<PathBuf>,
    format: Format,
    output: Option<PathBuf>,
    args: Box<ExportArgs>,
) -> Result<(), String> {
    use std::io::Write;
    let config = Config::load(config.as_deref()).map_err(|e| e.to_string())?;
    let query = args.query(format).map_err(|e| e.to_string())?;
    let state = AppState::from_config(config).map_err(|e| e.to_string())?;
    // In a cluster: a fresh shared snapshot is exported instead of crawling the vendor again.
    state.join_cluster().await;
    let (mut out, label): (Box<dyn Write>, String) = match &output {
        Some(path) => {
            let file = create_output(path, args.include_passwords)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            (
                Box::new(std::io::BufWriter::new(file)),
                path.display().to_string(),
            )
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout())),
            "stdout".to_owned(),
        ),
    };
    let report = export_cmd::run(&state, query, args.include_passwords, &mut out)
        .await
        .map_err(|e| e.to_string())?;
    eprint!("{}", report.summary(&label));
    settle(&state).await;
    match report.failed() {
        0 => Ok(()),
        n => Err(format!(
            "{n} account(s) failed; the output is partial (it holds the other accounts' shares)"
        )),
    }
}

/// Creates (or truncates) the export file; one holding access codes is readable by its owner
/// only (mode 0600 on Unix) and is never written through a symbolic link (`O_NOFOLLOW`: a link
/// planted at the path cannot redirect the codes to a file another user reads).
fn create_output(path: &std::path::Path, secret: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file = options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) {
                    std::io::Error::new(
                        e.kind(),
                        "the path is a symbolic link; an export with access codes is not written through one",
                    )
                } else {
                    e
                }
            })?;
        // An existing file keeps its mode on open: narrow it too (not a device or a pipe).
        if file.metadata()?.is_file() {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        return Ok(file);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options.open(path)
}

async fn check_config(config: Option<PathBuf>, probe: bool) -> Result<(), String> {
    let config = Config::load(config.as_deref()).map_err(|e| e.to_string())?;
    println!(
        "config ok: {} account(s), {} API key(s), listen {}",
        config.accounts.len(),
        config.api_keys.len(),
        config.server.listen
    );
    if !probe {
        return Ok(());
    }
    let state = AppState::from_config(config).map_err(|e| e.to_string())?;
    let mut failed = 0;
    for account in &state.accounts {
        let ctx = unishare_core::CallContext::default();
        match account.provider.list_page(None, &ctx).await {
            Ok(page) => println!(
                "  {} ({}): ok, first page has {} share(s)",
                account.name,
                account.kind,
                page.shares.len()
            ),
            Err(e) => {
                failed += 1;
                println!("  {} ({}): FAILED: {e}", account.name, account.kind);
            }
        }
    }
    if let Some(cluster) = &state.config.cluster {
        match unishare_gateway::cluster::probe(cluster).await {
            Ok(about) => println!("  cluster: ok, {about}"),
            Err(e) => {
                failed += 1;
                println!("  cluster: FAILED: {e}");
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} check(s) failed the probe"));
    }
    Ok(())
}
