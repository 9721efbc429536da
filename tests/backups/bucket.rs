//! Buckets through the binary: the newest backup across pages, the health rules, the faults
//! (missing bucket, refused connection, an endpoint that never answers), and the S3 client.

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

use super::{body, bucket_settings, run_backups, whole_seconds};
use crate::support::http_server::refused_url;
use crate::support::moto::{Backups, Moto};
use crate::support::status_command;

/// A new bucket with `objects` (key, size) put one after another: each is at least as new as
/// the one before (moto keeps whole seconds, so equal times are left to the key order).
async fn bucket_with(moto: &Moto, hint: &str, objects: &[(&str, usize)]) -> String {
    let bucket = moto.create_bucket(hint).await;
    for (key, size) in objects {
        moto.put_object(&bucket, key, body(*size)).await;
    }
    bucket
}

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
    let bucket = |name| status::s3::BucketSetting {
        setting: "BACKUP_BUCKET",
        name,
    };
    assert_eq!(
        status::s3::describe_error(&err, bucket("no-such-bucket"), &moto.spaces()),
        "bucket no-such-bucket does not exist (HTTP 404): check BACKUP_BUCKET, SPACES_ENDPOINT and SPACES_REGION"
    );

    let mut unreachable = moto.spaces();
    let endpoint = refused_url();
    unreachable.endpoint = Some(endpoint.parse().unwrap());
    let client = status::s3::client(&unreachable).await.unwrap();
    let err = client
        .list_objects_v2()
        .bucket("backups")
        .send()
        .await
        .unwrap_err();
    let message = status::s3::describe_error(&err, bucket("backups"), &unreachable);
    assert!(
        message.starts_with(&format!("cannot reach {endpoint} for bucket backups ("))
            && message.ends_with("; no HTTP answer): check SPACES_ENDPOINT and the network"),
        "{message}"
    );
}

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
        "cannot list s3://never-created/db/ at {}: bucket never-created does not exist (HTTP 404): check BACKUP_BUCKET, SPACES_ENDPOINT and SPACES_REGION",
        moto.endpoint()
    );
    assert_eq!(report["reason"], expected.as_str());
    assert_eq!(
        report["list_requests"], 1,
        "the one request sent, though it failed"
    );
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
    // Written into moto's backend: 2,500 PutObjects through its HTTP server take most of a
    // minute. One backup every 15 minutes, the newest an hour old.
    let backups = Backups {
        count: 2500,
        newest: whole_seconds(Utc::now() - TimeDelta::hours(1)),
        spacing: Duration::from_secs(15 * 60),
        key_format: "db/backup-%Y%m%dT%H%M%S.sql.gz",
        size: 120,
    };
    moto.load(&bucket, &backups).unwrap();

    let (code, report, _) = run_backups(moto, &bucket_settings(&bucket, "db/"));
    assert_eq!(code, 0);
    let newest = backups.key(0);
    assert_eq!(report["newest"]["key"], newest.as_str());
    assert_eq!(
        report["newest"]["last_modified"],
        backups.time(0).to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    assert_eq!(report["newest"]["size"], 120);
    assert_eq!(report["previous"]["key"], backups.key(1).as_str());
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
        format!("newest           {newest}"),
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
    let endpoint = refused_url();
    let mut settings = bucket_settings("backups", "db/");
    settings.push(("SPACES_ENDPOINT", &endpoint));
    let (code, report, stderr) = run_backups(moto, &settings);
    assert_eq!(code, 1);
    assert_eq!(report["status"], "unknown");
    let reason = report["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "cannot list s3://backups/db/ at {endpoint}: cannot reach {endpoint} for bucket backups ("
        )) && reason.ends_with("; no HTTP answer): check SPACES_ENDPOINT and the network"),
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
