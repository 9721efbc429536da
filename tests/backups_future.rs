//! Backups dated in the future (a wrong clock where they are written) are not trusted: they
//! never count as the newest, a warning says how many and the furthest date, and while any
//! exist the health is at least `warning`. Over a real local directory (file times set with
//! filetime) through the binary, and over the moto S3 server through the library with a `now`
//! derived from the LastModified moto gave (moto's clock cannot be set: a `now` earlier than an
//! object's time makes that object "from the future").

use std::path::Path;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};
use status::sources::backups::{BackupStatus, FutureBackups};

use crate::support::library_settings;
use crate::support::moto::Moto;
use crate::support::publish::{push_env, push_receiver, pushed, written};
use crate::support::run;

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Writes `name` last modified at `time` (whole seconds).
fn backup_file(dir: &Path, name: &str, time: DateTime<Utc>) {
    let path = dir.join(name);
    std::fs::write(&path, b"dump").unwrap();
    filetime::set_file_mtime(
        &path,
        filetime::FileTime::from_unix_time(time.timestamp(), 0),
    )
    .unwrap();
}

/// `status generate` over the backup directory `backups`, with a push receiver: the exit code,
/// stderr, the written document and the push (status, msg).
fn generate_over(backups: &Path) -> (i32, String, Value, (String, String)) {
    let receiver = push_receiver();
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("BACKUP_DIR", backups.display().to_string()),
        push_env(&receiver),
    ];
    let (code, _, stderr) = run(dir.path(), &["generate"], &env).into_text();
    let document = written(dir.path());
    (code, stderr, document, pushed(&receiver))
}

fn warning_line(stderr: &str, count: u64, furthest: DateTime<Utc>) -> Option<&str> {
    let backups = if count == 1 { "backup" } else { "backups" };
    let finding = format!(
        "{count} {backups} dated more than BACKUP_CLOCK_SKEW (5m) ahead, the furthest {}, not trusted: check the clock where backups are written",
        rfc3339(furthest)
    );
    stderr
        .lines()
        .find(|line| line.contains(" WARN ") && line.contains(&finding))
}

#[test]
fn a_file_from_the_future_does_not_hide_stopped_backups() {
    // The case: one file stamped 30 days ahead, the others 60 hours old.
    let now = Utc::now();
    let backups = tempfile::tempdir().unwrap();
    let stale = now - TimeDelta::hours(60);
    let ahead = now + TimeDelta::days(30);
    backup_file(backups.path(), "db-1.sql.gz", stale - TimeDelta::hours(24));
    backup_file(backups.path(), "db-2.sql.gz", stale);
    backup_file(backups.path(), "db-3.sql.gz", ahead);

    let (code, stderr, document, push) = generate_over(backups.path());
    assert_eq!(
        document["backups"],
        json!({"last_backup_status": "failed", "last_backup_time": rfc3339(stale)})
    );
    // The source was read and the page tells the truth: the run itself succeeded.
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(push, ("up".to_string(), "OK".to_string()));
    let warning = warning_line(&stderr, 1, ahead).unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        warning.contains(&format!(
            "{}: newest backup is 2d 12h old, over BACKUP_FAIL_AFTER",
            backups.path().display()
        )),
        "{warning}"
    );
}

#[test]
fn a_file_from_the_future_makes_fresh_backups_a_warning() {
    let now = Utc::now();
    let backups = tempfile::tempdir().unwrap();
    let fresh = now - TimeDelta::hours(1);
    let (near, far) = (now + TimeDelta::hours(2), now + TimeDelta::days(400));
    backup_file(backups.path(), "db-fresh.sql.gz", fresh);
    backup_file(backups.path(), "db-near.sql.gz", near);
    backup_file(backups.path(), "db-far.sql.gz", far);

    let (code, stderr, document, push) = generate_over(backups.path());
    assert_eq!(
        document["backups"],
        json!({"last_backup_status": "warning", "last_backup_time": rfc3339(fresh)})
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(push, ("up".to_string(), "OK".to_string()));
    assert!(warning_line(&stderr, 2, far).is_some(), "{stderr}");

    // A file a minute ahead (within BACKUP_CLOCK_SKEW) is trusted: the newest, published as
    // "now", never as a time that has not come.
    let skewed = tempfile::tempdir().unwrap();
    backup_file(
        skewed.path(),
        "db.sql.gz",
        Utc::now() + TimeDelta::minutes(1),
    );
    let (code, stderr, document, _) = generate_over(skewed.path());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(document["backups"]["last_backup_status"], "success");
    assert_eq!(
        document["backups"]["last_backup_time"], document["updated_at"],
        "{document}"
    );
    assert!(!stderr.contains("WARN"), "{stderr}");
}

#[tokio::test]
async fn an_object_from_the_future_is_not_the_newest() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("future").await;
    let older = moto
        .put_object(&bucket, "db/a.sql.gz", b"dump".to_vec())
        .await;
    let newer = moto
        .put_object_newer_than(&bucket, "db/b.sql.gz", b"dump".to_vec(), older)
        .await;
    let settings = library_settings(&bucket, "db/");

    // One second past the skew before the newer object: it is 5m 1s ahead, the older one at
    // most 5m ahead, so trusted (and published as now).
    let now = newer - TimeDelta::seconds(5 * 60 + 1);
    let report = status::sources::backups::check(&settings, &moto.spaces(), now)
        .await
        .unwrap();
    assert_eq!(report.newest.as_ref().unwrap().key, "db/a.sql.gz");
    assert_eq!(report.status, BackupStatus::Warning);
    assert_eq!(
        report.future_dated,
        FutureBackups {
            count: 1,
            furthest: Some(newer)
        }
    );
    assert_eq!(
        report.reason,
        format!(
            "1 backup dated more than BACKUP_CLOCK_SKEW (5m) ahead, the furthest {}, not trusted: check the clock where backups are written",
            rfc3339(newer)
        )
    );
    let document = status::document::build(
        now,
        &status::document::Sources {
            backups: Some(&report),
            ..Default::default()
        },
    );
    let published = serde_json::to_value(document.backups).unwrap();
    assert_eq!(
        published,
        json!({"last_backup_status": "warning", "last_backup_time": rfc3339(older.min(now))})
    );

    // A month before both: nothing is trusted, so no backup at all.
    let now = older - TimeDelta::days(30);
    let report = status::sources::backups::check(&settings, &moto.spaces(), now)
        .await
        .unwrap();
    assert_eq!(report.newest, None);
    assert_eq!(report.status, BackupStatus::Failed);
    assert_eq!(report.future_dated.count, 2);
    assert_eq!(report.future_dated.furthest, Some(newer));
    assert!(
        report
            .reason
            .starts_with("no backup found; 2 backups dated more than"),
        "{}",
        report.reason
    );
}
