//! The synthetic Kuma bodies the scale harness and the benches serve must have exactly the
//! shapes of the captured 2.5.3 responses, or the numbers they produce say nothing about a
//! real installation.

use std::collections::BTreeSet;

use crate::support::synthetic_kuma::{self, BadgeWindow};
use chrono::{TimeZone, Utc};
use serde_json::Value;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/uptime-kuma/2.5.3/"
);

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
}

/// Every `(path, JSON type)` in a document; array elements are `[]`, and object keys that are
/// monitor ids (`"12"`, `"12_24"`) are `*`, so documents of any size compare.
fn shape(value: &Value) -> BTreeSet<(String, &'static str)> {
    fn walk(value: &Value, path: String, out: &mut BTreeSet<(String, &'static str)>) {
        let kind = match value {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(number) if number.is_f64() => "float",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(items) => {
                for item in items {
                    walk(item, format!("{path}[]"), out);
                }
                "array"
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let key = if key.trim_end_matches("_24").parse::<u64>().is_ok() {
                        "*"
                    } else {
                        key
                    };
                    walk(item, format!("{path}.{key}"), out);
                }
                "object"
            }
        };
        out.insert((path, kind));
    }
    let mut out = BTreeSet::new();
    walk(value, String::new(), &mut out);
    out
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

#[test]
fn heartbeat_list_has_the_captured_shape() {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 4, 6, 1).unwrap();
    let generated = synthetic_kuma::heartbeats(120, synthetic_kuma::BEATS_PER_MONITOR, now);
    assert_eq!(
        shape(&parse(&generated)),
        shape(&parse(&fixture("heartbeat_main.json")))
    );
}

#[test]
fn heartbeat_times_are_kuma_utc_strings_oldest_first() {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 4, 6, 1).unwrap();
    let generated = parse(&synthetic_kuma::heartbeats(3, 5, now));
    let beats = generated["heartbeatList"]["2"].as_array().unwrap();
    assert_eq!(beats.len(), 5);
    let times: Vec<&str> = beats.iter().map(|b| b["time"].as_str().unwrap()).collect();
    assert_eq!(times[4], "2026-11-26 04:05:58.000");
    assert_eq!(times[0], "2026-11-26 04:01:58.000");
    // Exactly 100% is the integer 1, as Kuma serialises it.
    assert_eq!(generated["uptimeList"]["3_24"], Value::from(0.9903));
    let ten = parse(&synthetic_kuma::heartbeats(10, 1, now));
    assert!(ten["uptimeList"]["10_24"].is_u64());
}

#[test]
fn status_page_has_the_captured_shape_without_incidents() {
    let generated = shape(&parse(&synthetic_kuma::status_page(60)));
    let captured = shape(&parse(&fixture("status-page_main.json")));
    // The synthetic page has no incident and no maintenance: a subset of the captured paths.
    let extra: Vec<_> = generated.difference(&captured).collect();
    assert!(extra.is_empty(), "not in the captured page: {extra:?}");
    let page = parse(&synthetic_kuma::status_page(60));
    let groups = page["publicGroupList"].as_array().unwrap();
    let ids: Vec<u64> = groups
        .iter()
        .flat_map(|g| g["monitorList"].as_array().unwrap())
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=60).collect::<Vec<_>>());
}

#[test]
fn badges_are_the_captured_svgs_with_the_monitors_value() {
    assert_eq!(
        synthetic_kuma::uptime_badge(90, BadgeWindow::Hours168),
        fixture("badge_1_uptime_168.svg").replace("99.41%", "100.0%")
    );
    let badge = synthetic_kuma::uptime_badge(3, BadgeWindow::Days30);
    assert!(
        badge.contains("<title>Uptime (30h): 98.53%</title>"),
        "{badge}"
    );
    assert_eq!(badge.len(), fixture("badge_1_uptime_30d.svg").len());
}

#[test]
fn metrics_have_the_captured_families_in_order() {
    fn families(text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|line| line.strip_prefix("# TYPE "))
            .map(str::to_string)
            .collect()
    }
    let generated = synthetic_kuma::metrics(50);
    assert_eq!(families(&generated), families(&fixture("metrics.txt")));
    let status_lines = generated
        .lines()
        .filter(|line| line.starts_with("monitor_status{"))
        .count();
    assert_eq!(status_lines, 50);
    assert!(generated.contains(
        "monitor_uptime_ratio{monitor_id=\"7\",monitor_name=\"Service 7\",monitor_type=\"http\",monitor_url=\"http://10.0.0.7:8080/health\",monitor_hostname=\"null\",monitor_port=\"null\",window=\"30d\"} 0.985"
    ));
}
