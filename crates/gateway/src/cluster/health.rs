//! Whether Redis answers: every cluster command reports here. The first failure after a
//! success logs one warning ("working alone") and sets `unishare_cluster_up` to 0; the first
//! success after failures logs the re-join. Each failure counts in
//! `unishare_cluster_errors_total{op}`.

use std::sync::atomic::{AtomicBool, Ordering};

/// The replica's view of Redis.
#[derive(Debug)]
pub struct Health {
    up: AtomicBool,
}

impl Default for Health {
    fn default() -> Self {
        Health::new()
    }
}

impl Health {
    /// Assumed up until a command fails.
    pub fn new() -> Health {
        metrics::gauge!("unishare_cluster_up").set(1.0);
        Health {
            up: AtomicBool::new(true),
        }
    }

    /// True while the last command answered.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// A command answered.
    pub fn ok(&self) {
        if !self.up.swap(true, Ordering::AcqRel) {
            metrics::gauge!("unishare_cluster_up").set(1.0);
            metrics::counter!("unishare_cluster_rejoins_total").increment(1);
            tracing::info!("Redis answers again: the replica shares snapshots with the cluster");
        }
    }

    /// A command failed or timed out. `error` must not hold secrets (Redis errors do not
    /// repeat the URL; the caller passes the error's kind and text only).
    pub fn failed(&self, op: &'static str, error: &dyn std::fmt::Display) {
        metrics::counter!("unishare_cluster_errors_total", "op" => op).increment(1);
        if self.up.swap(false, Ordering::AcqRel) {
            metrics::gauge!("unishare_cluster_up").set(0.0);
            tracing::warn!(op, error = %error,
                "Redis does not answer: the replica works alone (its own crawls) until it does");
        } else {
            tracing::debug!(op, error = %error, "Redis command failed");
        }
    }
}
