//! Faults: a read that cannot be done ends with one line naming the source and a fix; a value
//! that cannot be read is left empty with a warning naming the monitor and the path.

use super::*;
use crate::support::http_server::refused_url;

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
    let fixture = KumaFixture::new(version).with_year_badges();
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
    // The rejected /metrics year is filled from the `365d` badge.
    assert_eq!(monitor(1).uptime.last_1y, Some(99.53));
    assert_eq!(monitor(4).uptime.last_7d, None);
    let degraded = [
        "Uptime Kuma uptime 24h left empty: no value for monitor 1 (Web Frontend), monitor 2 (Billing API), monitor 3 (Homepage Keyword)",
        "Uptime Kuma uptime 7d left empty: no value for monitor 4 (Nightly Backup Job)",
    ];
    let mut warnings = vec![
        "monitor 1 (Web Frontend): 24h uptime 1.5 is outside 0..1 in the heartbeat list; it is left empty",
        "monitor 1 (Web Frontend): /metrics 365d uptime ratio NaN is outside 0..1; it is not used",
        "monitor 2 (Billing API): 24h uptime \"0.95\" is not a number in the heartbeat list; it is left empty",
        "monitor 3 (Homepage Keyword): 24h uptime -0.01 is outside 0..1 in the heartbeat list; it is left empty",
        "monitor 4 (Nightly Backup Job): badge /api/badge/4/uptime/168 says 199.1% is outside 0..100; that uptime is left empty",
    ];
    warnings.extend(degraded);
    assert_eq!(report.warnings, warnings);
    assert_eq!(report.degraded, degraded);
    // 24h and 7d would be means over a subset: empty. 30d is every /metrics ratio (99.46, as
    // read without a fault); 1y: (99.53 + 98.97610396798146 + 99.93235556375488
    // + 99.77715620581546 + 99.96256429454208) / 5 = 99.63563600641876 -> 99.64
    assert_eq!(
        report.uptime,
        kuma::Uptime {
            last_24h: None,
            last_7d: None,
            last_30d: Some(99.46),
            last_1y: Some(99.64),
        }
    );
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
            "Uptime Kuma uptime 7d left empty: no value for monitor 3 (Homepage Keyword)".to_string(),
            "Uptime Kuma uptime 30d left empty: no value for monitor 2 (Billing API), monitor 6 (Search Cluster)".to_string(),
        ]
    );
    assert_eq!(
        report.degraded,
        vec![
            "Uptime Kuma uptime 7d left empty: no value for monitor 3 (Homepage Keyword)",
            "Uptime Kuma uptime 30d left empty: no value for monitor 2 (Billing API), monitor 6 (Search Cluster)",
        ]
    );
    // A mean over the monitors that have one would look better than the truth: empty.
    assert_eq!(report.uptime.last_7d, None);
    assert_eq!(report.uptime.last_30d, None);
    // 24h (from the heartbeat list) is whole: 98.63, as read without a fault.
    assert_eq!(report.uptime.last_24h, Some(98.63));
}
