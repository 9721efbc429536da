//! The backup listing at scale: parallel key ranges give the answer of a sequential listing
//! through the real S3 client (moto), and a listing the deadline stops mid-way says how far it
//! got and what to change (an S3 stand-in that answers each page in a fixed time).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::support::http_server::TestServer;
use crate::support::library_settings;
use crate::support::moto::Moto;
use crate::support::s3_listing::{Listed, ListingBucket};
use crate::support::{run, status_command};
use status::sources::backups::BackupSettings;

/// Three hosts backing up every 15 minutes under one flat prefix, newest first from `newest`.
fn flat_backups(count: usize, newest: DateTime<Utc>) -> Vec<Listed> {
    let hosts = ["api", "shop", "web"];
    (0..count)
        .map(|i| {
            let made = newest - TimeDelta::minutes(15 * (i / hosts.len()) as i64);
            let key = format!(
                "db/{}-{}Z.sql.gz",
                hosts[i % 3],
                made.format("%Y%m%dT%H%M%S")
            );
            (key, made, 1000 + i as u64)
        })
        .collect()
}

#[tokio::test]
async fn parallel_and_sequential_listings_agree_through_the_s3_client() {
    let newest: DateTime<Utc> = "2026-11-26T04:00:00Z".parse().unwrap();
    let mut objects = flat_backups(4500, newest);
    // Names a date-based split would not expect: Unicode, keys that are prefixes of others,
    // digits only, and two objects with the newest time (the greater key wins the tie).
    for (i, key) in [
        "db/été/dump",
        "db/été/dump.1",
        "db/日本/x",
        "db/0",
        "db/00",
        "db/000",
    ]
    .into_iter()
    .enumerate()
    {
        objects.push((key.to_string(), newest - TimeDelta::days(3 + i as i64), 5));
    }
    objects.push(("db/zz-tie.sql.gz".into(), newest, 7));
    let moto = Moto::shared();
    let bucket = "listing";
    moto.load_objects(bucket, &objects).unwrap();
    let now = newest + TimeDelta::hours(1);
    let check = |concurrency| {
        let settings = BackupSettings {
            list_concurrency: concurrency,
            ..library_settings(bucket, "db/")
        };
        let spaces = moto.spaces();
        async move {
            status::sources::backups::check(&settings, &spaces, now)
                .await
                .unwrap()
        }
    };
    let sequential = check(1).await;
    assert_eq!(sequential.list_requests, 5, "4,507 keys, 1,000 a page");
    for concurrency in [4, 16] {
        let parallel = check(concurrency).await;
        assert_eq!(parallel.newest, sequential.newest, "{concurrency}");
        assert_eq!(parallel.previous, sequential.previous, "{concurrency}");
        assert_eq!(parallel.objects_scanned, 4507, "{concurrency}");
        assert!(
            parallel.list_requests * 2 <= sequential.list_requests * 3 + 2,
            "{} requests",
            parallel.list_requests
        );
    }
    assert_eq!(sequential.newest.unwrap().key, "db/zz-tie.sql.gz");
    assert_eq!(
        sequential.previous.unwrap().key,
        "db/web-20261126T040000Z.sql.gz"
    );
}

/// The stand-in with `count` flat backups, answering every page after `latency`.
fn slow_bucket(count: usize, latency: Duration) -> TestServer {
    let bucket = Arc::new(ListingBucket::new("big", flat_backups(count, Utc::now())));
    TestServer::start(move |request| bucket.answer(request).latency(latency))
}

fn stand_in_env(server: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("SPACES_ENDPOINT", server.url()),
        ("SPACES_REGION", "us-east-1".into()),
        ("SPACES_KEY", "key".into()),
        ("SPACES_SECRET", "secret".into()),
        ("SPACES_PATH_STYLE", "true".into()),
        ("BACKUP_BUCKET", "big".into()),
        ("BACKUP_PREFIX", "db/".into()),
    ]
}

#[test]
fn a_deadline_mid_listing_reports_the_progress_and_the_fixes() {
    let server = slow_bucket(300_000, Duration::from_millis(200));
    let dir = tempfile::tempdir().unwrap();
    let ran = run(
        dir.path(),
        &["--timeout", "2s", "backups", "--json"],
        &stand_in_env(&server),
    );
    let (code, stdout, stderr) = ran.into_text();
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["status"], "unknown");
    let (scanned, requests) = (
        report["objects_scanned"].as_u64().unwrap(),
        report["list_requests"].as_u64().unwrap(),
    );
    assert!(scanned >= 1000 && requests >= 2, "{report}");
    // Counted when sent: the stand-in has received them all, but those still on the way.
    let received = server.requests().len() as u64;
    assert!(scanned <= 1000 * requests, "{report}");
    assert!(
        received <= requests && requests <= received + 16,
        "{requests} counted, {received} received"
    );
    let reason = report["reason"].as_str().unwrap();
    for part in [
        "s3://big/db/: no answer within 2s",
        &format!(
            "the bucket is too large to list within the deadline ({scanned} objects scanned in {requests} list requests)"
        ),
        "set a dated BACKUP_PREFIX (e.g. db/",
        "%Y%m%d), raise BACKUP_LIST_CONCURRENCY (now 16) or STATUS_TIMEOUT",
    ] {
        assert!(reason.contains(part), "no {part:?} in {reason}");
    }
    assert!(stderr.contains(reason), "{stderr}");
}

#[test]
fn generate_says_why_the_backups_are_unknown_and_what_to_change() {
    let server = slow_bucket(300_000, Duration::from_millis(200));
    let dir = tempfile::tempdir().unwrap();
    let ran = run(
        dir.path(),
        &["--timeout", "3s", "generate", "--dry-run"],
        &stand_in_env(&server),
    );
    let (code, _, stderr) = ran.into_text();
    assert_eq!(code, 3, "{stderr}");
    // The summary line is the last one: nothing (a panic of a cancelled request) after it.
    let summary = stderr.lines().last().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        summary.contains("degraded: backups: no answer within 2s")
            && summary.contains("the bucket is too large to list within the deadline (")
            && summary.contains("raise BACKUP_LIST_CONCURRENCY (now 16) or STATUS_TIMEOUT"),
        "{stderr}"
    );
}

#[test]
fn a_listing_that_takes_over_half_its_time_warns_with_the_fixes() {
    // One page, answered after 2.5 s of the 4 s `status backups` may take.
    let server = slow_bucket(100, Duration::from_millis(2500));
    let dir = tempfile::tempdir().unwrap();
    let output = status_command(dir.path())
        .args(["--timeout", "4s", "backups"])
        .envs(stand_in_env(&server))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(" WARN ")
            && stderr.contains("listing s3://big/db/ took 2s ")
            && stderr
                .contains("more than half of the 4s it may take (100 objects in 1 list requests)")
            && stderr.contains("set a dated BACKUP_PREFIX (e.g. db/web-%Y%m%d)"),
        "{stderr}"
    );
}
