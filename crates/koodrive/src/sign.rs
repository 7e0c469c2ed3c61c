//! App authentication: the HMAC-SHA256 request signature of vendor doc §6.2, as a pure
//! function of the request parts (no clock, no I/O), so it can be checked against hand-built
//! vectors.
//!
//! ```text
//! CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n
//!                    CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
//! StringToSign     = "HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//! Signature        = hex(hmac_sha256(AppSecret, StringToSign))
//! Authorization    = HMAC-SHA256 AppId=<id>,SignedHeaders=host;x-date;x-user-id,Signature=<hex>
//! ```

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// The signing algorithm name, first token of `Authorization` and line 1 of StringToSign.
pub const ALGORITHM: &str = "HMAC-SHA256";

/// The headers signed, in order.
pub const SIGNED_HEADERS: &str = "host;x-date;x-user-id";

/// `X-Date` format: `yyyyMMdd'T'HHmmss'Z'` in UTC.
pub const X_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// RFC 3986: everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded (uppercase hex).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes per RFC 3986 (unreserved kept, the rest `%XY`, space `%20`).
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// The parts of a request that are signed.
#[derive(Clone, Copy, Debug)]
pub struct SignInput<'a> {
    /// HTTP method (any case; upper-cased).
    pub method: &'a str,
    /// The URL path as sent (percent-encoded or not: each segment is decoded then re-encoded).
    pub path: &'a str,
    /// The query parameters, decoded, in any order.
    pub query: &'a [(String, String)],
    /// `host` or `host:port` (port only when not the scheme's default).
    pub host: &'a str,
    /// The `X-Date` value.
    pub x_date: &'a str,
    /// The `X-User-Id` value.
    pub user_id: &'a str,
    /// The exact body bytes (empty for GET).
    pub body: &'a [u8],
}

/// A signature with its intermediate strings (for tests and debugging; no secret inside).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Lowercase hex HMAC-SHA256.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// CanonicalURI: each segment RFC 3986-encoded, ending with `/`.
pub fn canonical_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let decoded = percent_decode_str(seg).decode_utf8_lossy();
        out.push_str(&encode(&decoded));
    }
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// CanonicalQueryString: `name=value` pairs, both RFC 3986-encoded, sorted by name (character
/// code) then value, joined with `&`; an empty value keeps its `=`; no query gives `""`.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs a request with the app secret (the HMAC key).
pub fn sign(app_id: &str, app_secret: &str, input: &SignInput<'_>) -> Signed {
    let canonical_request = format!(
        "{}\n{}\n{}\nhost:{}\nx-date:{}\nx-user-id:{}\n\n{}\n{}",
        input.method.to_ascii_uppercase(),
        canonical_uri(input.path),
        canonical_query(input.query),
        input.host.trim(),
        input.x_date.trim(),
        input.user_id.trim(),
        SIGNED_HEADERS,
        hex::encode(Sha256::digest(input.body)),
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let signature = hmac_hex(app_secret.as_bytes(), string_to_sign.as_bytes());
    let authorization =
        format!("{ALGORITHM} AppId={app_id},SignedHeaders={SIGNED_HEADERS},Signature={signature}");
    Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    // HMAC accepts keys of any length; the error branch cannot happen.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(msg);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn independent_hmac(key: &str, msg: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(msg.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A vector built by hand from the doc's four steps.
    #[test]
    fn known_vector_list_request() {
        let query = q(&[
            ("sortType", "4"),
            ("pageSize", "100"),
            ("sortDirection", "2"),
            ("pageCursor", "0"),
        ]);
        let signed = sign(
            "demo-app",
            "demo-app-secret",
            &SignInput {
                method: "get",
                path: "/koodrive/ose/v1/share",
                query: &query,
                host: "cn.myhuaweicloud-koodrive.com",
                x_date: "20240909T033325Z",
                user_id: "1505084218764547200",
                body: b"",
            },
        );
        // Step 1: sorted query (pageCursor < pageSize < sortDirection < sortType), '/' appended
        // to the path, three signed headers, hash of the empty body.
        let expected_canonical = "GET\n\
/koodrive/ose/v1/share/\n\
pageCursor=0&pageSize=100&sortDirection=2&sortType=4\n\
host:cn.myhuaweicloud-koodrive.com\n\
x-date:20240909T033325Z\n\
x-user-id:1505084218764547200\n\
\n\
host;x-date;x-user-id\n\
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(signed.canonical_request, expected_canonical);
        // Step 2: the hash below is sha256 of the canonical request above (computed outside).
        let expected_sts = "HMAC-SHA256\n\
40929ae683be3d29bfe912b2307a2e34107832916bea952ffd230ffd8e9fe830";
        assert_eq!(signed.string_to_sign, expected_sts);
        // Step 3: HMAC computed independently here.
        assert_eq!(
            signed.signature,
            independent_hmac("demo-app-secret", expected_sts)
        );
        assert_eq!(
            signed.signature,
            "303160832615f9bd679bcb6387834597bb4d43ba9c372e4ca457b9cc0eb59972"
        );
        // Step 4.
        assert_eq!(
            signed.authorization,
            format!(
                "HMAC-SHA256 AppId=demo-app,SignedHeaders=host;x-date;x-user-id,Signature={}",
                signed.signature
            )
        );
    }

    #[test]
    fn body_is_hashed_and_port_kept_in_host() {
        let body = br#"{"shareIds":["1689759841444195840"]}"#;
        let signed = sign(
            "a",
            "s",
            &SignInput {
                method: "POST",
                path: "/koodrive/ose/v1/share/cancel",
                query: &[],
                host: "127.0.0.1:8443",
                x_date: "20250101T000000Z",
                user_id: "u",
                body,
            },
        );
        let lines: Vec<&str> = signed.canonical_request.split('\n').collect();
        assert_eq!(lines[0], "POST");
        assert_eq!(lines[1], "/koodrive/ose/v1/share/cancel/");
        assert_eq!(lines[2], "", "no query is an empty line");
        assert_eq!(lines[3], "host:127.0.0.1:8443");
        assert_eq!(lines[8], hex::encode(Sha256::digest(body)));
        assert_eq!(lines.len(), 9);
    }

    #[test]
    fn query_encoding_edge_cases() {
        // Spaces, unicode, reserved characters, empty values, repeated names.
        let query = q(&[
            ("displayName", "季度 report+x&y=z/é~"),
            ("b", ""),
            ("a", "2"),
            ("a", "1"),
            ("Z", "upper first"),
        ]);
        assert_eq!(
            canonical_query(&query),
            "Z=upper%20first&a=1&a=2&b=&displayName=%E5%AD%A3%E5%BA%A6%20report%2Bx%26y%3Dz%2F%C3%A9~"
        );
        assert_eq!(canonical_query(&[]), "");
        assert_eq!(encode("A-Za-z0-9-_.~"), "A-Za-z0-9-_.~");
        assert_eq!(encode("*'()!"), "%2A%27%28%29%21");
    }

    #[test]
    fn canonical_uri_encodes_segments_and_appends_slash() {
        assert_eq!(
            canonical_uri("/koodrive/ose/v1/share"),
            "/koodrive/ose/v1/share/"
        );
        assert_eq!(canonical_uri("/a/b/"), "/a/b/");
        assert_eq!(canonical_uri("/a b/ü"), "/a%20b/%C3%BC/");
        // Already-encoded input is not double-encoded.
        assert_eq!(canonical_uri("/a%20b/%C3%BC"), "/a%20b/%C3%BC/");
        assert_eq!(canonical_uri(""), "/");
    }

    #[test]
    fn different_secret_or_date_changes_the_signature() {
        let input = SignInput {
            method: "GET",
            path: "/x",
            query: &[],
            host: "h",
            x_date: "20250101T000000Z",
            user_id: "u",
            body: b"",
        };
        let a = sign("id", "s1", &input);
        let b = sign("id", "s2", &input);
        assert_eq!(a.canonical_request, b.canonical_request);
        assert_ne!(a.signature, b.signature);
        let c = sign(
            "id",
            "s1",
            &SignInput {
                x_date: "20250101T000001Z",
                ..input
            },
        );
        assert_ne!(a.signature, c.signature);
        assert!(!a.authorization.contains("s1"));
    }
}
