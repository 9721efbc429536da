//! The requests a read makes: who they say they are, how many at once, where.

use super::truth::{Read, check_against_truth};
use super::*;

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
async fn kuma_url_with_a_path_prefix_is_followed() {
    let version = KumaVersion::V1_23;
    let server = KumaFixture::new(version)
        .with_path_prefix("/uptime")
        .start();
    let settings = settings(&format!("{}/uptime/", server.url()));
    let report = fetch_at_capture(version, &settings).await.unwrap();
    check_against_truth(
        version,
        &serde_json::to_value(&report).unwrap(),
        Read::PUBLIC,
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path().starts_with("/uptime/api/"))
    );
}
