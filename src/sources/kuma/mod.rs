//! Uptime Kuma: monitor states, platform status and uptime, read over Kuma's HTTP APIs.
//!
//! `api` decodes each endpoint's JSON, `badge` reads SVG uptime badges, `metrics` parses
//! Prometheus text. The pure rules turn them into states and numbers: `windows` picks each
//! uptime window's source, `rules` makes each monitor's state and checks its numbers,
//! `counting` tells paused monitors and why none counts, `platform` makes the platform status
//! and uptime. `client` makes the requests (retrying once what `failure` finds transient),
//! `fetch` orchestrates one read with `badges` and `monitors`, `report` prints it for a person.

// api, badge, metrics, platform, rules and windows are public for the benchmarks
// (benches/hotspots.rs).
pub mod api;
pub mod badge;
mod badges;
mod client;
mod counting;
mod failure;
mod fetch;
pub mod metrics;
mod monitors;
pub mod platform;
mod report;
pub mod rules;
pub mod windows;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{EnvSource, Secret};

pub use client::requests_sent_by_process;
pub use fetch::fetch;
pub use report::render;

/// How the platform uptime of a window is made from the counted monitors' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UptimeAggregate {
    Mean,
    Min,
}

#[derive(Debug, Clone)]
pub struct KumaSettings {
    /// Base URL, may include a path prefix behind a reverse proxy; no trailing `/`.
    pub url: reqwest::Url,
    pub status_page: String,
    pub api_key: Option<Secret>,
    /// Only these monitors count; `None`: every monitor on the status page.
    pub monitor_ids: Option<Vec<u64>>,
    pub critical_ids: Vec<u64>,
    pub concurrency: usize,
    pub request_timeout: Duration,
    pub stale_after: Duration,
    pub ca_cert: Option<PathBuf>,
    pub uptime_aggregate: UptimeAggregate,
}

impl KumaSettings {
    /// `None` when Kuma is deliberately not configured (no `KUMA_URL`; said once in
    /// `unconfigured`) or a setting is invalid (recorded in `env`). Every `KUMA_*` value is
    /// checked either way.
    pub fn from_env(env: &EnvSource, unconfigured: &mut Vec<String>) -> Option<KumaSettings> {
        let url = env.http_url("KUMA_URL");
        let status_page = env.string("KUMA_STATUS_PAGE");
        let uptime_aggregate = match env.choice("KUMA_UPTIME_AGGREGATE", &["mean", "min"], "mean") {
            "min" => UptimeAggregate::Min,
            _ => UptimeAggregate::Mean,
        };
        let monitor_ids = env.id_list("KUMA_MONITOR_IDS");
        let critical_ids = env.id_list("KUMA_CRITICAL_IDS").unwrap_or_default();
        if let Some(counted) = &monitor_ids
            && let Some(id) = critical_ids.iter().find(|id| !counted.contains(id))
        {
            env.refuse_setting(
                "KUMA_CRITICAL_IDS",
                format!(
                    "KUMA_CRITICAL_IDS: monitor {id} is not in KUMA_MONITOR_IDS; a critical monitor must count, so add it there"
                ),
            );
        }
        let concurrency = env.number("KUMA_CONCURRENCY", 32, 1, 256);
        let request_timeout = env.duration("KUMA_REQUEST_TIMEOUT", Duration::from_secs(10));
        let stale_after = env.duration("KUMA_STALE_AFTER", Duration::from_secs(30 * 60));
        if env.raw("KUMA_URL").is_none() {
            unconfigured.push(
                "KUMA_URL is not set: Uptime Kuma is not read, so platform status and uptime are unknown".into(),
            );
            return None;
        }
        let Some(status_page) = status_page else {
            env.refuse_setting(
                "KUMA_STATUS_PAGE",
                "KUMA_STATUS_PAGE: not set; KUMA_URL is set, so give the slug of a published status page (e.g. main)",
            );
            return None;
        };
        let url = url?;
        if !url.username().is_empty() || url.password().is_some() {
            // Named without them: the password must not reach a log.
            env.refuse_setting(
                "KUMA_URL",
                format!(
                    "KUMA_URL: {} holds credentials (user:password@); remove them: Uptime Kuma's API key goes in KUMA_API_KEY, and only /metrics is sent it",
                    crate::http::redact(&url).trim_end_matches('/')
                ),
            );
            return None;
        }
        Some(KumaSettings {
            url,
            status_page,
            api_key: env.secret("KUMA_API_KEY"),
            monitor_ids,
            critical_ids,
            concurrency,
            request_timeout,
            stale_after,
            ca_cert: env.path("KUMA_CA_CERT"),
            uptime_aggregate,
        })
    }
}

/// The platform-wide status published in status.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlatformStatus {
    Operational,
    Degraded,
    Outage,
    Unknown,
}

/// Uptime in percent (0..=100) per window; `None` when no value is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Uptime {
    pub last_24h: Option<f64>,
    pub last_7d: Option<f64>,
    pub last_30d: Option<f64>,
    pub last_1y: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Maintenance {
    pub active: bool,
    pub titles: Vec<String>,
}

/// An incident posted on the Kuma status page (public text, written by the operator).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub title: String,
    pub style: String,
    pub content: String,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A monitor's state: its newest heartbeat, `Stale` when there is none recent enough, or
/// `Paused` when /metrics (read with KUMA_API_KEY) no longer lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorState {
    Up,
    Down,
    Pending,
    Maintenance,
    Stale,
    Paused,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorReport {
    pub id: u64,
    pub name: String,
    pub group: Option<String>,
    pub state: MonitorState,
    pub last_beat_at: Option<DateTime<Utc>>,
    /// Per-monitor uptime in percent (full precision where the source gives it).
    pub uptime: Uptime,
    /// Whether the monitor takes part in the platform status and uptime aggregates: it is
    /// selected (KUMA_MONITOR_IDS, default all on the page), not stale and not paused.
    pub counted: bool,
    pub critical: bool,
    /// `false` for a monitor of KUMA_MONITOR_IDS known only from /metrics: its name is then
    /// the generic `Monitor <id>` (Kuma's own name for it was never made public).
    pub on_status_page: bool,
}

/// Everything read from Kuma in one run: the struct `status kuma --json` prints and
/// `generate` merges into status.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KumaReport {
    /// `1.x` or `2.x`, told from the status page JSON.
    pub kuma_version: String,
    pub checked_at: DateTime<Utc>,
    pub platform_status: PlatformStatus,
    pub uptime: Uptime,
    pub maintenance: Maintenance,
    pub incidents: Vec<Incident>,
    pub monitors: Vec<MonitorReport>,
    /// Everything that was read but not used (a grey badge, a rejected ratio, a wrong API
    /// key), one line each, already logged. For operators: they may name Kuma's URL, so they
    /// are counted, never copied, into status.json. Never a secret.
    pub warnings: Vec<String>,
    /// Why the platform status or uptime is less than the truth (a window left empty because
    /// a counted monitor has no value for it; no monitor counting), one line each, also in
    /// `warnings`. Each makes a run degraded: exit 3, push `down`.
    pub degraded: Vec<String>,
    /// HTTP requests made to Kuma in this read, retries included.
    pub requests: usize,
    /// Requests that failed on the way (connection, timeout, 5xx) and were sent once more.
    pub retries: usize,
}

/// The HTTP client for Kuma: pooled connections, gzip, KUMA_REQUEST_TIMEOUT per request,
/// KUMA_CA_CERT trusted in addition to the system roots, redirects only within KUMA_URL's
/// origin.
pub fn http_client(settings: &KumaSettings) -> anyhow::Result<reqwest::Client> {
    crate::http::client(
        settings.request_timeout,
        settings.ca_cert.as_deref(),
        "KUMA_CA_CERT",
        crate::http::Redirects::WithinOriginOf {
            url: settings.url.clone(),
            setting: "KUMA_URL",
        },
    )
}
