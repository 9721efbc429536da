//! Reads that get less than everything, over real sockets with injected faults: the page never
//! looks better than the truth. A window is published only when every counted monitor has a
//! value for it; a value is filled from another source before it is given up; a request that
//! fails on the way is retried once; a paused monitor (missing from /metrics) does not count;
//! when nothing counts, the report says why. Each such reason is in `degraded`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::truth::{Read, check_against_truth};
use super::*;
use status::sources::kuma::{MonitorState, PlatformStatus, Uptime};

/// The captured /metrics of `version` without the lines that contain `needle`.
fn metrics_without(version: KumaVersion, needle: &str) -> Reply {
    let text = String::from_utf8(KumaFixture::new(version).file("metrics.txt")).unwrap();
    let kept: String = text
        .lines()
        .filter(|line| !line.contains(needle))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(kept.len(), text.len(), "{needle} is in the capture");
    Reply::text(200, "text/plain; version=0.0.4; charset=utf-8", kept)
}

fn paths(server_requests: &[LoggedRequest], prefix: &str) -> Vec<String> {
    let mut paths: Vec<String> = server_requests
        .iter()
        .map(|r| r.path().to_string())
        .filter(|path| path.starts_with(prefix))
        .collect();
    paths.sort();
    paths
}

/// The case measured in issue 9: a proxy answers 500 for `/api/badge/2/*` only, in front of
/// the captured 2.5.3. Before, the worst monitor dropped out of the means and 7 d 99.61 and
/// 30 d 99.72 were published; the truth is 99.07 and 99.46.
#[tokio::test]
async fn a_failing_badge_empties_its_windows_and_names_the_monitor() {
    let version = KumaVersion::V2_5_3;
    let server = KumaFixture::new(version)
        .with_handler(|request| {
            request
                .path
                .starts_with("/api/badge/2/")
                .then(|| Reply::new(500))
        })
        .start();
    let report = fetch_at_capture(version, &settings(&server.url()))
        .await
        .unwrap();
    assert_eq!(
        report.uptime,
        Uptime {
            last_24h: Some(98.62),
            last_7d: None,
            last_30d: None,
            last_1y: None,
        }
    );
    let reason = "Uptime Kuma uptime 7d, 30d left empty: no value for monitor 2 (Billing API)";
    assert_eq!(report.degraded, vec![reason]);
    let url = server.url();
    assert_eq!(
        report.warnings,
        vec![
            format!(
                "monitor 2 (Billing API): Uptime Kuma uptime badge {url}/api/badge/2/uptime/168: HTTP 500 (empty body); Uptime Kuma or a proxy in front of it failed; see its logs; that uptime is left empty"
            ),
            format!(
                "monitor 2 (Billing API): Uptime Kuma uptime badge {url}/api/badge/2/uptime/30d: HTTP 500 (empty body); Uptime Kuma or a proxy in front of it failed; see its logs; that uptime is left empty"
            ),
            reason.to_string(),
        ]
    );
    // Each of its badges was asked twice: the one retry, which failed too.
    assert_eq!(report.retries, 2);
    assert_eq!(report.requests, 2 + 2 * 6 + 2);
    assert_eq!(
        paths(&server.requests(), "/api/badge/2/"),
        [
            "/api/badge/2/uptime/168",
            "/api/badge/2/uptime/168",
            "/api/badge/2/uptime/30d",
            "/api/badge/2/uptime/30d"
        ]
    );
    // The state is still read: Billing API is down.
    assert_eq!(report.platform_status, PlatformStatus::Degraded);
}

#[tokio::test]
async fn one_transient_500_is_healed_by_the_retry() {
    let version = KumaVersion::V2_5_3;
    let failed = Arc::new(AtomicBool::new(false));
    let server = KumaFixture::new(version)
        .with_handler(move |request| {
            let first =
                request.path == "/api/badge/2/uptime/168" && !failed.swap(true, Ordering::SeqCst);
            first.then(|| Reply::new(500))
        })
        .start();
    let report = fetch_at_capture(version, &settings(&server.url()))
        .await
        .unwrap();
    check_against_truth(
        version,
        &serde_json::to_value(&report).unwrap(),
        Read::PUBLIC,
    );
    assert_eq!(report.warnings, Vec::<String>::new());
    assert_eq!(report.retries, 1);
    assert_eq!(report.requests, 2 + 2 * 6 + 1);
    let requests = server.requests();
    assert_eq!(
        paths(&requests, "/api/badge/2/uptime/168"),
        ["/api/badge/2/uptime/168", "/api/badge/2/uptime/168"]
    );
    // The retry is a new URL: Kuma's cache cannot answer it with the failure.
    assert_cache_busted(&requests);
}

#[tokio::test]
async fn a_request_that_times_out_is_retried_once() {
    let version = KumaVersion::V1_23;
    let failed = Arc::new(AtomicBool::new(false));
    let server = KumaFixture::new(version)
        .with_handler(move |request| {
            let first = request.path == "/api/status-page/heartbeat/main"
                && !failed.swap(true, Ordering::SeqCst);
            first.then(Reply::never)
        })
        .start();
    let mut settings = settings(&server.url());
    settings.request_timeout = Duration::from_millis(500);
    let report = fetch_at_capture(version, &settings).await.unwrap();
    check_against_truth(
        version,
        &serde_json::to_value(&report).unwrap(),
        Read::PUBLIC,
    );
    assert_eq!(report.retries, 1);
}

#[tokio::test]
async fn a_persistent_500_of_the_page_or_heartbeats_ends_the_read_after_one_retry() {
    let version = KumaVersion::V2_5_3;
    for (path, label) in [
        ("/api/status-page/main", "status page"),
        ("/api/status-page/heartbeat/main", "heartbeat list"),
    ] {
        let server = KumaFixture::new(version)
            .with_reply(path, Reply::new(500))
            .start();
        let err = fetch_at_capture(version, &settings(&server.url()))
            .await
            .expect_err("a 500 twice ends the read");
        assert_eq!(
            format!("{err:#}"),
            format!(
                "Uptime Kuma {label} {}{path}: HTTP 500 (empty body); Uptime Kuma or a proxy in front of it failed; see its logs",
                server.url()
            )
        );
        assert_eq!(paths(&server.requests(), path), [path, path]);
    }
}

#[tokio::test]
async fn a_persistent_500_of_metrics_is_filled_from_the_badges() {
    let version = KumaVersion::V2_5_3;
    let server = KumaFixture::new(version)
        .with_reply("/metrics", Reply::new(500))
        .with_year_badges()
        .start();
    let settings = with_key(settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    // Every window of every monitor from the badges, the year from `365d`; monitor 5 is stale
    // (nothing tells it is paused).
    check_against_truth(
        version,
        &serde_json::to_value(&report).unwrap(),
        Read::YEAR_BADGES,
    );
    assert_eq!(
        report.warnings,
        vec![format!(
            "Uptime Kuma metrics {}/metrics: HTTP 500 (empty body); Uptime Kuma or a proxy in front of it failed; see its logs; using the public badges instead",
            server.url()
        )]
    );
    assert_eq!(report.retries, 1);
}

#[tokio::test]
async fn every_monitor_stale_is_unknown_and_says_why() {
    for version in KumaVersion::ALL {
        let server = KumaFixture::new(version).start();
        let truth = DashboardTruth::load(version);
        let newest = truth
            .monitors()
            .iter()
            .filter(|m| m.on_status_page)
            .map(|m| m.newest_time)
            .max()
            .unwrap();
        let settings = settings(&server.url());
        let client = kuma::http_client(&settings).unwrap();
        // Kuma stopped monitoring two hours ago.
        let report = kuma::fetch(&settings, &client, newest + chrono::Duration::hours(2))
            .await
            .unwrap();
        assert_eq!(report.platform_status, PlatformStatus::Unknown);
        assert_eq!(report.uptime, Uptime::default());
        assert!(
            report
                .monitors
                .iter()
                .all(|m| m.state == MonitorState::Stale)
        );
        let why = "every monitor on Uptime Kuma status page \"main\" is stale (no beat within KUMA_STALE_AFTER, 30m): newest beat 2h ago; the platform status and uptime are unknown";
        assert_eq!(report.degraded, vec![why]);
        assert_eq!(report.warnings, vec![why]);
    }
}

#[tokio::test]
async fn a_monitor_missing_from_metrics_is_paused_and_not_counted() {
    let version = KumaVersion::V2_5_3;
    // Billing API (down) was paused after the capture: Kuma dropped its series.
    let server = KumaFixture::new(version)
        .with_reply("/metrics", metrics_without(version, "monitor_id=\"2\""))
        .start();
    let settings = with_key(settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    let billing = report.monitors.iter().find(|m| m.id == 2).unwrap();
    assert_eq!(billing.state, MonitorState::Paused);
    assert!(!billing.counted);
    // The rest: 1, 3, 4 up, 6 in maintenance.
    assert_eq!(report.platform_status, PlatformStatus::Operational);
    // 24h: (99.55977757182578 + 99.96525364836693 + 98.29001367989056 + 99.92822966507177) / 4
    //      = 99.43581864128876 -> 99.44
    // 7d:  (99.41 + 99.96 + 99.10 + 99.96) / 4 = 99.6075 -> 99.61
    // 30d: (99.28581064459557 + 99.92263010046184 + 99.68116493766061 + 99.96504635330193) / 4
    //      = 99.713663009005 -> 99.71
    // 1y:  (99.52802390115663 + 99.93235556375488 + 99.77715620581546 + 99.96256429454208) / 4
    //      = 99.80002499131726 -> 99.8
    assert_eq!(
        report.uptime,
        Uptime {
            last_24h: Some(99.44),
            last_7d: Some(99.61),
            last_30d: Some(99.71),
            last_1y: Some(99.8),
        }
    );
    assert_eq!(report.warnings, Vec::<String>::new());
    assert_eq!(report.degraded, Vec::<String>::new());
    // Paused monitors are still shown with their public values; no `365d` for them.
    let mut durations = all_six("168");
    durations.extend([(2, "30d"), (5, "30d")]);
    assert_eq!(badge_paths(&server.requests()), expected_badges(&durations));
}

#[tokio::test]
async fn on_1_23_a_paused_monitor_is_told_by_its_name_where_the_name_is_unique() {
    let version = KumaVersion::V1_23;
    let server = KumaFixture::new(version)
        .with_reply(
            "/metrics",
            metrics_without(version, "monitor_name=\"Billing API\""),
        )
        .start();
    let settings = with_key(settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    let state = |id: u64| report.monitors.iter().find(|m| m.id == id).unwrap().state;
    assert_eq!(state(2), MonitorState::Paused);
    assert_eq!(state(5), MonitorState::Paused);
    // 24h: (99.3030965995464 + 100 + 98.32592914235586 + 100) / 4 = 99.40725643547556 -> 99.41
    // 7d:  (99.40 + 100.0 + 99.17 + 100.0) / 4 = 99.6425 -> 99.64
    // 30d: (99.32 + 99.97 + 99.74 + 100.0) / 4 = 99.7575 -> 99.76
    assert_eq!(
        report.uptime,
        Uptime {
            last_24h: Some(99.41),
            last_7d: Some(99.64),
            last_30d: Some(99.76),
            last_1y: None,
        }
    );
    assert_eq!(report.degraded, Vec::<String>::new());

    // Two page monitors named alike: /metrics cannot tell them apart, so staleness decides
    // (both beat recently: both count).
    let fixture = KumaFixture::new(version);
    let mut page = fixture.json("status-page_main.json");
    page["publicGroupList"][0]["monitorList"][2]["name"] = json!("Billing API");
    let server = fixture
        .with_reply("/api/status-page/main", Reply::json(200, &page))
        .with_reply(
            "/metrics",
            metrics_without(version, "monitor_name=\"Billing API\""),
        )
        .start();
    let settings = with_key(self::settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    let counted: Vec<u64> = report
        .monitors
        .iter()
        .filter(|m| m.counted)
        .map(|m| m.id)
        .collect();
    assert_eq!(counted, vec![1, 2, 3, 4, 6]);
    assert_eq!(
        report.uptime,
        Uptime {
            last_24h: Some(98.63),
            last_7d: Some(99.11),
            last_30d: Some(99.52),
            last_1y: None,
        }
    );
}

#[tokio::test]
async fn a_push_monitor_without_ratios_gets_30d_and_1y_from_its_badges() {
    let version = KumaVersion::V2_5_3;
    // Pushes set only monitor_status on 2.5.3: a push monitor that never missed one has no
    // ratio in /metrics, yet it is active, not paused.
    let metrics = metrics_without(version, "monitor_uptime_ratio{monitor_id=\"4\"");
    let server = KumaFixture::new(version)
        .with_reply("/metrics", metrics.clone())
        .with_year_badges()
        .start();
    let settings = with_key(settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    let push = report.monitors.iter().find(|m| m.id == 4).unwrap();
    assert_eq!(push.state, MonitorState::Up);
    assert_eq!(push.uptime.last_30d, Some(99.68));
    assert_eq!(push.uptime.last_1y, Some(99.78));
    // 30d: (99.28581064459557 + 98.43592531166429 + 99.92263010046184 + 99.68
    //      + 99.96504635330193) / 5 = 99.45788248200473 -> 99.46
    // 1y:  (99.52802390115663 + 98.97610396798146 + 99.93235556375488 + 99.78
    //      + 99.96256429454208) / 5 = 99.63580954548699 -> 99.64
    assert_eq!(report.uptime.last_30d, Some(99.46));
    assert_eq!(report.uptime.last_1y, Some(99.64));
    assert_eq!(report.warnings, Vec::<String>::new());
    let mut durations = all_six("168");
    durations.extend([(4, "30d"), (4, "365d"), (5, "30d")]);
    assert_eq!(badge_paths(&server.requests()), expected_badges(&durations));

    // Without a `365d` badge either (a Kuma that answers it with its web page), the year is
    // left empty rather than made of the other monitors.
    let server = KumaFixture::new(version)
        .with_reply("/metrics", metrics)
        .start();
    let settings = with_key(self::settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    assert_eq!(report.uptime.last_1y, None);
    assert_eq!(
        report.degraded,
        vec!["Uptime Kuma uptime 1y left empty: no value for monitor 4 (Nightly Backup Job)"]
    );
}
