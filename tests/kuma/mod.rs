//! `kuma::fetch` and `status kuma` against the captured Uptime Kuma responses (1.23 and 2.5.3)
//! served over a real socket, one module per subject:
//! - `accuracy`: exact numbers against `_dashboard_truth.json` (checked by `truth`);
//! - `request_shape`: the requests made (headers, concurrency, path prefix);
//! - `selection`: which monitors count and what the platform is made of;
//! - `faults`: every fault that ends a read or drops a value, and how it is said;
//! - `partial`: reads that get less than everything, and what the report then says;
//! - `binary`: the real `status kuma` binary;
//! - `degraded_runs`: the real binary when Kuma gives less: document, exit, warning, push.

mod accuracy;
mod binary;
mod degraded_runs;
mod faults;
mod partial;
mod request_shape;
mod selection;
mod truth;

use std::time::Duration;

use crate::support::http_server::LoggedRequest;
use crate::support::http_server::Reply;
use crate::support::kuma_fixtures::{DashboardTruth, KumaFixture, KumaVersion};
use serde_json::json;
use status::config::Secret;
use status::sources::kuma::{self, KumaReport, KumaSettings, UptimeAggregate};

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
