//! Which monitors count (KUMA_MONITOR_IDS, KUMA_CRITICAL_IDS, monitors off the page, an empty
//! page) and what the platform status and uptime are made of.

use super::*;
use status::sources::kuma::{MonitorState, PlatformStatus};

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
    // A monitor off the page has no public badge, so no 7-day value: the platform's 7 days
    // would be monitor 1's alone, so they are left empty, said, and the read is degraded.
    let seven_days = "Uptime Kuma uptime 7d left empty: no value for monitor 7";
    assert_eq!(report.warnings, vec![seven_days]);
    assert_eq!(report.degraded, vec![seven_days]);
    // 24h: (99.55977757182577 + 100) / 2 = 99.77988878591289 -> 99.78
    // 30d: (99.28581064459557 + 100) / 2 = 99.64290532229779 -> 99.64
    // 1y:  (99.52802390115663 + 100) / 2 = 99.76401195057831 -> 99.76
    assert_eq!(
        report.uptime,
        kuma::Uptime {
            last_24h: Some(99.78),
            last_7d: None,
            last_30d: Some(99.64),
            last_1y: Some(99.76),
        }
    );
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("Internal Admin Panel") && !json.contains("health.json"));
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
        let why = "Uptime Kuma status page \"main\" lists no monitors, so the platform status is unknown; add monitors to it in Uptime Kuma";
        assert_eq!(report.warnings, vec![why]);
        assert_eq!(
            report.degraded,
            vec![why],
            "Kuma was read, but nothing counts"
        );
    }
}
