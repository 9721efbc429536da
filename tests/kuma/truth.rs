//! The dashboard truth check shared by the library and binary tests.

use serde_json::{Value, json};

use crate::support::kuma_fixtures::{
    DashboardTruth, KumaVersion, four_significant_digits, year_badge_percent,
};

/// What a read had besides the public endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Read {
    /// /metrics numbers (2.x with the API key).
    pub metrics: bool,
    /// /metrics told which monitors are paused (2.x, or 1.x by name, with the key).
    pub pauses: bool,
    /// 1y from the `365d` badges (2.x with a key /metrics refused).
    pub year_badges: bool,
}

impl Read {
    /// No API key (or one /metrics refuses on 1.x): badges and heartbeats only.
    pub const PUBLIC: Read = Read {
        metrics: false,
        pauses: false,
        year_badges: false,
    };
    /// 2.x with the API key.
    pub const METRICS: Read = Read {
        metrics: true,
        pauses: true,
        year_badges: false,
    };
    /// 1.x with the API key: its /metrics has no numbers, but lists the active monitors.
    pub const PAUSES_ONLY: Read = Read {
        metrics: false,
        pauses: true,
        year_badges: false,
    };
    /// 2.x with a key /metrics refuses: every window from the badges, 1y included.
    pub const YEAR_BADGES: Read = Read {
        metrics: false,
        pauses: false,
        year_badges: true,
    };
}

fn state_name(status: i64) -> &'static str {
    match status {
        0 => "down",
        1 => "up",
        2 => "pending",
        3 => "maintenance",
        other => panic!("unknown status {other}"),
    }
}

pub(super) fn number(value: &Value) -> Option<f64> {
    if value.is_null() {
        None
    } else {
        Some(
            value
                .as_f64()
                .unwrap_or_else(|| panic!("{value} is not a number")),
        )
    }
}

/// Checks a report (as JSON: the library's `KumaReport` serialised, or the binary's stdout)
/// against what the dashboard showed, for a read that had `read`.
///
/// Per monitor (on the status page: 1 to 6; 7 is not public):
/// - state: the dashboard's newest heartbeat; monitor 5 (paused, last beat 03:21:05 on 2.x and
///   03:22:12 on 1.23, ~45 min before the capture) is `paused` when /metrics told it (it has no
///   series there), else `stale`.
/// - 24h: the dashboard's ratio x 100, exactly (same calculation as the heartbeat endpoint).
/// - 7d: badge `168` (the server's 7-day figure; the dashboard shows none).
/// - 30d: without /metrics, badge `30d` on 2.x, `720` on 1.23: equal to the dashboard's 30-day
///   ratio at the badge's four significant digits. With /metrics (2.x), its `30d` ratio x 100,
///   equal to the dashboard's full-precision ratio (monitor 4 aside, see below); monitor 5 is
///   paused, absent from /metrics, so it falls back to badge `30d`.
/// - 1y: /metrics `365d` x 100 on 2.x with the key (the dashboard's 1-year ratio); with a key
///   /metrics refused, the `365d` badge of each counted monitor; else none.
pub(super) fn check_against_truth(version: KumaVersion, report: &Value, read: Read) {
    let metrics = read.metrics;
    let truth = DashboardTruth::load(version);
    // The library is run at the capture time; the binary at the wall clock, with the beats
    // shifted by the same amount.
    let checked_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(report["checked_at"].clone()).unwrap();
    let at_capture = checked_at == truth.captured_at();
    assert_eq!(report["kuma_version"], version.label());
    let monitors = report["monitors"].as_array().unwrap();
    let ids: Vec<u64> = monitors.iter().map(|m| m["id"].as_u64().unwrap()).collect();
    assert_eq!(
        ids,
        vec![1, 2, 3, 4, 5, 6],
        "monitor 7 is on no status page"
    );
    for monitor in monitors {
        let id = monitor["id"].as_u64().unwrap();
        let expected = truth.monitor(id);
        let uptime = &monitor["uptime"];
        assert_eq!(monitor["name"], expected.name.as_str());
        assert_eq!(monitor["group"], if id <= 3 { "Core" } else { "Extras" });
        let state = if expected.paused && read.pauses {
            "paused"
        } else if expected.paused {
            "stale"
        } else {
            state_name(expected.newest_status)
        };
        assert_eq!(monitor["state"], state, "monitor {id}");
        assert_eq!(monitor["counted"], !expected.paused, "monitor {id}");
        assert_eq!(monitor["on_status_page"], true);
        let last_beat: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(monitor["last_beat_at"].clone()).unwrap();
        if at_capture {
            assert_eq!(last_beat, expected.newest_time, "monitor {id} last beat");
        }
        assert_eq!(
            number(&uptime["last_24h"]),
            Some(expected.ui_uptime["24"] * 100.0),
            "monitor {id} 24h"
        );
        assert_eq!(
            number(&uptime["last_7d"]),
            Some(expected.badge_percent["168"]),
            "monitor {id} 7d"
        );
        let last_30d = number(&uptime["last_30d"]).unwrap();
        let dashboard_30d = expected.ui_uptime["720"] * 100.0;
        assert_eq!(
            four_significant_digits(last_30d),
            four_significant_digits(dashboard_30d),
            "monitor {id} 30d"
        );
        let metrics_30d = expected.metrics_ratio.get("30d").filter(|_| metrics);
        match metrics_30d {
            Some(ratio) => {
                assert_eq!(last_30d, ratio * 100.0, "monitor {id} 30d from /metrics");
                if id == 4 {
                    // The push monitor's /metrics series are as of its last server-side beat,
                    // before the pre-capture push (MANIFEST, "Uptime windows"): 99.68116493766061
                    // vs the dashboard's 99.68117252373361.
                    assert!((last_30d - dashboard_30d).abs() < 1e-4, "monitor 4 30d");
                } else {
                    assert_eq!(last_30d, dashboard_30d, "monitor {id} 30d exact");
                }
            }
            None => {
                let badge = if version.is_v2() { "30d" } else { "720" };
                assert_eq!(
                    last_30d, expected.badge_percent[badge],
                    "monitor {id} 30d badge"
                );
            }
        }
        match expected.metrics_ratio.get("365d").filter(|_| metrics) {
            Some(ratio) => {
                let last_1y = number(&uptime["last_1y"]).unwrap();
                assert_eq!(last_1y, ratio * 100.0, "monitor {id} 1y");
                assert!((last_1y - expected.ui_uptime["1y"] * 100.0).abs() < 1e-4);
            }
            None if read.year_badges && !expected.paused => {
                let badge = year_badge_percent(&expected).unwrap();
                assert_eq!(
                    number(&uptime["last_1y"]),
                    Some(badge.parse().unwrap()),
                    "monitor {id} 1y badge"
                );
            }
            None => assert_eq!(uptime["last_1y"], Value::Null, "monitor {id} 1y"),
        }
    }

    // Platform: degraded (monitor 2 is down, not critical); 6 is in maintenance, 5 paused.
    assert_eq!(report["platform_status"], "degraded");
    assert_eq!(
        report["maintenance"],
        json!({"active": true, "titles": ["Search cluster upgrade"]})
    );
    let incidents = report["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["title"], "Investigating elevated errors");
    assert_eq!(incidents[0]["style"], "warning");

    // Platform uptime: the mean of the counted monitors 1, 2, 3, 4, 6, rounded to 2 decimals.
    let platform = &report["uptime"];
    let expected: [Option<f64>; 4] = match (version, metrics) {
        // 1y:  (99.53 + 98.98 + 99.93 + 99.78 + 99.96) / 5 = 498.18 / 5 = 99.636 -> 99.64
        (KumaVersion::V2_5_3, false) if read.year_badges => {
            [Some(98.62), Some(99.07), Some(99.46), Some(99.64)]
        }
        // 24h: (99.55977757182578 + 95.3660797034291 + 99.96525364836693 + 98.29001367989056
        //      + 99.92822966507177) / 5 = 493.10935426858407 / 5 = 98.62187085371681 -> 98.62
        // 7d:  (99.41 + 96.90 + 99.96 + 99.10 + 99.96) / 5 = 495.33 / 5 = 99.066 -> 99.07
        // 30d: (99.29 + 98.44 + 99.92 + 99.68 + 99.97) / 5 = 497.30 / 5 = 99.46
        (KumaVersion::V2_5_3, false) => [Some(98.62), Some(99.07), Some(99.46), None],
        // 30d: (99.28581064459557 + 98.43592531166429 + 99.92263010046184 + 99.68116493766061
        //      + 99.96504635330193) / 5 = 99.45811546953686 -> 99.46
        // 1y:  (99.52802390115663 + 98.97610396798146 + 99.93235556375488 + 99.77715620581546
        //      + 99.96256429454208) / 5 = 99.63524078665009 -> 99.64
        (KumaVersion::V2_5_3, true) => [Some(98.62), Some(99.07), Some(99.46), Some(99.64)],
        // 24h: (99.3030965995464 + 95.50502856587683 + 100 + 98.32592914235586 + 100) / 5
        //      = 493.1340543077791 / 5 = 98.62681086155581 -> 98.63
        // 7d:  (99.40 + 96.98 + 100.0 + 99.17 + 100.0) / 5 = 495.55 / 5 = 99.11
        // 30d: (99.32 + 98.58 + 99.97 + 99.74 + 100.0) / 5 = 497.61 / 5 = 99.522 -> 99.52
        (KumaVersion::V1_23, _) => [Some(98.63), Some(99.11), Some(99.52), None],
    };
    let actual = ["last_24h", "last_7d", "last_30d", "last_1y"].map(|w| number(&platform[w]));
    assert_eq!(actual, expected, "platform uptime");
    assert_eq!(report["degraded"], json!([]), "nothing is missing");
}
