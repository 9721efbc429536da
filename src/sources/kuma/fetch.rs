//! One read of Uptime Kuma: the status page, heartbeats and (2.x with an API key) /metrics
//! concurrently, then the uptime badges with at most KUMA_CONCURRENCY in flight.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::api::{BADGE_7D, Heartbeats, KumaVersion, PageMonitor, StatusPage};
use super::badge::{BadgeReading, read_uptime_badge};
use super::client::{Endpoint, FetchError, KumaHttp, Problem};
use super::metrics::{self, MonitorSeries};
use super::{KumaReport, KumaSettings, Maintenance, MonitorReport, MonitorState, Uptime, rules};

/// Warnings of one run, each logged once when first said.
#[derive(Default)]
struct Warnings(Vec<String>);

impl Warnings {
    fn say(&mut self, warning: String) {
        if !self.0.contains(&warning) {
            tracing::warn!("{warning}");
            self.0.push(warning);
        }
    }
}

/// Reads Kuma once. `Err` (one line naming the source and a fix) when the status page or the
/// heartbeat list cannot be read; anything less (a badge, /metrics) is a warning in the report.
pub async fn fetch(
    settings: &KumaSettings,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> anyhow::Result<KumaReport> {
    let http = KumaHttp::new(client.clone(), settings);
    let mut warnings = Warnings::default();

    // /metrics starts alongside the status page and heartbeats; its answer is only used once
    // the status page says 2.x. Dropping the set aborts it (on 1.x, or on an error).
    let mut metrics_task = JoinSet::new();
    if let Some(key) = settings.api_key.clone() {
        let http = http.clone();
        metrics_task.spawn(async move { http.metrics(&key).await });
    }
    // Concurrent; a status page failure ends the read at once, and wins over a heartbeat
    // failure (it names the likelier fix: the URL or the slug).
    let (page, beats) = tokio::try_join!(http.json(&Endpoint::StatusPage), async {
        Ok(http
            .decoded(&Endpoint::Heartbeats, Heartbeats::from_slice)
            .await)
    })?;
    let beats = beats?;
    let page = StatusPage::from_json(page)
        .map_err(|what| http.error(&Endpoint::StatusPage, Problem::Format(what)))?;

    let series = match page.version {
        KumaVersion::V2 => match metrics_task.join_next().await {
            Some(Ok(answer)) => read_metrics(answer, &http, &mut warnings),
            Some(Err(_)) | None => HashMap::new(),
        },
        KumaVersion::V1 => {
            metrics_task.abort_all();
            if settings.api_key.is_some() {
                warnings.say(
                    "KUMA_API_KEY is set, but Uptime Kuma 1.x's /metrics has no uptime and no monitor ids, so it is not used; unset KUMA_API_KEY or upgrade Kuma to 2.x".into(),
                );
            }
            HashMap::new()
        }
    };

    let badges = read_badges(&http, settings, &page, &series).await;
    let answers = Answers {
        page: &page,
        beats: &beats,
        series: &series,
        badges: &badges,
    };
    let mut monitors = Vec::new();
    for monitor in &page.monitors {
        monitors.push(page_monitor_report(
            monitor,
            &answers,
            settings,
            now,
            &mut warnings,
        ));
    }
    for (id, series) in series_of_selected_monitors_off_the_page(settings, &page, &series) {
        monitors.push(off_page_monitor_report(id, settings, series, &mut warnings));
    }
    warn_about_unknown_ids(settings, &monitors, &page, &mut warnings);
    for (monitor, warning) in badges.warnings {
        warnings.say(format!("{}: {warning}", describe(monitor, &page)));
    }
    if page.monitors.is_empty() {
        warnings.say(format!(
            "Uptime Kuma status page {:?} lists no monitors, so the platform status is unknown; add monitors to it in Uptime Kuma",
            settings.status_page
        ));
    }

    Ok(KumaReport {
        kuma_version: page.version.label().to_string(),
        checked_at: now,
        platform_status: rules::platform_status(&monitors),
        uptime: rules::platform_uptime(&monitors, settings.uptime_aggregate),
        maintenance: Maintenance {
            active: !page.maintenance.is_empty(),
            titles: page.maintenance.clone(),
        },
        incidents: page.incidents.clone(),
        monitors,
        warnings: warnings.0,
        requests: http.requests_sent(),
    })
}

/// `monitor 3 (Homepage Keyword)`: the name only when the status page made it public.
fn describe(id: u64, page: &StatusPage) -> String {
    match page.monitors.iter().find(|m| m.id == id) {
        Some(monitor) => format!("monitor {id} ({})", monitor.name),
        None => format!("monitor {id}"),
    }
}

fn is_selected(settings: &KumaSettings, id: u64) -> bool {
    settings
        .monitor_ids
        .as_ref()
        .is_none_or(|ids| ids.contains(&id))
}

/// Parses /metrics; any failure is a warning and the public values are used instead.
fn read_metrics(
    answer: Result<String, FetchError>,
    http: &KumaHttp,
    warnings: &mut Warnings,
) -> HashMap<u64, MonitorSeries> {
    const FALLBACK: &str = "using the public badges instead";
    match answer {
        Ok(text) => match metrics::parse(&text) {
            Ok(samples) => metrics::kuma_monitor_series(&samples),
            Err(err) => {
                let err = http.error(&Endpoint::Metrics, Problem::Format(err.to_string()));
                warnings.say(format!("{err}; {FALLBACK}"));
                HashMap::new()
            }
        },
        Err(err) => {
            warnings.say(format!("{err}; {FALLBACK}"));
            HashMap::new()
        }
    }
}

/// Badge values by (monitor, duration), and the warnings about badges, by monitor.
#[derive(Default)]
struct Badges {
    percent: HashMap<(u64, &'static str), f64>,
    warnings: Vec<(u64, String)>,
}

/// Fetches the badges each page monitor needs: 7 days always, 30 days unless /metrics gave a
/// valid 30-day ratio. At most KUMA_CONCURRENCY requests are in flight.
async fn read_badges(
    http: &KumaHttp,
    settings: &KumaSettings,
    page: &StatusPage,
    series: &HashMap<u64, MonitorSeries>,
) -> Badges {
    let limit = Arc::new(Semaphore::new(settings.concurrency));
    let mut tasks = JoinSet::new();
    for monitor in &page.monitors {
        let has_metrics_30d = series
            .get(&monitor.id)
            .and_then(|s| s.ratio_30d)
            .is_some_and(|ratio| rules::ratio_to_percent(ratio).is_ok());
        let mut durations = vec![BADGE_7D];
        if !has_metrics_30d {
            durations.push(page.version.badge_30d());
        }
        for duration in durations {
            let id = monitor.id;
            let endpoint = Endpoint::UptimeBadge {
                monitor: id,
                duration,
            };
            let (http, limit) = (http.clone(), limit.clone());
            tasks.spawn(async move {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = limit.acquire_owned().await;
                let answer = http.badge(&endpoint).await;
                (id, duration, answer)
            });
        }
    }
    let mut badges = Badges::default();
    while let Some(joined) = tasks.join_next().await {
        // A badge task cannot panic (no unwrap in it); a join error would mean the runtime
        // is shutting down, and the deadline reports that.
        let Ok((id, duration, answer)) = joined else {
            continue;
        };
        let path = format!("badge /api/badge/{id}/uptime/{duration}");
        match answer.map(|svg| read_uptime_badge(&svg)) {
            Ok(BadgeReading::Percent(percent)) => match rules::checked_percent(percent) {
                Ok(percent) => {
                    badges.percent.insert((id, duration), percent);
                }
                Err(why) => badges
                    .warnings
                    .push((id, format!("{path} says {why}; that uptime is left empty"))),
            },
            Ok(BadgeReading::NotAvailable) => badges.warnings.push((
                id,
                format!("{path} is N/A (the monitor is not public on a published status page); that uptime is left empty"),
            )),
            Ok(BadgeReading::NoNumber) => badges.warnings.push((
                id,
                format!("{path} holds no percentage; that uptime is left empty"),
            )),
            Err(err) => badges
                .warnings
                .push((id, format!("{err}; that uptime is left empty"))),
        }
    }
    // Answers arrive in any order; warnings are said in a stable one.
    badges.warnings.sort();
    badges
}

/// A checked ratio from /metrics as a percent; a bad one is a warning.
fn series_percent(
    ratio: Option<f64>,
    what: &str,
    who: &str,
    warnings: &mut Warnings,
) -> Option<f64> {
    match rules::ratio_to_percent(ratio?) {
        Ok(percent) => Some(percent),
        Err(why) => {
            warnings.say(format!(
                "{who}: /metrics {what} uptime ratio {why}; it is not used"
            ));
            None
        }
    }
}

/// Everything Kuma answered in one read.
struct Answers<'a> {
    page: &'a StatusPage,
    beats: &'a Heartbeats,
    series: &'a HashMap<u64, MonitorSeries>,
    badges: &'a Badges,
}

fn page_monitor_report(
    monitor: &PageMonitor,
    answers: &Answers,
    settings: &KumaSettings,
    now: DateTime<Utc>,
    warnings: &mut Warnings,
) -> MonitorReport {
    let Answers {
        page,
        beats,
        series,
        badges,
    } = answers;
    let who = format!("monitor {} ({})", monitor.id, monitor.name);
    let newest = beats.newest.get(&monitor.id);
    let state = rules::monitor_state(
        newest.map(|beat| (beat.status, beat.time)),
        now,
        settings.stale_after,
    )
    .unwrap_or_else(|why| {
        warnings.say(format!("{who}: {why}; it is reported stale"));
        MonitorState::Stale
    });
    let series = series.get(&monitor.id).copied().unwrap_or_default();
    // 24 h: the heartbeat endpoint's value equals the dashboard's exactly; /metrics' `1d` is
    // only updated at the monitor's own beats, so it is the fallback.
    let last_24h = match beats.uptime_24h.get(&monitor.id) {
        Some(raw) => rules::ratio_value_to_percent(raw)
            .map_err(|why| {
                warnings.say(format!(
                    "{who}: 24h uptime {why} in the heartbeat list; it is left empty"
                ))
            })
            .ok(),
        None => series_percent(series.ratio_1d, "1d", &who, warnings),
    };
    let last_30d = series_percent(series.ratio_30d, "30d", &who, warnings).or_else(|| {
        badges
            .percent
            .get(&(monitor.id, page.version.badge_30d()))
            .copied()
    });
    let selected = is_selected(settings, monitor.id);
    MonitorReport {
        id: monitor.id,
        name: monitor.name.clone(),
        group: monitor.group.clone(),
        state,
        last_beat_at: newest.map(|beat| beat.time),
        uptime: Uptime {
            last_24h,
            last_7d: badges.percent.get(&(monitor.id, BADGE_7D)).copied(),
            last_30d,
            last_1y: series_percent(series.ratio_365d, "365d", &who, warnings),
        },
        counted: selected && state != MonitorState::Stale,
        critical: settings.critical_ids.contains(&monitor.id),
        on_status_page: true,
    }
}

/// Monitors in KUMA_MONITOR_IDS that are not on the status page but are in /metrics.
fn series_of_selected_monitors_off_the_page<'a>(
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
/// that beat since it started, never paused ones), its uptime the full-precision ratios. Its
/// name stays generic: /metrics labels are not public.
fn off_page_monitor_report(
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
    MonitorReport {
        id,
        name: format!("Monitor {id}"),
        group: None,
        state,
        last_beat_at: None,
        uptime: Uptime {
            last_24h: series_percent(series.ratio_1d, "1d", &who, warnings),
            last_7d: None,
            last_30d: series_percent(series.ratio_30d, "30d", &who, warnings),
            last_1y: series_percent(series.ratio_365d, "365d", &who, warnings),
        },
        counted: state != MonitorState::Stale,
        critical: settings.critical_ids.contains(&id),
        on_status_page: false,
    }
}

/// Ids in KUMA_MONITOR_IDS or KUMA_CRITICAL_IDS that were found nowhere.
fn warn_about_unknown_ids(
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
