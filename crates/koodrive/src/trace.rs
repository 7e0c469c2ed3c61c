//! `X-Traceid`: KooDrive wants exactly 58 characters (vendor doc §1: "长度为58位").

use sha2::{Digest, Sha256};

/// Length of every trace id.
pub const TRACE_ID_LEN: usize = 58;

/// Longest part of the caller's request id kept verbatim at the start of the trace id.
const PREFIX_MAX: usize = 26;

/// The `X-Traceid` for a call.
///
/// With a request id: its ASCII letters and digits (at most 26) followed by the hex SHA-256 of
/// the whole request id, cut to 58 characters. Deterministic, so a vendor-side trace can be
/// matched to the gateway request, and distinct for request ids sharing a long prefix.
/// Without one (or one with no usable character): 58 random hex characters.
pub fn trace_id(request_id: Option<&str>) -> String {
    match request_id.filter(|r| !r.trim().is_empty()) {
        Some(rid) => {
            let mut out: String = rid
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(PREFIX_MAX)
                .collect();
            let digest = hex::encode(Sha256::digest(rid.as_bytes()));
            out.push_str(&digest);
            out.truncate(TRACE_ID_LEN);
            out
        }
        None => {
            let mut out = uuid::Uuid::new_v4().simple().to_string();
            out.push_str(&uuid::Uuid::new_v4().simple().to_string());
            out.truncate(TRACE_ID_LEN);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_58_characters() {
        for rid in [
            None,
            Some(""),
            Some("  "),
            Some("a"),
            Some("behavior-suite"),
            Some("0190f2c4-7d0e-7cc1-b3a0-3c2f0d8f5e11"),
            Some(&"x".repeat(200)),
            Some("请求-ünïcode-🙂"),
        ] {
            let t = trace_id(rid);
            assert_eq!(t.len(), TRACE_ID_LEN, "{rid:?} -> {t}");
            assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()), "{t}");
        }
    }

    #[test]
    fn deterministic_for_a_request_id_and_random_without() {
        assert_eq!(trace_id(Some("req-1")), trace_id(Some("req-1")));
        assert_ne!(trace_id(Some("req-1")), trace_id(Some("req-2")));
        assert!(trace_id(Some("req-1")).starts_with("req1"));
        let long_a = format!("{}a", "p".repeat(100));
        let long_b = format!("{}b", "p".repeat(100));
        assert_ne!(trace_id(Some(&long_a)), trace_id(Some(&long_b)));
        assert_ne!(trace_id(None), trace_id(None));
    }
}
