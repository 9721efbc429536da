//! One read of Uptime Kuma: the status page, heartbeats and (with an API key) /metrics
//! concurrently; each monitor's standing (state, counted); the uptime badges with at most
//! KUMA_CONCURRENCY in flight; then the platform status and uptime, and every reason they are
//! less than the truth.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use super::api::{Heartbeats, KumaVersion, StatusPage};
use super::client::KumaHttp;
use super::failure::{Endpoint, FetchError, Problem};
use super::metrics::{self, Listed, MonitorSeries};
use super::monitors::{self, Answers};
use super::windows::{self, Window};
use super::{KumaReport, KumaSettings, Maintenance, badges, counting, platform};

/// Warnings of one read, each logged once when first said.
#[derive(Default)]
pub(super) struct Warnings(Vec<String>);

impl Warnings {
    pub(super) fn say(&mut self, warning: String) {
        if !self.0.contains(&warning) {
            tracing::warn!("{warning}");
            self.0.push(warning);
        }
    }
}

/// What /metrics said: the series by monitor id (2.x only), and the monitors it lists (`None`
/// when it was not read).
#[derive(Default)]
pub(super) struct MetricsRead {
    pub series: HashMap<u64, MonitorSeries>,
    pub listed: Option<Listed>,
}

/// Reads Kuma once. `Err` (one line naming the source and a fix) when the status page or the
/// heartbeat list cannot be read; anything less (a badge, /metrics) is a warning in the report,
/// and a reason in `degraded` when it leaves the platform less than the truth.
pub async fn fetch(
    settings: &KumaSettings,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> anyhow::Result<KumaReport> {
    let http = KumaHttp::new(client.clone(), settings);
    let mut warnings = Warnings::default();

    // /metrics starts alongside the status page and heartbeats. Dropping the set aborts it
    // (when either of those fails).
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
    let metrics = match metrics_task.join_next().await {
        Some(Ok(answer)) => read_metrics(answer, &http, page.version, &mut warnings),
        Some(Err(_)) | None => MetricsRead::default(),
    };

    let published = windows::published_windows(page.version, settings.api_key.is_some());
    let answers = Answers {
        page: &page,
        beats: &beats,
        metrics: &metrics,
    };
    // Standing before badges: the 1-year badge is asked only for monitors that count.
    let standings: Vec<_> = page
        .monitors
        .iter()
        .map(|monitor| monitors::standing(monitor, &answers, settings, now, &mut warnings))
        .collect();
    let plan: Vec<(u64, Vec<&'static str>)> = page
        .monitors
        .iter()
        .zip(&standings)
        .map(|(monitor, standing)| {
            let series = metrics.series.get(&monitor.id).copied().unwrap_or_default();
            let fill_1y = published.contains(&Window::Year) && standing.counted;
            let needed = windows::badges_needed(page.version, &series, fill_1y);
            (monitor.id, needed)
        })
        .collect();
    let badges = badges::read(&http, settings.concurrency, &plan).await;

    let mut reports = Vec::new();
    for (monitor, standing) in page.monitors.iter().zip(standings) {
        reports.push(monitors::page_monitor_report(
            monitor,
            standing,
            &answers,
            &badges,
            settings,
            &mut warnings,
        ));
    }
    for (id, series) in monitors::selected_off_the_page(settings, &page, &metrics.series) {
        reports.push(monitors::off_page_monitor_report(
            id,
            settings,
            series,
            &mut warnings,
        ));
    }
    monitors::warn_about_unknown_ids(settings, &reports, &page, &mut warnings);
    for (monitor, warning) in &badges.warnings {
        warnings.say(format!("{}: {warning}", describe(*monitor, &page)));
    }

    let uptime = platform::platform_uptime(&reports, settings.uptime_aggregate, &published);
    let mut degraded = platform::missing_window_reasons(&uptime.missing, |id| describe(id, &page));
    degraded.extend(counting::why_nothing_counts(
        &reports,
        &settings.status_page,
        settings.stale_after,
        now,
    ));
    for reason in &degraded {
        warnings.say(reason.clone());
    }

    Ok(KumaReport {
        kuma_version: page.version.label().to_string(),
        checked_at: now,
        platform_status: platform::platform_status(&reports),
        uptime: uptime.uptime,
        maintenance: Maintenance {
            active: !page.maintenance.is_empty(),
            titles: page.maintenance.clone(),
        },
        incidents: page.incidents.clone(),
        monitors: reports,
        warnings: warnings.0,
        degraded,
        requests: http.requests_sent(),
        retries: http.retries_made(),
    })
}

/// `monitor 3 (Homepage Keyword)`: the name only when the status page made it public.
pub(super) fn describe(id: u64, page: &StatusPage) -> String {
    match page.monitors.iter().find(|m| m.id == id) {
        Some(monitor) => format!("monitor {id} ({})", monitor.name),
        None => format!("monitor {id}"),
    }
}

/// Parses /metrics; any failure is a warning, and what it would have given comes from
/// elsewhere: the public badges, and staleness for paused monitors.
fn read_metrics(
    answer: Result<String, FetchError>,
    http: &KumaHttp,
    version: KumaVersion,
    warnings: &mut Warnings,
) -> MetricsRead {
    let fallback = match version {
        KumaVersion::V2 => "using the public badges instead",
        KumaVersion::V1 => "paused monitors are told by KUMA_STALE_AFTER instead",
    };
    let failure = match answer.map(|text| metrics::parse(&text)) {
        Ok(Ok(samples)) => {
            return MetricsRead {
                series: metrics::kuma_monitor_series(&samples),
                listed: Some(metrics::listed_monitors(&samples)),
            };
        }
        Ok(Err(err)) => http.error(&Endpoint::Metrics, Problem::Format(err.to_string())),
        Err(err) => err,
    };
    warnings.say(format!("{failure}; {fallback}"));
    MetricsRead::default()
}
