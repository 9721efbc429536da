//! Every number against what the dashboard showed, without and with an API key, and a wrong
//! key or a 1.x server whose /metrics only tells paused monitors.

use super::truth::{Read, check_against_truth};
use super::*;
use status::sources::kuma::PlatformStatus;

/// Reads `version`'s fixtures with `api_key` (none, or one that gives no numbers: a wrong key,
/// or any key on 1.x) and checks the public values against the dashboard (`read` says what
/// else the read had), the badges asked for (7 days and the version's 30 days for every
/// monitor: 1.x never `30d`, 2.x never `720`; with a wrong key on 2.x also `365d` for every
/// monitor that counts, so the year is published) and the cache busters.
async fn read_public_values(
    version: KumaVersion,
    api_key: Option<&str>,
    read: Read,
) -> (KumaReport, String) {
    let server = KumaFixture::new(version).with_year_badges().start();
    let mut settings = settings(&server.url());
    settings.api_key = api_key.map(Secret::new);
    let report = fetch_at_capture(version, &settings).await.unwrap();
    check_against_truth(version, &serde_json::to_value(&report).unwrap(), read);
    let requests = server.requests();
    let mut durations = all_six("168");
    durations.extend(all_six(if version.is_v2() { "30d" } else { "720" }));
    if read.year_badges {
        durations.extend([1, 2, 3, 4, 6].map(|id| (id, "365d")));
    }
    assert_eq!(badge_paths(&requests), expected_badges(&durations));
    assert_cache_busted(&requests);
    (report, server.url())
}

#[tokio::test]
async fn reads_2_5_3_as_its_dashboard_showed_it() {
    let (report, _) = read_public_values(KumaVersion::V2_5_3, None, Read::PUBLIC).await;
    assert_eq!(report.platform_status, PlatformStatus::Degraded);
    assert_eq!(report.warnings, Vec::<String>::new());
    // Without a key: status page + heartbeats + 2 badges per monitor = 2 + 2N.
    assert_eq!(report.requests, 2 + 2 * 6);
}

#[tokio::test]
async fn reads_1_23_as_its_dashboard_showed_it() {
    let (report, _) = read_public_values(KumaVersion::V1_23, None, Read::PUBLIC).await;
    assert_eq!(report.warnings, Vec::<String>::new());
    assert_eq!(report.requests, 2 + 2 * 6);
}

#[tokio::test]
async fn reads_30d_and_1y_from_metrics_on_2_5_3_with_the_api_key() {
    let version = KumaVersion::V2_5_3;
    let server = KumaFixture::new(version).start();
    let settings = with_key(settings(&server.url()), version.api_key());
    let report = fetch_at_capture(version, &settings).await.unwrap();
    check_against_truth(
        version,
        &serde_json::to_value(&report).unwrap(),
        Read::METRICS,
    );
    assert_eq!(report.warnings, Vec::<String>::new());
    let requests = server.requests();
    // Status page + heartbeats + /metrics, a 7-day badge per monitor, and the 30-day badge of
    // monitor 5 only (paused, so absent from /metrics; not counted, so no `365d`): 3 + N + 1.
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
async fn on_1_23_the_api_key_tells_paused_monitors_by_name_and_nothing_else() {
    let version = KumaVersion::V1_23;
    let (report, _) = read_public_values(version, Some(version.api_key()), Read::PAUSES_ONLY).await;
    assert_eq!(report.warnings, Vec::<String>::new());
    assert_eq!(report.degraded, Vec::<String>::new());
    // 1.x's /metrics has no uptime and no ids: every number is public, as without the key.
    assert_eq!(report.requests, 3 + 2 * 6);
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
    // Every value is still there, from the badges, the year from `365d`; monitor 5 is told
    // stale instead of paused.
    let (report, url) =
        read_public_values(KumaVersion::V2_5_3, Some(wrong), Read::YEAR_BADGES).await;
    assert_eq!(
        report.warnings,
        vec![format!(
            "Uptime Kuma metrics {url}/metrics: HTTP 401 (empty body); check KUMA_API_KEY (an Uptime Kuma 2.x API key, sent as the basic-auth password); using the public badges instead"
        )]
    );
    assert!(!format!("{report:?}").contains(wrong));
    assert_eq!(report.requests, 3 + 2 * 6 + 5);
}
