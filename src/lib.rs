//! `status`: publishes a public platform status document (Uptime Kuma monitors plus backup
//! freshness) as `status.json` on S3-compatible storage. See README.md.
//!
//! The binary (`src/main.rs`) is a thin shell over these modules; the library exists so the
//! integration tests and benchmarks can drive the same code with injected clocks.

pub mod backups;
pub mod bucket_setup;
pub mod check;
pub mod cli;
pub mod exit;
pub mod generate;
pub mod http;
pub mod kuma;
pub mod lock;
pub mod logging;
pub mod output;
pub mod push;
pub mod s3;
pub mod settings;
pub mod status;
pub mod upload;
