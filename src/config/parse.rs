//! Parsers of setting values shared by the getters of [`EnvSource`](super::EnvSource).

use std::time::Duration;

/// The longest duration a setting may hold: far beyond any sensible threshold, and small
/// enough that deadlines and date arithmetic built on it can never overflow.
const MAX_DURATION: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

pub(super) const DURATION_EXPECTED: &str =
    "is not a duration from 1s to 10 years; expected e.g. 45s, 10m, 26h";

/// A human duration such as `45s`, `2m`, `26h` or `1h 30m`; zero and more than 10 years are
/// refused.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    humantime::parse_duration(raw)
        .ok()
        .filter(|d| !d.is_zero() && *d <= MAX_DURATION)
}

pub(super) fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}
