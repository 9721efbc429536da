//! The rules that turn what Kuma says into states and numbers. Pure functions: the clock is
//! an argument, so tests pin it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{MonitorReport, MonitorState, PlatformStatus, Uptime, UptimeAggregate};

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

/// The platform status from the counted monitors (stale ones never count):
/// - `unknown` when no monitor counts;
/// - `outage` when a critical monitor is down, or every non-maintenance monitor is down;
/// - `degraded` when any monitor is down or pending, or every monitor is in maintenance;
/// - `operational` otherwise.
pub fn platform_status(monitors: &[MonitorReport]) -> PlatformStatus {
    let counted: Vec<&MonitorReport> = monitors.iter().filter(|m| m.counted).collect();
    if counted.is_empty() {
        return PlatformStatus::Unknown;
    }
    if counted
        .iter()
        .any(|m| m.critical && m.state == MonitorState::Down)
    {
        return PlatformStatus::Outage;
    }
    let mut outside_maintenance = counted
        .iter()
        .filter(|m| m.state != MonitorState::Maintenance)
        .peekable();
    if outside_maintenance.peek().is_some()
        && outside_maintenance.all(|m| m.state == MonitorState::Down)
    {
        return PlatformStatus::Outage;
    }
    if counted
        .iter()
        .any(|m| matches!(m.state, MonitorState::Down | MonitorState::Pending))
        || counted.iter().all(|m| m.state == MonitorState::Maintenance)
    {
        return PlatformStatus::Degraded;
    }
    PlatformStatus::Operational
}

/// The platform uptime per window: the mean (or the minimum) of the counted monitors' values,
/// rounded to 2 decimals. A window where no counted monitor has a value is `None`, never 0.
pub fn platform_uptime(monitors: &[MonitorReport], aggregate: UptimeAggregate) -> Uptime {
    let window = |pick: fn(&Uptime) -> Option<f64>| {
        let values: Vec<f64> = monitors
            .iter()
            .filter(|m| m.counted)
            .filter_map(|m| pick(&m.uptime))
            .collect();
        if values.is_empty() {
            return None;
        }
        let combined = match aggregate {
            UptimeAggregate::Mean => values.iter().sum::<f64>() / values.len() as f64,
            UptimeAggregate::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        };
        Some(round_2(combined))
    };
    Uptime {
        last_24h: window(|u| u.last_24h),
        last_7d: window(|u| u.last_7d),
        last_30d: window(|u| u.last_30d),
        last_1y: window(|u| u.last_1y),
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

    fn monitor(id: u64, state: MonitorState, last_24h: Option<f64>) -> MonitorReport {
        MonitorReport {
            id,
            name: format!("m{id}"),
            group: None,
            state,
            last_beat_at: None,
            uptime: Uptime {
                last_24h,
                ..Uptime::default()
            },
            counted: state != MonitorState::Stale,
            critical: false,
            on_status_page: true,
        }
    }

    use MonitorState::{Down, Maintenance, Pending, Stale, Up};

    #[test]
    fn platform_status_rules() {
        let status = |monitors: &[MonitorReport]| platform_status(monitors);
        assert_eq!(status(&[]), PlatformStatus::Unknown);
        assert_eq!(status(&[monitor(1, Stale, None)]), PlatformStatus::Unknown);
        assert_eq!(
            status(&[monitor(1, Up, None), monitor(2, Stale, None)]),
            PlatformStatus::Operational
        );
        assert_eq!(
            status(&[monitor(1, Up, None), monitor(2, Down, None)]),
            PlatformStatus::Degraded
        );
        assert_eq!(
            status(&[monitor(1, Up, None), monitor(2, Pending, None)]),
            PlatformStatus::Degraded
        );
        assert_eq!(
            status(&[monitor(1, Up, None), monitor(2, Maintenance, None)]),
            PlatformStatus::Operational
        );
        assert_eq!(
            status(&[monitor(1, Maintenance, None)]),
            PlatformStatus::Degraded
        );
        assert_eq!(
            status(&[monitor(1, Down, None), monitor(2, Down, None)]),
            PlatformStatus::Outage
        );
        assert_eq!(
            status(&[monitor(1, Down, None), monitor(2, Maintenance, None)]),
            PlatformStatus::Outage
        );
        let mut critical = monitor(2, Down, None);
        critical.critical = true;
        assert_eq!(
            status(&[monitor(1, Up, None), critical.clone()]),
            PlatformStatus::Outage
        );
        // A monitor that does not count changes nothing, critical or not.
        critical.counted = false;
        assert_eq!(
            status(&[monitor(1, Up, None), critical]),
            PlatformStatus::Operational
        );
    }

    #[test]
    fn platform_uptime_is_mean_or_min_of_counted_values_never_invented() {
        let monitors = [
            monitor(1, Up, Some(99.55977757182577)),
            monitor(2, Down, Some(95.3660797034291)),
            monitor(3, Maintenance, None),
            monitor(4, Stale, Some(10.0)),
        ];
        // (99.55977757182577 + 95.3660797034291) / 2 = 97.46292863762744 -> 97.46
        let mean = platform_uptime(&monitors, UptimeAggregate::Mean);
        assert_eq!(mean.last_24h, Some(97.46));
        assert_eq!(mean.last_7d, None);
        assert_eq!(mean.last_30d, None);
        assert_eq!(mean.last_1y, None);
        let min = platform_uptime(&monitors, UptimeAggregate::Min);
        assert_eq!(min.last_24h, Some(95.37));
        assert_eq!(
            platform_uptime(&[], UptimeAggregate::Mean),
            Uptime::default()
        );
        assert_eq!(
            platform_uptime(&[monitor(4, Stale, Some(10.0))], UptimeAggregate::Min).last_24h,
            None
        );
    }

    #[test]
    fn rounds_to_two_decimals() {
        assert_eq!(round_2(99.066), 99.07);
        assert_eq!(round_2(99.064), 99.06);
        assert_eq!(round_2(100.0), 100.0);
        assert_eq!(round_2(0.0), 0.0);
    }
}
