//! The stored form of a snapshot (the layout is in the module docs of [`super`]) and of a list
//! of shares: their public form plus what it leaves out (password, secret URL, an unservable
//! vendor URL), so that shares round-trip exactly. Used by the store's files and by the
//! cluster's Redis values (`crate::cluster`).

use super::{Restored, StoreError, StoreKey};
use crate::snapshot::Snapshot;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::sync::Arc;
use unishare_core::{Secret, Share, VendorInterner};

pub(crate) const MAGIC: &[u8; 18] = b"UNISHARE-SNAPSHOT\n";
/// Bumped whenever the layout or the stored share form changes; other versions are ignored.
pub const FORMAT_VERSION: u32 = 1;
/// zstd level: 3 compresses share JSON ~8x at several hundred MB/s.
const ZSTD_LEVEL: i32 = 3;

/// The header of a stored snapshot.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) account: String,
    pub(crate) source: String,
    pub(crate) synced_at: DateTime<Utc>,
    pub(crate) skipped: usize,
    pub(crate) shares: usize,
    pub(crate) written_by: String,
}

/// One stored share: its public form, then what that form leaves out (the password, the
/// secret URL, and the vendor URL itself when it is not servable, which the public form sends
/// as `null`).
#[derive(Serialize)]
struct StoredOut<'a>(
    unishare_core::ShareView<'a>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

#[derive(Deserialize)]
struct StoredIn(Share, Option<String>, Option<String>, Option<String>);

/// A snapshot's stored bytes, under `key`.
pub(crate) fn encode_snapshot(key: &StoreKey, snapshot: &Snapshot) -> Result<Vec<u8>, StoreError> {
    let header = Header {
        account: key.account.clone(),
        source: key.source.clone(),
        synced_at: snapshot.synced_at,
        skipped: snapshot.skipped,
        shares: snapshot.shares.len(),
        written_by: concat!("unishare ", env!("CARGO_PKG_VERSION")).to_owned(),
    };
    encode(&header, &snapshot.shares)
}

/// Shares in their stored form: one JSON array, secrets included (callers keep it private).
pub fn encode_shares(shares: &[Arc<Share>]) -> Result<Vec<u8>, StoreError> {
    let mut json = Vec::with_capacity(shares.len() * 400 + 2);
    json.push(b'[');
    for (i, s) in shares.iter().enumerate() {
        if i > 0 {
            json.push(b',');
        }
        let raw_url = (!unishare_core::model::is_servable_url(&s.url)).then_some(s.url.as_str());
        let out = StoredOut(
            s.view(false),
            s.password.as_ref().map(Secret::expose),
            s.secret_url.as_ref().map(Secret::expose),
            raw_url,
        );
        serde_json::to_writer(&mut json, &out).map_err(|e| StoreError::Decode(e.to_string()))?;
    }
    json.push(b']');
    Ok(json)
}

/// Shares back from [`encode_shares`]' form, their vendor field sets interned.
pub fn decode_shares(json: &[u8]) -> Result<Vec<Arc<Share>>, StoreError> {
    let stored: Vec<StoredIn> =
        serde_json::from_slice(json).map_err(|e| StoreError::Decode(e.to_string()))?;
    let mut interner = VendorInterner::default();
    Ok(stored
        .into_iter()
        .map(|StoredIn(mut share, password, secret_url, raw_url)| {
            share.password = password.map(Secret::new);
            share.secret_url = secret_url.map(Secret::new);
            if let Some(url) = raw_url {
                share.url = url.into();
            }
            share.vendor = interner.intern(std::mem::take(&mut share.vendor));
            Arc::new(share)
        })
        .collect())
}

pub(crate) fn encode(header: &Header, shares: &[Arc<Share>]) -> Result<Vec<u8>, StoreError> {
    let header = serde_json::to_vec(header).map_err(|e| StoreError::Decode(e.to_string()))?;
    let json = encode_shares(shares)?;
    let payload = zstd::bulk::compress(&json, ZSTD_LEVEL)?;
    let mut out = Vec::with_capacity(payload.len() + header.len() + 40);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&header);
    crc.update(&payload);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    Ok(out)
}

/// Reads little-endian fields off a byte slice, failing as `Damaged` when it is cut short.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        if self.0.len() < n {
            return Err(StoreError::Damaged("cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, StoreError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, StoreError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

pub(crate) fn decode(bytes: &[u8], key: &StoreKey) -> Result<Restored, StoreError> {
    let mut c = Cursor(bytes);
    if c.take(MAGIC.len())? != MAGIC {
        return Err(StoreError::Damaged("not a unishare snapshot"));
    }
    let version = c.u32()?;
    if version != FORMAT_VERSION {
        return Err(StoreError::Version(version));
    }
    let header_len = c.u32()? as usize;
    let header_bytes = c.take(header_len)?;
    let payload_len = usize::try_from(c.u64()?).map_err(|_| StoreError::Damaged("length"))?;
    let payload = c.take(payload_len)?;
    let stored_crc = c.u32()?;
    if !c.0.is_empty() {
        return Err(StoreError::Damaged("trailing bytes"));
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(header_bytes);
    crc.update(payload);
    if crc.finalize() != stored_crc {
        return Err(StoreError::Damaged("checksum mismatch"));
    }
    let header: Header =
        serde_json::from_slice(header_bytes).map_err(|e| StoreError::Decode(e.to_string()))?;
    if header.account != key.account || header.source != key.source {
        return Err(StoreError::Foreign(format!(
            "account {:?} ({})",
            header.account, header.source
        )));
    }
    let mut json = Vec::with_capacity(header.shares.saturating_mul(400).min(1 << 30));
    zstd::stream::read::Decoder::new(payload)?.read_to_end(&mut json)?;
    let shares = decode_shares(&json)?;
    if shares.len() != header.shares {
        return Err(StoreError::Damaged("share count differs from the header"));
    }
    if let Some(s) = shares.iter().find(|s| s.account != key.account) {
        return Err(StoreError::Foreign(format!(
            "a share of account {:?}",
            s.account
        )));
    }
    Ok(Restored {
        shares,
        synced_at: header.synced_at,
        skipped: header.skipped,
    })
}
