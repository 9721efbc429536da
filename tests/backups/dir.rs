//! A local directory through the binary (file times set with `filetime`), and the settings
//! that choose between a bucket and a directory.

use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::{HOUR, body};
use crate::support::status_command;

/// `status backups --json` over `dir` with `extra` settings; the exit code and report.
fn run_dir_backups(dir: &Path, extra: &[(&str, &str)]) -> (i32, Value) {
    let cwd = tempfile::tempdir().unwrap();
    let output = status_command(cwd.path())
        .args(["backups", "--json"])
        .env("BACKUP_DIR", dir)
        .envs(extra.iter().copied())
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap();
    (output.status.code().unwrap(), report)
}

/// Writes `name` with `size` bytes, last modified `hours_ago`.
fn backup_file(dir: &Path, name: &str, size: usize, hours_ago: u64) {
    let path = dir.join(name);
    std::fs::write(&path, body(size)).unwrap();
    let modified = SystemTime::now() - Duration::from_secs(hours_ago * HOUR);
    filetime::set_file_mtime(&path, filetime::FileTime::from_system_time(modified)).unwrap();
}

#[test]
fn local_dir_file_times_drive_success_warning_failed() {
    // Ages are hours away from the 26h/50h thresholds, so the seconds between writing the
    // files and the binary reading the clock cannot change the outcome.
    for (hours_ago, status, reason_start) in [
        (1, "success", "newest backup is 1h"),
        (30, "warning", "newest backup is 30h"),
        (60, "failed", "newest backup is 2d 12h"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        backup_file(dir.path(), "2025-11-09.sql.gz", 1000, hours_ago + 24);
        backup_file(dir.path(), "2025-11-10.sql.gz", 1000, hours_ago);
        // Newer, but not backups: a decoy the glob skips and a subdirectory never entered.
        backup_file(dir.path(), "upload.log", 10, 0);
        std::fs::create_dir(dir.path().join("archive")).unwrap();
        backup_file(&dir.path().join("archive"), "new.sql.gz", 1000, 0);

        let (code, report) = run_dir_backups(dir.path(), &[("BACKUP_MATCH", "*.sql.gz")]);
        assert_eq!(code, 0);
        assert_eq!(report["status"], status, "{report}");
        assert!(
            report["reason"].as_str().unwrap().starts_with(reason_start),
            "{report}"
        );
        assert_eq!(report["newest"]["key"], "2025-11-10.sql.gz");
        assert_eq!(report["previous"]["key"], "2025-11-09.sql.gz");
        assert_eq!(report["source"], dir.path().to_str().unwrap());
        assert_eq!(report["objects_scanned"], 4);
        assert_eq!(report["list_requests"], 0);
    }
}

#[test]
fn missing_dir_is_unknown_with_one_clear_line() {
    let cwd = tempfile::tempdir().unwrap();
    let missing = cwd.path().join("no-such-dir");
    let output = status_command(cwd.path())
        .args(["backups", "--json"])
        .env("BACKUP_DIR", &missing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "unknown");
    let expected = format!(
        "cannot read BACKUP_DIR {}: No such file or directory (os error 2); check the path and that this user may read it",
        missing.display()
    );
    assert_eq!(report["reason"], expected.as_str());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn unconfigured_backups_exit_2_naming_the_settings() {
    let cwd = tempfile::tempdir().unwrap();
    let output = status_command(cwd.path()).arg("backups").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.trim_end().ends_with(
            "backups are not configured: set BACKUP_BUCKET (and BACKUP_PREFIX) for a bucket, or BACKUP_DIR for a local directory"
        ),
        "{stderr}"
    );
}

#[test]
fn both_sources_are_a_config_error() {
    let cwd = tempfile::tempdir().unwrap();
    let output = status_command(cwd.path())
        .arg("backups")
        .env("BACKUP_BUCKET", "backups")
        .env("BACKUP_DIR", cwd.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].ends_with(
            " ERROR status::commands: BACKUP_BUCKET and BACKUP_DIR are both set: backups are read from one source; unset one of them"
        ),
        "{stderr}"
    );
    assert!(lines[1].ends_with("exit 2"), "{stderr}");
}
