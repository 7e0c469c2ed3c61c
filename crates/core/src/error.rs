//! The one error type of unishare: a [`ErrorKind`], a retryable flag, context, and a source.
//!
//! Vendors map their codes into a kind in exactly one function each; the gateway turns a kind
//! into an HTTP status in exactly one place. `Display` is one readable line and never contains
//! a secret: messages are built by our own code from vendor codes and vendor `msg` text, never
//! from request bodies or headers.

use crate::model::Provider;
use std::fmt;
use std::time::Duration;

/// What went wrong, as far as a caller needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller sent something invalid (bad parameter, bad cursor, bad JSON).
    InvalidRequest,
    /// No or bad API key.
    Unauthenticated,
    /// The caller, or our vendor account, lacks a permission.
    Forbidden,
    /// No such share or account (or one the caller may not see).
    NotFound,
    /// The request conflicts with the current state.
    Conflict,
    /// The provider cannot honour an option; the error names the capability.
    Unsupported,
    /// A write's body is not `Content-Type: application/json`.
    UnsupportedMediaType,
    /// The request names a host this server does not answer for (key-less mode serves
    /// loopback host names only).
    MisdirectedRequest,
    /// The gateway itself is at a configured limit (connections, requests in flight).
    Overloaded,
    /// Too many requests; retry after the given delay when known.
    RateLimited {
        /// How long to wait, when the vendor said.
        retry_after: Option<Duration>,
    },
    /// The vendor rejected our credentials.
    UpstreamAuth,
    /// The vendor sent something we cannot understand.
    UpstreamProtocol,
    /// The vendor is unreachable, timed out, answered 5xx, or its breaker is open.
    UpstreamUnavailable,
    /// A bug or an impossible state.
    Internal,
}

impl ErrorKind {
    /// The snake_case name used in JSON (`errors[].kind`) and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::MisdirectedRequest => "misdirected_request",
            ErrorKind::Overloaded => "overloaded",
            ErrorKind::RateLimited { .. } => "rate_limited",
            ErrorKind::UpstreamAuth => "upstream_auth",
            ErrorKind::UpstreamProtocol => "upstream_protocol",
            ErrorKind::UpstreamUnavailable => "upstream_unavailable",
            ErrorKind::Internal => "internal",
        }
    }

    /// Whether an error of this kind is worth retrying by default.
    pub fn default_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited { .. } | ErrorKind::UpstreamUnavailable | ErrorKind::Overloaded
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shorthand for results carrying [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The unishare error. One pointer wide (the state is boxed), so `Result<T, Error>` stays small.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    retryable: bool,
    message: String,
    account: Option<String>,
    provider: Option<Provider>,
    operation: Option<&'static str>,
    capability: Option<&'static str>,
    vendor_code: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind`; `retryable` defaults from the kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind,
            retryable: kind.default_retryable(),
            message: message.into(),
            account: None,
            provider: None,
            operation: None,
            capability: None,
            vendor_code: None,
            source: None,
        }))
    }

    /// [`ErrorKind::InvalidRequest`].
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidRequest, message)
    }

    /// [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, message)
    }

    /// [`ErrorKind::Unsupported`] naming the capability the request needs.
    pub fn unsupported(capability: &'static str, message: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorKind::Unsupported, message);
        e.0.capability = Some(capability);
        e
    }

    /// [`ErrorKind::UpstreamProtocol`]: the vendor sent something we cannot read.
    pub fn upstream_protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::UpstreamProtocol, message)
    }

    /// [`ErrorKind::UpstreamUnavailable`] (retryable).
    pub fn upstream_unavailable(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::UpstreamUnavailable, message)
    }

    /// [`ErrorKind::UpstreamAuth`].
    pub fn upstream_auth(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::UpstreamAuth, message)
    }

    /// [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, message)
    }

    /// Overrides the retryable flag.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.0.retryable = retryable;
        self
    }

    /// Sets the account context.
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.0.account = Some(account.into());
        self
    }

    /// Sets the provider context.
    pub fn with_provider(mut self, provider: Provider) -> Self {
        self.0.provider = Some(provider);
        self
    }

    /// Sets the operation context (`list`, `get`, `create`, `update`, `revoke`, `auth`...).
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        self.0.operation = Some(operation);
        self
    }

    /// Records the vendor's own error code.
    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Self {
        self.0.vendor_code = Some(code.into());
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    /// Fills account and provider context where not already set.
    pub fn in_account(mut self, account: &str, provider: Provider) -> Self {
        if self.0.account.is_none() {
            self.0.account = Some(account.to_owned());
        }
        if self.0.provider.is_none() {
            self.0.provider = Some(provider);
        }
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Whether retrying the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        self.0.retryable
    }

    /// The message, without context.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The account the error happened on.
    pub fn account(&self) -> Option<&str> {
        self.0.account.as_deref()
    }

    /// The provider the error happened on.
    pub fn provider(&self) -> Option<Provider> {
        self.0.provider
    }

    /// The operation that failed.
    pub fn operation(&self) -> Option<&'static str> {
        self.0.operation
    }

    /// The capability an [`ErrorKind::Unsupported`] error names.
    pub fn capability(&self) -> Option<&'static str> {
        self.0.capability
    }

    /// The vendor's own error code, when there was one.
    pub fn vendor_code(&self) -> Option<&str> {
        self.0.vendor_code.as_deref()
    }

    /// `retry_after` of a [`ErrorKind::RateLimited`] error.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.0.kind {
            ErrorKind::RateLimited { retry_after } => retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.kind)?;
        match (&self.0.account, self.0.provider) {
            (Some(a), Some(p)) => write!(f, " [{a} ({p})")?,
            (Some(a), None) => write!(f, " [{a}")?,
            (None, Some(p)) => write!(f, " [{p}")?,
            (None, None) => {}
        }
        if self.0.account.is_some() || self.0.provider.is_some() {
            if let Some(op) = self.0.operation {
                write!(f, " {op}")?;
            }
            f.write_str("]")?;
        } else if let Some(op) = self.0.operation {
            write!(f, " [{op}]")?;
        }
        write!(f, ": {}", self.0.message)?;
        if let Some(code) = &self.0.vendor_code {
            write!(f, " (vendor code {code})")?;
        }
        if let Some(cap) = self.0.capability {
            write!(f, " (capability {cap})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind)
            .field("retryable", &self.0.retryable)
            .field("message", &self.0.message);
        if let Some(a) = &self.0.account {
            d.field("account", a);
        }
        if let Some(p) = self.0.provider {
            d.field("provider", &p);
        }
        if let Some(o) = self.0.operation {
            d.field("operation", &o);
        }
        if let Some(c) = self.0.capability {
            d.field("capability", &c);
        }
        if let Some(c) = &self.0.vendor_code {
            d.field("vendor_code", c);
        }
        if let Some(s) = &self.0.source {
            d.field("source", &s.to_string());
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl Clone for Error {
    /// Clones everything but the boxed source, which becomes its rendered text.
    fn clone(&self) -> Self {
        Error(Box::new(Inner {
            kind: self.0.kind,
            retryable: self.0.retryable,
            message: self.0.message.clone(),
            account: self.0.account.clone(),
            provider: self.0.provider,
            operation: self.0.operation,
            capability: self.0.capability,
            vendor_code: self.0.vendor_code.clone(),
            source: self
                .0
                .source
                .as_ref()
                .map(|s| Box::new(SourceText(s.to_string())) as _),
        }))
    }
}

#[derive(Debug)]
struct SourceText(String);

impl fmt::Display for SourceText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SourceText {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_context() {
        let e = Error::upstream_protocol("unexpected code 777: boom")
            .with_account("hq")
            .with_provider(Provider::named("cloudreve"))
            .with_operation("list")
            .with_vendor_code("777");
        let s = e.to_string();
        assert_eq!(
            s,
            "upstream_protocol [hq (cloudreve) list]: unexpected code 777: boom (vendor code 777)"
        );
        assert!(!s.contains('\n'));
    }

    #[test]
    fn retryable_defaults_follow_the_kind() {
        assert!(Error::upstream_unavailable("x").is_retryable());
        assert!(Error::new(ErrorKind::RateLimited { retry_after: None }, "x").is_retryable());
        assert!(!Error::not_found("x").is_retryable());
        assert!(Error::internal("x").with_retryable(true).is_retryable());
    }

    #[test]
    fn unsupported_names_the_capability() {
        let e = Error::unsupported("update_password", "cannot change a password");
        assert_eq!(e.capability(), Some("update_password"));
        assert!(e.to_string().contains("update_password"));
    }

    #[test]
    fn secrets_wrapped_in_secret_never_reach_display_or_debug() {
        // Errors are built from our own text; a Secret interpolated by mistake prints redacted.
        let token = crate::Secret::new("eyJhbGciOiJIUzI1NiJ9.secret");
        let e = Error::upstream_auth(format!("token {token} rejected")).with_account("hq");
        assert!(!e.to_string().contains("eyJ"));
        assert!(!format!("{e:?}").contains("eyJ"));
    }

    #[test]
    fn clone_keeps_source_text() {
        let io = std::io::Error::other("reset by peer");
        let e = Error::upstream_unavailable("send failed").with_source(io);
        let c = e.clone();
        assert_eq!(
            std::error::Error::source(&c).map(|s| s.to_string()),
            Some("reset by peer".to_string())
        );
        assert_eq!(c.kind(), ErrorKind::UpstreamUnavailable);
    }
}
