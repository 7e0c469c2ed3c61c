//! Sign-in and token lifecycle (`vendors/cloudreve-v4.md` §2).
//!
//! - `password`: `POST /session/token`, then `POST /session/token/refresh` before the access
//!   token expires; when the refresh token is rejected (`40020`), sign in again.
//! - `token`: start from the configured refresh token; when it is rejected, fail with
//!   `upstream_auth`.
//!
//! Both tokens are replaced by every refresh. The pair lives in a shared
//! [`TokenCache`](unishare_core::client::TokenCache): one sign-in or refresh runs at a time
//! per account, callers arriving meanwhile wait for it and use its tokens, and a request the
//! server answers with code `401` renews the pair once and is sent again.

use crate::client::{from_data, Call, Http};
use crate::config::CloudreveAuth;
use crate::dto::{LoginData, LoginRequest, RefreshRequest, TokenDto};
use crate::error::{map_code, CallKind};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use std::time::{Duration, Instant};
use unishare_core::client::{Authorized, Fresh, Token, TokenCache};
use unishare_core::{Error, ErrorKind, Secret};

/// Longest safety margin before the access token's expiry.
const MAX_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long to trust a token whose expiry could not be used (missing, or already past by our
/// clock because of clock skew); a `401` still triggers a refresh.
const FALLBACK_LIFETIME: Duration = Duration::from_secs(30);

/// A token pair.
#[derive(Clone)]
pub(crate) struct Tokens {
    access: Secret,
    refresh: Secret,
    refresh_expires: Option<DateTime<Utc>>,
}

/// The token keeper of one account.
pub(crate) struct Auth {
    method: CloudreveAuth,
    tokens: TokenCache<Tokens>,
}

impl Auth {
    pub(crate) fn new(method: CloudreveAuth) -> Self {
        Auth {
            method,
            tokens: TokenCache::new(),
        }
    }

    /// A usable token pair (after a refresh or sign-in when needed), with its generation.
    pub(crate) async fn access(&self, http: &Http) -> Result<Token<Tokens>, Error> {
        self.tokens.get(|previous| self.renew(previous, http)).await
    }

    /// Called after an answer showed that the pair of generation `stale` no longer works:
    /// renews it unless another caller already did.
    pub(crate) async fn after_unauthorized(
        &self,
        http: &Http,
        stale: u64,
    ) -> Result<Token<Tokens>, Error> {
        self.tokens
            .renew(stale, |previous| self.renew(previous, http))
            .await
    }

    /// One authenticated exchange: `send` with a usable access token (the current one, or a
    /// fresh one after a refresh or sign-in); when it reports the token rejected, the pair is
    /// renewed once (unless another caller already did) and `send` runs again.
    pub(crate) async fn call<X, S, F>(&self, http: &Http, mut send: S) -> Result<X, Error>
    where
        S: FnMut(Secret) -> F,
        F: Future<Output = Result<Authorized<X>, Error>>,
    {
        self.tokens
            .call(
                |previous| self.renew(previous, http),
                move |tokens: Tokens| send(tokens.access),
            )
            .await
    }

    /// A new pair: refreshed from `previous` (or the configured refresh token), or a new
    /// sign-in.
    async fn renew(&self, previous: Option<Tokens>, http: &Http) -> Result<Fresh<Tokens>, Error> {
        let tokens = match &self.method {
            CloudreveAuth::OAuth {
                refresh_token,
                persist_to,
                ..
            } => {
                let rt = previous
                    .map(|t| t.refresh)
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
                    if tokens.value.refresh.expose() != rt.expose() {
                        crate::persist::write_secret_file(path, tokens.value.refresh.expose())?;
                        tracing::info!(file = %path.display(), "stored the rotated Cloudreve refresh token");
                    }
                }
                tokens
            }
            CloudreveAuth::Token { refresh_token } => {
                let rt = previous
                    .map(|t| t.refresh)
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
                let usable_refresh = previous.filter(|t| {
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
        Ok(tokens)
    }
}

async fn login(http: &Http, email: &str, password: &Secret) -> Result<Fresh<Tokens>, Error> {
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

async fn refresh(http: &Http, refresh_token: &Secret) -> Result<Fresh<Tokens>, Error> {
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

fn tokens_from(dto: TokenDto) -> Result<Fresh<Tokens>, Error> {
    let (Some(access), Some(refresh)) = (
        dto.access_token.filter(|s| !s.is_empty()),
        dto.refresh_token.filter(|s| !s.is_empty()),
    ) else {
        return Err(Error::upstream_protocol(
            "Cloudreve token answer lacks access_token or refresh_token",
        ));
    };
    Ok(Fresh {
        value: Tokens {
            access: Secret::new(access),
            refresh: Secret::new(refresh),
            refresh_expires: dto.refresh_expires,
        },
        use_until: Some(Instant::now() + usable_for(dto.access_expires, Utc::now())),
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
