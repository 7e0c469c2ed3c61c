//! `unishare login cloudreve`: the OAuth authorization-code flow once, for an account with
//! `auth = { method = "oauth", … }` ([`crate::oauth`]). Prints the consent page to open, takes
//! the code (or the whole redirect URL) on standard input, exchanges it, writes the refresh
//! token to a `0600` file and prints the config line that uses it. The binary reaches it
//! through the vendor registration (`VendorKind::login`), by vendor name.

use crate::oauth;
use clap::Parser;
use std::io::BufRead;
use std::path::PathBuf;
use unishare_core::{Error, Secret};

/// The flags of `unishare login cloudreve`: a Cloudreve 4.12+ OAuth app (Admin → OAuth apps)
/// with the redirect URI given here.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "unishare login cloudreve")]
pub struct CloudreveLogin {
    /// The site root, e.g. https://drive.example.com.
    #[arg(long)]
    pub base_url: String,
    /// The app's client id.
    #[arg(long)]
    pub client_id: String,
    /// Environment variable holding the app's client secret.
    #[arg(long, conflicts_with = "client_secret_file")]
    pub client_secret_env: Option<String>,
    /// File holding the app's client secret.
    #[arg(long)]
    pub client_secret_file: Option<PathBuf>,
    /// A redirect URI registered for the app; the browser lands there with `?code=…`.
    #[arg(long)]
    pub redirect_uri: String,
    /// Ask for the admin listing too (`inventory = "site"`): adds `Admin.Read`.
    #[arg(long)]
    pub site: bool,
    /// Where to write the refresh token (created 0600).
    #[arg(long)]
    pub out: PathBuf,
}

/// Parses `args` (the words after `unishare login cloudreve`) and runs the flow; `--help`
/// prints the flags.
pub async fn run_cli(args: Vec<String>) -> Result<(), Error> {
    let args = match CloudreveLogin::try_parse_from(
        std::iter::once("unishare login cloudreve".to_owned()).chain(args),
    ) {
        Ok(a) => a,
        Err(e) if !e.use_stderr() => {
            // --help / --version: not an error.
            let _ = e.print();
            return Ok(());
        }
        Err(e) => return Err(Error::invalid_request(e.to_string().trim().to_owned())),
    };
    run(args).await
}

/// Runs the flow.
pub async fn run(args: CloudreveLogin) -> Result<(), Error> {
    let (secret, secret_key) =
        match (&args.client_secret_env, &args.client_secret_file) {
            (Some(var), _) => (
                std::env::var(var).map_err(|_| {
                    Error::invalid_request(format!("environment variable {var} is not set"))
                })?,
                format!("client_secret_env = {var:?}"),
            ),
            (None, Some(path)) => (
                std::fs::read_to_string(path)
                    .map_err(|e| {
                        Error::invalid_request(format!("cannot read {}: {e}", path.display()))
                    })?
                    .trim()
                    .to_owned(),
                format!("client_secret_file = {:?}", path.display().to_string()),
            ),
            (None, None) => return Err(Error::invalid_request(
                "give the app's secret with --client-secret-env VAR or --client-secret-file FILE",
            )),
        };
    let scopes = if args.site {
        oauth::SITE_SCOPES
    } else {
        oauth::USER_SCOPES
    };
    let auth = oauth::authorize(&args.base_url, &args.client_id, &args.redirect_uri, scopes)?;
    println!(
        "Open this address, sign in and approve the app ({scopes}):\n\n  {}\n",
        auth.url
    );
    println!("Then paste the code, or the whole address the browser was sent to:");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::internal(format!("cannot read standard input: {e}")))?;
    let code = oauth::code_from_input(&line, &auth.state)?;
    let grant = oauth::exchange_code(
        &args.base_url,
        &args.client_id,
        &Secret::new(secret),
        &code,
        &auth.code_verifier,
    )
    .await?;
    oauth::save_refresh_token(&args.out, &grant.refresh_token)?;
    println!(
        "\nRefresh token written to {} (mode 0600). Granted: {}.",
        args.out.display(),
        grant.scope
    );
    println!("Account configuration (the token file is kept up to date as Cloudreve renews it):\n");
    println!(
        "auth = {{ method = \"oauth\", client_id = {:?}, {secret_key}, refresh_token_file = {:?} }}{}",
        args.client_id,
        args.out.display().to_string(),
        if args.site { "\ninventory = \"site\"" } else { "" }
    );
    Ok(())
}
