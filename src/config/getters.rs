//! The typed getters of [`EnvSource`]: each parses a setting's value or refuses it with one line
//! naming the setting, the value and what is expected. A default written in the code is checked
//! against the settings table.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::parse::{DURATION_EXPECTED, parse_bool, parse_duration};
use super::{ConfigError, EnvSource, Secret, table};

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

    pub fn secret(&self, key: &str) -> Option<Secret> {
        self.raw(key).map(Secret)
    }

    /// A duration such as `45s`; `default` must be the table's.
    pub fn duration(&self, key: &str, default: Duration) -> Result<Duration, ConfigError> {
        check_default(key, |table| table.and_then(parse_duration) == Some(default));
        let parsed = self.parse(key, DURATION_EXPECTED, parse_duration)?;
        Ok(parsed.unwrap_or(default))
    }

    /// `true`/`false` (also 1/0, yes/no, on/off); `default` must be the table's.
    pub fn bool(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        check_default(key, |table| table.and_then(parse_bool) == Some(default));
        let parsed = self.parse(key, "is not a boolean; expected true or false", parse_bool)?;
        Ok(parsed.unwrap_or(default))
    }

    /// A whole number in `min..=max`; `default` must be the table's.
    pub fn number<T>(&self, key: &str, default: T, min: T, max: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + Copy + fmt::Display,
    {
        check_default(key, |table| {
            table.and_then(|value| value.parse::<T>().ok()) == Some(default)
        });
        let expected = format!("is not a whole number from {min} to {max}");
        let parsed = self.parse(key, &expected, |raw| {
            raw.parse::<T>().ok().filter(|n| *n >= min && *n <= max)
        })?;
        Ok(parsed.unwrap_or(default))
    }

    /// A comma-separated list of monitor ids, e.g. `1,2,5`.
    pub fn id_list(&self, key: &str) -> Result<Option<Vec<u64>>, ConfigError> {
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
    pub fn word_list(&self, key: &str, allowed: &[&str]) -> Result<Vec<String>, ConfigError> {
        let expected = format!("is not a comma-separated list of {}", allowed.join(", "));
        let parsed = self.parsed(key, &expected, |raw| {
            raw.split(',')
                .map(|part| part.trim().to_ascii_lowercase())
                .map(|word| allowed.contains(&word.as_str()).then_some(word))
                .collect::<Option<Vec<String>>>()
        })?;
        Ok(parsed.unwrap_or_default())
    }

    /// One of `allowed` (case-insensitive); `default` must be the table's.
    pub fn choice(
        &self,
        key: &str,
        allowed: &[&'static str],
        default: &'static str,
    ) -> Result<&'static str, ConfigError> {
        check_default(key, |table| table == Some(default));
        let expected = format!("is not one of {}", allowed.join(", "));
        let parsed = self.parse(key, &expected, |raw| {
            allowed
                .iter()
                .copied()
                .find(|choice| choice.eq_ignore_ascii_case(raw))
        })?;
        Ok(parsed.unwrap_or(default))
    }

    /// An absolute http(s) URL. A trailing `/` is removed so paths can be appended.
    pub fn http_url(&self, key: &str) -> Result<Option<reqwest::Url>, ConfigError> {
        self.parsed(key, "is not an http(s) URL", |raw| {
            let url = reqwest::Url::parse(raw.trim_end_matches('/')).ok()?;
            let ok = matches!(url.scheme(), "http" | "https") && url.host_str().is_some();
            ok.then_some(url)
        })
    }

    pub fn path(&self, key: &str) -> Option<PathBuf> {
        self.raw(key).map(PathBuf::from)
    }

    /// A path, else `default` (which must be the table's).
    pub fn path_or(&self, key: &str, default: &str) -> PathBuf {
        PathBuf::from(self.string_or(key, default))
    }

    /// Parses the value of a setting without a default with `parse`; a value it rejects is a
    /// one-line error naming the setting, the value and `expected`.
    pub fn parsed<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
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
    ) -> Result<T, ConfigError> {
        check_default(key, |table| {
            table.and_then(&parse).as_ref() == Some(&default)
        });
        Ok(self.parse(key, expected, &parse)?.unwrap_or(default))
    }

    fn parse<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        match self.lookup(key) {
            None => Ok(None),
            Some((raw, _)) => parse(&raw)
                .map(Some)
                .ok_or_else(|| ConfigError::new(format!("{key}: {raw:?} {expected}"))),
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

#[cfg(test)]
mod tests {
    use super::*;

    const THIRTY_SECONDS: Duration = Duration::from_secs(30);

    #[test]
    fn empty_values_count_as_unset() {
        let env = EnvSource::from_pairs(&[("STATUS_TIMEOUT", "  "), ("KUMA_URL", "")]);
        assert_eq!(env.raw("KUMA_URL"), None);
        assert_eq!(
            env.duration("STATUS_TIMEOUT", THIRTY_SECONDS),
            Ok(THIRTY_SECONDS)
        );
    }

    #[test]
    #[should_panic(expected = "KUMA_CONCURRENCY: the code's default is not the one")]
    fn a_default_other_than_the_table_is_a_bug() {
        let _ = EnvSource::default().number("KUMA_CONCURRENCY", 8usize, 1, 256);
    }

    #[test]
    fn bad_values_name_the_setting_and_value() {
        let env = EnvSource::from_pairs(&[
            ("KUMA_URL", "uptime.local"),
            ("STATUS_TIMEOUT", "soon"),
            ("KUMA_CONCURRENCY", "0"),
            ("KUMA_MONITOR_IDS", "1,x"),
            ("SPACES_PATH_STYLE", "maybe"),
        ]);
        let err = env.http_url("KUMA_URL").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"KUMA_URL: "uptime.local" is not an http(s) URL"#
        );
        assert_eq!(
            env.duration("STATUS_TIMEOUT", THIRTY_SECONDS)
                .unwrap_err()
                .to_string(),
            r#"STATUS_TIMEOUT: "soon" is not a duration from 1s to 10 years; expected e.g. 45s, 10m, 26h"#
        );
        assert!(
            env.number("KUMA_CONCURRENCY", 32usize, 1, 256)
                .unwrap_err()
                .to_string()
                .starts_with(r#"KUMA_CONCURRENCY: "0""#)
        );
        assert!(env.id_list("KUMA_MONITOR_IDS").is_err());
        // Huge values would overflow the deadline arithmetic: refused, not a panic.
        let huge = EnvSource::from_pairs(&[("STATUS_TIMEOUT", "9999999999999999999s")]);
        assert!(huge.duration("STATUS_TIMEOUT", THIRTY_SECONDS).is_err());
        assert!(env.bool("SPACES_PATH_STYLE", false).is_err());
    }

    #[test]
    fn parses_good_values() {
        let env = EnvSource::from_pairs(&[
            ("KUMA_URL", "https://kuma.example.com/status/"),
            ("STATUS_TIMEOUT", "2m"),
            ("KUMA_MONITOR_IDS", "1, 2,5"),
            ("STATUS_REQUIRE", "Kuma,backups"),
        ]);
        assert_eq!(
            env.http_url("KUMA_URL").unwrap().unwrap().as_str(),
            "https://kuma.example.com/status"
        );
        assert_eq!(
            env.duration("STATUS_TIMEOUT", THIRTY_SECONDS),
            Ok(Duration::from_secs(120))
        );
        assert_eq!(env.id_list("KUMA_MONITOR_IDS"), Ok(Some(vec![1, 2, 5])));
        assert_eq!(
            env.word_list("STATUS_REQUIRE", &["kuma", "backups"]),
            Ok(vec!["kuma".to_string(), "backups".to_string()])
        );
    }
}
