//! `BACKUP_*` settings: where the backups are and what counts as healthy.

use std::path::PathBuf;
use std::time::Duration;

use globset::{GlobBuilder, GlobMatcher};

use super::health::Thresholds;
use super::prefix::KeyPrefix;
use crate::config::EnvSource;
use crate::units::format_age;

const DEFAULT_WARN_AFTER: Duration = Duration::from_secs(26 * 3600);
const DEFAULT_FAIL_AFTER: Duration = Duration::from_secs(50 * 3600);
/// Clocks on different machines drift by seconds; a backup dated further ahead than this is
/// a wrong clock, not a fresh backup.
const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);
/// A backup older than this is failed whatever the settings say; it also bounds the prefixes
/// a dated `BACKUP_PREFIX` expands to.
const MAX_FAIL_AFTER: Duration = Duration::from_secs(366 * 24 * 3600);
/// List requests in flight at once for one prefix: a million keys in about 10 s at 100 ms a
/// request (docs/benchmarks.md, Backup listing).
const DEFAULT_LIST_CONCURRENCY: usize = 16;

/// Where backups are listed: exactly one of a bucket (with a prefix) or a local directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupSource {
    Bucket {
        bucket: String,
        prefix: KeyPrefix,
    },
    /// Files directly in this directory (not its subdirectories), by modification time.
    Dir(PathBuf),
}

impl BackupSource {
    /// `s3://bucket/db/%Y/` or the directory path: for reports and messages.
    pub fn describe(&self) -> String {
        match self {
            BackupSource::Bucket { bucket, prefix } => {
                format!("s3://{bucket}/{}", prefix.template())
            }
            BackupSource::Dir(dir) => dir.display().to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct BackupSettings {
    pub source: BackupSource,
    /// Glob on the part of the key after the prefix (or the file name), e.g. `*.sql.gz`.
    pub match_glob: Option<GlobMatcher>,
    pub thresholds: Thresholds,
    /// Most list requests in flight at once (`BACKUP_LIST_CONCURRENCY`); 1 lists page after page.
    pub list_concurrency: usize,
}

impl BackupSettings {
    /// `None` when backups are deliberately not watched (neither `BACKUP_BUCKET` nor
    /// `BACKUP_DIR`; said once in `unconfigured`) or a setting is invalid (recorded in `env`).
    /// Every `BACKUP_*` value is checked either way.
    pub fn from_env(env: &EnvSource, unconfigured: &mut Vec<String>) -> Option<BackupSettings> {
        let prefix = match env.raw("BACKUP_PREFIX") {
            None => Some(KeyPrefix::fixed("")),
            Some(_) => env.checked("BACKUP_PREFIX", KeyPrefix::parse),
        };
        let match_glob = env.parsed(
            "BACKUP_MATCH",
            "is not a valid glob; expected e.g. *.sql.gz",
            |raw| {
                GlobBuilder::new(raw)
                    .build()
                    .ok()
                    .map(|glob| glob.compile_matcher())
            },
        );
        let warn_after = env.duration("BACKUP_WARN_AFTER", DEFAULT_WARN_AFTER);
        let fail_after = env.duration("BACKUP_FAIL_AFTER", DEFAULT_FAIL_AFTER);
        if env.all_valid(&["BACKUP_WARN_AFTER", "BACKUP_FAIL_AFTER"]) {
            if fail_after <= warn_after {
                env.refuse_setting(
                    "BACKUP_FAIL_AFTER",
                    format!(
                        "BACKUP_FAIL_AFTER ({}) must be longer than BACKUP_WARN_AFTER ({})",
                        format_age(fail_after),
                        format_age(warn_after)
                    ),
                );
            } else if fail_after > MAX_FAIL_AFTER {
                env.refuse_setting(
                    "BACKUP_FAIL_AFTER",
                    format!(
                        "BACKUP_FAIL_AFTER ({}) is over the limit of 366 days",
                        format_age(fail_after)
                    ),
                );
            }
        }
        let min_size = env.size("BACKUP_MIN_SIZE", 1, 0);
        let clock_skew = env.duration("BACKUP_CLOCK_SKEW", DEFAULT_CLOCK_SKEW);
        let list_concurrency =
            env.number("BACKUP_LIST_CONCURRENCY", DEFAULT_LIST_CONCURRENCY, 1, 256);
        let source = match (env.string("BACKUP_BUCKET"), env.path("BACKUP_DIR")) {
            (Some(_), Some(_)) => {
                env.refuse_setting(
                    "BACKUP_DIR",
                    "BACKUP_BUCKET and BACKUP_DIR are both set: backups are read from one source; unset one of them",
                );
                return None;
            }
            (None, None) => {
                unconfigured.push(
                    "BACKUP_BUCKET and BACKUP_DIR are not set: backups are not checked, so backup health is unknown".into(),
                );
                return None;
            }
            (Some(bucket), None) => BackupSource::Bucket {
                bucket,
                prefix: prefix?,
            },
            (None, Some(dir)) => {
                if env.raw("BACKUP_PREFIX").is_some() {
                    env.refuse_setting(
                        "BACKUP_PREFIX",
                        "BACKUP_PREFIX: set, but it applies to BACKUP_BUCKET only; with BACKUP_DIR use BACKUP_MATCH to pick files",
                    );
                    return None;
                }
                BackupSource::Dir(dir)
            }
        };
        Some(BackupSettings {
            source,
            match_glob,
            list_concurrency,
            thresholds: Thresholds {
                warn_after,
                fail_after,
                min_size,
                clock_skew,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Option<BackupSettings>, Vec<String>> {
        let env = EnvSource::from_pairs(pairs);
        let settings = BackupSettings::from_env(&env, &mut Vec::new());
        match env.finish() {
            Ok(()) => Ok(settings),
            Err(errors) => Err(errors.iter().map(ToString::to_string).collect()),
        }
    }

    #[test]
    fn unconfigured_says_so_once() {
        let mut unconfigured = Vec::new();
        let settings = BackupSettings::from_env(&EnvSource::from_pairs(&[]), &mut unconfigured);
        assert!(settings.is_none());
        assert_eq!(unconfigured.len(), 1);
        assert!(unconfigured[0].starts_with("BACKUP_BUCKET and BACKUP_DIR are not set"));
    }

    #[test]
    fn bucket_with_defaults() {
        let settings = load(&[("BACKUP_BUCKET", "backups"), ("BACKUP_PREFIX", "db/")])
            .unwrap()
            .unwrap();
        assert_eq!(settings.source.describe(), "s3://backups/db/");
        assert!(settings.match_glob.is_none());
        assert_eq!(
            settings.thresholds,
            Thresholds {
                warn_after: Duration::from_secs(26 * 3600),
                fail_after: Duration::from_secs(50 * 3600),
                min_size: 1,
                clock_skew: Duration::from_secs(300),
            }
        );
        let whole_bucket = load(&[("BACKUP_BUCKET", "backups")]).unwrap().unwrap();
        assert_eq!(whole_bucket.source.describe(), "s3://backups/");
    }

    #[test]
    fn dir_with_match_thresholds_and_size() {
        let settings = load(&[
            ("BACKUP_DIR", "/var/backups/db"),
            ("BACKUP_MATCH", "*.sql.gz"),
            ("BACKUP_WARN_AFTER", "2h"),
            ("BACKUP_FAIL_AFTER", "1d"),
            ("BACKUP_MIN_SIZE", "10MiB"),
            ("BACKUP_CLOCK_SKEW", "1m"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            settings.source,
            BackupSource::Dir(PathBuf::from("/var/backups/db"))
        );
        let glob = settings.match_glob.unwrap();
        assert!(glob.is_match("2025-11-10.sql.gz") && !glob.is_match("2025-11-10.log"));
        assert_eq!(settings.thresholds.warn_after, Duration::from_secs(7200));
        assert_eq!(settings.thresholds.fail_after, Duration::from_secs(86400));
        assert_eq!(settings.thresholds.min_size, 10 << 20);
        assert_eq!(settings.thresholds.clock_skew, Duration::from_secs(60));
    }

    #[test]
    fn config_errors_name_the_settings() {
        let message = |pairs: &[(&str, &str)]| load(pairs).unwrap_err().join("\n");
        assert_eq!(
            message(&[("BACKUP_BUCKET", "b"), ("BACKUP_DIR", "/d")]),
            "BACKUP_BUCKET and BACKUP_DIR are both set: backups are read from one source; unset one of them"
        );
        assert_eq!(
            message(&[
                ("BACKUP_DIR", "/d"),
                ("BACKUP_WARN_AFTER", "50h"),
                ("BACKUP_FAIL_AFTER", "26h")
            ]),
            "BACKUP_FAIL_AFTER (26h) must be longer than BACKUP_WARN_AFTER (2d 2h)"
        );
        assert!(
            message(&[("BACKUP_DIR", "/d"), ("BACKUP_FAIL_AFTER", "26h")])
                .starts_with("BACKUP_FAIL_AFTER (26h) must be longer")
        );
        assert!(
            message(&[("BACKUP_DIR", "/d"), ("BACKUP_FAIL_AFTER", "400days")]).contains("366 days")
        );
        assert!(
            message(&[("BACKUP_DIR", "/d"), ("BACKUP_CLOCK_SKEW", "0s")])
                .starts_with(r#"BACKUP_CLOCK_SKEW: "0s" is not a duration"#)
        );
        assert_eq!(
            message(&[("BACKUP_DIR", "/d"), ("BACKUP_MIN_SIZE", "big")]),
            r#"BACKUP_MIN_SIZE: "big" is not a size; expected bytes or e.g. 10MiB, 5MB"#
        );
        assert_eq!(
            message(&[("BACKUP_DIR", "/d"), ("BACKUP_MATCH", "db/[")]),
            r#"BACKUP_MATCH: "db/[" is not a valid glob; expected e.g. *.sql.gz"#
        );
        assert!(
            message(&[("BACKUP_DIR", "/d"), ("BACKUP_PREFIX", "db/")])
                .starts_with("BACKUP_PREFIX: set, but it applies to BACKUP_BUCKET only")
        );
        assert_eq!(
            message(&[("BACKUP_BUCKET", "b"), ("BACKUP_PREFIX", "db/%Y/%M/")]),
            r#"BACKUP_PREFIX: "db/%Y/%M/" has minute or second fields; the finest field a prefix may hold is the hour (%H)"#
        );
    }

    #[test]
    fn every_invalid_backup_setting_is_reported_once() {
        let errors = load(&[
            ("BACKUP_DIR", "/d"),
            ("BACKUP_WARN_AFTER", "soon"),
            ("BACKUP_FAIL_AFTER", "20h"),
            ("BACKUP_MIN_SIZE", "big"),
            ("BACKUP_MATCH", "db/["),
        ])
        .unwrap_err();
        // No comparison of BACKUP_FAIL_AFTER against a BACKUP_WARN_AFTER the operator did
        // not set.
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("BACKUP_MATCH: "), "{errors:?}");
        assert!(errors[1].starts_with("BACKUP_WARN_AFTER: "), "{errors:?}");
        assert!(errors[2].starts_with("BACKUP_MIN_SIZE: "), "{errors:?}");
    }

    #[test]
    fn dated_prefix_is_parsed() {
        let settings = load(&[("BACKUP_BUCKET", "b"), ("BACKUP_PREFIX", "db/%Y/%m/%d/")])
            .unwrap()
            .unwrap();
        let BackupSource::Bucket { prefix, .. } = settings.source else {
            panic!("not a bucket source");
        };
        assert!(prefix.is_dated());
    }
}
