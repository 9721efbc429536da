//! Synthetic Uptime Kuma 2.5.3 response bodies for N monitors, for the scale harness
//! (`examples/scale`) and the criterion benches (`benches/hotspots.rs`).
//!
//! Every body is built from the captured 2.5.3 responses in
//! `tests/fixtures/uptime-kuma/2.5.3/` (the status page `config`, the badge SVGs, the
//! non-monitor part of `/metrics`), so only the per-monitor parts are generated: the shapes are
//! the real server's, at any N. Pure functions of their arguments (the clock is passed in).

// Each includer uses a different part of this module (the benches need no routing, the
// harness no single monitor).
#![allow(dead_code)]

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// A captured 2.5.3 response, compiled in.
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/uptime-kuma/2.5.3/",
            $name
        ))
    };
}

const STATUS_PAGE_FIXTURE: &str = fixture!("status-page_main.json");
/// `Uptime (168h): 99.41%`: the 7-day badge (`/api/badge/1/uptime/168`).
const BADGE_168H_FIXTURE: &str = fixture!("badge_1_uptime_168.svg");
const BADGE_168H_VALUE: &str = "99.41%";
/// `Uptime (30h): 99.29%`: the 30-day badge (`/api/badge/1/uptime/30d`; 2.x mislabels it).
const BADGE_30D_FIXTURE: &str = fixture!("badge_1_uptime_30d.svg");
const BADGE_30D_VALUE: &str = "99.29%";
/// The grey badge of a monitor that is not public (or does not exist).
pub const BADGE_NOT_AVAILABLE: &str = fixture!("badge_7_uptime_168.svg");
/// What 2.5.3 answers an authorised `/metrics` with a query string: its single-page app.
pub const SPA_PAGE: &str = fixture!("metrics_cachebust-param.html");
const METRICS_FIXTURE: &str = fixture!("metrics.txt");
/// Where the per-monitor families of `/metrics` end and the process/Node.js ones begin.
const METRICS_PROCESS_FAMILIES: &str = "# HELP process_cpu_user_seconds_total";

/// Kuma serves the last 100 heartbeats of each monitor on the public endpoint.
pub const BEATS_PER_MONITOR: usize = 100;
/// Monitors per status-page group.
const GROUP_SIZE: u64 = 25;
const BEAT_INTERVAL_SECONDS: i64 = 60;

/// Uptime windows of the badges the client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadgeWindow {
    /// `/api/badge/{id}/uptime/168`.
    Hours168,
    /// `/api/badge/{id}/uptime/30d`.
    Days30,
}

/// Heartbeat status codes, as Kuma numbers them.
const DOWN: u8 = 0;
const UP: u8 = 1;
const PENDING: u8 = 2;

/// Newest heartbeat status of monitor `id`: mostly up, a few down or pending, so the rules
/// see every branch at scale.
pub fn monitor_status(id: u64) -> u8 {
    match id % 100 {
        7 => DOWN,
        42 => PENDING,
        _ => UP,
    }
}

/// 24 h uptime ratio of monitor `id` in 0..=1 (exactly 1 for every tenth monitor, which Kuma
/// serialises as the integer `1`).
pub fn uptime_ratio_24h(id: u64) -> f64 {
    if id.is_multiple_of(10) {
        1.0
    } else {
        0.99 + (id % 97) as f64 / 10_000.0
    }
}

/// A badge percentage, four significant digits as Kuma prints it (100 for the monitors whose
/// 24 h ratio is 1).
pub fn badge_percent(id: u64, window: BadgeWindow) -> f64 {
    if uptime_ratio_24h(id) == 1.0 {
        return 100.0;
    }
    let base = match window {
        BadgeWindow::Hours168 => 99.0,
        BadgeWindow::Days30 => 98.5,
    };
    base + (id % 89) as f64 / 100.0
}

/// `GET /api/status-page/main`: the captured page's `config`, no incident or maintenance, and
/// monitors 1..=n in groups of 25.
pub fn status_page(n: u64) -> String {
    let captured: Value =
        serde_json::from_str(STATUS_PAGE_FIXTURE).expect("the captured status page is JSON");
    let groups: Vec<Value> = (0..n.div_ceil(GROUP_SIZE))
        .map(|group| {
            let ids = group * GROUP_SIZE + 1..=((group + 1) * GROUP_SIZE).min(n);
            json!({
                "id": group + 1,
                "name": format!("Group {}", group + 1),
                "weight": group + 1,
                "monitorList": ids
                    .map(|id| json!({"id": id, "name": format!("Service {id}"), "sendUrl": 0, "type": "http"}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "config": captured["config"],
        "incidents": [],
        "publicGroupList": groups,
        "maintenanceList": [],
    })
    .to_string()
}

/// `GET /api/status-page/heartbeat/main`: `beats` heartbeats per monitor, oldest first, one a
/// minute, the newest a few seconds before `now`; and the 24 h ratios under `"<id>_24"`.
pub fn heartbeats(n: u64, beats: usize, now: DateTime<Utc>) -> String {
    let mut body = String::with_capacity(n as usize * beats * 64);
    body.push_str("{\"heartbeatList\":{");
    for id in 1..=n {
        if id > 1 {
            body.push(',');
        }
        write!(body, "\"{id}\":[").unwrap();
        let newest = now - Duration::seconds((id % 50) as i64 + 1);
        for beat in 0..beats {
            let age = (beats - 1 - beat) as i64 * BEAT_INTERVAL_SECONDS;
            let time = (newest - Duration::seconds(age)).format("%Y-%m-%d %H:%M:%S%.3f");
            let status = if beat + 1 == beats {
                monitor_status(id)
            } else {
                UP
            };
            let ping = if status == UP {
                ((id + beat as u64) % 40 + 2).to_string()
            } else {
                "null".to_string()
            };
            if beat > 0 {
                body.push(',');
            }
            write!(
                body,
                "{{\"status\":{status},\"time\":\"{time}\",\"msg\":\"\",\"ping\":{ping}}}"
            )
            .unwrap();
        }
        body.push(']');
    }
    body.push_str("},\"uptimeList\":{");
    for id in 1..=n {
        if id > 1 {
            body.push(',');
        }
        // serde_json prints 1.0 as `1.0`; Kuma (JavaScript) prints `1`.
        let ratio = uptime_ratio_24h(id);
        if ratio == 1.0 {
            write!(body, "\"{id}_24\":1").unwrap();
        } else {
            write!(body, "\"{id}_24\":{ratio}").unwrap();
        }
    }
    body.push_str("}}");
    body
}

/// `GET /api/badge/{id}/uptime/168` or `/30d`: the captured badge with this monitor's value.
pub fn uptime_badge(id: u64, window: BadgeWindow) -> String {
    let (template, captured_value) = match window {
        BadgeWindow::Hours168 => (BADGE_168H_FIXTURE, BADGE_168H_VALUE),
        BadgeWindow::Days30 => (BADGE_30D_FIXTURE, BADGE_30D_VALUE),
    };
    // Four significant digits: 99.41% or 100.0%, always six characters, so the captured
    // widths stay right.
    let percent = badge_percent(id, window);
    let value = if percent >= 100.0 {
        "100.0%".to_string()
    } else {
        format!("{percent:.2}%")
    };
    template.replace(captured_value, &value)
}

/// `GET /metrics` (with the API key): the per-monitor families for monitors 1..=n in the
/// captured order and label set, then the captured process and Node.js families.
pub fn metrics(n: u64) -> String {
    let mut body = String::with_capacity(n as usize * 2048 + METRICS_FIXTURE.len());
    body.push_str(
        "# HELP monitor_cert_days_remaining The number of days remaining until the certificate expires\n\
         # TYPE monitor_cert_days_remaining gauge\n\n\
         # HELP monitor_cert_is_valid Is the certificate still valid? (1 = Yes, 0= No)\n\
         # TYPE monitor_cert_is_valid gauge\n\n\
         # HELP monitor_uptime_ratio Uptime ratio calculated over sliding window specified by the 'window' label. (0.0 - 1.0)\n\
         # TYPE monitor_uptime_ratio gauge\n",
    );
    for id in 1..=n {
        for (window, ratio) in [
            ("1d", uptime_ratio_24h(id)),
            ("30d", badge_percent(id, BadgeWindow::Days30) / 100.0),
            ("365d", 0.995 + (id % 43) as f64 / 10_000.0),
        ] {
            writeln!(
                body,
                "monitor_uptime_ratio{{{},window=\"{window}\"}} {ratio}",
                labels(id)
            )
            .unwrap();
        }
    }
    body.push_str(
        "\n# HELP monitor_response_time_seconds Average response time in seconds calculated over sliding window specified by the 'window' label\n\
         # TYPE monitor_response_time_seconds gauge\n",
    );
    for id in 1..=n {
        for window in ["1d", "30d", "365d"] {
            let seconds = 0.02 + (id % 31) as f64 / 1000.0;
            writeln!(
                body,
                "monitor_response_time_seconds{{{},window=\"{window}\"}} {seconds}",
                labels(id)
            )
            .unwrap();
        }
    }
    body.push_str("\n# HELP monitor_response_time Monitor Response Time (ms)\n# TYPE monitor_response_time gauge\n");
    for id in 1..=n {
        let ping: i64 = if monitor_status(id) == UP {
            (id % 40 + 2) as i64
        } else {
            -1
        };
        writeln!(body, "monitor_response_time{{{}}} {ping}", labels(id)).unwrap();
    }
    body.push_str("\n# HELP monitor_status Monitor Status (1 = UP, 0= DOWN, 2= PENDING, 3= MAINTENANCE)\n# TYPE monitor_status gauge\n");
    for id in 1..=n {
        writeln!(
            body,
            "monitor_status{{{}}} {}",
            labels(id),
            monitor_status(id)
        )
        .unwrap();
    }
    body.push('\n');
    let process_families = METRICS_FIXTURE
        .find(METRICS_PROCESS_FAMILIES)
        .expect("the captured /metrics has the process families");
    body.push_str(&METRICS_FIXTURE[process_families..]);
    body
}

fn labels(id: u64) -> String {
    let host = format!("10.0.{}.{}", id / 256, id % 256);
    format!(
        "monitor_id=\"{id}\",monitor_name=\"Service {id}\",monitor_type=\"http\",monitor_url=\"http://{host}:8080/health\",monitor_hostname=\"null\",monitor_port=\"null\""
    )
}
