//! `status backups` without `--json`: the report as a small two-column table for a person.

use chrono::SecondsFormat;

use super::BackupReport;
use crate::units::{format_age, format_size};

pub fn render(report: &BackupReport) -> String {
    let time = |object: &super::BackupObject| {
        object
            .last_modified
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    let missing = || "-".to_string();
    let newest = report.newest.as_ref();
    let rows = [
        ("source", report.source.clone()),
        ("newest", newest.map_or_else(missing, |o| o.key.clone())),
        ("time", newest.map_or_else(missing, time)),
        (
            "age",
            report.age_seconds.map_or_else(missing, |age| {
                format_age(std::time::Duration::from_secs(age.unsigned_abs()))
            }),
        ),
        ("size", newest.map_or_else(missing, |o| format_size(o.size))),
        ("future-dated", future_dated(report)),
        ("status", report.status.to_string()),
        ("reason", report.reason.clone()),
        (
            "previous",
            report.previous.as_ref().map_or_else(missing, |o| {
                format!("{} ({}, {})", o.key, time(o), format_size(o.size))
            }),
        ),
        ("objects scanned", report.objects_scanned.to_string()),
        ("list requests", report.list_requests.to_string()),
    ];
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(label, value)| format!("{label:<width$}  {value}\n"))
        .collect()
}

/// `none`, or how many backups are dated too far ahead to be trusted, and the furthest date.
fn future_dated(report: &BackupReport) -> String {
    match report.future_dated.furthest {
        None => "none".to_string(),
        Some(furthest) => format!(
            "{}, the furthest {} (not trusted)",
            report.future_dated.count,
            furthest.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BackupObject, BackupStatus, FutureBackups};
    use super::*;

    #[test]
    fn one_row_per_field_with_dashes_for_what_is_missing() {
        let checked_at = "2025-11-10T12:00:00Z".parse().unwrap();
        let mut report = BackupReport {
            source: "s3://backups/db/".into(),
            checked_at,
            status: BackupStatus::Success,
            reason: "newest backup is 10h old".into(),
            newest: Some(BackupObject {
                key: "db/2025-11-10.sql.gz".into(),
                last_modified: "2025-11-10T02:00:00Z".parse().unwrap(),
                size: 1536,
            }),
            previous: None,
            age_seconds: Some(36_000),
            future_dated: FutureBackups::default(),
            objects_scanned: 2500,
            list_requests: 3,
        };
        assert_eq!(
            render(&report),
            "\
source           s3://backups/db/
newest           db/2025-11-10.sql.gz
time             2025-11-10T02:00:00Z
age              10h
size             1.5 KiB
future-dated     none
status           success
reason           newest backup is 10h old
previous         -
objects scanned  2500
list requests    3
"
        );
        report.future_dated = FutureBackups {
            count: 2,
            furthest: Some("2025-12-10T02:00:00Z".parse().unwrap()),
        };
        assert!(
            render(&report).contains(
                "\nfuture-dated     2, the furthest 2025-12-10T02:00:00Z (not trusted)\n"
            )
        );
    }
}
