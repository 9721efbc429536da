//! Helpers shared by the integration tests; each test file includes them with `mod support;`.
//!
//! - `http_server`: a generic HTTP test server on a real socket (handler closure, latency,
//!   never-answer replies, request log, connection count).
//! - `kuma_fixtures`: an Uptime Kuma made of the captured responses, and the dashboard truth.
//! - `moto`: a real S3 server (moto), one per test binary, with bucket and object helpers.
//! - `publish`: settings and object reads shared by the publishing tests.
//! - `schema`: `config/status.schema.json` applied to every document a test sees.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod http_server;
pub mod kuma_fixtures;
pub mod moto;
pub mod publish;
pub mod schema;

use std::path::Path;

/// The real `status` binary with an empty environment, run in `dir`: no developer `.env`,
/// `AWS_*` or `SPACES_*` variable can leak into a test; the test sets exactly the settings it
/// means.
pub fn status_command(dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_status"));
    command.env_clear().current_dir(dir);
    command
}
