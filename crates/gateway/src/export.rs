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
//! | `password_protected` | `true` / `false` / empty (unknown) |
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
//!
//! Fields are written exactly as the vendor sent them, so the export stays lossless for
//! migration tooling: a share name starting with `=`, `+`, `-` or `@` is not escaped, and a
//! spreadsheet may read it as a formula. Open exports from untrusted sources as text.

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

/// Export format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, utoipa::ToSchema)]
#[schema(as = ExportFormat, rename_all = "snake_case")]
pub enum Format {
    /// One JSON share per line (default).
    #[default]
    Ndjson,
    /// RFC 4180 CSV with a header row.
    Csv,
}

impl Format {
    /// Parses `format`.
    pub fn parse(v: &str) -> Result<Format, Error> {
        match v {
            "ndjson" => Ok(Format::Ndjson),
            "csv" => Ok(Format::Csv),
            _ => Err(Error::invalid_request(format!(
                "format must be ndjson or csv (got {v:?})"
            ))),
        }
    }

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
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref());
            if filter.apply_pair(k, v)? {
                continue;
            }
            match k {
                "sort" => query::once(&mut sort, k, query::parse_sort(v)?)?,
                "order" => query::once(&mut order, k, query::parse_order(v)?)?,
                "format" => query::once(&mut format, k, Format::parse(v)?)?,
                other => {
                    return Err(query::unknown_parameter(
                        other,
                        "export takes the filters of GET /v1/shares, sort, order and format",
                    ))
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
        ExportQuery::from_pairs(crate::query_string::pairs(raw.unwrap_or("")))
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
        s.account.to_string(),
        s.provider.as_str().to_owned(),
        s.native_id.to_string(),
        s.name.to_string(),
        view.url().unwrap_or_default().to_owned(),
        opt(s.short_code.as_ref()),
        s.status.as_str().to_owned(),
        s.audience.as_str().to_owned(),
        opt(s.password_protected),
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
        opt(s.source.uri.as_ref()),
        s.source.files.len().to_string(),
        json_compact(&s.source.files)?,
        opt(owner.map(|o| &o.id)),
        opt(owner.and_then(|o| o.name.as_ref())),
        opt(owner.and_then(|o| o.email.as_ref())),
        opt(s.comment.as_ref()),
        s.vendor.as_json().to_owned(),
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

    /// The chunks as a stream, for an HTTP body. Each chunk is produced on tokio's blocking
    /// pool (a selective filter over a large snapshot is CPU work that must not stall the async
    /// workers), one at a time and at most two ahead of the socket; no thread is held while
    /// the client reads. When the client goes away the producer stops at its next chunk and the
    /// snapshots are released. A failed or panicked chunk ends the body with an error, so a
    /// client never mistakes a cut export for a complete one.
    pub fn into_stream(self) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        tokio::spawn(async move {
            let mut batches = Some(self);
            while let Some(mut current) = batches.take() {
                let produced = tokio::task::spawn_blocking(move || {
                    let chunk = current.next();
                    (current, chunk)
                })
                .await;
                let chunk = match produced {
                    Ok((rest, chunk)) => {
                        batches = Some(rest);
                        chunk
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "export producer panicked; ending the body with an error");
                        Some(Err(Error::internal("the export failed unexpectedly")))
                    }
                };
                let Some(chunk) = chunk else { break };
                let failed = chunk.is_err();
                if let Err(e) = &chunk {
                    tracing::warn!(error = %e, "export ended early");
                }
                if tx.send(chunk.map_err(std::io::Error::other)).await.is_err() || failed {
                    break;
                }
            }
        });
        futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        })
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
