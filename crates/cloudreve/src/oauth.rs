//! Obtaining an OAuth app's offline grant once, for `auth = { method = "oauth", … }`
//! (`unishare login cloudreve`): the authorization-code flow of Cloudreve 4.12+, with PKCE.
//!
//! BE-4.18: the web client's consent page is `{site}/session/authorize?response_type=code&
//! client_id=…&redirect_uri=…&scope=…&state=…&code_challenge=…&code_challenge_method=S256`
//! (FE `src/component/Pages/Login/Authorize.tsx`; `service/oauth/oauth.go` `GrantService`);
//! the app then exchanges the code at `POST /api/v4/session/oauth/token` (form fields
//! `client_id`, `client_secret`, `grant_type=authorization_code`, `code`, `code_verifier`),
//! answered in raw JSON `TokenResponse` — `refresh_token` only when `offline_access` was granted —
//! or HTTP 400 `{error, error_description, error_codes, correlation_id}`
//! (`routers/controllers/oauth.go` `ExchangeToken`).

use base64::Engine as _;
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;
use unishare_core::{Error, Secret};
use url::Url;

/// The scopes the gateway needs: read and write shares, and a refresh token.
pub const USER_SCOPES: &str = "Shares.Write offline_access";
/// The scopes of a site-wide account (`inventory = "site"`): also the admin listing.
pub const SITE_SCOPES: &str = "Shares.Write Admin.Read offline_access";

/// A PKCE pair and a state value for one authorization.
#[derive(Clone)]
pub struct Authorization {
    /// The consent page to open.
    pub url: Url,
    /// The `state` sent, to compare with the one in the redirect.
    pub state: String,
    /// PKCE's verifier (kept for the exchange; never printed).
    pub code_verifier: Secret,
}

/// Builds the consent page URL for `client_id`, asking `scopes` (space-separated), with a
/// fresh `state` and a PKCE S256 challenge.
pub fn authorize(
    base_url: &str,
    client_id: &str,
    redirect_uri: &str,
    scopes: &str,
) -> Result<Authorization, Error> {
    let api = crate::config::api_base(base_url)?;
    let mut url = api.join("/session/authorize").map_err(|e| {
        Error::invalid_request(format!(
            "cannot build the consent URL from {base_url:?}: {e}"
        ))
    })?;
    // The site may live under a path: keep it (api_base ends in /api/v4).
    let site_path = api.path().trim_end_matches("/api/v4").trim_end_matches('/');
    url.set_path(&format!("{site_path}/session/authorize"));
    let state = random(32);
    let verifier = random(64);
    let challenge = challenge_of(&verifier);
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", scopes)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(Authorization {
        url,
        state,
        code_verifier: Secret::new(verifier),
    })
}

/// PKCE S256: base64url(SHA-256(verifier)), no padding.
pub fn challenge_of(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn random(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// What the code exchange gave.
pub struct Grant {
    /// The grant's refresh token.
    pub refresh_token: Secret,
    /// The scopes granted, space-separated.
    pub scope: String,
    /// Seconds the refresh token lives.
    pub refresh_token_expires_in: Option<i64>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("refresh_token", &"[redacted]")
            .field("scope", &self.scope)
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    refresh_token_expires_in: Option<i64>,
}

#[derive(Deserialize)]
struct ExchangeError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_codes: Option<Vec<i64>>,
}

/// Takes the authorization code out of what a person pastes: the code itself, or the whole
/// redirect URL (`…?code=…&state=…`, whose `state` must be `expected_state`).
pub fn code_from_input(input: &str, expected_state: &str) -> Result<String, Error> {
    let input = input.trim();
    if let Ok(url) = Url::parse(input) {
        let mut code = None;
        let mut state = None;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                _ => {}
            }
        }
        if state.as_deref() != Some(expected_state) {
            return Err(Error::invalid_request(
                "the redirect's state does not match this login: start again",
            ));
        }
        return code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::invalid_request("the redirect URL has no code"));
    }
    if input.is_empty() || input.contains(char::is_whitespace) {
        return Err(Error::invalid_request(
            "paste the code, or the whole redirect URL",
        ));
    }
    Ok(input.to_owned())
}

/// Exchanges an authorization code for the grant (`POST /api/v4/session/oauth/token`).
pub async fn exchange_code(
    base_url: &str,
    client_id: &str,
    client_secret: &Secret,
    code: &str,
    code_verifier: &Secret,
) -> Result<Grant, Error> {
    let api = crate::config::api_base(base_url)?;
    let url = format!("{}/session/oauth/token", api.as_str().trim_end_matches('/'));
    let client = unishare_core::client::HttpClient::builder("Cloudreve")
        .request_timeout(Duration::from_secs(30))
        .build()?;
    let form = [
        ("client_id", client_id),
        ("client_secret", client_secret.expose()),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("code_verifier", code_verifier.expose()),
    ];
    // A redirect is an error, a transport failure `upstream_unavailable` (the shared client).
    let answer = client
        .send(client.request(reqwest::Method::POST, url).form(&form))
        .await?;
    let (status, body) = (answer.status, answer.body);
    if (200..300).contains(&status) {
        let t: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| Error::upstream_protocol(format!("unreadable OAuth token answer: {e}")))?;
        let scope = t.scope.unwrap_or_default();
        let refresh_token = t.refresh_token.filter(|r| !r.is_empty()).ok_or_else(|| {
            Error::upstream_auth(format!(
                "Cloudreve issued no refresh token: the grant ({scope:?}) lacks offline_access"
            ))
        })?;
        return Ok(Grant {
            refresh_token: Secret::new(refresh_token),
            scope,
            refresh_token_expires_in: t.refresh_token_expires_in,
        });
    }
    match serde_json::from_slice::<ExchangeError>(&body) {
        Ok(e) if e.error.is_some() => Err(Error::upstream_auth(format!(
            "Cloudreve refused the code exchange: {} (code {:?})",
            e.error.unwrap_or_default(),
            e.error_codes.unwrap_or_default()
        ))),
        _ => Err(crate::error::http_status_error(
            status,
            None,
            &String::from_utf8_lossy(&body),
        )),
    }
}

/// Writes a refresh token to `path`, owner-only (`0600`), replacing it atomically.
pub fn save_refresh_token(path: &std::path::Path, token: &Secret) -> Result<(), Error> {
    crate::persist::write_secret_file(path, token.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consent_url_carries_pkce_and_state() {
        let a = authorize(
            "https://drive.example.com/cloud/",
            "app-1",
            "http://127.0.0.1:9/cb",
            USER_SCOPES,
        )
        .expect("url");
        assert_eq!(a.url.path(), "/cloud/session/authorize");
        let q: std::collections::HashMap<String, String> =
            a.url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "app-1");
        assert_eq!(q["scope"], USER_SCOPES);
        assert_eq!(q["state"], a.state);
        assert_eq!(q["code_challenge"], challenge_of(a.code_verifier.expose()));
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!a.url.as_str().contains(a.code_verifier.expose()));
        // RFC 7636 appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_pasted_code_or_redirect_url_gives_the_code() {
        assert_eq!(
            code_from_input(" abc123 \n", "s").ok().as_deref(),
            Some("abc123")
        );
        let url = "http://127.0.0.1:9/cb?code=XYZ&state=s1";
        assert_eq!(code_from_input(url, "s1").ok().as_deref(), Some("XYZ"));
        assert!(code_from_input(url, "other").is_err());
        assert!(code_from_input("http://127.0.0.1:9/cb?state=s1", "s1").is_err());
        assert!(code_from_input("two words", "s").is_err());
    }
}
