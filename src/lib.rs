//! `status`: publishes a public platform status document (Uptime Kuma monitors plus backup
//! freshness) as `status.json` on S3-compatible storage. See README.md.
//!
//! The binary (`src/main.rs`) is a thin shell over these modules; the library exists so the
//! integration tests and benchmarks can drive the same code with injected clocks.

pub mod backups;
pub mod cli;
pub mod exit;
pub mod http;
pub mod kuma;
pub mod logging;
pub mod s3;
pub mod settings;
pub mod status;
