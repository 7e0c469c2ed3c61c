//! Opaque access and refresh tokens that really expire.

use rand::Rng;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What a token string is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Access,
    Refresh,
}

struct Rec {
    kind: Kind,
    expires: Instant,
    epoch: u64,
    /// An OAuth app's scopes; `None` for a password session (no scope checks).
    scopes: Option<Vec<String>>,
}

/// Issued tokens.
#[derive(Default)]
pub(crate) struct Tokens {
    map: HashMap<String, Rec>,
    /// Bumped by a "password change": refresh tokens of older epochs die.
    epoch: u64,
}

/// How a token checks out.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// Valid, of this kind.
    Valid(Kind),
    /// Unknown, expired or revoked.
    Invalid,
}

/// A freshly issued pair.
pub(crate) struct Pair {
    pub access: String,
    pub refresh: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl Tokens {
    /// Issues a pair carrying `scopes` (an OAuth app's grant) or none.
    pub fn issue_with(
        &mut self,
        access_ttl: Duration,
        refresh_ttl: Duration,
        scopes: Option<Vec<String>>,
    ) -> Pair {
        let now = Instant::now();
        if self.map.len() > 10_000 {
            self.map.retain(|_, r| r.expires > now);
        }
        let access = format!("cr_acc_{}", random_string(40));
        let refresh = format!("cr_ref_{}", random_string(40));
        self.map.insert(
            access.clone(),
            Rec {
                kind: Kind::Access,
                expires: now + access_ttl,
                epoch: self.epoch,
                scopes: scopes.clone(),
            },
        );
        self.map.insert(
            refresh.clone(),
            Rec {
                kind: Kind::Refresh,
                expires: now + refresh_ttl,
                epoch: self.epoch,
                scopes,
            },
        );
        Pair {
            access,
            refresh,
            access_ttl,
            refresh_ttl,
        }
    }

    /// The scopes a token carries (`None`: a password session, or an unknown token).
    pub fn scopes(&self, token: &str) -> Option<Vec<String>> {
        self.map.get(token).and_then(|r| r.scopes.clone())
    }

    pub fn check(&self, token: &str) -> Check {
        match self.map.get(token) {
            Some(r)
                if r.expires > Instant::now()
                    && (r.kind == Kind::Access || r.epoch == self.epoch) =>
            {
                Check::Valid(r.kind)
            }
            _ => Check::Invalid,
        }
    }

    /// Invalidates every refresh token (as a password change does).
    pub fn revoke_refresh_tokens(&mut self) {
        self.epoch += 1;
    }

    /// Expires every access token now.
    pub fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for r in self.map.values_mut() {
            if r.kind == Kind::Access {
                r.expires = now;
            }
        }
    }
}

fn random_string(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A random token of `len` letters and digits.
pub(crate) fn random_token(len: usize) -> String {
    random_string(len)
}
