//! `status backups` and the shared S3 client, over a real moto S3 server (tests/support/moto.rs)
//! and real directories. The binary is driven end to end wherever the outcome does not depend
//! on the wall clock; where it does (ages over S3, dated prefixes), the library is called with
//! a `now` it chooses, derived from the times moto reports or gave loaded objects.

mod bucket;
mod dir;
mod library;

use chrono::{DateTime, Timelike, Utc};
use serde_json::Value;

use crate::support::moto::Moto;
use crate::support::status_command;

pub const HOUR: u64 = 3600;

/// `status backups --json` against moto with `settings`; returns the exit code, the report and
/// stderr.
pub fn run_backups(moto: &Moto, settings: &[(&str, &str)]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = status_command(dir.path())
        .args(["backups", "--json"])
        .envs(moto.env())
        .envs(settings.iter().copied())
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not a JSON report ({err}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let stderr = String::from_utf8(output.stderr).unwrap();
    (output.status.code().unwrap(), report, stderr)
}

pub fn bucket_settings<'a>(bucket: &'a str, prefix: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("BACKUP_BUCKET", bucket), ("BACKUP_PREFIX", prefix)]
}

pub fn body(size: usize) -> Vec<u8> {
    vec![b'x'; size]
}

/// `time` without its fraction of a second, as moto keeps it.
pub fn whole_seconds(time: DateTime<Utc>) -> DateTime<Utc> {
    time.with_nanosecond(0).unwrap()
}
