//! Helpers shared by the integration tests (one binary, `tests/tests.rs`, one module per subject).
//!
//! - `http_server`: a generic HTTP test server on a real socket (handler closure, latency,
//!   never-answer replies, request log, connection count).
//! - `conditional_proxy`: a proxy in front of moto that holds, strips, refuses or fails
//!   PutObject (conditional writes, slow and retried uploads).
//! - `connect_proxy`: an HTTP CONNECT proxy (`HTTPS_PROXY`/`HTTP_PROXY` in the environment).
//! - `kuma_fixtures`: an Uptime Kuma made of the captured responses;
//!   `dashboard_truth`: what its dashboard showed at the capture.
//! - `moto`: a real S3 server (moto), one per test binary, with bucket and object helpers and
//!   in-process loading of many objects (`moto_server.py`); the scale harness starts its own.
//! - `promtool`: Prometheus's promtool, for the metrics file and the alert rules.
//! - `publish`: settings and object reads shared by the publishing tests.
//! - `s3_proxy`: a recording proxy in front of moto (every S3 request the binary sends).
//! - `s3_listing`: an S3 stand-in answering ListObjectsV2 pages in a fixed time (deadlines).
//! - `schema`: `config/status.schema.json` applied to every document a test sees.
//! - `slow_proxy`: a TCP proxy that delays every answer, to keep a request in flight.
//! - `synthetic_kuma`: Kuma 2.5.3 bodies for N monitors (the scale harness and benches use it too).
//! - `tcp_proxy`: a proxy in front of moto that times each request or cuts a body short.
//! - `tls_proxy`: a TLS front for moto (an `https` endpoint, certificates in `fixtures/tls/`).

// The scale harness and the benches include some of these files with `#[path]` and use a part.
#![allow(dead_code)]

pub mod conditional_proxy;
pub mod connect_proxy;
pub mod dashboard_truth;
pub mod http_server;
pub mod kuma_fixtures;
pub mod moto;
pub mod promtool;
pub mod publish;
pub mod s3_listing;
pub mod s3_proxy;
pub mod schema;
pub mod slow_proxy;
pub mod synthetic_kuma;
pub mod tcp_proxy;
pub mod tls_proxy;

use std::path::Path;

/// A dry run with no sources: quick, and what the settings and logging tests look at.
pub const DRY_RUN: &[&str] = &["generate", "--dry-run"];

/// `pairs` as the settings [`run`] takes.
pub fn settings(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// How one run of the binary ended.
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr, both as text.
    pub fn into_text(self) -> (i32, String, String) {
        (
            self.code,
            String::from_utf8(self.stdout).unwrap(),
            self.stderr,
        )
    }
}

/// Runs the binary (see [`status_command`]) in `dir` with `args` and exactly the settings `env`.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Run {
    let output = status_command(dir)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: output.stdout,
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The real `status` binary with an empty environment, run in `dir`: no developer `.env`,
/// `AWS_*` or `SPACES_*` variable can leak into a test; the test sets exactly the settings it
/// means.
pub fn status_command(dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_status"));
    command.env_clear().current_dir(dir);
    command
}

/// Backup settings for calling the library on `bucket` under `prefix`, with the defaults of
/// the settings table (26h, 50h, 1 byte, 5m, 16 list requests at once).
pub fn library_settings(bucket: &str, prefix: &str) -> status::sources::backups::BackupSettings {
    use status::sources::backups::{BackupSettings, BackupSource, KeyPrefix, Thresholds};
    BackupSettings {
        source: BackupSource::Bucket {
            bucket: bucket.to_string(),
            prefix: KeyPrefix::parse(prefix).unwrap(),
        },
        match_glob: None,
        thresholds: Thresholds {
            warn_after: std::time::Duration::from_secs(26 * 3600),
            fail_after: std::time::Duration::from_secs(50 * 3600),
            min_size: 1,
            clock_skew: std::time::Duration::from_secs(300),
        },
        list_concurrency: 16,
    }
}

/// Every `.rs` file under `dir`, into `out` (the source scans of `layers` and `settings`).
pub fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}
