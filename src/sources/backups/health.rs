//! The health rules: a pure function of the newest backup, the one before it, the time and
//! the thresholds. No I/O and no clock here, so every rule is tested with fixed times.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{BackupObject, BackupStatus};
use crate::units::{format_age, format_size};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Older than this: warning (`BACKUP_WARN_AFTER`).
    pub warn_after: Duration,
    /// Older than this: failed (`BACKUP_FAIL_AFTER`, longer than `warn_after`).
    pub fail_after: Duration,
    /// Smaller than this: failed (`BACKUP_MIN_SIZE`).
    pub min_size: u64,
}

/// The verdict on the newest backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub status: BackupStatus,
    /// Short and human: the findings that set the status, worst first.
    pub reason: String,
    /// `now - newest.last_modified` in whole seconds; a backup stamped in the future (clock
    /// skew) counts as age 0.
    pub age_seconds: Option<i64>,
}

/// `success`: age <= warn. `warning`: warn < age <= fail, or the newest is less than half the
/// size of the previous one. `failed`: age > fail, no backup at all, or the newest is smaller
/// than the minimum size. (`unknown` is for a source that could not be read: not decided here.)
pub fn assess(
    newest: Option<&BackupObject>,
    previous: Option<&BackupObject>,
    now: DateTime<Utc>,
    thresholds: &Thresholds,
) -> Assessment {
    let Some(newest) = newest else {
        return Assessment {
            status: BackupStatus::Failed,
            reason: "no backup found".into(),
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
    // Failed before warning; within a status, in the order the rules are listed above.
    findings.sort_by_key(|(status, _)| *status != BackupStatus::Failed);
    let status = findings
        .first()
        .map_or(BackupStatus::Success, |(status, _)| *status);
    let reason = if findings.is_empty() {
        format!("newest backup is {age_text} old")
    } else {
        findings
            .into_iter()
            .map(|(_, finding)| finding)
            .collect::<Vec<_>>()
            .join("; ")
    };
    Assessment {
        status,
        reason,
        age_seconds: Some(age),
    }
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
        assess(newest, previous, NOW.parse().unwrap(), &defaults())
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
    fn a_backup_from_the_future_counts_as_just_made() {
        let skewed = backup(-90, 1_000);
        let verdict = assess_at_now(Some(&skewed), None);
        assert_eq!(verdict.status, BackupStatus::Success);
        assert_eq!(verdict.age_seconds, Some(0));
    }
}
