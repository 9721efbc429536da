//! What to tell the operator when a bucket is too large to list within the deadline, or close
//! to it: how far the listing got, and the fixes, with a dated prefix built from the keys seen.

use std::time::Duration;

use chrono::DateTime;
use chrono::Utc;

use super::listing::ListProgress;
use super::settings::{BackupSettings, BackupSource};
use super::{BackupReport, BackupStatus};
use crate::units::format_duration;

impl BackupReport {
    /// The report for a check stopped by its deadline (`overrun` says which and how long it
    /// had): status unknown, with the objects scanned and the requests sent by then. When the
    /// listing was under way, the reason says the bucket is too large and names the fixes.
    pub fn stopped_at_deadline(
        settings: &BackupSettings,
        checked_at: DateTime<Utc>,
        overrun: &str,
        progress: &ListProgress,
    ) -> BackupReport {
        let (objects_scanned, list_requests) =
            (progress.objects_scanned(), progress.list_requests());
        let reason = match &settings.source {
            BackupSource::Bucket { .. } if objects_scanned > 0 => format!(
                "{overrun}; the bucket is too large to list within the deadline \
                 ({objects_scanned} objects scanned in {list_requests} list requests); {}",
                fixes(settings, progress.last_key().as_deref())
            ),
            _ => overrun.to_string(),
        };
        BackupReport::unknown(settings.source.describe(), checked_at, reason, progress)
    }

    /// A warning when this bucket listing took more than half of the `given` time: the fixes,
    /// before the bucket grows past the deadline.
    pub fn slow_listing_warning(
        &self,
        settings: &BackupSettings,
        took: Duration,
        given: Duration,
    ) -> Option<String> {
        let slow = took > given / 2 && self.status != BackupStatus::Unknown;
        let BackupSource::Bucket { .. } = settings.source else {
            return None;
        };
        slow.then(|| {
            format!(
                "listing {} took {}, more than half of the {} it may take \
                 ({} objects in {} list requests); as the bucket grows it will not finish in \
                 time: {}",
                self.source,
                format_duration(took),
                format_duration(given),
                self.objects_scanned,
                self.list_requests,
                fixes(settings, self.newest.as_ref().map(|o| o.key.as_str())),
            )
        })
    }
}

/// The fixes for a listing that is too slow, as one clause.
fn fixes(settings: &BackupSettings, example_key: Option<&str>) -> String {
    let BackupSource::Bucket { prefix, .. } = &settings.source else {
        return String::new();
    };
    let dated = if prefix.is_dated() {
        "a finer dated BACKUP_PREFIX (down to %H)".to_string()
    } else {
        let example = example_key
            .and_then(|key| dated_prefix(prefix.template(), key))
            .unwrap_or_else(|| {
                format!(
                    "{}%Y/%m/%d/ with the backups written under dated folders",
                    prefix.template()
                )
            });
        format!("a dated BACKUP_PREFIX (e.g. {example})")
    };
    format!(
        "set {dated}, raise BACKUP_LIST_CONCURRENCY (now {}) or STATUS_TIMEOUT",
        settings.list_concurrency
    )
}

/// `db/api-%Y%m%d` for `db/api-20261126T0400.sql.gz`: the key up to the first date in it after
/// `prefix` (year, month and day, apart or joined by `-`, `_`, `.` or `/`), with strftime fields
/// for the date. `None` when the key holds no such date.
pub fn dated_prefix(prefix: &str, key: &str) -> Option<String> {
    let after = key.strip_prefix(prefix).map_or(0, |_| prefix.len());
    let bytes = key.as_bytes();
    (after..bytes.len()).find_map(|start| {
        let (template, end) = date_at(bytes, start)?;
        // A date must not be the tail of a longer number.
        if start > 0 && bytes[start - 1].is_ascii_digit() {
            return None;
        }
        let folder = if bytes.get(end) == Some(&b'/') {
            "/"
        } else {
            ""
        };
        Some(format!("{}{template}{folder}", &key[..start]))
    })
}

/// A date `YYYY<sep>MM<sep>DD` starting at `start`: its template and where it ends.
fn date_at(bytes: &[u8], start: usize) -> Option<(String, usize)> {
    let number = |at: usize, digits: usize| -> Option<u32> {
        let text = bytes.get(at..at + digits)?;
        text.iter()
            .all(u8::is_ascii_digit)
            .then(|| text.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let year = number(start, 4)?;
    if !(1970..=2199).contains(&year) {
        return None;
    }
    let sep = match bytes.get(start + 4)? {
        sep @ (b'-' | b'_' | b'.' | b'/') => Some(char::from(*sep)),
        _ => None,
    };
    let width = usize::from(sep.is_some());
    let month_at = start + 4 + width;
    let month = number(month_at, 2)?;
    let day_at = month_at + 2 + width;
    if sep.is_some_and(|sep| bytes.get(month_at + 2) != Some(&(sep as u8))) {
        return None;
    }
    let day = number(day_at, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let sep = sep.map(String::from).unwrap_or_default();
    Some((format!("%Y{sep}%m{sep}%d"), day_at + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dated_prefix_from_the_date_in_a_key() {
        for (key, expected) in [
            ("db/api-20261126T040000Z.sql.gz", Some("db/api-%Y%m%d")),
            ("db/2026/11/26/dump.sql.gz", Some("db/%Y/%m/%d/")),
            ("db/pg_2026-11-26_0400.dump", Some("db/pg_%Y-%m-%d")),
            ("db/host1.2026.11.26.tar", Some("db/host1.%Y.%m.%d")),
            // Not dates: a month 13, mixed separators, a longer number, no date at all.
            ("db/build-20261326.sql", None),
            ("db/2026-11/26.sql", None),
            ("db/x120261126.sql", None),
            ("db/latest.sql.gz", None),
        ] {
            assert_eq!(dated_prefix("db/", key).as_deref(), expected, "{key}");
        }
        // The date is looked for after the prefix.
        assert_eq!(
            dated_prefix("2026/", "2026/db-20261126.gz").as_deref(),
            Some("2026/db-%Y%m%d")
        );
    }
}
