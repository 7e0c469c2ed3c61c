//! The one Redis connection of a replica (redis-rs' `ConnectionManager`, which reconnects by
//! itself), with a deadline on every command and its outcome reported to [`Health`]. A command
//! that fails or is late returns `None`: callers then work alone, never fail a request.

use super::health::Health;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue, ScriptInvocation};
use std::sync::Arc;
use std::time::Duration;

/// A replica's Redis connection.
#[derive(Clone)]
pub struct Conn {
    manager: ConnectionManager,
    /// Per-command deadline.
    pub timeout: Duration,
    /// Where outcomes are reported.
    pub health: Arc<Health>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("timeout", &self.timeout)
            .field("up", &self.health.is_up())
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// A lazy connection: nothing is sent until the first command, so a replica starts (and
    /// works alone) while Redis is down.
    pub fn open(client: &redis::Client, timeout: Duration) -> redis::RedisResult<Conn> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Conn {
            manager,
            timeout,
            health: Arc::new(Health::new()),
        })
    }

    /// The same connection with another per-command deadline (a large value's transfer).
    pub fn with_timeout(&self, timeout: Duration) -> Conn {
        Conn {
            timeout,
            ..self.clone()
        }
    }

    /// Runs `cmd`; `None` (reported as `op`) when Redis fails or is late.
    pub async fn run<T: FromRedisValue>(&self, op: &'static str, cmd: &Cmd) -> Option<T> {
        let mut c = self.manager.clone();
        self.finish(op, cmd.query_async(&mut c)).await
    }

    /// Runs a script invocation; `None` (reported as `op`) when Redis fails or is late.
    pub async fn eval<T: FromRedisValue>(
        &self,
        op: &'static str,
        invocation: &ScriptInvocation<'_>,
    ) -> Option<T> {
        let mut c = self.manager.clone();
        self.finish(op, invocation.invoke_async(&mut c)).await
    }

    async fn finish<T>(
        &self,
        op: &'static str,
        fut: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => {
                self.health.ok();
                Some(v)
            }
            Ok(Err(e)) => {
                self.health.failed(op, &e);
                None
            }
            Err(_) => {
                self.health
                    .failed(op, &format_args!("no answer within {:?}", self.timeout));
                None
            }
        }
    }
}
