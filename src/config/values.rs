//! The typed getters of [`EnvSource`]: each parses one setting, and a value it refuses is
//! recorded (naming the setting, the value and what is expected) and gives the default.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::{EnvSource, parse_size};

impl EnvSource {
    /// A duration in whole seconds from 1s to 10 years ([`parse_duration`]).
    pub fn duration(&self, key: &str, default: Duration) -> Duration {
        self.parsed(key, DURATION_RULE, parse_duration)
            .unwrap_or(default)
    }

    pub fn bool(&self, key: &str, default: bool) -> bool {
        self.parsed(
            key,
            "is not a boolean; expected true or false",
            |raw| match raw.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(true),
                "false" | "0" | "no" | "off" => Some(false),
                _ => None,
            },
        )
        .unwrap_or(default)
    }

    /// A whole number in `min..=max`.
    pub fn number<T>(&self, key: &str, default: T, min: T, max: T) -> T
    where
        T: FromStr + PartialOrd + Copy + fmt::Display,
    {
        let expected = format!("is not a whole number from {min} to {max}");
        self.parsed(key, &expected, |raw| {
            raw.parse::<T>().ok().filter(|n| *n >= min && *n <= max)
        })
        .unwrap_or(default)
    }

    /// A byte size ([`parse_size`]) of at least `min` bytes.
    pub fn size(&self, key: &str, default: u64, min: u64) -> u64 {
        let at_least = match min {
            0 => String::new(),
            _ => format!(" of at least {min} bytes"),
        };
        let expected = format!("is not a size{at_least}; expected bytes or e.g. 10MiB, 5MB");
        self.parsed(key, &expected, |raw| {
            parse_size(raw).filter(|size| *size >= min)
        })
        .unwrap_or(default)
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

    /// One of `allowed` (case-insensitive).
    pub fn choice(
        &self,
        key: &str,
        allowed: &[&'static str],
        default: &'static str,
    ) -> &'static str {
        let expected = format!("is not one of {}", allowed.join(", "));
        self.parsed(key, &expected, |raw| {
            allowed
                .iter()
                .copied()
                .find(|choice| choice.eq_ignore_ascii_case(raw))
        })
        .unwrap_or(default)
    }

    /// An absolute http(s) URL. A trailing `/` is removed so paths can be appended.
    pub fn http_url(&self, key: &str) -> Option<reqwest::Url> {
        self.parsed(key, "is not an http(s) URL", |raw| {
            let url = reqwest::Url::parse(raw.trim_end_matches('/')).ok()?;
            let ok = matches!(url.scheme(), "http" | "https") && url.host_str().is_some();
            ok.then_some(url)
        })
    }

    /// Parses the value of `key` with `parse`; a value it rejects is recorded as a one-line
    /// error naming the setting, the value and `expected`, and gives `None`.
    pub fn parsed<T>(
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
        let raw = self.raw(key)?;
        match parse(&raw) {
            Ok(value) => Some(value),
            Err(why) => {
                self.refuse_setting(key, format!("{}: {raw:?} {why}", self.label(key)));
                None
            }
        }
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

    fn errors(env: &EnvSource) -> Vec<String> {
        env.finish()
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn every_bad_value_is_recorded_naming_the_setting_and_value() {
        let mut env = EnvSource::from_pairs(&[
            ("KUMA_URL", "uptime.local"),
            ("T", "soon"),
            ("N", "0"),
            ("IDS", "1,x"),
            ("B", "maybe"),
            ("S", "big"),
            ("HUGE", "9999999999999999999s"),
        ]);
        env.set_flag("F", "--f", Some("1ns"));
        assert_eq!(env.http_url("KUMA_URL"), None);
        assert_eq!(env.duration("T", Duration::ZERO), Duration::ZERO);
        assert_eq!(env.number("N", 8usize, 1, 64), 8);
        assert_eq!(env.id_list("IDS"), None);
        assert!(!env.bool("B", false));
        assert_eq!(env.size("S", 1, 0), 1);
        // Huge values would overflow the deadline arithmetic: refused, not a panic.
        assert_eq!(env.duration("HUGE", Duration::ZERO), Duration::ZERO);
        assert_eq!(env.duration("F", Duration::ZERO), Duration::ZERO);
        assert!(env.all_valid(&["OTHER"]) && !env.all_valid(&["OTHER", "T"]));
        let rule =
            "is not a duration in whole seconds from 1s to 10 years; expected e.g. 45s, 10m, 26h";
        assert_eq!(
            errors(&env),
            [
                r#"KUMA_URL: "uptime.local" is not an http(s) URL"#.to_string(),
                format!(r#"T: "soon" {rule}"#),
                r#"N: "0" is not a whole number from 1 to 64"#.to_string(),
                r#"IDS: "1,x" is not a comma-separated list of ids; expected e.g. 1,2,5"#
                    .to_string(),
                r#"B: "maybe" is not a boolean; expected true or false"#.to_string(),
                r#"S: "big" is not a size; expected bytes or e.g. 10MiB, 5MB"#.to_string(),
                format!(r#"HUGE: "9999999999999999999s" {rule}"#),
                format!(r#"--f / F: "1ns" {rule}"#),
            ]
        );
        assert!(env.finish().is_ok(), "finish hands the errors over once");
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
            ("U", "https://kuma.example.com/status/"),
            ("T", "2m"),
            ("IDS", "1, 2,5"),
            ("W", "Kuma,backups"),
            ("S", "1MiB"),
        ]);
        assert_eq!(
            env.http_url("U").unwrap().as_str(),
            "https://kuma.example.com/status"
        );
        assert_eq!(env.duration("T", Duration::ZERO), Duration::from_secs(120));
        assert_eq!(env.id_list("IDS"), Some(vec![1, 2, 5]));
        assert_eq!(
            env.word_list("W", &["kuma", "backups"]),
            vec!["kuma".to_string(), "backups".to_string()]
        );
        assert_eq!(env.size("S", 0, 1024), 1 << 20);
        assert!(env.finish().is_ok());
    }
}
