//! Accepting connections with limits, so that slow or idle clients cannot hold the server:
//!
//! - `limits.header_read_timeout`: a request head must be complete this long after its first
//!   byte arrived, else the connection is cut (slow-loris);
//! - `limits.idle_timeout`: a connection with no request in flight (response bodies included)
//!   and no byte of a new one for this long is closed, whether it never sent anything or was
//!   kept alive after a response;
//! - `limits.max_connections`: one connection more is answered `503` (`overloaded`, problem
//!   JSON, `Retry-After: 1`) and closed at once, rather than running the process out of file
//!   descriptors.
//!
//! The cap on requests in flight is applied where requests enter the router
//! (`request_id.rs`), so that its 503 carries a request id.
//!
//! Metrics: `unishare_http_connections_open` (gauge), `unishare_http_connections_refused_total`,
//! `unishare_http_header_timeouts_total`.

use crate::limits::LimitsSection;
use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

/// Serves `app` on `listener` under `limits` until `shutdown` resolves, then lets open
/// connections finish their requests (graceful shutdown).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &LimitsSection,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    // The watchdog in `Connection::run` applies both timeouts; hyper's own header timer (which
    // runs from the moment a connection waits for a request, idle time included) is only a
    // backstop past both.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout + limits.idle_timeout)
        .keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let max = limits.max_connections;
    let slots = Arc::new(Semaphore::new(max));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // Out of descriptors or a reset before accept: wait a little, keep serving.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => {
                let conn = Connection {
                    builder: Arc::clone(&builder),
                    app: app.clone(),
                    idle_timeout: limits.idle_timeout,
                    header_read_timeout: limits.header_read_timeout,
                    stop: stop_rx.clone(),
                    _slot: slot,
                };
                tokio::spawn(conn.run(stream));
            }
            Err(_) => {
                metrics::counter!("unishare_http_connections_refused_total").increment(1);
                tokio::spawn(refuse(stream));
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a slot until it closes: all slots back = all connections done.
    let _all = slots.acquire_many(max as u32).await;
    Ok(())
}

/// Answers a connection over `limits.max_connections` with a 503 problem and closes it.
async fn refuse(mut stream: TcpStream) {
    const BODY: &str = r#"{"type":"urn:unishare:problem:overloaded","title":"Server busy","status":503,"detail":"the server is at limits.max_connections; retry later","request_id":"-","kind":"overloaded"}"#;
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        BODY.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(BODY.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// One accepted connection.
struct Connection {
    builder: Arc<Builder<TokioExecutor>>,
    app: Router,
    idle_timeout: Duration,
    header_read_timeout: Duration,
    stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        let open = metrics::gauge!("unishare_http_connections_open");
        open.increment(1.0);
        let activity = Arc::new(Activity::new());
        let service = {
            let activity = Arc::clone(&activity);
            let app = self.app.clone();
            hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let busy = Busy::begin(&activity);
                let call = app.clone().oneshot(req.map(Body::new));
                async move {
                    let resp = call.await?;
                    Ok::<_, Infallible>(resp.map(|inner| Body::new(Tracked { inner, _busy: busy })))
                }
            })
        };
        let io = Watched {
            inner: stream,
            activity: Arc::clone(&activity),
        };
        let conn = self
            .builder
            .serve_connection_with_upgrades(TokioIo::new(io), service);
        tokio::pin!(conn);
        let mut closing = false;
        loop {
            let (deadline, waiting) =
                activity.deadline(self.idle_timeout, self.header_read_timeout);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    break;
                }
                () = tokio::time::sleep_until(deadline), if !closing || waiting == Waiting::Head => {
                    match activity.deadline(self.idle_timeout, self.header_read_timeout) {
                        (at, Waiting::Head) if at <= Instant::now() => {
                            metrics::counter!("unishare_http_header_timeouts_total").increment(1);
                            break;
                        }
                        (at, Waiting::Idle) if at <= Instant::now() => {
                            closing = true;
                            conn.as_mut().graceful_shutdown();
                        }
                        _ => {}
                    }
                }
                () = activity.changed.notified() => {}
                _ = self.stop.changed(), if !closing => {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
        open.decrement(1.0);
    }
}

/// What a connection is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiting {
    /// Nothing: a request is in flight.
    Nothing,
    /// The first byte of a request.
    Idle,
    /// The rest of a request head whose first byte arrived.
    Head,
}

/// Requests in flight on one connection, when the last one ended, and when the first byte
/// of the next one arrived.
struct Activity {
    busy: AtomicUsize,
    times: Mutex<Times>,
    /// Woken when what the connection waits for changes (the watchdog re-arms its timer).
    changed: tokio::sync::Notify,
}

struct Times {
    /// When the connection last became idle (accepted, or a response ended).
    idle_since: Instant,
    /// When the first byte after `idle_since` arrived.
    head_started: Option<Instant>,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            busy: AtomicUsize::new(0),
            times: Mutex::new(Times {
                idle_since: Instant::now(),
                head_started: None,
            }),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn times(&self) -> std::sync::MutexGuard<'_, Times> {
        self.times.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes arrived from the client.
    fn read(&self) {
        if self.busy.load(Ordering::Acquire) == 0 {
            let mut t = self.times();
            if t.head_started.is_none() {
                t.head_started = Some(Instant::now());
                drop(t);
                self.changed.notify_one();
            }
        }
    }

    /// When the current wait runs out, and what is awaited (a busy connection is checked
    /// again after `idle`).
    fn deadline(&self, idle: Duration, head: Duration) -> (Instant, Waiting) {
        if self.busy.load(Ordering::Acquire) > 0 {
            return (Instant::now() + idle, Waiting::Nothing);
        }
        let t = self.times();
        match t.head_started {
            Some(started) => (started + head, Waiting::Head),
            None => (t.idle_since + idle, Waiting::Idle),
        }
    }
}

/// The client side of a connection, telling [`Activity`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.read();
        }
        polled
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// One request in flight, until its response body is sent or dropped.
struct Busy(Arc<Activity>);

impl Busy {
    fn begin(activity: &Arc<Activity>) -> Busy {
        activity.busy.fetch_add(1, Ordering::AcqRel);
        activity.times().head_started = None;
        Busy(Arc::clone(activity))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut t = self.0.times();
        t.idle_since = Instant::now();
        t.head_started = None;
        drop(t);
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
    }
}

/// A response body that keeps its request counted as in flight while it streams.
struct Tracked {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
