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

/// Where settings come from: command-line overrides, the process environment and the env file.
#[derive(Debug, Default, Clone)]
pub struct EnvSource {
    overrides: HashMap<String, String>,
    process: HashMap<String, String>,
    file: HashMap<String, String>,
}

impl EnvSource {
    /// Reads the process environment and the env file: `explicit` must exist; without it,
    /// `./.env` is read when present.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<(EnvSource, Option<PathBuf>)> {
        let path = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => Some(PathBuf::from(".env")).filter(|p| p.is_file()),
        };
        let mut file = HashMap::new();
        if let Some(path) = &path {
            let entries = dotenvy::from_path_iter(path).map_err(|err| {
                ConfigError::new(format!(
                    "--env-file: cannot read {}: {}; pass an existing KEY=value file",
                    path.display(),
                    describe_dotenv_error(&err)
                ))
            })?;
            for entry in entries {
                let (key, value) = entry.map_err(|err| {
                    ConfigError::new(format!(
                        "--env-file: {} is not a valid env file: {}",
                        path.display(),
                        describe_dotenv_error(&err)
                    ))
                })?;
                file.insert(key, value);
            }
        }
        let process = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Ok((
            EnvSource {
                overrides: HashMap::new(),
                process,
                file,
            },
            path,
        ))
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
        if let Some(value) = value {
            self.overrides.insert(key.to_string(), value.into());
        }
    }

    /// The raw value of `key`, trimmed; an empty value counts as unset.
    pub fn raw(&self, key: &str) -> Option<String> {
        [&self.overrides, &self.process, &self.file]
            .into_iter()
            .find_map(|layer| layer.get(key))
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
    }

    pub fn string(&self, key: &str) -> Option<String> {
        self.raw(key)
    }

    pub fn secret(&self, key: &str) -> Option<Secret> {
        self.raw(key).map(Secret)
    }

    pub fn duration(&self, key: &str, default: Duration) -> Result<Duration, ConfigError> {
        Ok(self.optional_duration(key)?.unwrap_or(default))
    }

    pub fn optional_duration(&self, key: &str) -> Result<Option<Duration>, ConfigError> {
        self.parsed(
            key,
            "is not a duration from 1s to 10 years; expected e.g. 45s, 10m, 26h",
            parse_duration,
        )
    }

    pub fn bool(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        let parsed = self.parsed(
            key,
            "is not a boolean; expected true or false",
            |raw| match raw.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(true),
                "false" | "0" | "no" | "off" => Some(false),
                _ => None,
            },
        )?;
        Ok(parsed.unwrap_or(default))
    }

    /// A whole number in `min..=max`.
    pub fn number<T>(&self, key: &str, default: T, min: T, max: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + Copy + fmt::Display,
    {
        let expected = format!("is not a whole number from {min} to {max}");
        let parsed = self.parsed(key, &expected, |raw| {
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

    /// One of `allowed` (case-insensitive).
    pub fn choice(
        &self,
        key: &str,
        allowed: &[&'static str],
        default: &'static str,
    ) -> Result<&'static str, ConfigError> {
        let expected = format!("is not one of {}", allowed.join(", "));
        let parsed = self.parsed(key, &expected, |raw| {
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

    /// Parses the value of `key` with `parse`; a value it rejects is a one-line error naming
    /// the setting, the value and `expected`.
    pub fn parsed<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        match self.raw(key) {
            None => Ok(None),
            Some(raw) => parse(&raw)
                .map(Some)
                .ok_or_else(|| ConfigError::new(format!("{key}: {raw:?} {expected}"))),
        }
    }
}

/// The longest duration a setting may hold: far beyond any sensible threshold, and small
/// enough that deadlines and date arithmetic built on it can never overflow.
const MAX_DURATION: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

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

    #[test]
    fn overrides_beat_process_env_beat_file() {
        let mut env = EnvSource::from_pairs(&[("A", "file"), ("B", "file"), ("C", "file")]);
        env.process.insert("A".into(), "process".into());
        env.process.insert("B".into(), "process".into());
        env.set_override("A", Some("flag"));
        assert_eq!(env.raw("A").as_deref(), Some("flag"));
        assert_eq!(env.raw("B").as_deref(), Some("process"));
        assert_eq!(env.raw("C").as_deref(), Some("file"));
        assert_eq!(env.raw("D"), None);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = EnvSource::from_pairs(&[("A", "  ")]);
        assert_eq!(env.raw("A"), None);
        assert_eq!(
            env.duration("A", Duration::from_secs(7)),
            Ok(Duration::from_secs(7))
        );
    }

    #[test]
    fn bad_values_name_the_setting_and_value() {
        let env = EnvSource::from_pairs(&[
            ("KUMA_URL", "uptime.local"),
            ("T", "soon"),
            ("N", "0"),
            ("IDS", "1,x"),
            ("B", "maybe"),
        ]);
        let err = env.http_url("KUMA_URL").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"KUMA_URL: "uptime.local" is not an http(s) URL"#
        );
        assert_eq!(
            env.duration("T", Duration::ZERO).unwrap_err().to_string(),
            r#"T: "soon" is not a duration from 1s to 10 years; expected e.g. 45s, 10m, 26h"#
        );
        assert!(
            env.number("N", 8usize, 1, 64)
                .unwrap_err()
                .to_string()
                .starts_with(r#"N: "0""#)
        );
        assert!(env.id_list("IDS").is_err());
        // Huge values would overflow the deadline arithmetic: refused, not a panic.
        let huge = EnvSource::from_pairs(&[("T", "9999999999999999999s")]);
        assert!(huge.duration("T", Duration::ZERO).is_err());
        assert!(env.bool("B", false).is_err());
    }

    #[test]
    fn parses_good_values() {
        let env = EnvSource::from_pairs(&[
            ("U", "https://kuma.example.com/status/"),
            ("T", "2m"),
            ("IDS", "1, 2,5"),
            ("W", "Kuma,backups"),
        ]);
        assert_eq!(
            env.http_url("U").unwrap().unwrap().as_str(),
            "https://kuma.example.com/status"
        );
        assert_eq!(
            env.duration("T", Duration::ZERO),
            Ok(Duration::from_secs(120))
        );
        assert_eq!(env.id_list("IDS"), Ok(Some(vec![1, 2, 5])));
        assert_eq!(
            env.word_list("W", &["kuma", "backups"]),
            Ok(vec!["kuma".to_string(), "backups".to_string()])
        );
    }
}
