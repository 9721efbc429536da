//! `kuma::fetch` and `status kuma` against the captured Uptime Kuma responses (1.23 and 2.5.3)
//! served over a real socket: exact numbers against `_dashboard_truth.json`, the requests
//! made, and every fault the issue lists.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::http_server::{LoggedRequest, Reply, refused_url};
use crate::support::kuma_fixtures::{
    DashboardTruth, KumaFixture, KumaVersion, four_significant_digits,
};
use status::config::Secret;
use status::sources::kuma::{
    self, KumaReport, KumaSettings, MonitorState, PlatformStatus, UptimeAggregate,
};

fn settings(url: &str) -> KumaSettings {
    KumaSettings {
        url: reqwest::Url::parse(url).unwrap(),
        status_page: "main".into(),
        api_key: None,
        monitor_ids: None,
        critical_ids: vec![],
        concurrency: 8,
        request_timeout: Duration::from_secs(5),
        stale_after: Duration::from_secs(30 * 60),
        ca_cert: None,
        uptime_aggregate: UptimeAggregate::Mean,
    }
}

fn with_key(mut settings: KumaSettings, key: &str) -> KumaSettings {
    settings.api_key = Some(Secret::new(key));
    settings
}

/// `kuma::fetch` at the capture time of `version`'s fixtures.
async fn fetch_at_capture(
    version: KumaVersion,
    settings: &KumaSettings,
) -> anyhow::Result<KumaReport> {
    let client = kuma::http_client(settings).unwrap();
    kuma::fetch(
        settings,
        &client,
        DashboardTruth::load(version).captured_at(),
    )
    .await
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

fn number(value: &Value) -> Option<f64> {
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
/// against what the dashboard showed. `metrics`: read with the API key (2.x).
///
/// Per monitor (on the status page: 1 to 6; 7 is not public):
/// - state: the dashboard's newest heartbeat; monitor 5 (paused, last beat 03:21:05 on 2.x and
///   03:22:12 on 1.23, ~45 min before the capture) is stale.
/// - 24h: the dashboard's ratio x 100, exactly (same calculation as the heartbeat endpoint).
/// - 7d: badge `168` (the server's 7-day figure; the dashboard shows none).
/// - 30d: without /metrics, badge `30d` on 2.x, `720` on 1.23: equal to the dashboard's 30-day
///   ratio at the badge's four significant digits. With /metrics (2.x), its `30d` ratio x 100,
///   equal to the dashboard's full-precision ratio (monitor 4 aside, see below); monitor 5 is
///   paused, absent from /metrics, so it falls back to badge `30d`.
/// - 1y: /metrics `365d` x 100 on 2.x with the key (the dashboard's 1-year ratio); else none.
fn check_against_truth(version: KumaVersion, report: &Value, metrics: bool) {
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
        let state = if expected.paused {
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
            None => assert_eq!(uptime["last_1y"], Value::Null, "monitor {id} 1y"),
        }
    }

    // Platform: degraded (monitor 2 is down, not critical); 6 is in maintenance, 5 stale.
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
}

fn badge_paths(requests: &[LoggedRequest]) -> Vec<String> {
    let mut paths: Vec<String> = requests
        .iter()
        .map(|r| r.path().to_string())
        .filter(|path| path.starts_with("/api/badge/"))
        .collect();
    paths.sort();
    paths
}

fn expected_badges(durations: &[(u64, &str)]) -> Vec<String> {
    let mut paths: Vec<String> = durations
        .iter()
        .map(|(id, duration)| format!("/api/badge/{id}/uptime/{duration}"))
        .collect();
    paths.sort();
    paths
}

fn all_six(duration: &str) -> Vec<(u64, &str)> {
    (1..=6).map(|id| (id, duration)).collect()
}

/// Every status-page, heartbeat and badge request carries its own `_=<unix-ms>-<n>`; /metrics
/// never has a query string.
fn assert_cache_busted(requests: &[LoggedRequest]) {
    let mut busters = Vec::new();
    for request in requests {
        if request.path() == "/metrics" {
            assert_eq!(request.path_and_query, "/metrics");
            continue;
        }
        let query = request
            .query()
            .unwrap_or_else(|| panic!("{request:?} has no cache buster"));
        let buster = query
            .strip_prefix("_=")
            .unwrap_or_else(|| panic!("{query}"));
        let (millis, n) = buster.split_once('-').unwrap_or((buster, "0"));
        assert!(
            millis.len() >= 13 && millis.chars().all(|c| c.is_ascii_digit()),
            "{query}"
        );
        assert!(n.chars().all(|c| c.is_ascii_digit()), "{query}");
        busters.push(buster.to_string());
        assert!(
            !request.authorized,
            "only /metrics carries the API key: {request:?}"
        );
    }
    let count = busters.len();
    busters.sort();
    busters.dedup();
    assert_eq!(busters.len(), count, "cache busters are unique");
}

/// Reads `version`'s fixtures with `api_key` (none, or one that cannot help: a wrong key, or
/// any key on 1.x) and checks the public values against the dashboard, the badges asked for
/// (7 days and the version's 30 days for every monitor: 1.x never `30d`, 2.x never `720`) and
/// the cache busters.
async fn read_public_values(version: KumaVersion, api_key: Option<&str>) -> (KumaReport, String) {
    let server = KumaFixture::new(version).start();
    let mut settings = settings(&server.url());
    settings.api_key = api_key.map(Secret::new);
    let report = fetch_at_capture(version, &settings).await.unwrap();
    check_against_truth(version, &serde_json::to_value(&report).unwrap(), false);
    let requests = server.requests();
    let mut durations = all_six("168");
    durations.extend(all_six(if version.is_v2() { "30d" } else { "720" }));
    assert_eq!(badge_paths(&requests), expected_badges(&durations));
    assert_cache_busted(&requests);
    (report, server.url())
}

#[tokio::test]
async fn reads_2_5_3_as_its_dashboard_showed_it() {
    let (report, _) = read_public_values(KumaVersion::V2_5_3, None).await;
    assert_eq!(report.platform_status, PlatformStatus::Degraded);
    assert_eq!(report.warnings, Vec::<String>::new());
    // Without a key: status page + heartbeats + 2 badges per monitor = 2 + 2N.
    assert_eq!(report.requests, 2 + 2 * 6);
}

#[tokio::test]
async fn every_request_names_the_client_and_accepts_gzip() {
    let version = KumaVersion::V2_5_3;
    let server = KumaFixture::new(version).start();
    let settings = with_key(settings(&server.url()), version.api_key());
    fetch_at_capture(version, &settings).await.unwrap();
    let requests = server.requests();
    assert!(requests.len() > 3);
    let user_agent = format!("status/{}", env!("CARGO_PKG_VERSION"));
    for request in requests {
        assert_eq!(request.user_agent.as_deref(), Some(user_agent.as_str()));
        assert!(
            request
                .accept_encoding
                .as_deref()
                .is_some_and(|accepted| accepted.contains("gzip")),
            "{request:?}"
        );
    }
}

#[tokio::test]
async fn reads_1_23_as_its_dashboard_showed_it() {
    let (report, _) = read_public_values(KumaVersion::V1_23, None).await;
    assert_eq!(report.warnings, Vec::<String>::new());
    assert_eq!(report.requests, 2 + 2 * 6);
}

#[tokio::test]
async fn reads_30d_and_1y_from_metrics_on_2_5_3_with_the_api_key() {
    let version = KumaVersion::V2_5_3;
    let server = KumaFixture::new(version).start();
    let settings = with_key(settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    check_against_truth(version, &serde_json::to_value(&report).unwrap(), true);
    assert_eq!(report.warnings, Vec::<String>::new());
    let requests = server.requests();
    // Status page + heartbeats + /metrics, a 7-day badge per monitor, and the 30-day badge of
    // monitor 5 only (paused, so absent from /metrics): 3 + N + 1.
    assert_eq!(report.requests, 3 + 6 + 1);
    assert_eq!(requests.len(), report.requests);
    let mut durations = all_six("168");
    durations.push((5, "30d"));
    assert_eq!(badge_paths(&requests), expected_badges(&durations));
    let metrics: Vec<_> = requests.iter().filter(|r| r.path() == "/metrics").collect();
    assert_eq!(metrics.len(), 1);
    assert!(metrics[0].authorized);
    assert_cache_busted(&requests);
}

#[tokio::test]
async fn ignores_metrics_of_1_23_even_with_an_api_key() {
    let version = KumaVersion::V1_23;
    let (report, _) = read_public_values(version, Some(version.api_key())).await;
    assert_eq!(
        report.warnings,
        vec![
            "KUMA_API_KEY is set, but Uptime Kuma 1.x's /metrics has no uptime and no monitor ids, so it is not used; unset KUMA_API_KEY or upgrade Kuma to 2.x"
        ]
    );
    // /metrics was already on its way when the status page said 1.x.
    assert_eq!(report.requests, 3 + 2 * 6);
}

/// Reads the 2.5.3 fixtures, every answer 40 ms late, with `concurrency` badges in flight;
/// returns the most requests the server answered at once and its TCP connections.
async fn peak_and_connections(concurrency: usize) -> (usize, usize) {
    let server = KumaFixture::new(KumaVersion::V2_5_3)
        .with_latency(Duration::from_millis(40))
        .start();
    let mut settings = settings(&server.url());
    settings.concurrency = concurrency;
    let report = fetch_at_capture(KumaVersion::V2_5_3, &settings)
        .await
        .unwrap();
    assert_eq!(report.requests, 14);
    (server.peak_in_flight(), server.connections())
}

#[tokio::test]
async fn status_page_and_heartbeats_go_together_then_badges_fan_out_within_the_limit() {
    // One badge at a time: the 2 in flight can only be the status page and the heartbeats.
    let (peak, _) = peak_and_connections(1).await;
    assert_eq!(peak, 2);
    // 3 badges at a time (more than the first 2 requests), never more.
    let (peak, connections) = peak_and_connections(3).await;
    assert_eq!(peak, 3);
    // 14 requests over pooled keep-alive connections: one per request in flight at most.
    assert!(
        connections <= 3,
        "{connections} connections for 14 requests"
    );
}

#[tokio::test]
async fn selected_and_critical_monitors_drive_the_platform_status() {
    let version = KumaVersion::V2_5_3;
    let server = KumaFixture::new(version).start();
    let mut only = settings(&server.url());
    // Only 1 and 3 count: both up.
    only.monitor_ids = Some(vec![1, 3]);
    let report = fetch_at_capture(version, &only).await.unwrap();
    assert_eq!(report.platform_status, PlatformStatus::Operational);
    let counted: Vec<u64> = report
        .monitors
        .iter()
        .filter(|m| m.counted)
        .map(|m| m.id)
        .collect();
    assert_eq!(counted, vec![1, 3]);
    assert_eq!(
        report.monitors.len(),
        6,
        "monitors that do not count are still reported"
    );
    // (99.55977757182578 + 99.96525364836693) / 2 = 99.76251561009636 -> 99.76
    assert_eq!(report.uptime.last_24h, Some(99.76));

    let mut critical = settings(&server.url());
    critical.critical_ids = vec![2];
    let report = fetch_at_capture(version, &critical).await.unwrap();
    assert_eq!(report.platform_status, PlatformStatus::Outage);
    assert!(report.monitors.iter().find(|m| m.id == 2).unwrap().critical);

    let mut worst = settings(&server.url());
    worst.uptime_aggregate = UptimeAggregate::Min;
    let report = fetch_at_capture(version, &worst).await.unwrap();
    // The worst counted monitor, 2: 95.3660797034291 -> 95.37; 7d 96.90; 30d 98.44.
    assert_eq!(report.uptime.last_24h, Some(95.37));
    assert_eq!(report.uptime.last_7d, Some(96.9));
    assert_eq!(report.uptime.last_30d, Some(98.44));
}

#[tokio::test]
async fn reads_a_selected_monitor_off_the_status_page_from_metrics() {
    let version = KumaVersion::V2_5_3;
    let server = KumaFixture::new(version).start();
    let mut settings = with_key(settings(&server.url()), version.api_key());
    settings.monitor_ids = Some(vec![1, 7]);
    let report = fetch_at_capture(version, &settings).await.unwrap();
    let seven = report.monitors.iter().find(|m| m.id == 7).unwrap();
    let truth = DashboardTruth::load(version).monitor(7);
    assert_eq!(
        seven.name, "Monitor 7",
        "its real name was never made public"
    );
    assert!(!seven.on_status_page);
    assert_eq!(seven.state, MonitorState::Up);
    assert!(seven.counted);
    assert_eq!(
        seven.uptime.last_24h,
        Some(truth.metrics_ratio["1d"] * 100.0)
    );
    assert_eq!(seven.uptime.last_7d, None);
    assert_eq!(seven.uptime.last_30d, Some(truth.ui_uptime["720"] * 100.0));
    assert_eq!(seven.uptime.last_1y, Some(truth.ui_uptime["1y"] * 100.0));
    assert_eq!(report.warnings, Vec::<String>::new());
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("Internal Admin Panel") && !json.contains("health.json"));
}

// --- faults -----------------------------------------------------------------------------

/// Fetches with `settings`, expecting an error; returns its one line.
async fn fetch_error(version: KumaVersion, settings: &KumaSettings) -> String {
    let err = fetch_at_capture(version, settings)
        .await
        .expect_err("fetch should fail");
    let line = format!("{err:#}");
    assert!(!line.contains('\n'), "one line: {line}");
    line
}

#[tokio::test]
async fn connection_refused_names_kuma_url() {
    let url = refused_url();
    let line = fetch_error(KumaVersion::V2_5_3, &settings(&url)).await;
    assert!(line.starts_with("Uptime Kuma "), "{line}");
    assert!(line.contains(&format!("{url}/api/status-page")), "{line}");
    assert!(line.contains("cannot connect"), "{line}");
    assert!(
        line.ends_with("check KUMA_URL and that Uptime Kuma is running"),
        "{line}"
    );
}

#[tokio::test]
async fn unknown_slug_on_1_23_never_answers_and_the_request_timeout_ends_it() {
    let server = KumaFixture::new(KumaVersion::V1_23).start();
    let mut settings = settings(&server.url());
    settings.status_page = "nonexistent".into();
    settings.request_timeout = Duration::from_millis(500);
    let line = fetch_error(KumaVersion::V1_23, &settings).await;
    assert_eq!(
        line,
        format!(
            "Uptime Kuma status page {}/api/status-page/nonexistent: no answer within 500ms (KUMA_REQUEST_TIMEOUT); check KUMA_STATUS_PAGE (Uptime Kuma 1.x never answers an unknown slug) and that KUMA_URL answers within KUMA_REQUEST_TIMEOUT",
            server.url()
        )
    );
}

#[tokio::test]
async fn unknown_slug_on_2_5_3_is_a_404_naming_kuma_status_page() {
    let server = KumaFixture::new(KumaVersion::V2_5_3).start();
    let mut settings = settings(&server.url());
    settings.status_page = "nonexistent".into();
    let line = fetch_error(KumaVersion::V2_5_3, &settings).await;
    assert_eq!(
        line,
        format!(
            "Uptime Kuma status page {}/api/status-page/nonexistent: HTTP 404 \"Status Page Not Found\"; check KUMA_STATUS_PAGE (the slug of a published status page)",
            server.url()
        )
    );
}

/// The one-line error of a read of `version`'s fixtures where each `(path, reply)` replaces
/// the captured answer, and the server's URL.
async fn error_with_replies(version: KumaVersion, replies: Vec<(&str, Reply)>) -> (String, String) {
    let server = replies
        .into_iter()
        .fold(KumaFixture::new(version), |fixture, (path, reply)| {
            fixture.with_reply(path, reply)
        })
        .start();
    (
        fetch_error(version, &settings(&server.url())).await,
        server.url(),
    )
}

/// The first half of a fixture file, as a proxy that cut the transfer would leave it.
fn truncated(version: KumaVersion, file: &str) -> Reply {
    let bytes = KumaFixture::new(version).file(file);
    Reply::text(200, "application/json", bytes[..bytes.len() / 2].to_vec())
}

const POINT_AT_KUMA: &str = "check that KUMA_URL points at Uptime Kuma itself (with any path prefix), not a login page or another app";

#[tokio::test]
async fn a_403_with_kumas_error_json_is_quoted() {
    let reply = Reply::json(
        403,
        &json!({"status": "fail", "msg": "Forbidden by policy"}),
    );
    let (line, url) = error_with_replies(
        KumaVersion::V2_5_3,
        vec![("/api/status-page/heartbeat/main", reply)],
    )
    .await;
    assert_eq!(
        line,
        format!(
            "Uptime Kuma heartbeat list {url}/api/status-page/heartbeat/main: HTTP 403 \"Forbidden by policy\"; {POINT_AT_KUMA}"
        )
    );
}

#[tokio::test]
async fn an_html_page_instead_of_json_is_refused() {
    for version in KumaVersion::ALL {
        // Kuma's own web app page, as a wrong KUMA_URL prefix or a proxy login would serve.
        let page = KumaFixture::new(version).file("metrics_cachebust-param.html");
        let reply = Reply::text(200, "text/html; charset=utf-8", page);
        let (line, url) = error_with_replies(version, vec![("/api/status-page/main", reply)]).await;
        assert_eq!(
            line,
            format!(
                "Uptime Kuma status page {url}/api/status-page/main: answered an HTML page, not Uptime Kuma's JSON; {POINT_AT_KUMA}"
            )
        );
    }
}

#[tokio::test]
async fn malformed_or_truncated_json_is_refused() {
    let version = KumaVersion::V2_5_3;
    let (line, url) = error_with_replies(
        version,
        vec![
            (
                "/api/status-page/heartbeat/main",
                truncated(version, "heartbeat_main.json"),
            ),
            (
                "/api/status-page/main",
                Reply::text(200, "application/json", "{\"incidents\": [}"),
            ),
        ],
    )
    .await;
    // Both fail; the status page's error is the one reported.
    assert_eq!(
        line,
        format!(
            "Uptime Kuma status page {url}/api/status-page/main: not Uptime Kuma's JSON (invalid JSON: expected value at line 1 column 16); {POINT_AT_KUMA}"
        )
    );

    let version = KumaVersion::V1_23;
    let (line, _) = error_with_replies(
        version,
        vec![(
            "/api/status-page/heartbeat/main",
            truncated(version, "heartbeat_main.json"),
        )],
    )
    .await;
    assert!(
        line.contains("/api/status-page/heartbeat/main: not Uptime Kuma's JSON (invalid JSON: EOF while parsing"),
        "{line}"
    );

    let (line, _) = error_with_replies(
        KumaVersion::V2_5_3,
        vec![(
            "/api/status-page/main",
            Reply::json(200, &json!({"incidents": []})),
        )],
    )
    .await;
    assert!(
        line.contains(
            "/api/status-page/main: not Uptime Kuma's JSON (missing field `publicGroupList`)"
        ),
        "{line}"
    );
}

#[tokio::test]
async fn a_body_over_the_size_cap_is_refused() {
    let huge = vec![b' '; status::http::MAX_BODY_BYTES + 1];
    let (line, _) = error_with_replies(
        KumaVersion::V2_5_3,
        vec![(
            "/api/status-page/main",
            Reply::text(200, "application/json", huge),
        )],
    )
    .await;
    assert!(
        line.contains("/api/status-page/main: response body is over the 16777216-byte limit;"),
        "{line}"
    );
}

#[tokio::test]
async fn a_gzip_body_that_inflates_past_the_cap_is_refused_while_streaming() {
    // 16 MiB of spaces compress to a few KiB; decompressed, the body has no Content-Length,
    // so only the check while streaming can stop it.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, &vec![b' '; status::http::MAX_BODY_BYTES + 1]).unwrap();
    let compressed = encoder.finish().unwrap();
    assert!(compressed.len() < 100_000);
    let reply = Reply::text(200, "application/json", compressed).header("content-encoding", "gzip");
    let (line, _) =
        error_with_replies(KumaVersion::V2_5_3, vec![("/api/status-page/main", reply)]).await;
    assert!(
        line.contains("/api/status-page/main: response body is over the 16777216-byte limit;"),
        "{line}"
    );
}

#[tokio::test]
async fn uptime_out_of_range_is_rejected_with_a_warning() {
    let version = KumaVersion::V2_5_3;
    let fixture = KumaFixture::new(version);
    let mut beats = fixture.json("heartbeat_main.json");
    beats["uptimeList"]["1_24"] = json!(1.5);
    beats["uptimeList"]["2_24"] = json!("0.95");
    beats["uptimeList"]["3_24"] = json!(-0.01);
    let mut metrics = String::from_utf8(fixture.file("metrics.txt")).unwrap();
    metrics = metrics.replace(
        "window=\"365d\"} 0.9952802390115663",
        "window=\"365d\"} NaN",
    );
    let badge = String::from_utf8(fixture.file("badge_4_uptime_168.svg"))
        .unwrap()
        .replace("99.10%", "199.1%");
    let server = fixture
        .with_reply("/api/status-page/heartbeat/main", Reply::json(200, &beats))
        .with_reply(
            "/api/badge/4/uptime/168",
            Reply::text(200, "image/svg+xml", badge),
        )
        .with_handler(move |request| {
            (request.path == "/metrics").then(|| Reply::text(200, "text/plain", metrics.clone()))
        })
        .start();
    let settings = with_key(settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    let monitor = |id: u64| report.monitors.iter().find(|m| m.id == id).unwrap();
    assert_eq!(monitor(1).uptime.last_24h, None);
    assert_eq!(monitor(2).uptime.last_24h, None);
    assert_eq!(monitor(3).uptime.last_24h, None);
    assert_eq!(monitor(1).uptime.last_1y, None);
    assert_eq!(monitor(4).uptime.last_7d, None);
    assert_eq!(
        report.warnings,
        vec![
            "monitor 1 (Web Frontend): 24h uptime 1.5 is outside 0..1 in the heartbeat list; it is left empty",
            "monitor 1 (Web Frontend): /metrics 365d uptime ratio NaN is outside 0..1; it is not used",
            "monitor 2 (Billing API): 24h uptime \"0.95\" is not a number in the heartbeat list; it is left empty",
            "monitor 3 (Homepage Keyword): 24h uptime -0.01 is outside 0..1 in the heartbeat list; it is left empty",
            "monitor 4 (Nightly Backup Job): badge /api/badge/4/uptime/168 says 199.1% is outside 0..100; that uptime is left empty",
        ]
    );
    // The platform 24h is made of the values that remain: 4 and 6.
    // (98.29001367989056 + 99.92822966507177) / 2 = 99.10912167248117 -> 99.11
    assert_eq!(report.uptime.last_24h, Some(99.11));
}

#[tokio::test]
async fn a_badge_without_a_number_or_grey_is_a_warning_naming_monitor_and_path() {
    let version = KumaVersion::V1_23;
    let fixture = KumaFixture::new(version);
    let grey = fixture.file("badge_7_uptime_720.svg");
    let server = fixture
        .with_reply(
            "/api/badge/3/uptime/168",
            Reply::text(
                200,
                "image/svg+xml",
                "<svg><title>Uptime</title><text>soon</text></svg>",
            ),
        )
        .with_reply(
            "/api/badge/6/uptime/720",
            Reply::text(200, "image/svg+xml", grey),
        )
        .with_reply("/api/badge/2/uptime/720", Reply::new(503))
        .start();
    let report = fetch_at_capture(version, &settings(&server.url()))
        .await
        .unwrap();
    let monitor = |id: u64| report.monitors.iter().find(|m| m.id == id).unwrap();
    assert_eq!(monitor(3).uptime.last_7d, None);
    assert_eq!(monitor(6).uptime.last_30d, None);
    assert_eq!(monitor(2).uptime.last_30d, None);
    assert_eq!(
        report.warnings,
        vec![
            format!("monitor 2 (Billing API): Uptime Kuma uptime badge {}/api/badge/2/uptime/720: HTTP 503 (empty body); Uptime Kuma or a proxy in front of it failed; see its logs; that uptime is left empty", server.url()),
            "monitor 3 (Homepage Keyword): badge /api/badge/3/uptime/168 holds no percentage; that uptime is left empty".to_string(),
            "monitor 6 (Search Cluster): badge /api/badge/6/uptime/720 is N/A (the monitor is not public on a published status page); that uptime is left empty".to_string(),
        ]
    );
    // 30d over 1, 3, 4 (2 and 6 have none): (99.32 + 99.97 + 99.74) / 3 = 99.67666... -> 99.68
    assert_eq!(report.uptime.last_30d, Some(99.68));
}

#[tokio::test]
async fn ids_not_on_the_page_are_named_in_a_warning() {
    let version = KumaVersion::V2_5_3;
    let server = KumaFixture::new(version).start();
    let mut settings = settings(&server.url());
    settings.monitor_ids = Some(vec![1, 2, 42, 7]);
    settings.critical_ids = vec![42];
    let report = fetch_at_capture(version, &settings).await.unwrap();
    assert_eq!(
        report.warnings,
        vec![
            "KUMA_MONITOR_IDS/KUMA_CRITICAL_IDS name monitor ids not on status page \"main\": 7, 42; they are left out; add them to the status page, or set KUMA_API_KEY so /metrics can read them"
        ]
    );
    assert_eq!(report.monitors.len(), 6);
}

#[tokio::test]
async fn a_status_page_without_monitors_is_unknown_never_100_percent() {
    for version in KumaVersion::ALL {
        let fixture = KumaFixture::new(version);
        let mut page = fixture.json("status-page_main.json");
        page["publicGroupList"] = json!([]);
        let server = fixture
            .with_reply("/api/status-page/main", Reply::json(200, &page))
            .start();
        let report = fetch_at_capture(version, &settings(&server.url()))
            .await
            .unwrap();
        assert_eq!(report.platform_status, PlatformStatus::Unknown);
        assert!(report.monitors.is_empty());
        assert_eq!(report.uptime, kuma::Uptime::default());
        assert_eq!(report.requests, 2, "no badge for no monitor");
        assert_eq!(
            report.warnings,
            vec![
                "Uptime Kuma status page \"main\" lists no monitors, so the platform status is unknown; add monitors to it in Uptime Kuma"
            ]
        );
    }
}

/// A status page whose monitors have Unicode names (and one with a control character).
fn unicode_fixture(version: KumaVersion) -> KumaFixture {
    let fixture = KumaFixture::new(version);
    let mut page = fixture.json("status-page_main.json");
    page["publicGroupList"][0]["name"] = json!("Kern·Dienste");
    page["publicGroupList"][0]["monitorList"][0]["name"] = json!("Zahlungs-API 💳");
    page["publicGroupList"][0]["monitorList"][1]["name"] = json!("支払いゲートウェイ");
    page["publicGroupList"][0]["monitorList"][2]["name"] = json!("Bell\u{7}\u{1b}[31m");
    fixture.with_reply("/api/status-page/main", Reply::json(200, &page))
}

#[tokio::test]
async fn unicode_names_pass_through_unchanged() {
    let server = unicode_fixture(KumaVersion::V2_5_3).start();
    let report = fetch_at_capture(KumaVersion::V2_5_3, &settings(&server.url()))
        .await
        .unwrap();
    let names: Vec<&str> = report.monitors.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names[..3],
        [
            "Zahlungs-API 💳",
            "支払いゲートウェイ",
            "Bell\u{7}\u{1b}[31m"
        ]
    );
    assert_eq!(report.monitors[0].group.as_deref(), Some("Kern·Dienste"));
}

#[tokio::test]
async fn a_wrong_api_key_is_a_warning_naming_kuma_api_key_and_badges_take_over() {
    let wrong = "uk1_wrongwrongwrong";
    // Every public value is still there, from the badges (1y needs /metrics).
    let (report, url) = read_public_values(KumaVersion::V2_5_3, Some(wrong)).await;
    assert_eq!(
        report.warnings,
        vec![format!(
            "Uptime Kuma metrics {url}/metrics: HTTP 401 (empty body); check KUMA_API_KEY (an Uptime Kuma 2.x API key, sent as the basic-auth password); using the public badges instead"
        )]
    );
    assert!(!format!("{report:?}").contains(wrong));
    assert_eq!(report.requests, 3 + 2 * 6);
}

#[tokio::test]
async fn kuma_url_with_a_path_prefix_is_followed() {
    let version = KumaVersion::V1_23;
    let server = KumaFixture::new(version)
        .with_path_prefix("/uptime")
        .start();
    let settings = settings(&format!("{}/uptime/", server.url()));
    let report = fetch_at_capture(version, &settings).await.unwrap();
    check_against_truth(version, &serde_json::to_value(&report).unwrap(), false);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path().starts_with("/uptime/api/"))
    );
}

// --- the real binary ----------------------------------------------------------------------

/// `status kuma` against `server`, run in a fresh directory with only these settings.
fn status_kuma(
    server_url: &str,
    dir: &tempfile::TempDir,
    extra: &[(&str, &str)],
) -> assert_cmd::Command {
    let mut command = crate::support::status_command(dir.path());
    command
        .env("KUMA_URL", server_url)
        .env("KUMA_STATUS_PAGE", "main")
        .envs(extra.iter().copied())
        .arg("kuma");
    command
}

#[test]
fn binary_prints_the_dashboard_numbers_as_json() {
    let dir = tempfile::tempdir().unwrap();
    for (version, key) in [
        (KumaVersion::V2_5_3, None),
        (KumaVersion::V2_5_3, Some(KumaVersion::V2_5_3.api_key())),
        (KumaVersion::V1_23, None),
    ] {
        let server = KumaFixture::new(version)
            .with_beats_shifted_to_now()
            .start();
        let extra: Vec<(&str, &str)> = key.map(|key| ("KUMA_API_KEY", key)).into_iter().collect();
        let output = status_kuma(&server.url(), &dir, &extra)
            .arg("--json")
            .assert()
            .success()
            .get_output()
            .clone();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        check_against_truth(version, &report, key.is_some());
        assert_eq!(report["warnings"], json!([]));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr, "", "nothing to warn about");
        let requests = server.requests();
        let badges = badge_paths(&requests);
        let (never, wanted) = if version.is_v2() {
            ("/720", "/30d")
        } else {
            ("/30d", "/720")
        };
        assert!(
            badges.iter().all(|path| !path.ends_with(never)),
            "{badges:?}"
        );
        assert!(
            badges.iter().any(|path| path.ends_with(wanted)),
            "{badges:?}"
        );
        assert_cache_busted(&requests);
        assert!(
            server.connections() < requests.len(),
            "connections are reused"
        );
    }
}

#[test]
fn binary_prints_a_readable_table() {
    let dir = tempfile::tempdir().unwrap();
    let server = unicode_fixture(KumaVersion::V2_5_3)
        .with_beats_shifted_to_now()
        .start();
    let output = status_kuma(&server.url(), &dir, &[])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID  NAME") && lines[0].ends_with("24H      7D     30D  NOTE"),
        "{stdout}"
    );
    assert!(lines[1].starts_with("1   Zahlungs-API 💳"), "{stdout}");
    assert!(lines[2].starts_with("2   支払いゲートウェイ"), "{stdout}");
    assert!(
        lines[3].starts_with("3   Bell??[31m"),
        "control characters never reach the terminal: {stdout}"
    );
    assert!(lines[5].starts_with("5   Legacy Reports"), "{stdout}");
    assert!(
        lines[5].contains(" stale ") && lines[5].ends_with("not counted"),
        "{stdout}"
    );
    assert!(lines[6].contains(" maintenance "), "{stdout}");
    assert!(
        stdout.contains(
            "\nPlatform: degraded  uptime 24h 98.62%  7d 99.07%  30d 99.46%  (5 monitors counted)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nMaintenance: active: Search cluster upgrade\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nIncident (warning): Investigating elevated errors\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Uptime Kuma 2.x, 14 requests, 0 warnings\n"),
        "{stdout}"
    );
    // Every line of the table is as wide on screen as the header (CJK takes two columns).
    let width = |line: &str| unicode_width::UnicodeWidthStr::width(line);
    for line in &lines[1..7] {
        assert!(
            width(line) <= width(lines[0]) + "not counted".len(),
            "{line}"
        );
    }
}

/// The one stderr line of a failed run.
fn one_error_line(output: &std::process::Output) -> String {
    assert!(output.stdout.is_empty(), "nothing on stdout when it fails");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    lines[0].to_string()
}

#[test]
fn binary_exits_1_when_kuma_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let url = refused_url();
    let output = status_kuma(&url, &dir, &[])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let line = one_error_line(&output);
    assert!(line.contains(" ERROR "), "{line}");
    assert!(
        line.contains(&format!(
            "Uptime Kuma status page {url}/api/status-page/main: cannot connect"
        )),
        "{line}"
    );
    assert!(
        line.ends_with("check KUMA_URL and that Uptime Kuma is running"),
        "{line}"
    );

    let server = KumaFixture::new(KumaVersion::V2_5_3).start();
    let output = status_kuma(&server.url(), &dir, &[("KUMA_STATUS_PAGE", "nonexistent")])
        .arg("--json")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let line = one_error_line(&output);
    assert!(line.ends_with("HTTP 404 \"Status Page Not Found\"; check KUMA_STATUS_PAGE (the slug of a published status page)"), "{line}");
}

#[test]
fn binary_deadline_ends_a_server_that_never_answers() {
    let dir = tempfile::tempdir().unwrap();
    let server = KumaFixture::new(KumaVersion::V1_23).start();
    let started = std::time::Instant::now();
    let output = status_kuma(
        &server.url(),
        &dir,
        &[
            ("KUMA_STATUS_PAGE", "nonexistent"),
            ("KUMA_REQUEST_TIMEOUT", "10m"),
        ],
    )
    .args(["--timeout", "1s"])
    .timeout(Duration::from_secs(60))
    .assert()
    .code(1)
    .get_output()
    .clone();
    // Not a performance check: a hung run would take the 10-minute request timeout.
    assert!(started.elapsed() < Duration::from_secs(30));
    let line = one_error_line(&output);
    assert!(
        line.ends_with(&format!(
            "Uptime Kuma {}/: no answer within 1s (the run's deadline, --timeout / STATUS_TIMEOUT)",
            server.url()
        )),
        "{line}"
    );
}

#[test]
fn binary_exits_2_on_configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    // Settings refused while reading them end with the summary line; the two that only the
    // `kuma` command refuses end with their error line.
    let settings_error = true;
    for (env, expected, summary) in [
        (
            vec![("KUMA_URL", "uptime.local"), ("KUMA_STATUS_PAGE", "main")],
            "KUMA_URL: \"uptime.local\" is not an http(s) URL",
            settings_error,
        ),
        (
            vec![("KUMA_URL", "http://127.0.0.1:9")],
            "KUMA_STATUS_PAGE: not set; KUMA_URL is set, so give the slug of a published status page (e.g. main)",
            settings_error,
        ),
        (
            vec![],
            "KUMA_URL: not set; set it to the base URL of Uptime Kuma (e.g. https://uptime.example.com)",
            !settings_error,
        ),
        (
            vec![
                ("KUMA_URL", "http://127.0.0.1:9"),
                ("KUMA_STATUS_PAGE", "main"),
                ("KUMA_MONITOR_IDS", "1,2"),
                ("KUMA_CRITICAL_IDS", "3"),
            ],
            "KUMA_CRITICAL_IDS: monitor 3 is not in KUMA_MONITOR_IDS; a critical monitor must count, so add it there",
            settings_error,
        ),
        (
            vec![
                ("KUMA_URL", "http://127.0.0.1:9"),
                ("KUMA_STATUS_PAGE", "main"),
                ("KUMA_CONCURRENCY", "0"),
            ],
            "KUMA_CONCURRENCY: \"0\" is not a whole number from 1 to 256",
            settings_error,
        ),
        (
            vec![
                ("KUMA_URL", "https://127.0.0.1:9"),
                ("KUMA_STATUS_PAGE", "main"),
                ("KUMA_CA_CERT", "/nonexistent/ca.pem"),
            ],
            "KUMA_CA_CERT: cannot read /nonexistent/ca.pem: No such file or directory (os error 2); point it at a PEM file",
            !settings_error,
        ),
    ] {
        let output = crate::support::status_command(dir.path())
            .envs(env)
            .arg("kuma")
            .assert()
            .code(2)
            .get_output()
            .clone();
        assert!(output.stdout.is_empty(), "nothing on stdout when it fails");
        let stderr = String::from_utf8(output.stderr.clone()).unwrap();
        let lines: Vec<&str> = stderr.lines().collect();
        assert!(
            lines[0].contains(" ERROR ") && lines[0].ends_with(expected),
            "{stderr}"
        );
        if summary {
            assert_eq!(lines.len(), 2, "{stderr}");
            assert!(
                lines[1].contains(" INFO ")
                    && lines[1].contains("configuration: 1 error(s) above; nothing done;")
                    && lines[1].ends_with("exit 2"),
                "{stderr}"
            );
        } else {
            assert_eq!(lines.len(), 1, "{stderr}");
        }
    }
}

#[test]
fn binary_never_echoes_a_wrong_api_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = KumaFixture::new(KumaVersion::V2_5_3)
        .with_beats_shifted_to_now()
        .start();
    let wrong = "uk9_ThisKeyMustNeverBePrinted";
    let output = status_kuma(&server.url(), &dir, &[("KUMA_API_KEY", wrong)])
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(
        stderr.contains(" WARN ") && stderr.contains("check KUMA_API_KEY"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains(wrong) && !stdout.contains(wrong));
    let metrics: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/metrics")
        .collect();
    assert_eq!(metrics.len(), 1);
    assert_eq!(metrics[0].path_and_query, "/metrics");
}
