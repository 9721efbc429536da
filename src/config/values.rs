//! The typed getters of [`EnvSource`]: each parses one setting, and a value it refuses is
//! recorded (naming the setting, the value and what is expected) and gives the default. A
//! default written in the code is checked against the settings table.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::{EnvSource, parse_size, table};

impl EnvSource {
    /// The value of a setting without a default in the table.
    pub fn raw(&self, key: &str) -> Option<String> {
        check_default(key, |table| table.is_none());
        self.lookup(key).map(|(value, _)| value)
    }

    pub fn string(&self, key: &str) -> Option<String> {
        self.raw(key)
    }

    /// The value of `key`, else `default` (which must be the table's).
    pub fn string_or(&self, key: &str, default: &str) -> String {
        check_default(key, |table| table == Some(default));
        self.lookup(key)
            .map_or_else(|| default.to_string(), |(value, _)| value)
    }

    pub fn path(&self, key: &str) -> Option<PathBuf> {
        self.raw(key).map(PathBuf::from)
    }

    /// A path, else `default` (which must be the table's).
    pub fn path_or(&self, key: &str, default: &str) -> PathBuf {
        PathBuf::from(self.string_or(key, default))
    }

    /// A duration in whole seconds from 1s to 10 years ([`parse_duration`]); `default` must be
    /// the table's.
    pub fn duration(&self, key: &str, default: Duration) -> Duration {
        self.parsed_or(key, DURATION_RULE, parse_duration, default)
    }

    /// `true`/`false` (also 1/0, yes/no, on/off); `default` must be the table's.
    pub fn bool(&self, key: &str, default: bool) -> bool {
        self.parsed_or(
            key,
            "is not a boolean; expected true or false",
            parse_bool,
            default,
        )
    }

    /// A whole number in `min..=max`; `default` must be the table's.
    pub fn number<T>(&self, key: &str, default: T, min: T, max: T) -> T
    where
        T: FromStr + PartialOrd + Copy + fmt::Display,
    {
        let expected = format!("is not a whole number from {min} to {max}");
        self.parsed_or(
            key,
            &expected,
            |raw| raw.parse::<T>().ok().filter(|n| *n >= min && *n <= max),
            default,
        )
    }

    /// A byte size ([`parse_size`]) of at least `min` bytes; `default` must be the table's.
    pub fn size(&self, key: &str, default: u64, min: u64) -> u64 {
        let at_least = match min {
            0 => String::new(),
            _ => format!(" of at least {min} bytes"),
        };
        let expected = format!("is not a size{at_least}; expected bytes or e.g. 10MiB, 5MB");
        self.parsed_or(
            key,
            &expected,
            |raw| parse_size(raw).filter(|size| *size >= min),
            default,
        )
    }

    /// A comma-separated list of monitor ids, e.g. `1,2,5`.
    pub fn id_list(&self, key: &str) -> Option<Vec<u64>> {
        self.parsed(
            key,
            "is not a comma-separated list of ids; expected e.g. 1,2,5",
            |raw| {
                raw.split(',')
                    .map(|part| part.trim().parse::<u64>().ok())
                    .collect::<Option<Vec<u64>>>()
            },
        )
    }

    /// A comma-separated list of words, each one of `allowed`.
    pub fn word_list(&self, key: &str, allowed: &[&str]) -> Vec<String> {
        let expected = format!("is not a comma-separated list of {}", allowed.join(", "));
        self.parsed(key, &expected, |raw| {
            raw.split(',')
                .map(|part| part.trim().to_ascii_lowercase())
                .map(|word| allowed.contains(&word.as_str()).then_some(word))
                .collect::<Option<Vec<String>>>()
        })
        .unwrap_or_default()
    }

    /// One of `allowed` (case-insensitive); `default` must be the table's.
    pub fn choice(
        &self,
        key: &str,
        allowed: &[&'static str],
        default: &'static str,
    ) -> &'static str {
        let expected = format!("is not one of {}", allowed.join(", "));
        self.parsed_or(
            key,
            &expected,
            |raw| {
                allowed
                    .iter()
                    .copied()
                    .find(|choice| choice.eq_ignore_ascii_case(raw))
            },
            default,
        )
    }

    /// An absolute http(s) URL. A trailing `/` is removed so paths can be appended.
    pub fn http_url(&self, key: &str) -> Option<reqwest::Url> {
        self.parsed(key, "is not an http(s) URL", |raw| {
            let url = reqwest::Url::parse(raw.trim_end_matches('/')).ok()?;
            let ok = matches!(url.scheme(), "http" | "https") && url.host_str().is_some();
            ok.then_some(url)
        })
    }

    /// Parses the value of a setting without a default with `parse`; a value it rejects is
    /// recorded as a one-line error naming the setting, the value and `expected`, and gives
    /// `None`.
    pub fn parsed<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        check_default(key, |table| table.is_none());
        self.parse(key, expected, parse)
    }

    /// [`parsed`](Self::parsed) for a setting with a default, which must parse to the table's.
    pub fn parsed_or<T: PartialEq>(
        &self,
        key: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
        default: T,
    ) -> T {
        check_default(key, |table| {
            table.and_then(&parse).as_ref() == Some(&default)
        });
        self.parse(key, expected, &parse).unwrap_or(default)
    }

    fn parse<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        self.checked(key, |raw| parse(raw).ok_or_else(|| expected.to_string()))
    }

    /// Like [`EnvSource::parsed`], with the reason a value is refused given by `parse`.
    pub fn checked<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let (raw, _) = self.lookup(key)?;
        match parse(&raw) {
            Ok(value) => Some(value),
            Err(why) => {
                self.refuse_setting(key, format!("{}: {raw:?} {why}", self.label(key)));
                None
            }
        }
    }
}

/// Debug builds check that a default written in the code is the table's: otherwise
/// `.env.example`, the docs and `status config` would show another default than the one used.
fn check_default(key: &str, agrees: impl FnOnce(Option<&'static str>) -> bool) {
    if cfg!(debug_assertions) {
        let table = table::find(key).and_then(table::Setting::default_value);
        assert!(
            agrees(table),
            "{key}: the code's default is not the one in src/config/table.rs ({table:?})"
        );
    }
}

pub(super) fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The rule every duration setting follows, as its error message says it.
const DURATION_RULE: &str =
    "is not a duration in whole seconds from 1s to 10 years; expected e.g. 45s, 10m, 26h";

/// The longest duration a setting may hold: far beyond any sensible threshold, and small
/// enough that deadlines and date arithmetic built on it can never overflow.
const MAX_DURATION: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

/// A human duration such as `45s`, `2m`, `26h` or `1h 30m`, in whole seconds from 1s to 10
/// years: `1ns`, `1500ms`, zero and more are refused.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    humantime::parse_duration(raw)
        .ok()
        .filter(|d| d.subsec_nanos() == 0 && *d >= Duration::from_secs(1) && *d <= MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_value_is_recorded_naming_the_setting_and_value() {
        let mut env = EnvSource::from_pairs(&[
            ("KUMA_URL", "uptime.local"),
            ("KUMA_STALE_AFTER", "soon"),
            ("KUMA_CONCURRENCY", "0"),
            ("KUMA_MONITOR_IDS", "1,x"),
            ("SPACES_PATH_STYLE", "maybe"),
            ("BACKUP_MIN_SIZE", "big"),
            ("BACKUP_WARN_AFTER", "9999999999999999999s"),
        ]);
        env.set_flag("STATUS_TIMEOUT", "--timeout", Some("1ns"));
        let thirty_minutes = Duration::from_secs(1800);
        assert_eq!(env.http_url("KUMA_URL"), None);
        assert_eq!(
            env.duration("KUMA_STALE_AFTER", thirty_minutes),
            thirty_minutes
        );
        assert_eq!(env.number("KUMA_CONCURRENCY", 32usize, 1, 256), 32);
        assert_eq!(env.id_list("KUMA_MONITOR_IDS"), None);
        assert!(!env.bool("SPACES_PATH_STYLE", false));
        assert_eq!(env.size("BACKUP_MIN_SIZE", 1, 0), 1);
        // Huge values would overflow the deadline arithmetic: refused, not a panic.
        let warn_after = Duration::from_secs(26 * 3600);
        assert_eq!(env.duration("BACKUP_WARN_AFTER", warn_after), warn_after);
        let timeout = Duration::from_secs(30);
        assert_eq!(env.duration("STATUS_TIMEOUT", timeout), timeout);
        assert!(
            env.all_valid(&["KUMA_URL_OTHER"])
                && !env.all_valid(&["KUMA_STATUS_PAGE", "KUMA_STALE_AFTER"])
        );
        let rule =
            "is not a duration in whole seconds from 1s to 10 years; expected e.g. 45s, 10m, 26h";
        assert_eq!(
            env.error_lines(),
            [
                r#"KUMA_URL: "uptime.local" is not an http(s) URL"#.to_string(),
                format!(r#"KUMA_STALE_AFTER: "soon" {rule}"#),
                r#"KUMA_CONCURRENCY: "0" is not a whole number from 1 to 256"#.to_string(),
                r#"KUMA_MONITOR_IDS: "1,x" is not a comma-separated list of ids; expected e.g. 1,2,5"#
                    .to_string(),
                r#"SPACES_PATH_STYLE: "maybe" is not a boolean; expected true or false"#
                    .to_string(),
                r#"BACKUP_MIN_SIZE: "big" is not a size; expected bytes or e.g. 10MiB, 5MB"#
                    .to_string(),
                format!(r#"BACKUP_WARN_AFTER: "9999999999999999999s" {rule}"#),
                format!(r#"--timeout / STATUS_TIMEOUT: "1ns" {rule}"#),
            ]
        );
        assert!(env.finish().is_ok(), "finish hands the errors over once");
    }

    #[test]
    #[should_panic(expected = "KUMA_CONCURRENCY: the code's default is not the one")]
    fn a_default_other_than_the_table_is_a_bug() {
        let _ = EnvSource::default().number("KUMA_CONCURRENCY", 8usize, 1, 256);
    }

    #[test]
    fn durations_are_whole_seconds_from_1s_to_10_years() {
        assert_eq!(parse_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_duration("1h 30m"), Some(Duration::from_secs(5400)));
        assert!(parse_duration("10years").is_some());
        assert!(parse_duration("3660days").is_some());
        for refused in ["0s", "1ns", "1500ms", "999ms", "3661days", "soon", ""] {
            assert_eq!(parse_duration(refused), None, "{refused}");
        }
    }

    #[test]
    fn parses_good_values() {
        let env = EnvSource::from_pairs(&[
            ("KUMA_URL", "https://kuma.example.com/status/"),
            ("KUMA_STALE_AFTER", "2m"),
            ("KUMA_MONITOR_IDS", "1, 2,5"),
            ("STATUS_REQUIRE", "Kuma,backups"),
            ("STATUS_MAX_SIZE", "1MiB"),
        ]);
        assert_eq!(
            env.http_url("KUMA_URL").unwrap().as_str(),
            "https://kuma.example.com/status"
        );
        assert_eq!(
            env.duration("KUMA_STALE_AFTER", Duration::from_secs(1800)),
            Duration::from_secs(120)
        );
        assert_eq!(env.id_list("KUMA_MONITOR_IDS"), Some(vec![1, 2, 5]));
        assert_eq!(
            env.word_list("STATUS_REQUIRE", &["kuma", "backups"]),
            vec!["kuma".to_string(), "backups".to_string()]
        );
        assert_eq!(env.size("STATUS_MAX_SIZE", 1 << 20, 1024), 1 << 20);
        assert!(env.finish().is_ok());
    }
}
