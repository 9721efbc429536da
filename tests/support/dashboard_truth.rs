//! What Uptime Kuma's own dashboard showed when the fixtures were captured
//! (`tests/fixtures/uptime-kuma/<version>/_dashboard_truth.json`): the numbers the tests hold
//! every read to.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::kuma_fixtures::{KumaVersion, read_fixture};

/// What Uptime Kuma's own dashboard showed at the capture (`_dashboard_truth.json`).
pub struct DashboardTruth {
    value: Value,
}

/// One monitor of the dashboard truth. Ratios are 0..1 as the server pushed them; badge
/// values are the percentages the public badges printed (fetched fresh).
#[derive(Debug, Clone)]
pub struct TruthMonitor {
    pub id: u64,
    pub name: String,
    pub on_status_page: bool,
    pub paused: bool,
    /// 0 down, 1 up, 2 pending, 3 maintenance.
    pub newest_status: i64,
    pub newest_time: DateTime<Utc>,
    /// Dashboard ratios: `"24"`, `"720"` (the 30-day figure) and, on 2.x, `"1y"`.
    pub ui_uptime: HashMap<String, f64>,
    /// Badge percent by duration (`"24"`, `"168"`, `"720"`, 2.x also `"7d"`, `"30d"`).
    pub badge_percent: HashMap<String, f64>,
    /// /metrics ratios by window (`"1d"`, `"30d"`, `"365d"`); empty on 1.x.
    pub metrics_ratio: HashMap<String, f64>,
}

impl DashboardTruth {
    pub fn load(version: KumaVersion) -> DashboardTruth {
        DashboardTruth {
            value: serde_json::from_slice(&read_fixture(version, "_dashboard_truth.json"))
                .expect("_dashboard_truth.json"),
        }
    }

    /// The admin snapshot: the moment the numbers are true for.
    pub fn captured_at(&self) -> DateTime<Utc> {
        self.value["captured_at"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .expect("captured_at")
            .with_timezone(&Utc)
    }

    pub fn monitors(&self) -> Vec<TruthMonitor> {
        let numbers = |value: &Value| -> HashMap<String, f64> {
            value
                .as_object()
                .map(|object| {
                    object
                        .iter()
                        .filter_map(|(key, value)| Some((key.clone(), value.as_f64()?)))
                        .collect()
                })
                .unwrap_or_default()
        };
        self.value["monitors"]
            .as_array()
            .expect("monitors")
            .iter()
            .map(|m| TruthMonitor {
                id: m["id"].as_u64().expect("id"),
                name: m["name"].as_str().expect("name").to_string(),
                on_status_page: m["on_status_page"].as_bool().expect("on_status_page"),
                paused: m["paused"].as_bool().expect("paused"),
                newest_status: m["newest_heartbeat"]["status"].as_i64().expect("status"),
                newest_time: m["newest_heartbeat"]["time_utc"]
                    .as_str()
                    .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                    .expect("time_utc")
                    .with_timezone(&Utc),
                ui_uptime: numbers(&m["ui_uptime"]),
                badge_percent: m["public"]["badges"]
                    .as_object()
                    .map(|badges| {
                        badges
                            .iter()
                            .filter_map(|(duration, badge)| {
                                Some((duration.clone(), badge["fresh_percent"].as_f64()?))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                metrics_ratio: numbers(&m["public"]["metrics_uptime_ratio"]),
            })
            .collect()
    }

    pub fn monitor(&self, id: u64) -> TruthMonitor {
        self.monitors()
            .into_iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no monitor {id} in the dashboard truth"))
    }
}

/// Formats a percent as Kuma's badges do: four significant digits (`99.29`, `100.0`).
pub fn four_significant_digits(percent: f64) -> String {
    if percent >= 100.0 {
        format!("{percent:.1}")
    } else if percent >= 10.0 {
        format!("{percent:.2}")
    } else {
        format!("{percent:.3}")
    }
}
