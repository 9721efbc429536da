//! `status backups` and the shared S3 client, over a real moto S3 server (tests/support/moto.rs)
//! and real directories. The binary is driven end to end wherever the outcome does not depend
//! on the wall clock; where it does (ages over S3, dated prefixes), the library is called with
//! a `now` derived from the times moto reports, because moto's clock cannot be set.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::support::moto::Moto;
use crate::support::status_command;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use status::sources::backups::{
    BackupObject, BackupReport, BackupSettings, BackupSource, BackupStatus, KeyPrefix, Thresholds,
};

const HOUR: u64 = 3600;

/// `status backups --json` against moto with `settings`; returns the exit code, the report and
/// stderr.
fn run_backups(moto: &Moto, settings: &[(&str, &str)]) -> (i32, Value, String) {
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

fn bucket_settings<'a>(bucket: &'a str, prefix: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("BACKUP_BUCKET", bucket), ("BACKUP_PREFIX", prefix)]
}

fn body(size: usize) -> Vec<u8> {
    vec![b'x'; size]
}

/// A new bucket with `objects` (key, size) put one after another: each is at least as new as
/// the one before (moto keeps whole seconds, so equal times are left to the key order).
async fn bucket_with(moto: &Moto, hint: &str, objects: &[(&str, usize)]) -> String {
    let bucket = moto.create_bucket(hint).await;
    for (key, size) in objects {
        moto.put_object(&bucket, key, body(*size)).await;
    }
    bucket
}

// --- The S3 client -------------------------------------------------------------------------

#[tokio::test]
async fn s3_client_reads_a_bucket_on_the_test_server() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("client").await;
    moto.put_object(&bucket, "db/a.sql.gz", b"dump".to_vec())
        .await;
    let client = status::s3::client(&moto.spaces()).await.unwrap();
    let listing = client
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = listing.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["db/a.sql.gz"]);
}

#[tokio::test]
async fn s3_errors_name_the_bucket_and_the_fix() {
    let moto = Moto::shared();
    let client = status::s3::client(&moto.spaces()).await.unwrap();
    let err = client
        .list_objects_v2()
        .bucket("no-such-bucket")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        status::s3::describe_error(&err, "no-such-bucket"),
        "bucket no-such-bucket does not exist: check the bucket name, SPACES_ENDPOINT and SPACES_REGION"
    );

    let mut unreachable = moto.spaces();
    unreachable.endpoint = Some(closed_port_url().parse().unwrap());
    let client = status::s3::client(&unreachable).await.unwrap();
    let err = client
        .list_objects_v2()
        .bucket("backups")
        .send()
        .await
        .unwrap_err();
    let message = status::s3::describe_error(&err, "backups");
    assert!(
        message.starts_with("cannot reach the S3 endpoint for bucket backups (")
            && message.ends_with("): check SPACES_ENDPOINT and the network"),
        "{message}"
    );
}

/// An http URL on 127.0.0.1 where nothing listens.
fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

// --- Buckets, end to end through the binary ---------------------------------------------

#[tokio::test]
async fn empty_bucket_is_failed() {
    let moto = Moto::shared();
    let bucket = bucket_with(moto, "empty", &[]).await;
    let (code, report, _) = run_backups(moto, &bucket_settings(&bucket, "db/"));
    assert_eq!(code, 0, "the source was read");
    assert_eq!(report["status"], "failed");
    assert_eq!(report["reason"], "no backup found");
    assert_eq!(report["newest"], Value::Null);
    assert_eq!(report["list_requests"], 1);
}

#[tokio::test]
async fn missing_bucket_is_unknown_with_one_clear_line() {
    let moto = Moto::shared();
    let (code, report, stderr) = run_backups(moto, &bucket_settings("never-created", "db/"));
    assert_eq!(code, 1, "the source could not be read");
    assert_eq!(report["status"], "unknown");
    let expected = format!(
        "cannot list s3://never-created/db/ at {}: bucket never-created does not exist: check the bucket name, SPACES_ENDPOINT and SPACES_REGION",
        moto.endpoint()
    );
    assert_eq!(report["reason"], expected.as_str());
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains(" ERROR ") && lines[0].ends_with(&expected),
        "{stderr}"
    );
    assert!(!stderr.contains(crate::support::moto::SECRET_KEY));
}

#[tokio::test]
async fn newest_of_2500_objects_across_3_pages() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("thousands").await;
    let older = (0..2499)
        .map(|i| (format!("db/backup-{i:04}.sql.gz"), body(100)))
        .collect();
    moto.put_objects(&bucket, older).await;
    // Put after all the others and with the greatest key: newest whether or not moto's clock
    // (whole seconds) has moved on since.
    moto.put_object(&bucket, "db/backup-2499.sql.gz", body(120))
        .await;

    let (code, report, _) = run_backups(moto, &bucket_settings(&bucket, "db/"));
    assert_eq!(code, 0);
    assert_eq!(report["newest"]["key"], "db/backup-2499.sql.gz");
    assert_eq!(report["newest"]["size"], 120);
    assert_eq!(report["objects_scanned"], 2500);
    // Two full pages pay for one more part: the last 500 keys in two ranges at once.
    assert_eq!(
        report["list_requests"], 4,
        "1,000 keys per page, and one part"
    );
    let mut sequential = bucket_settings(&bucket, "db/");
    sequential.push(("BACKUP_LIST_CONCURRENCY", "1"));
    let (_, one_at_a_time, _) = run_backups(moto, &sequential);
    assert_eq!(one_at_a_time["list_requests"], 3, "page after page");
    assert_eq!(one_at_a_time["newest"], report["newest"]);
    assert_eq!(report["status"], "success");
    assert!(report["previous"]["key"].is_string());

    // The same, as the table a person reads.
    let dir = tempfile::tempdir().unwrap();
    let table = status_command(dir.path())
        .arg("backups")
        .envs(moto.env())
        .envs(bucket_settings(&bucket, "db/"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    for row in [
        format!("source           s3://{bucket}/db/"),
        "newest           db/backup-2499.sql.gz".into(),
        "size             120 B".into(),
        "status           success".into(),
        "objects scanned  2500".into(),
        "list requests    4".into(),
    ] {
        assert!(
            table.lines().any(|line| line == row),
            "no {row:?} in\n{table}"
        );
    }
}

#[tokio::test]
async fn zero_byte_newest_is_failed() {
    let moto = Moto::shared();
    let objects = [("db/2025-11-09.sql.gz", 1000), ("db/2025-11-10.sql.gz", 0)];
    let bucket = bucket_with(moto, "zero", &objects).await;
    let (code, report, _) = run_backups(moto, &bucket_settings(&bucket, "db/"));
    assert_eq!(code, 0);
    assert_eq!(report["newest"]["key"], "db/2025-11-10.sql.gz");
    assert_eq!(report["status"], "failed");
    assert!(
        report["reason"]
            .as_str()
            .unwrap()
            .starts_with("newest backup is 0 B, under BACKUP_MIN_SIZE (1 B)"),
        "{report}"
    );
}

#[tokio::test]
async fn shrunken_newest_is_warning() {
    let moto = Moto::shared();
    let objects = [
        ("db/2025-11-09.sql.gz", 10_000),
        ("db/2025-11-10.sql.gz", 4_000),
    ];
    let bucket = bucket_with(moto, "shrunk", &objects).await;
    let (code, report, _) = run_backups(moto, &bucket_settings(&bucket, "db/"));
    assert_eq!(code, 0);
    assert_eq!(report["status"], "warning");
    assert_eq!(
        report["reason"],
        "newest backup is 3.9 KiB, less than half the previous one (9.8 KiB)"
    );
    assert_eq!(report["previous"]["key"], "db/2025-11-09.sql.gz");
}

#[tokio::test]
async fn backup_match_excludes_decoys() {
    let moto = Moto::shared();
    let objects = [
        ("db/2025-11-09.sql.gz", 900),
        ("db/2025-11-10.sql.gz", 1000),
        // Newer and with greater keys: without BACKUP_MATCH these would win. Put in key order,
        // so the last one is the newest whether or not moto's clock (whole seconds) moved on.
        ("db/2025-11-10.sql.gz.tmp", 5),
        ("db/zz-notes.txt", 5),
        ("db/zz-upload.log", 5),
        ("db/zz/", 0),
    ];
    let bucket = bucket_with(moto, "decoys", &objects).await;
    let mut settings = bucket_settings(&bucket, "db/");
    settings.push(("BACKUP_MATCH", "*.sql.gz"));
    let (code, report, _) = run_backups(moto, &settings);
    assert_eq!(code, 0);
    assert_eq!(report["newest"]["key"], "db/2025-11-10.sql.gz");
    assert_eq!(report["previous"]["key"], "db/2025-11-09.sql.gz");
    assert_eq!(report["status"], "success");
    assert_eq!(report["objects_scanned"], 6);

    // Without the glob the decoys win: the test above is not passing by accident.
    let (_, unfiltered, _) = run_backups(moto, &bucket_settings(&bucket, "db/"));
    assert_eq!(unfiltered["newest"]["key"], "db/zz-upload.log");

    settings.pop();
    settings.push(("BACKUP_MATCH", "*.tar.zst"));
    let (code, report, _) = run_backups(moto, &settings);
    assert_eq!(code, 0);
    assert_eq!(report["status"], "failed");
    assert_eq!(report["reason"], "no backup found matching *.tar.zst");
}

#[tokio::test]
async fn later_time_beats_a_greater_key() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("order").await;
    let older = moto
        .put_object(&bucket, "db/zz-older.sql.gz", body(100))
        .await;
    moto.put_object_newer_than(&bucket, "db/aa-newer.sql.gz", body(100), older)
        .await;
    let (_, report, _) = run_backups(moto, &bucket_settings(&bucket, "db/"));
    assert_eq!(report["newest"]["key"], "db/aa-newer.sql.gz");
    assert_eq!(report["previous"]["key"], "db/zz-older.sql.gz");
}

#[tokio::test]
async fn refused_connection_is_unknown_with_one_clear_line() {
    let moto = Moto::shared();
    let endpoint = closed_port_url();
    let mut settings = bucket_settings("backups", "db/");
    settings.push(("SPACES_ENDPOINT", &endpoint));
    let (code, report, stderr) = run_backups(moto, &settings);
    assert_eq!(code, 1);
    assert_eq!(report["status"], "unknown");
    let reason = report["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "cannot list s3://backups/db/ at {endpoint}: cannot reach the S3 endpoint for bucket backups ("
        )) && reason.ends_with("): check SPACES_ENDPOINT and the network"),
        "{reason}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn endpoint_that_never_answers_is_unknown_within_the_deadline() {
    let moto = Moto::shared();
    // Accepts connections (the kernel completes the handshake) but never answers a request.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = status_command(dir.path())
        .args(["backups", "--json", "--timeout", "2s"])
        .envs(moto.env())
        .envs(bucket_settings("backups", "db/"))
        .env("SPACES_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(2 + 3),
        "took {elapsed:?} with --timeout 2s"
    );
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "unknown");
    assert_eq!(
        report["reason"],
        "s3://backups/db/: no answer within 2s (the run's deadline, --timeout / STATUS_TIMEOUT)"
    );
    drop(silent);
}

// --- Buckets, through the library with a chosen `now` ------------------------------------

fn library_settings(bucket: &str, prefix: &str) -> BackupSettings {
    BackupSettings {
        source: BackupSource::Bucket {
            bucket: bucket.to_string(),
            prefix: KeyPrefix::parse(prefix).unwrap(),
        },
        match_glob: None,
        thresholds: Thresholds {
            warn_after: Duration::from_secs(26 * HOUR),
            fail_after: Duration::from_secs(50 * HOUR),
            min_size: 1,
        },
        list_concurrency: 16,
    }
}

#[tokio::test]
async fn age_of_a_bucket_backup_drives_success_warning_failed() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("ages").await;
    let made = moto
        .put_object(&bucket, "db/2025-11-10.sql.gz", body(1000))
        .await;
    let settings = library_settings(&bucket, "db/");
    for (hours_later, status, reason) in [
        (1, BackupStatus::Success, "newest backup is 1h old"),
        (
            27,
            BackupStatus::Warning,
            "newest backup is 27h old, over BACKUP_WARN_AFTER (26h)",
        ),
        (
            51,
            BackupStatus::Failed,
            "newest backup is 2d 3h old, over BACKUP_FAIL_AFTER (2d 2h)",
        ),
    ] {
        let now = made + TimeDelta::hours(hours_later);
        let report = status::sources::backups::check(&settings, &moto.spaces(), now)
            .await
            .unwrap();
        assert_eq!((report.status, report.reason.as_str()), (status, reason));
        assert_eq!(report.age_seconds, Some(hours_later * 3600));
        assert_eq!(report.checked_at, now);
    }
}

/// `db/%Y/%m/%d/` for `now - days_ago`.
fn day_prefix(now: DateTime<Utc>, days_ago: i64) -> String {
    (now - TimeDelta::days(days_ago))
        .format("db/%Y/%m/%d/")
        .to_string()
}

/// A bucket with `old` objects and then `recent` keys put in order, checked at `now` with
/// the prefix `db/%Y/%m/%d/`.
async fn check_dated(
    moto: &Moto,
    old: &[(String, Vec<u8>)],
    recent: &[String],
    now: DateTime<Utc>,
) -> BackupReport {
    let bucket = moto.create_bucket("dated").await;
    moto.put_objects(&bucket, old.to_vec()).await;
    for key in recent {
        moto.put_object(&bucket, key, body(100)).await;
    }
    let settings = library_settings(&bucket, "db/%Y/%m/%d/");
    status::sources::backups::check(&settings, &moto.spaces(), now)
        .await
        .unwrap()
}

#[tokio::test]
async fn dated_prefix_lists_only_the_recent_prefixes() {
    let moto = Moto::shared();
    let now = Utc::now();
    // Two months of daily folders, one backup each, that a plain `db/` listing would walk
    // through; all older than the 50 hours the dated prefix is listed back to.
    let history: Vec<_> = (5..=60)
        .map(|days_ago| {
            (
                format!("{}dump.sql.gz", day_prefix(now, days_ago)),
                body(100),
            )
        })
        .collect();
    let key = |days_ago, name: &str| format!("{}{name}", day_prefix(now, days_ago));
    let keys = |report: BackupReport| {
        let key_of = |object: Option<BackupObject>| object.map(|o| o.key);
        (key_of(report.newest), key_of(report.previous))
    };

    // Today holds two backups: one request, and both come from today.
    let two_today = [key(0, "01.sql.gz"), key(0, "02.sql.gz")];
    let report = check_dated(moto, &history, &two_today, now).await;
    assert_eq!((report.list_requests, report.objects_scanned), (1, 2));
    assert_eq!(
        keys(report),
        (Some(two_today[1].clone()), Some(two_today[0].clone()))
    );

    // One backup a day: today's folder, then yesterday's for the previous one to compare with.
    let daily = [key(1, "dump.sql.gz"), key(0, "dump.sql.gz")];
    let report = check_dated(moto, &history, &daily, now).await;
    assert_eq!((report.list_requests, report.objects_scanned), (2, 2));
    assert_eq!(
        keys(report),
        (Some(daily[1].clone()), Some(daily[0].clone()))
    );

    // Nothing in the window: every prefix the 50 hours touch (3 or 4 days), and no further.
    let report = check_dated(moto, &history, &[], now).await;
    let window_days = (now - TimeDelta::hours(50)).date_naive() - now.date_naive();
    assert_eq!(
        report.list_requests,
        1 + window_days.num_days().unsigned_abs()
    );
    assert_eq!(report.objects_scanned, 0);
    assert_eq!(report.status, BackupStatus::Failed);
    assert_eq!(report.reason, "no backup found");
}

// --- A local directory, end to end through the binary ------------------------------------

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
    assert_eq!(
        stderr,
        "status: error: BACKUP_BUCKET and BACKUP_DIR are both set: backups are read from one source; unset one of them\n"
    );
}
