//! Which monitors count (pure): a page monitor that /metrics does not list is paused; and when
//! none counts, the one line that says why.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::api::{KumaVersion, PageMonitor};
use super::metrics::Listed;
use super::{MonitorReport, MonitorState};
use crate::units::{format_age, format_duration};

/// Whether a page monitor is paused, as /metrics tells it. Kuma drops a monitor's series when
/// it is paused, and every active monitor has some from its first beat after start. `None`:
/// /metrics cannot tell (not read, or it lists no monitor; on 1.x, whose series carry no id, a
/// name that two page monitors share), so staleness decides.
pub fn paused(
    monitor: &PageMonitor,
    page: &[PageMonitor],
    version: KumaVersion,
    listed: Option<&Listed>,
) -> Option<bool> {
    let listed = listed.filter(|listed| !listed.is_empty())?;
    match version {
        KumaVersion::V2 => Some(!listed.ids.contains(&monitor.id)),
        KumaVersion::V1 => {
            let same_name = page.iter().filter(|m| m.name == monitor.name).count();
            (same_name == 1).then(|| !listed.names.contains(&monitor.name))
        }
    }
}

/// Why no monitor counts, when none does (`None` when one does): the status page lists none,
/// or every one is stale, paused or left out by `KUMA_MONITOR_IDS`. The platform is then
/// unknown, which the page must say was not a choice.
pub fn why_nothing_counts(
    monitors: &[MonitorReport],
    status_page: &str,
    stale_after: Duration,
    now: DateTime<Utc>,
) -> Option<String> {
    if monitors.iter().any(|m| m.counted) {
        return None;
    }
    if monitors.is_empty() {
        return Some(format!(
            "Uptime Kuma status page {status_page:?} lists no monitors, so the platform status is unknown; add monitors to it in Uptime Kuma"
        ));
    }
    let stale: Vec<&MonitorReport> = monitors
        .iter()
        .filter(|m| m.state == MonitorState::Stale)
        .collect();
    let paused = monitors
        .iter()
        .filter(|m| m.state == MonitorState::Paused)
        .count();
    let left_out = monitors.len() - stale.len() - paused;
    let newest_beat = match stale.iter().filter_map(|m| m.last_beat_at).max() {
        Some(at) => format!(
            "newest beat {} ago",
            format_age((now - at).to_std().unwrap_or(Duration::ZERO))
        ),
        None => "no heartbeat at all".to_string(),
    };
    let page = format!("Uptime Kuma status page {status_page:?}");
    let why = if stale.len() == monitors.len() {
        format!(
            "every monitor on {page} is stale (no beat within KUMA_STALE_AFTER, {}): {newest_beat}",
            format_duration(stale_after)
        )
    } else if paused == monitors.len() {
        format!("every monitor on {page} is paused")
    } else if left_out == monitors.len() {
        format!("no monitor on {page} is in KUMA_MONITOR_IDS")
    } else {
        let mut parts = Vec::new();
        if !stale.is_empty() {
            parts.push(format!("{} stale ({newest_beat})", stale.len()));
        }
        if paused > 0 {
            parts.push(format!("{paused} paused"));
        }
        if left_out > 0 {
            parts.push(format!("{left_out} not in KUMA_MONITOR_IDS"));
        }
        format!("no monitor of {page} counts: {}", parts.join(", "))
    };
    Some(format!("{why}; the platform status and uptime are unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::kuma::Uptime;
    use chrono::TimeZone;
    use std::collections::HashSet;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 4, 6, 1).unwrap()
    }

    fn page_monitor(id: u64, name: &str) -> PageMonitor {
        PageMonitor {
            id,
            name: name.into(),
            group: None,
        }
    }

    #[test]
    fn a_monitor_missing_from_metrics_is_paused() {
        let page = [
            page_monitor(1, "Web"),
            page_monitor(2, "API"),
            page_monitor(3, "API"),
        ];
        let v2 = Listed {
            ids: HashSet::from([1, 3]),
            names: HashSet::from(["Web".to_string(), "API".to_string()]),
        };
        let paused_v2: Vec<_> = page
            .iter()
            .map(|m| paused(m, &page, KumaVersion::V2, Some(&v2)))
            .collect();
        assert_eq!(paused_v2, vec![Some(false), Some(true), Some(false)]);
        // 1.x: by name, and only where the name is unique on the page.
        let v1 = Listed {
            ids: HashSet::new(),
            names: HashSet::from(["API".to_string()]),
        };
        let paused_v1: Vec<_> = page
            .iter()
            .map(|m| paused(m, &page, KumaVersion::V1, Some(&v1)))
            .collect();
        assert_eq!(paused_v1, vec![Some(true), None, None]);
        // No /metrics, or one listing no monitor (Kuma just started): staleness decides.
        assert_eq!(paused(&page[0], &page, KumaVersion::V2, None), None);
        let empty = Listed::default();
        assert_eq!(paused(&page[0], &page, KumaVersion::V2, Some(&empty)), None);
        // A 2.x /metrics with names but no ids cannot tell.
        assert_eq!(
            paused(&page[0], &page, KumaVersion::V2, Some(&v1)),
            Some(true)
        );
    }

    fn monitor(id: u64, state: MonitorState, beat_secs_ago: Option<i64>) -> MonitorReport {
        MonitorReport {
            id,
            name: format!("m{id}"),
            group: None,
            state,
            last_beat_at: beat_secs_ago.map(|s| now() - chrono::Duration::seconds(s)),
            uptime: Uptime::default(),
            counted: false,
            critical: false,
            on_status_page: true,
        }
    }

    use MonitorState::{Paused, Stale, Up};

    #[test]
    fn says_why_nothing_counts() {
        let why = |monitors: &[MonitorReport]| {
            why_nothing_counts(monitors, "main", Duration::from_secs(1800), now())
        };
        let mut counted = monitor(1, Up, Some(5));
        counted.counted = true;
        assert_eq!(why(&[counted, monitor(2, Stale, Some(9000))]), None);
        assert_eq!(
            why(&[]).unwrap(),
            "Uptime Kuma status page \"main\" lists no monitors, so the platform status is unknown; add monitors to it in Uptime Kuma"
        );
        assert_eq!(
            why(&[monitor(1, Stale, Some(7300)), monitor(2, Stale, Some(9000))]).unwrap(),
            "every monitor on Uptime Kuma status page \"main\" is stale (no beat within KUMA_STALE_AFTER, 30m): newest beat 2h 1m ago; the platform status and uptime are unknown"
        );
        assert_eq!(
            why(&[monitor(1, Stale, None)]).unwrap(),
            "every monitor on Uptime Kuma status page \"main\" is stale (no beat within KUMA_STALE_AFTER, 30m): no heartbeat at all; the platform status and uptime are unknown"
        );
        assert_eq!(
            why(&[monitor(1, Paused, Some(5))]).unwrap(),
            "every monitor on Uptime Kuma status page \"main\" is paused; the platform status and uptime are unknown"
        );
        assert_eq!(
            why(&[monitor(1, Up, Some(5))]).unwrap(),
            "no monitor on Uptime Kuma status page \"main\" is in KUMA_MONITOR_IDS; the platform status and uptime are unknown"
        );
        assert_eq!(
            why(&[
                monitor(1, Up, Some(5)),
                monitor(2, Paused, Some(5)),
                monitor(3, Stale, Some(2700)),
                monitor(4, Stale, Some(3000)),
            ])
            .unwrap(),
            "no monitor of Uptime Kuma status page \"main\" counts: 2 stale (newest beat 45m ago), 1 paused, 1 not in KUMA_MONITOR_IDS; the platform status and uptime are unknown"
        );
    }
}
