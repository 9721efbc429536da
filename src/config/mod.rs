//! The configuration layer: where settings come from (flag > process environment > env file >
//! default), how a raw value is parsed and how a bad one is reported, and [`Secret`].
//!
//! Each module that has settings owns their type and builds it from an [`EnvSource`];
//! `commands::settings` assembles them for a run.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub mod reference;
pub mod table;

/// A bad or missing setting: always reported as one line naming the setting, and exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl ConfigError {
    pub fn new(message: impl Into<String>) -> ConfigError {
        ConfigError(message.into())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// A secret value (API key, access key, push token). It prints as `***` in Debug and Display,
/// so neither a log line nor an error message can carry it by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it (an auth header, a signer).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a setting's value came from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The command-line flag that sets it.
    Flag(&'static str),
    Environment,
    EnvFile,
    /// Nothing set it: the table's default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Environment => f.write_str("environment"),
            Origin::EnvFile => f.write_str("env file"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// Where settings come from: command-line flags, the process environment and the env file,
/// for the names in the settings table ([`table::SETTINGS`]) only.
#[derive(Debug, Default, Clone)]
pub struct EnvSource {
    overrides: HashMap<String, String>,
    process: HashMap<String, String>,
    file: HashMap<String, String>,
}

impl EnvSource {
    /// Reads the process environment and the env file: the one `flag` (`--env-file`) names,
    /// else the one `STATUS_ENV_FILE` names (either must exist), else `./.env` when present.
    /// Returns the path read.
    pub fn load(flag: Option<&Path>) -> anyhow::Result<(EnvSource, Option<PathBuf>)> {
        let mut env = EnvSource {
            process: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            ..EnvSource::default()
        };
        env.set_override(
            "STATUS_ENV_FILE",
            flag.map(|path| path.display().to_string()),
        );
        let named = env.lookup("STATUS_ENV_FILE");
        let path = match &named {
            Some((path, _)) => Some(PathBuf::from(path)),
            None => Some(PathBuf::from(".env")).filter(|p| p.is_file()),
        };
        if let Some(path) = &path {
            // Named by the user (flag or environment) or found: say which, so the fix is clear.
            let by = match named {
                Some((_, Origin::Environment)) => "STATUS_ENV_FILE",
                _ => "--env-file",
            };
            env.file = read_env_file(path, by)?;
        }
        Ok((env, path))
    }

    /// A source with only these values (for unit tests).
    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> EnvSource {
        EnvSource {
            file: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..EnvSource::default()
        }
    }

    /// A command-line flag's value for `key`; it wins over the environment and the env file.
    pub fn set_override(&mut self, key: &str, value: Option<impl Into<String>>) {
        debug_assert!(
            table::find(key).is_some_and(|setting| setting.flag.is_some()),
            "{key} has no flag in src/config/table.rs"
        );
        if let Some(value) = value {
            self.overrides.insert(key.to_string(), value.into());
        }
    }

    /// The value of `key`, trimmed, and where it came from; an empty value counts as unset.
    /// `key` must be in the settings table (checked in debug builds, so by every test run).
    pub fn lookup(&self, key: &str) -> Option<(String, Origin)> {
        let setting = table::find(key);
        debug_assert!(setting.is_some(), "{key} is not in src/config/table.rs");
        let flag = setting.and_then(|setting| setting.flag).unwrap_or("");
        [
            (&self.overrides, Origin::Flag(flag)),
            (&self.process, Origin::Environment),
            (&self.file, Origin::EnvFile),
        ]
        .into_iter()
        .find_map(|(layer, origin)| Some((layer.get(key)?.trim(), origin)))
        .filter(|(value, _)| !value.is_empty())
        .map(|(value, origin)| (value.to_string(), origin))
    }

    /// Names that look like settings but are not in the table (a typo, or a setting of another
    /// version), and where each was found: everything in the env file, and the environment's
    /// names with a settings prefix.
    pub fn unknown_names(&self) -> Vec<(String, Origin)> {
        let prefixed = |name: &String| {
            ["STATUS_", "KUMA_", "SPACES_", "BACKUP_"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
        };
        let mut unknown: Vec<(String, Origin)> = (self.process.keys().filter(|k| prefixed(k)))
            .map(|name| (name.clone(), Origin::Environment))
            .chain(self.file.keys().map(|name| (name.clone(), Origin::EnvFile)))
            .filter(|(name, _)| table::find(name).is_none())
            .collect();
        unknown.sort_by(|a, b| a.0.cmp(&b.0));
        unknown
    }

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

/// The longest duration a setting may hold: far beyond any sensible threshold, and small
/// enough that deadlines and date arithmetic built on it can never overflow.
const MAX_DURATION: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

const DURATION_EXPECTED: &str =
    "is not a duration from 1s to 10 years; expected e.g. 45s, 10m, 26h";

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

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The `KEY=value` pairs of the env file at `path`; `by` names what asked for it (the flag or
/// the setting), so the error says what to fix.
fn read_env_file(path: &Path, by: &str) -> Result<HashMap<String, String>, ConfigError> {
    let entries = dotenvy::from_path_iter(path).map_err(|err| {
        ConfigError::new(format!(
            "{by}: cannot read {}: {}; pass an existing KEY=value file",
            path.display(),
            describe_dotenv_error(&err)
        ))
    })?;
    entries
        .map(|entry| {
            entry.map_err(|err| {
                ConfigError::new(format!(
                    "{by}: {} is not a valid env file: {}",
                    path.display(),
                    describe_dotenv_error(&err)
                ))
            })
        })
        .collect()
}

/// A human duration such as `45s`, `2m`, `26h` or `1h 30m`; zero and more than 10 years are
/// refused.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    humantime::parse_duration(raw)
        .ok()
        .filter(|d| !d.is_zero() && *d <= MAX_DURATION)
}

fn describe_dotenv_error(err: &dotenvy::Error) -> String {
    match err {
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::LineParse(line, index) => {
            format!("cannot parse line {line:?} at character {index}")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("uk1_topsecret");
        assert_eq!(format!("{secret} {secret:?}"), "*** ***");
        assert_eq!(secret.expose(), "uk1_topsecret");
    }

    const THIRTY_SECONDS: Duration = Duration::from_secs(30);

    #[test]
    fn flags_beat_process_env_beat_file_beat_default() {
        let mut env = EnvSource::from_pairs(&[
            ("STATUS_TIMEOUT", "1s"),
            ("KUMA_URL", "https://file.example"),
            ("KUMA_STATUS_PAGE", "file"),
        ]);
        for key in ["STATUS_TIMEOUT", "KUMA_URL"] {
            env.process.insert(key.into(), "process".into());
        }
        env.set_override("STATUS_TIMEOUT", Some("flag"));
        let origin = |key| {
            env.lookup(key)
                .map(|(value, origin)| (value, origin.to_string()))
        };
        assert_eq!(
            origin("STATUS_TIMEOUT"),
            Some(("flag".into(), "flag --timeout".into()))
        );
        assert_eq!(
            origin("KUMA_URL"),
            Some(("process".into(), "environment".into()))
        );
        assert_eq!(
            origin("KUMA_STATUS_PAGE"),
            Some(("file".into(), "env file".into()))
        );
        assert_eq!(origin("KUMA_API_KEY"), None);
    }

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
    fn names_outside_the_table_are_reported_as_unknown() {
        let mut env = EnvSource::from_pairs(&[("KUMA_CONCURENCY", "8"), ("KUMA_URL", "x")]);
        env.process.insert("STATUS_TIMEOUTT".into(), "1s".into());
        env.process.insert("HOME".into(), "/root".into());
        let unknown: Vec<String> = env
            .unknown_names()
            .into_iter()
            .map(|(name, origin)| format!("{name} {origin}"))
            .collect();
        assert_eq!(
            unknown,
            ["KUMA_CONCURENCY env file", "STATUS_TIMEOUTT environment"]
        );
    }

    #[test]
    #[should_panic(expected = "KUMA_URLS is not in src/config/table.rs")]
    fn reading_a_name_outside_the_table_is_a_bug() {
        EnvSource::default().raw("KUMA_URLS");
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
