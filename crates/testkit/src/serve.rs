//! Serving a simulator's router on `127.0.0.1:0` until dropped (graceful shutdown, then abort).
//! Used by the Nextcloud simulator; the Cloudreve and KooDrive simulators still spawn their
//! own server the same way (candidates for this helper).

use std::net::SocketAddr;

/// A router being served; dropped = shut down.
pub(crate) struct Served {
    /// The bound address.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    /// Binds `127.0.0.1:0` and serves, in a task, the router `bind` builds for that address.
    pub async fn start(bind: impl FnOnce(SocketAddr) -> axum::Router) -> std::io::Result<Served> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = bind(addr);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Served {
            addr,
            shutdown: Some(tx),
            task,
        })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}
