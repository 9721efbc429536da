//! Buckets through the library, at a `now` the test chooses: ages drive the health, and a
//! dated prefix lists only the folders its window can touch.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use status::sources::backups::{BackupObject, BackupReport, BackupStatus};

use super::{HOUR, body, whole_seconds};
use crate::support::library_settings;
use crate::support::moto::{Backups, Moto};

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
    old: &Backups,
    recent: &[String],
    now: DateTime<Utc>,
) -> BackupReport {
    let bucket = moto.create_bucket("dated").await;
    moto.load(&bucket, old).unwrap();
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
    let history = Backups {
        count: 56,
        newest: whole_seconds(now - TimeDelta::days(5)),
        spacing: Duration::from_secs(24 * HOUR),
        key_format: "db/%Y/%m/%d/dump.sql.gz",
        size: 100,
    };
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
