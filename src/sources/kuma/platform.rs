//! The platform from the counted monitors (pure): its status, its uptime per window, and why
//! a window is left empty.

use super::rules::round_2;
use super::windows::Window;
use super::{MonitorReport, MonitorState, PlatformStatus, Uptime, UptimeAggregate};

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

/// The platform uptime of one read, and for each published window the counted monitors that
/// have no value for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlatformUptime {
    pub uptime: Uptime,
    pub missing: Vec<(Window, Vec<u64>)>,
}

/// The platform uptime of each `published` window: the mean (or the minimum) of every counted
/// monitor's value, rounded to 2 decimals. A window is `None`, never 0 or a mean over a subset,
/// when one counted monitor has no value for it (that monitor is listed in `missing`: a mean
/// over the others would look better than the truth) or when no monitor counts. Windows that
/// are not published are `None`.
pub fn platform_uptime(
    monitors: &[MonitorReport],
    aggregate: UptimeAggregate,
    published: &[Window],
) -> PlatformUptime {
    let counted: Vec<&MonitorReport> = monitors.iter().filter(|m| m.counted).collect();
    let mut platform = PlatformUptime::default();
    for &window in published {
        let missing: Vec<u64> = counted
            .iter()
            .filter(|m| m.uptime.window(window).is_none())
            .map(|m| m.id)
            .collect();
        if !missing.is_empty() {
            platform.missing.push((window, missing));
            continue;
        }
        let values: Vec<f64> = counted
            .iter()
            .filter_map(|m| m.uptime.window(window))
            .collect();
        if values.is_empty() {
            continue;
        }
        let combined = match aggregate {
            UptimeAggregate::Mean => values.iter().sum::<f64>() / values.len() as f64,
            UptimeAggregate::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        };
        let value = Some(round_2(combined));
        match window {
            Window::Day => platform.uptime.last_24h = value,
            Window::Week => platform.uptime.last_7d = value,
            Window::Month => platform.uptime.last_30d = value,
            Window::Year => platform.uptime.last_1y = value,
        }
    }
    platform
}

/// Why windows were left empty, one line per set of monitors missing from them:
/// `Uptime Kuma uptime 7d, 30d left empty: no value for monitor 2 (Billing API)`.
pub fn missing_window_reasons(
    missing: &[(Window, Vec<u64>)],
    describe: impl Fn(u64) -> String,
) -> Vec<String> {
    let mut groups: Vec<(Vec<&str>, &[u64])> = Vec::new();
    for (window, ids) in missing {
        match groups.iter_mut().find(|(_, same)| *same == ids.as_slice()) {
            Some((windows, _)) => windows.push(window.label()),
            None => groups.push((vec![window.label()], ids)),
        }
    }
    groups
        .into_iter()
        .map(|(windows, ids)| {
            let who: Vec<String> = ids.iter().map(|&id| describe(id)).collect();
            format!(
                "Uptime Kuma uptime {} left empty: no value for {}",
                windows.join(", "),
                who.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    const THREE: [Window; 3] = [Window::Day, Window::Week, Window::Month];

    #[test]
    fn platform_uptime_is_mean_or_min_of_counted_values_never_invented() {
        let monitors = [
            monitor(1, Up, Some(99.55977757182577)),
            monitor(2, Down, Some(95.3660797034291)),
            monitor(4, Stale, Some(10.0)),
        ];
        // (99.55977757182577 + 95.3660797034291) / 2 = 97.46292863762744 -> 97.46
        let mean = platform_uptime(&monitors, UptimeAggregate::Mean, &[Window::Day]);
        assert_eq!(
            mean,
            PlatformUptime {
                uptime: Uptime {
                    last_24h: Some(97.46),
                    ..Uptime::default()
                },
                missing: vec![],
            }
        );
        let min = platform_uptime(&monitors, UptimeAggregate::Min, &[Window::Day]);
        assert_eq!(min.uptime.last_24h, Some(95.37));
        // No counted monitor: nothing, and no monitor to name.
        assert_eq!(
            platform_uptime(&[], UptimeAggregate::Mean, &Window::ALL),
            PlatformUptime::default()
        );
        assert_eq!(
            platform_uptime(
                &[monitor(4, Stale, Some(10.0))],
                UptimeAggregate::Min,
                &THREE
            ),
            PlatformUptime::default()
        );
    }

    #[test]
    fn one_counted_monitor_without_a_value_empties_its_window() {
        let monitors = [
            monitor(1, Up, Some(99.5)),
            monitor(2, Down, Some(95.0)),
            monitor(3, Maintenance, None),
            // Not counted: its missing value changes nothing.
            monitor(4, Stale, None),
        ];
        let platform = platform_uptime(&monitors, UptimeAggregate::Mean, &THREE);
        assert_eq!(platform.uptime, Uptime::default());
        assert_eq!(
            platform.missing,
            vec![
                (Window::Day, vec![3]),
                (Window::Week, vec![1, 2, 3]),
                (Window::Month, vec![1, 2, 3]),
            ]
        );
        // A window that is not published is neither computed nor missing.
        let mut with_year = monitor(1, Up, Some(99.5));
        with_year.uptime.last_1y = Some(99.0);
        let platform = platform_uptime(&[with_year], UptimeAggregate::Mean, &[Window::Day]);
        assert_eq!(platform.uptime.last_1y, None);
        assert!(platform.missing.is_empty());
    }

    #[test]
    fn missing_windows_are_said_once_per_set_of_monitors() {
        let missing = [
            (Window::Week, vec![2]),
            (Window::Month, vec![2]),
            (Window::Year, vec![2, 4]),
        ];
        assert_eq!(
            missing_window_reasons(&missing, |id| format!("monitor {id}")),
            vec![
                "Uptime Kuma uptime 7d, 30d left empty: no value for monitor 2",
                "Uptime Kuma uptime 1y left empty: no value for monitor 2, monitor 4",
            ]
        );
        assert!(missing_window_reasons(&[], |id| id.to_string()).is_empty());
    }
}
