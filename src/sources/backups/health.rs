//! The health rules: a pure function of the newest trusted backup, the one before it, the
//! backups dated in the future, the time and the thresholds. No I/O and no clock here, so every
//! rule is tested with fixed times.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::newest::FutureBackups;
use super::{BackupObject, BackupStatus};
use crate::units::{format_age, format_size};

/// The finding when no trusted backup matched (the check adds the glob to it).
pub const NO_BACKUP: &str = "no backup found";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Older than this: warning (`BACKUP_WARN_AFTER`).
    pub warn_after: Duration,
    /// Older than this: failed (`BACKUP_FAIL_AFTER`, longer than `warn_after`).
    pub fail_after: Duration,
    /// Smaller than this: failed (`BACKUP_MIN_SIZE`).
    pub min_size: u64,
    /// Dated more than this ahead of the clock: not trusted, and a warning
    /// (`BACKUP_CLOCK_SKEW`).
    pub clock_skew: Duration,
}

impl Thresholds {
    /// The latest time a backup may carry and still be trusted at `now`.
    pub fn trusted_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        // The skew is a validated setting (at most 10 years), so this cannot overflow.
        now + self.clock_skew
    }
}

/// The verdict on the newest backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub status: BackupStatus,
    /// Short and human: the findings that set the status, worst first.
    pub reason: String,
    /// `now - newest.last_modified` in whole seconds; a trusted backup stamped slightly in the
    /// future (within `BACKUP_CLOCK_SKEW`) counts as age 0.
    pub age_seconds: Option<i64>,
}

/// `success`: age <= warn. `warning`: warn < age <= fail, the newest is less than half the
/// size of the previous one, or some backups are dated more than the clock skew ahead (they
/// are not trusted: `newest` and `previous` are the trusted ones). `failed`: age > fail, no
/// trusted backup at all, or the newest is smaller than the minimum size. (`unknown` is for a
/// source that could not be read: not decided here.)
pub fn assess(
    newest: Option<&BackupObject>,
    previous: Option<&BackupObject>,
    future: &FutureBackups,
    now: DateTime<Utc>,
    thresholds: &Thresholds,
) -> Assessment {
    let untrusted = future.furthest.map(|furthest| {
        (
            BackupStatus::Warning,
            future_finding(future.count, furthest, thresholds),
        )
    });
    let Some(newest) = newest else {
        let findings = [(BackupStatus::Failed, NO_BACKUP.to_string())];
        return Assessment {
            status: BackupStatus::Failed,
            reason: join_findings(findings.into_iter().chain(untrusted).collect()),
            age_seconds: None,
        };
    };
    let age = (now - newest.last_modified).num_seconds().max(0);
    let age_text = format_age(Duration::from_secs(age.unsigned_abs()));
    let mut findings: Vec<(BackupStatus, String)> = Vec::new();
    if age.unsigned_abs() > thresholds.fail_after.as_secs() {
        findings.push((
            BackupStatus::Failed,
            format!(
                "newest backup is {age_text} old, over BACKUP_FAIL_AFTER ({})",
                format_age(thresholds.fail_after)
            ),
        ));
    } else if age.unsigned_abs() > thresholds.warn_after.as_secs() {
        findings.push((
            BackupStatus::Warning,
            format!(
                "newest backup is {age_text} old, over BACKUP_WARN_AFTER ({})",
                format_age(thresholds.warn_after)
            ),
        ));
    }
    if newest.size < thresholds.min_size {
        findings.push((
            BackupStatus::Failed,
            format!(
                "newest backup is {}, under BACKUP_MIN_SIZE ({})",
                format_size(newest.size),
                format_size(thresholds.min_size)
            ),
        ));
    }
    if let Some(previous) = previous
        && newest.size.saturating_mul(2) < previous.size
    {
        findings.push((
            BackupStatus::Warning,
            format!(
                "newest backup is {}, less than half the previous one ({})",
                format_size(newest.size),
                format_size(previous.size)
            ),
        ));
    }
    findings.extend(untrusted);
    // Failed before warning; within a status, in the order the rules are listed above.
    findings.sort_by_key(|(status, _)| *status != BackupStatus::Failed);
    let status = findings
        .first()
        .map_or(BackupStatus::Success, |(status, _)| *status);
    let reason = if findings.is_empty() {
        format!("newest backup is {age_text} old")
    } else {
        join_findings(findings)
    };
    Assessment {
        status,
        reason,
        age_seconds: Some(age),
    }
}

fn join_findings(findings: Vec<(BackupStatus, String)>) -> String {
    findings
        .into_iter()
        .map(|(_, finding)| finding)
        .collect::<Vec<_>>()
        .join("; ")
}

/// How many backups are not trusted, and the furthest date: where to look for the wrong clock.
fn future_finding(count: u64, furthest: DateTime<Utc>, thresholds: &Thresholds) -> String {
    let backups = if count == 1 { "backup" } else { "backups" };
    format!(
        "{count} {backups} dated more than BACKUP_CLOCK_SKEW ({}) ahead, the furthest {}, not trusted: check the clock where backups are written",
        format_age(thresholds.clock_skew),
        furthest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2025-11-10T12:00:00Z";
    const HOUR: i64 = 3_600;

    fn defaults() -> Thresholds {
        Thresholds {
            warn_after: Duration::from_secs(26 * 3_600),
            fail_after: Duration::from_secs(50 * 3_600),
            min_size: 1,
            clock_skew: Duration::from_secs(5 * 60),
        }
    }

    fn backup(seconds_before_now: i64, size: u64) -> BackupObject {
        let now: DateTime<Utc> = NOW.parse().unwrap();
        BackupObject {
            key: format!("db/{seconds_before_now}.sql.gz"),
            last_modified: now - chrono::TimeDelta::seconds(seconds_before_now),
            size,
        }
    }

    fn assess_at_now(newest: Option<&BackupObject>, previous: Option<&BackupObject>) -> Assessment {
        assess(
            newest,
            previous,
            &FutureBackups::default(),
            NOW.parse().unwrap(),
            &defaults(),
        )
    }

    #[test]
    fn age_sets_success_warning_failed_with_the_thresholds_inclusive() {
        let warn = "over BACKUP_WARN_AFTER (26h)";
        let fail = "over BACKUP_FAIL_AFTER (2d 2h)";
        for (age, status, reason) in [
            (
                2 * HOUR + 5 * 60,
                BackupStatus::Success,
                "newest backup is 2h 5m old".to_string(),
            ),
            // "Older than" is strictly older: exactly at a threshold is the milder status.
            (
                26 * HOUR,
                BackupStatus::Success,
                "newest backup is 26h old".into(),
            ),
            (
                26 * HOUR + 60,
                BackupStatus::Warning,
                format!("newest backup is 26h 1m old, {warn}"),
            ),
            (
                50 * HOUR,
                BackupStatus::Warning,
                format!("newest backup is 2d 2h old, {warn}"),
            ),
            (
                50 * HOUR + 1,
                BackupStatus::Failed,
                format!("newest backup is 2d 2h old, {fail}"),
            ),
        ] {
            let verdict = assess_at_now(Some(&backup(age, 1_000)), None);
            assert_eq!(
                (verdict.status, verdict.reason),
                (status, reason),
                "age {age}s"
            );
            assert_eq!(verdict.age_seconds, Some(age));
        }
    }

    #[test]
    fn no_backup_is_failed() {
        let verdict = assess_at_now(None, None);
        assert_eq!(verdict.status, BackupStatus::Failed);
        assert_eq!(verdict.reason, "no backup found");
        assert_eq!(verdict.age_seconds, None);
    }

    #[test]
    fn under_min_size_is_failed_even_when_fresh() {
        let empty = backup(HOUR, 0);
        let verdict = assess_at_now(Some(&empty), None);
        assert_eq!(verdict.status, BackupStatus::Failed);
        assert_eq!(
            verdict.reason,
            "newest backup is 0 B, under BACKUP_MIN_SIZE (1 B)"
        );
    }

    #[test]
    fn less_than_half_the_previous_size_is_warning() {
        let previous = backup(25 * HOUR, 10_000);
        let shrunk = backup(HOUR, 4_999);
        let verdict = assess_at_now(Some(&shrunk), Some(&previous));
        assert_eq!(verdict.status, BackupStatus::Warning);
        assert_eq!(
            verdict.reason,
            "newest backup is 4.9 KiB, less than half the previous one (9.8 KiB)"
        );
        // Exactly half is not "less than half".
        let half = backup(HOUR, 5_000);
        assert_eq!(
            assess_at_now(Some(&half), Some(&previous)).status,
            BackupStatus::Success
        );
    }

    #[test]
    fn every_finding_is_reported_worst_first() {
        let previous = backup(60 * HOUR, 10_000);
        let newest = backup(30 * HOUR, 0);
        let verdict = assess_at_now(Some(&newest), Some(&previous));
        assert_eq!(verdict.status, BackupStatus::Failed);
        assert_eq!(
            verdict.reason,
            "newest backup is 0 B, under BACKUP_MIN_SIZE (1 B); \
             newest backup is 30h old, over BACKUP_WARN_AFTER (26h); \
             newest backup is 0 B, less than half the previous one (9.8 KiB)"
        );
    }

    #[test]
    fn a_backup_within_the_clock_skew_counts_as_just_made() {
        let skewed = backup(-90, 1_000);
        let verdict = assess_at_now(Some(&skewed), None);
        assert_eq!(verdict.status, BackupStatus::Success);
        assert_eq!(verdict.age_seconds, Some(0));
    }

    fn future(count: u64, seconds_after_now: i64) -> FutureBackups {
        let now: DateTime<Utc> = NOW.parse().unwrap();
        FutureBackups {
            count,
            furthest: Some(now + chrono::TimeDelta::seconds(seconds_after_now)),
        }
    }

    fn assess_with_future(newest: Option<&BackupObject>, future: &FutureBackups) -> Assessment {
        assess(newest, None, future, NOW.parse().unwrap(), &defaults())
    }

    #[test]
    fn the_skew_is_the_limit_of_trust() {
        let now: DateTime<Utc> = NOW.parse().unwrap();
        assert_eq!(
            defaults().trusted_until(now),
            "2025-11-10T12:05:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn backups_from_the_future_make_a_fresh_one_a_warning() {
        let fresh = backup(HOUR, 1_000);
        let verdict = assess_with_future(Some(&fresh), &future(1, 30 * 24 * HOUR));
        assert_eq!(verdict.status, BackupStatus::Warning);
        assert_eq!(
            verdict.reason,
            "1 backup dated more than BACKUP_CLOCK_SKEW (5m) ahead, the furthest \
             2025-12-10T12:00:00Z, not trusted: check the clock where backups are written"
        );
        assert_eq!(verdict.age_seconds, Some(HOUR));
    }

    #[test]
    fn backups_from_the_future_never_hide_a_stopped_job() {
        // The case: one object 30 days ahead, the others 60 h old.
        let stale = backup(60 * HOUR, 1_000);
        let verdict = assess_with_future(Some(&stale), &future(1, 30 * 24 * HOUR));
        assert_eq!(verdict.status, BackupStatus::Failed);
        assert_eq!(
            verdict.reason,
            "newest backup is 2d 12h old, over BACKUP_FAIL_AFTER (2d 2h); \
             1 backup dated more than BACKUP_CLOCK_SKEW (5m) ahead, the furthest \
             2025-12-10T12:00:00Z, not trusted: check the clock where backups are written"
        );
    }

    #[test]
    fn only_backups_from_the_future_is_no_backup() {
        let verdict = assess_with_future(None, &future(3, 2 * HOUR));
        assert_eq!(verdict.status, BackupStatus::Failed);
        assert_eq!(
            verdict.reason,
            "no backup found; 3 backups dated more than BACKUP_CLOCK_SKEW (5m) ahead, the \
             furthest 2025-11-10T14:00:00Z, not trusted: check the clock where backups are written"
        );
        assert_eq!(verdict.age_seconds, None);
    }
}
