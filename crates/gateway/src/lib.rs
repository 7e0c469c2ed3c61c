//! # unishare-gateway
//!
//! The unishare HTTP service: configuration ([`config`]), one account per configured vendor
//! account ([`account`]) holding a snapshot of its shares ([`snapshot`]), the query engine
//! ([`query`], [`sort`], [`cursor`]), API-key auth ([`auth`]), problem+json errors
//! ([`problem`]), the routes ([`routes`], [`app::router`]), dashboard stats ([`stats`]), the
//! streaming export ([`export`]), metrics ([`metrics`]), the OpenAPI document ([`openapi`]), and
//! the runners for `serve` and `demo` ([`server`], [`demo`]), and the web dashboard at `/`
//! ([`dashboard`]). [`reads`] selects what a read
//! request sees; [`page_cache`] keeps serialized list pages.
#![deny(missing_docs)]

pub mod account;
pub mod app;
pub mod audit;
pub mod auth;
pub mod body;
pub mod cluster;
pub mod config;
pub mod config_error;
pub mod config_keys;
pub mod crawl_check;
pub mod cursor;
pub mod dashboard;
pub mod demo;
pub mod duration_str;
pub mod entry;
pub mod export;
pub mod index;
pub mod keep_alive;
pub mod limits;
pub mod listener;
pub mod loopback_host;
pub mod metrics;
pub mod openapi;
mod openapi_params;
pub mod page_cache;
pub mod problem;
pub mod query;
mod query_params;
pub mod query_string;
pub mod reads;
pub mod registry;
pub mod request_id;
pub mod routes;
pub mod secrets;
pub mod server;
pub mod snapshot;
pub mod sort;
pub mod state;
pub mod stats;
pub mod store;
pub mod vendors;
pub mod walk;

pub use app::router;
pub use config::Config;
pub use state::AppState;
