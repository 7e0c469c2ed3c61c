//! `[cluster] redis_url`: replicas share one snapshot per account in Redis or Valkey
//! (`docs/cluster.md`).
//!
//! - One replica crawls an account at a time, under a lease (`lease.rs`: `SET NX PX`, with a
//!   fencing token from `INCR`); the snapshot it built is published only while it still holds
//!   the lease and only over an older generation (`snapshots.rs`, one Lua script), then
//!   announced on the namespace's channel (`events.rs`); the other replicas load it.
//! - Writes through any replica are appended to the account's write stream and announced
//!   (`writes.rs`); every replica applies the others' writes, and a replica loading a snapshot
//!   replays the writes the snapshot does not hold yet.
//! - The retry budget and per-account rate limits are shared (`limits.rs`).
//! - Redis down, slow or flapping: each command has a deadline (`conn.rs`); a replica whose
//!   commands fail works alone, crawling for itself, logged once and counted (`health.rs`,
//!   `unishare_cluster_*`), never answering a 5xx for it; it re-joins when Redis answers.

pub mod config;
pub mod conn;
pub mod health;
pub mod limits;

pub use config::{ClusterConfig, ClusterSection};
