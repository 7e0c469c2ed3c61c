//! The OAuth app token exchange of Cloudreve 4.12+ (`routers/router.go` l.332,
//! `routers/controllers/oauth.go` `ExchangeToken`, `service/oauth/oauth.go`
//! `ExchangeTokenService.Exchange`): form-encoded, answered in **raw JSON** (no envelope),
//! errors as HTTP 400 `{error, error_description, error_codes, correlation_id}`.

use super::SimState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The registered app and the codes its consent produced.
pub(crate) struct OAuthState {
    client: Option<(String, String)>,
    codes: HashMap<String, Code>,
}

struct Code {
    scopes: Vec<String>,
    challenge: Option<String>,
    expires: Instant,
}

impl OAuthState {
    pub(crate) fn new(client: Option<(String, String)>) -> Self {
        OAuthState {
            client,
            codes: HashMap::new(),
        }
    }

    pub(crate) fn add_code(&mut self, code: &str, scopes: &[&str], challenge: Option<&str>) {
        self.codes.insert(
            code.to_owned(),
            Code {
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                challenge: challenge.map(str::to_owned),
                expires: Instant::now() + Duration::from_secs(600),
            },
        );
    }
}

#[derive(Deserialize)]
struct ExchangeForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    code_verifier: String,
}

fn refuse(code: i64, msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({
            "error": msg,
            "error_description": "",
            "error_codes": [code],
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        })),
    )
        .into_response()
}

/// `POST /api/v4/session/oauth/token`.
pub(crate) async fn exchange(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    st.counters.hit("oauth_token");
    if let Some(resp) = st.faults.before("oauth_token").await {
        return resp;
    }
    let Ok(form) = serde_urlencoded::from_bytes::<ExchangeForm>(&body) else {
        return super::render::param_err("Invalid parameters.");
    };
    // `binding:"required"` on the four, `eq=authorization_code` on grant_type.
    if form.client_id.is_empty()
        || form.client_secret.is_empty()
        || form.code.is_empty()
        || form.grant_type != "authorization_code"
    {
        return super::render::param_err("Invalid parameters.");
    }
    let scopes = {
        let mut o = st.oauth.lock().unwrap_or_else(|p| p.into_inner());
        // The code is deleted at once, whatever follows (replay protection).
        let Some(code) = o
            .codes
            .remove(&form.code)
            .filter(|c| c.expires > Instant::now())
        else {
            return refuse(40020, "Invalid or expired authorization code");
        };
        if let Some(challenge) = &code.challenge {
            let hash = Sha256::digest(form.code_verifier.as_bytes());
            let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash);
            if &expected != challenge {
                return refuse(40020, "Invalid code verifier");
            }
        }
        match &o.client {
            Some((id, _)) if *id != form.client_id => return refuse(40020, "Client ID mismatch"),
            Some((_, secret)) if *secret != form.client_secret => {
                return refuse(40020, "Invalid client secret")
            }
            Some(_) => code.scopes,
            None => return refuse(404, "App not found"),
        }
    };
    let token = st.issue_tokens_scoped(Some(scopes.clone()));
    let settings = st.settings();
    let mut resp = json!({
        "access_token": token["access_token"],
        "token_type": "Bearer",
        "expires_in": settings.access_ttl.as_secs(),
        "refresh_token_expires_in": settings.refresh_ttl.as_secs(),
        "scope": scopes.join(" "),
    });
    // Only a grant with offline_access gets a refresh token.
    if scopes.iter().any(|s| s == "offline_access") {
        resp["refresh_token"] = token["refresh_token"].clone();
    }
    axum::Json(resp).into_response()
}
