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
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
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
    // The `Watchdog` applies both timeouts. HTTP/1 gets no hyper timer: with one, hyper arms
    // a header timer of its own for every request (a timer-wheel insert and removal per
    // request, ~10 % of a cache hit's instructions) that the watchdog makes redundant.
    builder.http1().keep_alive(true);
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
    async fn run(self, stream: TcpStream) {
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
        let mut stop = self.stop;
        let stopped = async move {
            // An error means the server is gone: stop as well.
            let _ = stop.wait_for(|s| *s).await;
        };
        let watchdog = Watchdog {
            activity,
            idle: self.idle_timeout,
            head: self.header_read_timeout,
        };
        tokio::pin!(conn);
        watchdog
            .drive(conn, |c| c.graceful_shutdown(), stopped)
            .await;
        open.decrement(1.0);
    }
}

/// Applies `limits.idle_timeout` and `limits.header_read_timeout` to one connection.
///
/// Every change of what a connection waits for happens while the connection itself is polled
/// (bytes read, a request started, a response body ended, all within `conn`'s poll), except
/// the end of an HTTP/2 stream, whose service runs in a task of its own. So the watchdog
/// needs no wake-up of its own: after each poll of the connection it looks at the one change
/// that brings its deadline forward (a request head started and is not complete yet) and
/// otherwise lets its one timer run; when the timer fires, it re-reads the deadline and either
/// acts or moves the timer on (a later deadline only extends the timer, without touching the
/// timer wheel). A cache-hit request thus costs two atomic stores and no timer operation.
struct Watchdog {
    activity: Arc<Activity>,
    idle: Duration,
    head: Duration,
}

impl Watchdog {
    /// Polls `conn` until it ends or is cut; `shutdown` asks it to finish and close.
    async fn drive<C, E>(
        self,
        mut conn: Pin<&mut C>,
        shutdown: impl Fn(Pin<&mut C>),
        stopped: impl Future<Output = ()>,
    ) where
        C: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        tokio::pin!(stopped);
        let timer =
            tokio::time::sleep_until(self.activity.at(self.activity.idle_since()) + self.idle);
        tokio::pin!(timer);
        let mut closing = false;
        std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = conn.as_mut().poll(cx) {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return Poll::Ready(());
            }
            if !closing && stopped.as_mut().poll(cx).is_ready() {
                closing = true;
                shutdown(conn.as_mut());
            }
            loop {
                // A head that started and is not complete: its deadline may be earlier than
                // the timer's.
                if let Some(started) = self.activity.head_started() {
                    let due = self.activity.at(started) + self.head;
                    if due < timer.deadline() {
                        timer.as_mut().reset(due);
                    }
                }
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let now = Instant::now();
                match self.activity.waiting() {
                    Waiting::Nothing => timer.as_mut().reset(now + self.idle),
                    Waiting::Head(started) => {
                        let due = self.activity.at(started) + self.head;
                        if due <= now {
                            metrics::counter!("unishare_http_header_timeouts_total").increment(1);
                            return Poll::Ready(());
                        }
                        timer.as_mut().reset(due);
                    }
                    Waiting::Idle(since) => {
                        let due = self.activity.at(since) + self.idle;
                        if due > now {
                            timer.as_mut().reset(due);
                        } else if closing {
                            // Already closing: only a head that stalls is still cut.
                            timer.as_mut().reset(now + self.idle);
                        } else {
                            closing = true;
                            shutdown(conn.as_mut());
                            timer.as_mut().reset(now + self.idle);
                            // The shutdown may have ended the connection at once.
                            cx.waker().wake_by_ref();
                            return Poll::Pending;
                        }
                    }
                }
            }
        })
        .await;
    }
}

/// What a connection is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiting {
    /// Nothing: a request is in flight.
    Nothing,
    /// The first byte of a request, since this time (nanoseconds after the connection's start).
    Idle(u64),
    /// The rest of a request head whose first byte arrived at this time.
    Head(u64),
}

/// Requests in flight on one connection, when the last one ended, and when the first byte
/// of the next one arrived: atomics, set from wherever a request starts or ends (an HTTP/2
/// stream runs in a task of its own) and read by the connection's [`Watchdog`].
struct Activity {
    /// The connection's start; times below are nanoseconds after it.
    start: Instant,
    busy: AtomicUsize,
    /// When the connection last became idle (accepted, or a response ended).
    idle_since: AtomicU64,
    /// When the first byte after `idle_since` arrived, plus one; 0 while none has.
    head_started: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
        }
    }

    /// Nanoseconds since the connection's start.
    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX - 1)
    }

    /// The instant `nanos` after the connection's start.
    fn at(&self, nanos: u64) -> Instant {
        self.start + Duration::from_nanos(nanos)
    }

    fn idle_since(&self) -> u64 {
        self.idle_since.load(Ordering::Acquire)
    }

    /// When the head being read started, if one is (nothing in flight, a byte arrived).
    fn head_started(&self) -> Option<u64> {
        if self.busy.load(Ordering::Acquire) > 0 {
            return None;
        }
        match self.head_started.load(Ordering::Acquire) {
            0 => None,
            t => Some(t - 1),
        }
    }

    /// Bytes arrived from the client.
    fn read(&self) {
        if self.busy.load(Ordering::Acquire) == 0 && self.head_started.load(Ordering::Acquire) == 0
        {
            let now = self.now();
            let _ =
                self.head_started
                    .compare_exchange(0, now + 1, Ordering::AcqRel, Ordering::Acquire);
        }
    }

    /// What is awaited now.
    fn waiting(&self) -> Waiting {
        if self.busy.load(Ordering::Acquire) > 0 {
            return Waiting::Nothing;
        }
        match self.head_started() {
            Some(started) => Waiting::Head(started),
            None => Waiting::Idle(self.idle_since()),
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
        activity.head_started.store(0, Ordering::Release);
        Busy(Arc::clone(activity))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let a = &self.0;
        a.idle_since.store(a.now(), Ordering::Release);
        a.head_started.store(0, Ordering::Release);
        a.busy.fetch_sub(1, Ordering::AcqRel);
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
