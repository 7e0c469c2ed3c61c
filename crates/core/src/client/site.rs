//! Checking a configured server root before any request is built from it.

use crate::error::{Error, Result};
use reqwest::Url;

/// Checks a configured server root (`base_url`): an `http` or `https` URL with a host and no
/// query or fragment (an API path appended after either would not be a path). Returns
/// it with surrounding white space and trailing slashes removed, ready for an API prefix to be
/// appended; `key` names the setting in the error (`"koodrive base_url"`).
pub fn site_root<'a>(key: &str, raw: &'a str) -> Result<&'a str> {
    let trimmed = raw.trim().trim_end_matches('/');
    let parsed = Url::parse(trimmed)
        .map_err(|e| Error::invalid_request(format!("{key} {trimmed:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::invalid_request(format!(
            "{key} {trimmed:?} must be an http(s) URL with a host"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::invalid_request(format!(
            "{key} {trimmed:?} must not carry a query or a fragment"
        )));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn roots_are_trimmed_and_checked() {
        assert_eq!(
            site_root("x base_url", " https://h.example/cloud/ ").ok(),
            Some("https://h.example/cloud")
        );
        assert_eq!(
            site_root("x base_url", "http://127.0.0.1:8080//").ok(),
            Some("http://127.0.0.1:8080")
        );
        for bad in [
            "",
            "h.example",
            "ftp://h.example",
            "file:///etc",
            "mailto:a@b",
        ] {
            let e = site_root("x base_url", bad).expect_err(bad);
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{bad}");
            assert!(e.message().starts_with("x base_url "), "{e}");
        }
    }
}
