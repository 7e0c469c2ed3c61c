//! Sign-in and token lifecycle (`vendors/cloudreve-v4.md` §2).
//!
//! - `password`: `POST /session/token`, then `POST /session/token/refresh` before the access
//!   token expires; when the refresh token is rejected (`40020`), sign in again.
//! - `token`: start from the configured refresh token; when it is rejected, fail with
//!   `upstream_auth`.
//!
//! Both tokens are replaced by every refresh. One `tokio::sync::Mutex` guards the state, so only
//! one sign-in or refresh runs at a time per account; waiters re-check after acquiring it.

use crate::client::{from_data, Call, Http};
use crate::config::CloudreveAuth;
use crate::dto::{LoginData, LoginRequest, RefreshRequest, TokenDto};
use crate::error::{map_code, CallKind};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use unishare_core::{Error, ErrorKind, Secret};

/// Longest safety margin before the access token's expiry.
const MAX_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long to trust a token whose expiry could not be used (missing, or already past by our
/// clock because of clock skew); a `401` still triggers a refresh.
const FALLBACK_LIFETIME: Duration = Duration::from_secs(30);

/// An access token and the generation it belongs to.
#[derive(Clone)]
pub(crate) struct AccessToken {
    pub token: Secret,
    pub generation: u64,
}

struct Tokens {
    access: Secret,
    refresh: Secret,
    /// Use the access token until then (its expiry minus a margin).
    use_until: Instant,
    refresh_expires: Option<DateTime<Utc>>,
}

#[derive(Default)]
struct State {
    tokens: Option<Tokens>,
    /// Bumped on every new token pair.
    generation: u64,
}

/// The token keeper of one account.
pub(crate) struct Auth {
    method: CloudreveAuth,
    state: Mutex<State>,
}

impl Auth {
    pub(crate) fn new(method: CloudreveAuth) -> Self {
        Auth {
            method,
            state: Mutex::new(State::default()),
        }
    }

    /// A usable access token: the current one, or a fresh one after a refresh or sign-in.
    pub(crate) async fn access(&self, http: &Http) -> Result<AccessToken, Error> {
        let mut st = self.state.lock().await;
        if let Some(t) = &st.tokens {
            if Instant::now() < t.use_until {
                return Ok(AccessToken {
                    token: t.access.clone(),
                    generation: st.generation,
                });
            }
        }
        self.renew(&mut st, http).await
    }

    /// Called after the server answered `401` to a request made with generation `stale`: renews
    /// the tokens unless another caller already did.
    pub(crate) async fn after_unauthorized(
        &self,
        http: &Http,
        stale: u64,
    ) -> Result<AccessToken, Error> {
        let mut st = self.state.lock().await;
        if st.generation != stale {
            if let Some(t) = &st.tokens {
                return Ok(AccessToken {
                    token: t.access.clone(),
                    generation: st.generation,
                });
            }
        }
        // Our access token is dead whatever its expiry says.
        if let Some(t) = &mut st.tokens {
            t.use_until = Instant::now();
        }
        self.renew(&mut st, http).await
    }

    async fn renew(&self, st: &mut State, http: &Http) -> Result<AccessToken, Error> {
        let tokens = match &self.method {
            CloudreveAuth::OAuth {
                refresh_token,
                persist_to,
                ..
            } => {
                let rt = st
                    .tokens
                    .as_ref()
                    .map(|t| t.refresh.clone())
                    .unwrap_or_else(|| refresh_token.clone());
                let tokens = refresh(http, &rt).await.map_err(|e| {
                    if e.kind() == ErrorKind::UpstreamAuth {
                        Error::upstream_auth(format!(
                            "{}; the OAuth grant is gone or its refresh token expired: run `unishare login cloudreve` again",
                            e.message()
                        ))
                        .with_vendor_code(e.vendor_code().unwrap_or_default().to_owned())
                    } else {
                        e
                    }
                })?;
                if let Some(path) = persist_to {
                    if tokens.refresh.expose() != rt.expose() {
                        crate::persist::write_secret_file(path, tokens.refresh.expose())?;
                        tracing::info!(file = %path.display(), "stored the rotated Cloudreve refresh token");
                    }
                }
                tokens
            }
            CloudreveAuth::Token { refresh_token } => {
                let rt = st
                    .tokens
                    .as_ref()
                    .map(|t| t.refresh.clone())
                    .unwrap_or_else(|| refresh_token.clone());
                refresh(http, &rt).await.map_err(|e| {
                    if e.kind() == ErrorKind::UpstreamAuth {
                        Error::upstream_auth(format!(
                            "{}; configure a new auth.refresh_token for this account",
                            e.message()
                        ))
                        .with_vendor_code(e.vendor_code().unwrap_or_default().to_owned())
                    } else {
                        e
                    }
                })?
            }
            CloudreveAuth::Password { email, password } => {
                let usable_refresh = st.tokens.as_ref().filter(|t| {
                    t.refresh_expires
                        .is_none_or(|at| at - chrono::Duration::seconds(5) > Utc::now())
                });
                match usable_refresh {
                    Some(t) => match refresh(http, &t.refresh).await {
                        Ok(tokens) => tokens,
                        Err(e) if e.kind() == ErrorKind::UpstreamAuth => {
                            tracing::info!("Cloudreve refresh token rejected; signing in again");
                            login(http, email, password).await?
                        }
                        Err(e) => return Err(e),
                    },
                    None => login(http, email, password).await?,
                }
            }
        };
        st.generation += 1;
        let access = tokens.access.clone();
        st.tokens = Some(tokens);
        Ok(AccessToken {
            token: access,
            generation: st.generation,
        })
    }
}

async fn login(http: &Http, email: &str, password: &Secret) -> Result<Tokens, Error> {
    let body = LoginRequest {
        email,
        password: password.expose(),
    };
    let data: LoginData = session_call(
        http,
        &["session", "token"],
        &body,
        CallKind::Login,
        "sign-in",
    )
    .await?;
    tracing::debug!("signed in to Cloudreve");
    tokens_from(data.token)
}

async fn refresh(http: &Http, refresh_token: &Secret) -> Result<Tokens, Error> {
    let body = RefreshRequest {
        refresh_token: refresh_token.expose(),
    };
    let data: TokenDto = session_call(
        http,
        &["session", "token", "refresh"],
        &body,
        CallKind::Refresh,
        "token refresh",
    )
    .await?;
    tracing::debug!("refreshed the Cloudreve token pair");
    tokens_from(data)
}

/// An unauthenticated `POST` under `/session`: its envelope code mapped as `kind`, its `data`
/// decoded into `T` (`what` names the answer in an error).
async fn session_call<B: Serialize, T: DeserializeOwned>(
    http: &Http,
    path: &[&str],
    body: &B,
    kind: CallKind,
    what: &str,
) -> Result<T, Error> {
    let answer = http
        .send(Call {
            method: Method::POST,
            path,
            query: &[],
            body: Some(body),
            bearer: None,
            correlation_id: None,
        })
        .await?;
    if answer.code != 0 {
        return Err(map_code(answer.code, &answer.msg, kind));
    }
    from_data(answer.data.as_deref())
        .map_err(|e| Error::upstream_protocol(format!("unreadable {what} answer: {e}")))
}

fn tokens_from(dto: TokenDto) -> Result<Tokens, Error> {
    let (Some(access), Some(refresh)) = (
        dto.access_token.filter(|s| !s.is_empty()),
        dto.refresh_token.filter(|s| !s.is_empty()),
    ) else {
        return Err(Error::upstream_protocol(
            "Cloudreve token answer lacks access_token or refresh_token",
        ));
    };
    Ok(Tokens {
        access: Secret::new(access),
        refresh: Secret::new(refresh),
        use_until: Instant::now() + usable_for(dto.access_expires, Utc::now()),
        refresh_expires: dto.refresh_expires,
    })
}

/// How long to use an access token expiring at `expires`: its lifetime minus
/// `min(5 min, lifetime / 3)`, so that even a 1-second token is refreshed before it dies.
pub(crate) fn usable_for(expires: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    let Some(lifetime) = expires.and_then(|at| (at - now).to_std().ok()) else {
        return FALLBACK_LIFETIME;
    };
    if lifetime.is_zero() {
        return FALLBACK_LIFETIME;
    }
    let margin = MAX_MARGIN.min(lifetime / 3);
    lifetime - margin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_scales_with_lifetime() {
        let now = Utc::now();
        let hour = usable_for(Some(now + chrono::Duration::hours(1)), now);
        assert_eq!(hour, Duration::from_secs(55 * 60));
        let one = usable_for(Some(now + chrono::Duration::seconds(1)), now);
        assert!(
            one > Duration::from_millis(600) && one < Duration::from_millis(700),
            "{one:?}"
        );
        assert_eq!(usable_for(None, now), FALLBACK_LIFETIME);
        assert_eq!(
            usable_for(Some(now - chrono::Duration::seconds(5)), now),
            FALLBACK_LIFETIME
        );
    }
}
