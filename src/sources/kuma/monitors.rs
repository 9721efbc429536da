//! The report of each monitor: its standing (state, and whether it counts) from the heartbeats
//! and /metrics, then its uptime from the sources `windows` picks.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::api::{Heartbeats, KumaVersion, PageMonitor, StatusPage};
use super::badge::{BADGE_1Y, BADGE_7D};
use super::badges::Badges;
use super::fetch::{MetricsRead, Warnings};
use super::metrics::MonitorSeries;
use super::windows::{self, Readings};
use super::{KumaSettings, MonitorReport, MonitorState, counting, rules};

/// Everything Kuma answered before the badges.
pub struct Answers<'a> {
    pub page: &'a StatusPage,
    pub beats: &'a Heartbeats,
    pub metrics: &'a MetricsRead,
}

/// A page monitor's state, and whether it takes part in the platform status and uptime.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub state: MonitorState,
    pub counted: bool,
}

fn is_selected(settings: &KumaSettings, id: u64) -> bool {
    settings
        .monitor_ids
        .as_ref()
        .is_none_or(|ids| ids.contains(&id))
}

/// Paused when /metrics says so (an info line: pausing is the operator's choice); otherwise
/// the newest heartbeat, stale past KUMA_STALE_AFTER.
pub fn standing(
    monitor: &PageMonitor,
    answers: &Answers,
    settings: &KumaSettings,
    now: DateTime<Utc>,
    warnings: &mut Warnings,
) -> Standing {
    let who = format!("monitor {} ({})", monitor.id, monitor.name);
    let page = answers.page;
    let listed = answers.metrics.listed.as_ref();
    let state = if counting::paused(monitor, &page.monitors, page.version, listed) == Some(true) {
        tracing::info!("{who} is paused in Uptime Kuma (no series in /metrics): not counted");
        MonitorState::Paused
    } else {
        let newest = answers.beats.newest.get(&monitor.id);
        rules::monitor_state(
            newest.map(|beat| (beat.status, beat.time)),
            now,
            settings.stale_after,
        )
        .unwrap_or_else(|why| {
            warnings.say(format!("{who}: {why}; it is reported stale"));
            MonitorState::Stale
        })
    };
    let counts = !matches!(state, MonitorState::Stale | MonitorState::Paused);
    Standing {
        state,
        counted: is_selected(settings, monitor.id) && counts,
    }
}

pub fn page_monitor_report(
    monitor: &PageMonitor,
    standing: Standing,
    answers: &Answers,
    badges: &Badges,
    settings: &KumaSettings,
    warnings: &mut Warnings,
) -> MonitorReport {
    let Answers {
        page,
        beats,
        metrics,
    } = answers;
    let id = monitor.id;
    let picked = windows::pick(&Readings {
        heartbeat_24h: beats.uptime_24h.get(&id),
        series: metrics.series.get(&id).copied().unwrap_or_default(),
        badge_7d: badges.get(id, BADGE_7D),
        badge_30d: badges.get(id, page.version.badge_30d()),
        badge_1y: badges.get(id, BADGE_1Y),
    });
    for why in picked.rejected {
        warnings.say(format!("monitor {id} ({}): {why}", monitor.name));
    }
    MonitorReport {
        id,
        name: monitor.name.clone(),
        group: monitor.group.clone(),
        state: standing.state,
        last_beat_at: beats.newest.get(&id).map(|beat| beat.time),
        uptime: picked.uptime,
        counted: standing.counted,
        critical: settings.critical_ids.contains(&id),
        on_status_page: true,
    }
}

/// Monitors in KUMA_MONITOR_IDS that are not on the status page but are in /metrics.
pub fn selected_off_the_page<'a>(
    settings: &KumaSettings,
    page: &StatusPage,
    series: &'a HashMap<u64, MonitorSeries>,
) -> Vec<(u64, &'a MonitorSeries)> {
    let on_page: HashSet<u64> = page.monitors.iter().map(|m| m.id).collect();
    let mut found: Vec<_> = settings
        .monitor_ids
        .iter()
        .flatten()
        .filter(|id| !on_page.contains(id))
        .filter_map(|id| Some((*id, series.get(id)?)))
        .collect();
    found.sort_by_key(|(id, _)| *id);
    found.dedup_by_key(|(id, _)| *id);
    found
}

/// A monitor known only from /metrics: its state is `monitor_status` (Kuma lists only monitors
/// that beat since it started, never paused ones), its uptime the full-precision ratios (no
/// badge: it is not public). Its name stays generic: /metrics labels are not public.
pub fn off_page_monitor_report(
    id: u64,
    settings: &KumaSettings,
    series: &MonitorSeries,
    warnings: &mut Warnings,
) -> MonitorReport {
    let who = format!("monitor {id}");
    let state = series
        .status
        .filter(|code| code.fract() == 0.0)
        .and_then(|code| rules::state_from_code(code as i64))
        .unwrap_or_else(|| {
            warnings.say(format!(
                "{who}: /metrics gives no known monitor_status; it is reported stale"
            ));
            MonitorState::Stale
        });
    let picked = windows::pick(&Readings {
        series: *series,
        ..Readings::default()
    });
    for why in picked.rejected {
        warnings.say(format!("{who}: {why}"));
    }
    MonitorReport {
        id,
        name: format!("Monitor {id}"),
        group: None,
        state,
        last_beat_at: None,
        uptime: picked.uptime,
        counted: state != MonitorState::Stale,
        critical: settings.critical_ids.contains(&id),
        on_status_page: false,
    }
}

/// Ids in KUMA_MONITOR_IDS or KUMA_CRITICAL_IDS that were found nowhere.
pub fn warn_about_unknown_ids(
    settings: &KumaSettings,
    monitors: &[MonitorReport],
    page: &StatusPage,
    warnings: &mut Warnings,
) {
    let mut unknown: Vec<u64> = settings
        .monitor_ids
        .iter()
        .flatten()
        .chain(&settings.critical_ids)
        .copied()
        .filter(|id| !monitors.iter().any(|m| m.id == *id))
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    if unknown.is_empty() {
        return;
    }
    let list = unknown
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let how = match (page.version, settings.api_key.is_some()) {
        (KumaVersion::V2, true) => "add them to the status page, or check the ids in Uptime Kuma",
        (KumaVersion::V2, false) => {
            "add them to the status page, or set KUMA_API_KEY so /metrics can read them"
        }
        (KumaVersion::V1, _) => "add them to the status page",
    };
    warnings.say(format!(
        "KUMA_MONITOR_IDS/KUMA_CRITICAL_IDS name monitor ids not on status page {:?}: {list}; they are left out; {how}",
        settings.status_page
    ));
}
