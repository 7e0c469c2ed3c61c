//! Streaming export of every matching share, as NDJSON or CSV, shared by `GET /v1/export` and
//! `unishare export`.
//!
//! Memory stays constant whatever the number of shares: [`Batches`] walks the snapshots' pre-sorted
//! views with the list's own engine ([`query::page`]) [`BATCH`] shares at a time, resuming
//! from an internal keyset position, and serializes each batch into one chunk of bytes only when
//! the consumer asks for it (the HTTP body pulls chunks as the socket drains; the CLI writes them
//! one by one). No whole-body buffer exists at any point.
//!
//! # NDJSON
//! One share per line, exactly the JSON of `GET /v1/shares` (`password` only when revealed).
//!
//! # CSV
//! RFC 4180: a header row, `CRLF` line ends, fields quoted when they hold a comma, a quote, a CR
//! or LF (quotes doubled), UTF-8. The columns, in this stable order, are [`CSV_COLUMNS`]:
//!
//! | column | value |
//! |---|---|
//! | `id`, `account`, `provider`, `native_id`, `name`, `url`, `short_code`, `status`, `audience` | as in JSON |
//! | `password_protected` | `true` / `false` |
//! | `password` | the access code, only when revealed (`secrets` scope); else empty |
//! | `created_at`, `expires_at` | RFC 3339 UTC |
//! | `permissions_preview`, `permissions_download`, `permissions_edit` | `true` / `false` / empty |
//! | `stats_views`, `stats_downloads`, `stats_saves` | integer / empty |
//! | `remaining_downloads` | integer / empty |
//! | `source_kind`, `source_uri` | `source.kind`, `source.uri` |
//! | `source_file_count` | number of `source.files` |
//! | `source_files` | `source.files` as compact JSON (`[{"id":…,"name":…,"size":…,"mime_type":…}]`), lossless |
//! | `owner_id`, `owner_name`, `owner_email` | `owner.*` (empty when there is no owner) |
//! | `comment` | as in JSON |
//! | `vendor` | the `vendor` object as compact JSON |
//!
//! An empty field is a JSON `null` (a counter the vendor does not report is empty, never `0`).

use crate::cursor::CursorPos;
use crate::query::{self, Filter};
use crate::snapshot::Snapshot;
use crate::sort::{Order, SortKey};
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use std::io::Write;
use std::sync::Arc;
use unishare_core::{Error, Share};

/// Shares serialized per chunk.
pub const BATCH: usize = 1000;

/// The CSV columns, in order (see the module docs for their values).
pub const CSV_COLUMNS: [&str; 29] = [
    "id",
    "account",
    "provider",
    "native_id",
    "name",
    "url",
    "short_code",
    "status",
    "audience",
    "password_protected",
    "password",
    "created_at",
    "expires_at",
    "permissions_preview",
    "permissions_download",
    "permissions_edit",
    "stats_views",
    "stats_downloads",
    "stats_saves",
    "remaining_downloads",
    "source_kind",
    "source_uri",
    "source_file_count",
    "source_files",
    "owner_id",
    "owner_name",
    "owner_email",
    "comment",
    "vendor",
];

/// Output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON share per line (default).
    #[default]
    Ndjson,
    /// RFC 4180 CSV with a header row.
    Csv,
}

impl Format {
    /// The query-string / CLI name, also the file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
        }
    }

    /// The HTTP `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Ndjson => "application/x-ndjson",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    /// `unishare-shares-<UTC timestamp>.<ext>`.
    pub fn file_name(self, now: DateTime<Utc>) -> String {
        format!(
            "unishare-shares-{}.{}",
            now.format("%Y%m%dT%H%M%SZ"),
            self.as_str()
        )
    }
}

/// A parsed export request: the list's filters, `sort`, `order` and `format`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportQuery {
    /// Filters.
    pub filter: Filter,
    /// `sort` (default `created_at`).
    pub sort: SortKey,
    /// `order` (default `desc`).
    pub order: Order,
    /// `format` (default `ndjson`).
    pub format: Format,
}

impl ExportQuery {
    /// Builds a query from name/value pairs (query string or CLI flags). Unknown names, and
    /// `limit`/`cursor` (an export has no pages), are a 400.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<ExportQuery, Error> {
        let mut filter = Filter::default();
        let (mut sort, mut order, mut format) = (None, None, None);
        fn once<T>(slot: &mut Option<T>, name: &str, v: T) -> Result<(), Error> {
            if slot.replace(v).is_some() {
                return Err(Error::invalid_request(format!(
                    "{name} is given more than once"
                )));
            }
            Ok(())
        }
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref());
            if filter.apply_pair(k, v)? {
                continue;
            }
            match k {
                "sort" => once(
                    &mut sort,
                    k,
                    SortKey::parse(v).ok_or_else(|| {
                        Error::invalid_request(format!(
                            "sort must be one of created_at, name, views, downloads, expires_at (got {v:?})"
                        ))
                    })?,
                )?,
                "order" => once(
                    &mut order,
                    k,
                    match v {
                        "asc" => Order::Asc,
                        "desc" => Order::Desc,
                        _ => {
                            return Err(Error::invalid_request(format!(
                                "order must be asc or desc (got {v:?})"
                            )))
                        }
                    },
                )?,
                "format" => once(
                    &mut format,
                    k,
                    match v {
                        "ndjson" => Format::Ndjson,
                        "csv" => Format::Csv,
                        _ => {
                            return Err(Error::invalid_request(format!(
                                "format must be ndjson or csv (got {v:?})"
                            )))
                        }
                    },
                )?,
                other => {
                    return Err(Error::invalid_request(format!(
                        "unknown query parameter {:?} (export takes the filters of GET /v1/shares, sort, order and format)",
                        other.chars().take(64).collect::<String>()
                    )))
                }
            }
        }
        Ok(ExportQuery {
            filter,
            sort: sort.unwrap_or(SortKey::CreatedAt),
            order: order.unwrap_or(Order::Desc),
            format: format.unwrap_or_default(),
        })
    }

    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Result<ExportQuery, Error> {
        ExportQuery::from_pairs(url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()))
    }
}

fn time(t: &Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_default()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn json_compact<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::internal(format!("serializing a share: {e}")))
}

/// The CSV fields of one share, in [`CSV_COLUMNS`] order.
pub fn csv_fields(s: &Share, reveal: bool) -> Result<[String; CSV_COLUMNS.len()], Error> {
    let view = s.view(reveal);
    let owner = s.owner.as_ref();
    let kind = json_compact(&s.source.kind)?;
    Ok([
        s.id.to_string(),
        s.account.clone(),
        s.provider.as_str().to_owned(),
        s.native_id.clone(),
        s.name.clone(),
        view.url().to_owned(),
        s.short_code.clone().unwrap_or_default(),
        s.status.as_str().to_owned(),
        s.audience.as_str().to_owned(),
        s.password_protected.to_string(),
        view.password().unwrap_or_default().to_owned(),
        time(&s.created_at),
        time(&s.expires_at),
        opt(s.permissions.preview),
        opt(s.permissions.download),
        opt(s.permissions.edit),
        opt(s.stats.views),
        opt(s.stats.downloads),
        opt(s.stats.saves),
        opt(s.remaining_downloads),
        kind.trim_matches('"').to_owned(),
        s.source.uri.clone().unwrap_or_default(),
        s.source.files.len().to_string(),
        json_compact(&s.source.files)?,
        owner.map(|o| o.id.clone()).unwrap_or_default(),
        owner.and_then(|o| o.name.clone()).unwrap_or_default(),
        owner.and_then(|o| o.email.clone()).unwrap_or_default(),
        s.comment.clone().unwrap_or_default(),
        json_compact(&s.vendor)?,
    ])
}

fn csv_writer(buf: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(buf)
}

fn csv_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("writing CSV: {e}"))
}

/// Serializes `shares` into one chunk (with the CSV header first when `header`).
pub fn serialize_batch(
    shares: &[Arc<Share>],
    format: Format,
    reveal: bool,
    header: bool,
) -> Result<Bytes, Error> {
    let mut buf = Vec::with_capacity(shares.len() * 768 + 512);
    match format {
        Format::Ndjson => {
            for s in shares {
                serde_json::to_writer(&mut buf, &s.view(reveal))
                    .map_err(|e| Error::internal(format!("serializing a share: {e}")))?;
                buf.push(b'\n');
            }
        }
        Format::Csv => {
            let mut w = csv_writer(buf);
            if header {
                w.write_record(CSV_COLUMNS).map_err(csv_error)?;
            }
            for s in shares {
                w.write_record(csv_fields(s, reveal)?).map_err(csv_error)?;
            }
            w.flush().map_err(csv_error)?;
            buf = w.into_inner().map_err(csv_error)?;
        }
    }
    Ok(Bytes::from(buf))
}

/// The export as a lazy sequence of chunks: each `next()` runs one [`BATCH`] of the list engine
/// from where the previous one stopped and serializes it. Holds only the snapshots (shared, not
/// copied), the filter and the last position.
pub struct Batches {
    snaps: Vec<Arc<Snapshot>>,
    query: ExportQuery,
    reveal: bool,
    after: Option<CursorPos>,
    header_pending: bool,
    done: bool,
    written: u64,
    batch: usize,
}

impl Batches {
    /// An export of the shares of `snaps` matching `query`; `reveal` includes passwords.
    pub fn new(snaps: Vec<Arc<Snapshot>>, query: ExportQuery, reveal: bool) -> Batches {
        Batches {
            snaps,
            header_pending: query.format == Format::Csv,
            query,
            reveal,
            after: None,
            done: false,
            written: 0,
            batch: BATCH,
        }
    }

    /// Shares per chunk (default [`BATCH`]; at least 1).
    pub fn with_batch_size(mut self, n: usize) -> Batches {
        self.batch = n.max(1);
        self
    }

    /// Shares serialized so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The matching shares per snapshot, in snapshot order (for summaries and progress).
    pub fn counts(&self) -> Vec<usize> {
        self.snaps
            .iter()
            .map(|s| query::count(std::slice::from_ref(s), &self.query.filter))
            .collect()
    }

    /// The chunks as a stream, for an HTTP body.
    pub fn into_stream(self) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
        futures::stream::iter(self.map(|r| r.map_err(std::io::Error::other)))
    }
}

impl Iterator for Batches {
    type Item = Result<Bytes, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let q = &self.query;
        let page = query::page(
            &self.snaps,
            &q.filter,
            q.sort,
            q.order,
            self.batch,
            self.after.as_ref(),
        );
        if !page.has_more {
            self.done = true;
        }
        if page.shares.is_empty() && !self.header_pending {
            return None;
        }
        if let Some(last) = page.shares.last() {
            self.after = Some(CursorPos::after(last, q.sort));
        }
        let header = std::mem::take(&mut self.header_pending);
        self.written += page.shares.len() as u64;
        Some(serialize_batch(&page.shares, q.format, self.reveal, header))
    }
}

/// Writes every chunk of `batches` to `out`, calling `progress(written)` after each.
pub fn write_all(
    batches: &mut Batches,
    out: &mut dyn Write,
    mut progress: impl FnMut(u64),
) -> Result<u64, Error> {
    loop {
        let Some(chunk) = batches.next() else { break };
        out.write_all(&chunk?)
            .map_err(|e| Error::internal(format!("writing the export: {e}")))?;
        progress(batches.written);
    }
    out.flush()
        .map_err(|e| Error::internal(format!("writing the export: {e}")))?;
    Ok(batches.written)
}

/// What `unishare export` did for one account.
#[derive(Clone, Debug)]
pub struct AccountOutcome {
    /// Account name.
    pub account: String,
    /// Vendor.
    pub provider: unishare_core::Provider,
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

/// `unishare export`: crawls every selected account directly (no server, no cache reuse), then
/// streams the same serializer as `GET /v1/export` into `out`. Progress (a spinner while
/// crawling, then a bar of shares written) goes to stderr, hidden when stderr is not a terminal.
/// An account that fails is reported and left out; the others are still written.
pub async fn run_cli(
    state: &crate::state::AppState,
    query: ExportQuery,
    reveal: bool,
    out: &mut dyn Write,
) -> Result<CliReport, Error> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    for name in &query.filter.accounts {
        if state.account(name).is_none() {
            return Err(Error::invalid_request(format!(
                "unknown account {name:?} (not in the config)"
            )));
        }
    }
    let selected: Vec<_> = state
        .accounts
        .iter()
        .filter(|a| query.filter.wants_account(a.name.as_str(), a.kind))
        .cloned()
        .collect();
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

/// The filters and sort of `unishare export`, as flags (validated like the query string).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ExportArgs {
    /// Only this account (repeatable).
    #[arg(long)]
    pub account: Vec<String>,
    /// Only this provider (cloudreve, koodrive).
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
        let mut pairs: Vec<(&str, String)> = Vec::new();
        pairs.extend(self.account.iter().map(|a| ("account", a.clone())));
        pairs.extend(self.status.iter().map(|s| ("status", s.clone())));
        for (k, v) in [
            ("provider", &self.provider),
            ("audience", &self.audience),
            ("password_protected", &self.password_protected),
            ("q", &self.q),
            ("created_after", &self.created_after),
            ("created_before", &self.created_before),
            ("expires_before", &self.expires_before),
            ("sort", &self.sort),
            ("order", &self.order),
        ] {
            if let Some(v) = v {
                pairs.push((k, v.clone()));
            }
        }
        pairs.push(("format", format.as_str().to_owned()));
        ExportQuery::from_pairs(pairs)
    }
}
