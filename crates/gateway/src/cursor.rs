//! Keyset cursors: the last (sort key, id) of a page plus a digest of the query, signed with
//! HMAC-SHA256. A tampered cursor, or one reused with other filters, sort or order, is a 400.

use crate::sort::{KeyValue, SortKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use unishare_core::{Error, Share};

type HmacSha256 = Hmac<Sha256>;

/// Where a page ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorPos {
    /// Integer key value, when the key is a time or counter.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub int: Option<i64>,
    /// String key value, when the key is the name.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The gateway id of the last share.
    #[serde(rename = "i")]
    pub id: String,
}

impl CursorPos {
    /// The position after `share` in a list sorted by `key`.
    pub fn after(share: &Share, key: SortKey) -> CursorPos {
        let (int, text) = match key.value(share) {
            Some(KeyValue::Int(n)) => (Some(n), None),
            Some(KeyValue::Str(s)) => (None, Some(s.to_owned())),
            None => (None, None),
        };
        CursorPos {
            int,
            text,
            id: share.id.to_string(),
        }
    }

    /// The key value (`None` = the share's key was null).
    pub fn key_value(&self) -> Option<KeyValue<'_>> {
        match (&self.int, &self.text) {
            (Some(n), _) => Some(KeyValue::Int(*n)),
            (None, Some(t)) => Some(KeyValue::Str(t)),
            (None, None) => None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    v: u8,
    d: String,
    #[serde(flatten)]
    pos: CursorPos,
}

/// Signs and verifies cursors.
#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec([redacted])")
    }
}

const MAC_LEN: usize = 16;

impl CursorCodec {
    /// A codec with the given key.
    pub fn new(key: &[u8]) -> Self {
        CursorCodec { key: key.to_vec() }
    }

    /// A codec with a random key (cursors then die with the process).
    pub fn random() -> Self {
        CursorCodec::new(&rand::random::<[u8; 32]>())
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC accepts keys of any length")
    }

    /// Encodes `pos` for a query with `digest`.
    pub fn encode(&self, pos: &CursorPos, digest: &str) -> String {
        let payload = Payload {
            v: 1,
            d: digest.to_owned(),
            pos: pos.clone(),
        };
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let mut mac = self.mac();
        mac.update(&json);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(&tag[..MAC_LEN])
        )
    }

    /// Decodes a cursor, checking its signature and that it belongs to the query `digest`.
    pub fn decode(&self, cursor: &str, digest: &str) -> Result<CursorPos, Error> {
        let invalid = || Error::invalid_request("cursor is invalid or was tampered with");
        if cursor.len() > 4096 {
            return Err(invalid());
        }
        let (body, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        let mut mac = self.mac();
        mac.update(&json);
        mac.verify_truncated_left(&tag).map_err(|_| invalid())?;
        if tag.len() != MAC_LEN {
            return Err(invalid());
        }
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| invalid())?;
        if payload.v != 1 {
            return Err(invalid());
        }
        if payload.d != digest {
            return Err(Error::invalid_request(
                "cursor belongs to a different query: keep the filters, sort and order of the request that returned it",
            ));
        }
        Ok(payload.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unishare_core::ErrorKind;

    fn pos() -> CursorPos {
        CursorPos {
            int: Some(17),
            text: None,
            id: "hq:g2guA".into(),
        }
    }

    #[test]
    fn round_trip() {
        let c = CursorCodec::new(b"k");
        let s = c.encode(&pos(), "abc");
        assert_eq!(c.decode(&s, "abc").unwrap(), pos());
    }

    #[test]
    fn tampering_and_reuse_are_invalid_requests() {
        let c = CursorCodec::new(b"k");
        let s = c.encode(&pos(), "abc");
        let mut bytes = s.clone().into_bytes();
        bytes[3] ^= 1;
        let tampered = String::from_utf8_lossy(&bytes).to_string();
        assert_eq!(
            c.decode(&tampered, "abc").unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
        let e = c.decode(&s, "other").unwrap_err();
        assert!(e.message().contains("different query"));
        assert!(CursorCodec::new(b"other-key").decode(&s, "abc").is_err());
        for junk in ["", ".", "abc", "a.b", "!!!.???"] {
            assert_eq!(
                c.decode(junk, "abc").unwrap_err().kind(),
                ErrorKind::InvalidRequest
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn decoding_arbitrary_input_never_panics(s in ".{0,300}") {
            let c = CursorCodec::new(b"k");
            let _ = c.decode(&s, "abc");
        }

        #[test]
        fn any_position_round_trips(n in proptest::option::of(proptest::num::i64::ANY), t in proptest::option::of(".{0,40}"), id in "[a-z]{1,8}:[A-Za-z0-9]{1,20}") {
            let c = CursorCodec::new(b"k");
            let p = CursorPos { int: n, text: if n.is_some() { None } else { t }, id };
            proptest::prop_assert_eq!(c.decode(&c.encode(&p, "d"), "d").unwrap(), p);
        }
    }
}
