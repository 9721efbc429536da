//! The rules that turn what Kuma says about one monitor into a state and numbers. Pure
//! functions: the clock is an argument, so tests pin it. The platform is made in `platform`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::MonitorState;

/// The state for a Kuma status code: 0 down, 1 up, 2 pending, 3 maintenance.
pub fn state_from_code(code: i64) -> Option<MonitorState> {
    match code {
        0 => Some(MonitorState::Down),
        1 => Some(MonitorState::Up),
        2 => Some(MonitorState::Pending),
        3 => Some(MonitorState::Maintenance),
        _ => None,
    }
}

/// A monitor's state is the status of its newest heartbeat; no heartbeat, or one older than
/// `stale_after` (a paused monitor), is `Stale`. `Err` names an unknown status code.
pub fn monitor_state(
    newest: Option<(i64, DateTime<Utc>)>,
    now: DateTime<Utc>,
    stale_after: Duration,
) -> Result<MonitorState, String> {
    let Some((code, time)) = newest else {
        return Ok(MonitorState::Stale);
    };
    let state = state_from_code(code)
        .ok_or_else(|| format!("newest heartbeat has unknown status {code}"))?;
    let age = (now - time).to_std().unwrap_or(Duration::ZERO);
    Ok(if age > stale_after {
        MonitorState::Stale
    } else {
        state
    })
}

/// A JSON uptime ratio (a 0..1 float, or the integer 1) as a percent; anything else is
/// rejected with the reason, never passed on.
pub fn ratio_value_to_percent(value: &Value) -> Result<f64, String> {
    match value.as_f64() {
        Some(ratio) => ratio_to_percent(ratio),
        None => Err(format!("{value} is not a number")),
    }
}

/// A 0..1 ratio as a percent; NaN or a value outside 0..1 is rejected with the reason.
pub fn ratio_to_percent(ratio: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&ratio) {
        Ok(ratio * 100.0)
    } else {
        Err(format!("{ratio} is outside 0..1"))
    }
}

/// A percent read from a badge; NaN or a value outside 0..100 is rejected with the reason.
pub fn checked_percent(percent: f64) -> Result<f64, String> {
    if (0.0..=100.0).contains(&percent) {
        Ok(percent)
    } else {
        Err(format!("{percent}% is outside 0..100"))
    }
}

/// Rounds half away from zero to 2 decimals (99.066 -> 99.07): the one rounding rule of every
/// published percent. `+ 0.0` turns -0.0 into 0.0.
pub fn round_2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0 + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 4, 6, 1).unwrap()
    }

    const THIRTY_MIN: Duration = Duration::from_secs(30 * 60);

    #[test]
    fn state_is_the_newest_beat_unless_stale() {
        let at = |secs: i64| now() - chrono::Duration::seconds(secs);
        assert_eq!(
            monitor_state(Some((1, at(6))), now(), THIRTY_MIN),
            Ok(MonitorState::Up)
        );
        assert_eq!(
            monitor_state(Some((0, at(5))), now(), THIRTY_MIN),
            Ok(MonitorState::Down)
        );
        assert_eq!(
            monitor_state(Some((2, at(5))), now(), THIRTY_MIN),
            Ok(MonitorState::Pending)
        );
        assert_eq!(
            monitor_state(Some((3, at(5))), now(), THIRTY_MIN),
            Ok(MonitorState::Maintenance)
        );
        // Exactly at the limit still counts; a paused monitor's last beat 45 min ago does not.
        assert_eq!(
            monitor_state(Some((1, at(1800))), now(), THIRTY_MIN),
            Ok(MonitorState::Up)
        );
        assert_eq!(
            monitor_state(Some((1, at(1801))), now(), THIRTY_MIN),
            Ok(MonitorState::Stale)
        );
        assert_eq!(
            monitor_state(Some((0, at(2700))), now(), THIRTY_MIN),
            Ok(MonitorState::Stale)
        );
        assert_eq!(
            monitor_state(None, now(), THIRTY_MIN),
            Ok(MonitorState::Stale)
        );
        // A beat from the future (clock skew) is fresh, not an error.
        assert_eq!(
            monitor_state(Some((1, at(-30))), now(), THIRTY_MIN),
            Ok(MonitorState::Up)
        );
        assert!(
            monitor_state(Some((7, at(1))), now(), THIRTY_MIN)
                .unwrap_err()
                .contains('7')
        );
    }

    #[test]
    fn ratios_outside_0_to_1_or_not_numbers_are_rejected() {
        assert_eq!(ratio_value_to_percent(&json!(1)), Ok(100.0));
        assert_eq!(ratio_value_to_percent(&json!(0)), Ok(0.0));
        assert_eq!(
            ratio_value_to_percent(&json!(0.9955977757182577)),
            Ok(0.9955977757182577 * 100.0)
        );
        assert_eq!(
            ratio_value_to_percent(&json!(1.5)),
            Err("1.5 is outside 0..1".into())
        );
        assert_eq!(
            ratio_value_to_percent(&json!(-0.1)),
            Err("-0.1 is outside 0..1".into())
        );
        assert_eq!(
            ratio_value_to_percent(&json!("0.99")),
            Err("\"0.99\" is not a number".into())
        );
        assert!(ratio_value_to_percent(&json!(null)).is_err());
        assert!(ratio_to_percent(f64::NAN).is_err());
        assert!(ratio_to_percent(f64::INFINITY).is_err());
        assert_eq!(checked_percent(99.41), Ok(99.41));
        assert!(checked_percent(100.5).is_err());
        assert!(checked_percent(f64::NAN).is_err());
    }

    #[test]
    fn rounds_to_two_decimals() {
        assert_eq!(round_2(99.066), 99.07);
        assert_eq!(round_2(99.064), 99.06);
        assert_eq!(round_2(100.0), 100.0);
        assert_eq!(round_2(0.0), 0.0);
    }
}
