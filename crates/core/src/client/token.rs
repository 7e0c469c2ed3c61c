//! [`TokenCache`]: a cached credential with single-flight renewal.
//!
//! One renewal runs at a time per cache: a caller that finds the credential missing, expired
//! or rejected takes the renewal lock; callers arriving meanwhile wait on it and then use the
//! credential it installed instead of renewing again. Each installed credential gets a new
//! *generation*, so that a caller whose request was rejected can tell "my credential is dead"
//! from "someone already replaced it since I read it" ([`TokenCache::renew`]).

use crate::error::Result;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::Instant;

/// A credential and the generation it belongs to.
#[derive(Clone, Debug)]
pub struct Token<T> {
    /// The credential.
    pub value: T,
    /// Bumped every time a renewal installs a credential (the first configured one is 0).
    pub generation: u64,
}

/// What a renewal returns: the new credential and until when to use it without asking again
/// (`None`: until it is rejected or renewed).
#[derive(Clone, Debug)]
pub struct Fresh<T> {
    /// The new credential.
    pub value: T,
    /// Use it until then; renew on the first call after.
    pub use_until: Option<Instant>,
}

/// What one send made of its answer, for [`TokenCache::call`].
#[derive(Debug)]
pub enum Authorized<X> {
    /// The vendor accepted the credential (whatever else the answer says).
    Done(X),
    /// The vendor rejected the credential: renew once and send again. The error is what the
    /// call fails with if the credential is rejected again after the renewal.
    Rejected(crate::Error),
}

struct Entry<T> {
    value: T,
    generation: u64,
    use_until: Option<Instant>,
}

/// A cached credential (an access token, a token pair, a session) with single-flight
/// renewal. `T` is cloned out to each caller: keep it cheap (a [`Secret`](crate::Secret) or
/// a small struct of them).
pub struct TokenCache<T> {
    current: RwLock<Option<Entry<T>>>,
    /// Held for the whole of a renewal: the single flight.
    renewing: tokio::sync::Mutex<()>,
    /// Next generation to hand out.
    next_generation: AtomicU64,
    renewals: AtomicU64,
}

impl<T> std::fmt::Debug for TokenCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credential itself.
        f.debug_struct("TokenCache")
            .field("renewals", &self.renewals.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<T: Clone> Default for TokenCache<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> TokenCache<T> {
    /// An empty cache: the first [`get`](Self::get) renews.
    pub fn new() -> Self {
        TokenCache {
            current: RwLock::new(None),
            renewing: tokio::sync::Mutex::new(()),
            next_generation: AtomicU64::new(1),
            renewals: AtomicU64::new(0),
        }
    }

    /// A cache holding a configured credential (generation 0) to use until it is rejected.
    pub fn with_token(value: T) -> Self {
        let cache = Self::new();
        *cache.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Entry {
            value,
            generation: 0,
            use_until: None,
        });
        cache
    }

    /// The credential held now, used up or not.
    pub fn current(&self) -> Option<Token<T>> {
        let cur = self.current.read().unwrap_or_else(|p| p.into_inner());
        cur.as_ref().map(|e| Token {
            value: e.value.clone(),
            generation: e.generation,
        })
    }

    /// How many renewals have installed a credential.
    pub fn renewals(&self) -> u64 {
        self.renewals.load(Ordering::Relaxed)
    }

    /// The credential held now when it is still to be used.
    fn usable(&self) -> Option<Token<T>> {
        let cur = self.current.read().unwrap_or_else(|p| p.into_inner());
        cur.as_ref()
            .filter(|e| e.use_until.is_none_or(|t| Instant::now() < t))
            .map(|e| Token {
                value: e.value.clone(),
                generation: e.generation,
            })
    }

    /// A usable credential: the cached one, or one `renew` makes (given the credential held
    /// now, used up or not) when there is none or it is past its `use_until`. Only one
    /// renewal runs at a time; callers arriving meanwhile wait and use its result.
    pub async fn get<R, F>(&self, renew: R) -> Result<Token<T>>
    where
        R: FnOnce(Option<T>) -> F,
        F: Future<Output = Result<Fresh<T>>>,
    {
        if let Some(t) = self.usable() {
            return Ok(t);
        }
        let _flight = self.renewing.lock().await;
        if let Some(t) = self.usable() {
            return Ok(t);
        }
        self.install(renew).await
    }

    /// Renews after the credential of generation `stale` was rejected (or must be replaced),
    /// unless another caller already replaced it since: then that credential is returned and
    /// nothing is sent. Single-flight like [`get`](Self::get).
    pub async fn renew<R, F>(&self, stale: u64, renew: R) -> Result<Token<T>>
    where
        R: FnOnce(Option<T>) -> F,
        F: Future<Output = Result<Fresh<T>>>,
    {
        let _flight = self.renewing.lock().await;
        {
            let mut cur = self.current.write().unwrap_or_else(|p| p.into_inner());
            match cur.as_mut() {
                Some(e) if e.generation != stale => {
                    return Ok(Token {
                        value: e.value.clone(),
                        generation: e.generation,
                    })
                }
                // Dead whatever its expiry says: if this renewal fails, the next `get`
                // renews instead of sending it again.
                Some(e) => e.use_until = Some(Instant::now()),
                None => {}
            }
        }
        self.install(renew).await
    }

    /// Runs `renew` (the caller holds the renewal lock) and installs what it returns.
    async fn install<R, F>(&self, renew: R) -> Result<Token<T>>
    where
        R: FnOnce(Option<T>) -> F,
        F: Future<Output = Result<Fresh<T>>>,
    {
        let fresh = renew(self.current().map(|t| t.value)).await?;
        let generation = self.next_generation.fetch_add(1, Ordering::Relaxed);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Entry {
            value: fresh.value.clone(),
            generation,
            use_until: fresh.use_until,
        });
        self.renewals.fetch_add(1, Ordering::Relaxed);
        Ok(Token {
            value: fresh.value,
            generation,
        })
    }

    /// One authenticated exchange: a usable credential ([`get`](Self::get)), `send` with it;
    /// when `send` reports the credential [`Rejected`](Authorized::Rejected), one
    /// [`renew`](Self::renew) and one more `send`, whose rejection is the call's error.
    pub async fn call<X, R, F, S, SF>(&self, renew: R, mut send: S) -> Result<X>
    where
        R: Fn(Option<T>) -> F,
        F: Future<Output = Result<Fresh<T>>>,
        S: FnMut(T) -> SF,
        SF: Future<Output = Result<Authorized<X>>>,
    {
        let token = self.get(&renew).await?;
        match send(token.value).await? {
            Authorized::Done(x) => return Ok(x),
            Authorized::Rejected(e) => {
                tracing::debug!(error = %e, "credential rejected; renewing it once");
            }
        }
        let fresh = self.renew(token.generation, &renew).await?;
        match send(fresh.value).await? {
            Authorized::Done(x) => Ok(x),
            Authorized::Rejected(e) => Err(e),
        }
    }
}
