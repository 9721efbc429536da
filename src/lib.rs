//! `status`: publishes a public platform status document (Uptime Kuma monitors plus backup
//! freshness) as `status.json` on S3-compatible storage. See README.md, and
//! docs/architecture.md for the layers below.
//!
//! The binary (`src/main.rs`) is a thin shell over these modules; the library exists so the
//! integration tests and benchmarks can drive the same code with injected clocks.
//!
//! Layers, lowest first; each imports only the ones below it:
//! `config`, `files`, `units`, `output` < `logging`, `http` < `s3` < `sources` < `document` <
//! `publish` < `run` < `cli` < `commands` (`tests/layers.rs` holds the order).

pub mod cli;
pub mod commands;
pub mod config;
pub mod document;
pub mod files;
pub mod http;
pub mod logging;
pub mod output;
pub mod publish;
pub mod run;
pub mod s3;
pub mod sources;
pub mod units;
