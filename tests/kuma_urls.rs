//! `KUMA_URL` is the only server read: redirects are followed within its origin only, and
//! credentials inside it are refused before any request.

use serde_json::Value;

use crate::support::http_server::{Reply, TestServer};
use crate::support::kuma_fixtures::{KumaFixture, KumaVersion};
use crate::support::run;

fn kuma_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("KUMA_URL", url.to_string()),
        ("KUMA_STATUS_PAGE", "main".to_string()),
    ]
}

#[test]
fn a_redirect_within_kuma_urls_origin_is_followed() {
    // Kuma moved from /old to the root of the same host.
    let kuma = KumaFixture::new(KumaVersion::V2_5_3)
        .with_beats_shifted_to_now()
        .with_handler(|request| {
            let moved = request.path.strip_prefix("/old")?;
            let query = request.query.as_deref().map(|q| format!("?{q}"));
            let location = format!("{moved}{}", query.unwrap_or_default());
            Some(Reply::new(301).header("location", &location))
        })
        .start();
    let dir = tempfile::tempdir().unwrap();
    let read = |url: String| {
        let (code, stdout, stderr) =
            run(dir.path(), &["kuma", "--json"], &kuma_env(&url)).into_text();
        assert_eq!(code, 0, "{stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        let states: Vec<(Value, Value)> = report["monitors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|monitor| (monitor["id"].clone(), monitor["state"].clone()))
            .collect();
        assert!(!states.is_empty(), "{report}");
        (states, report["uptime"].clone())
    };
    let (monitors, uptime) = read(format!("{}/old", kuma.url()));
    assert!(
        kuma.requests()
            .iter()
            .any(|r| r.path().starts_with("/old/"))
    );
    assert_eq!(
        (monitors, uptime),
        read(kuma.url()),
        "the same Kuma, read directly"
    );
}

#[test]
fn a_redirect_to_another_origin_is_an_error_naming_kuma_url() {
    let elsewhere = KumaFixture::new(KumaVersion::V2_5_3).start();
    let target = elsewhere.url();
    let redirecting = TestServer::start(move |request| {
        let location = format!("{target}{}", request.path_and_query());
        Reply::new(302).header("location", &location)
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(dir.path(), &["kuma"], &kuma_env(&redirecting.url())).into_text();
    assert_eq!(code, 1, "{stderr}");
    let expected = format!(
        "redirected to {}, outside the origin of KUMA_URL ({}), so not followed; set KUMA_URL to the address Uptime Kuma answers on itself",
        elsewhere.url(),
        redirecting.url()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(elsewhere.connections(), 0, "the other origin was contacted");
}

#[test]
fn credentials_in_kuma_url_are_refused_without_showing_them() {
    let kuma = KumaFixture::new(KumaVersion::V2_5_3).start();
    let with_login = kuma.url().replace("http://", "http://admin:hunter2@");
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(dir.path(), &["kuma"], &kuma_env(&with_login)).into_text();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "KUMA_URL: {} holds credentials (user:password@); remove them: Uptime Kuma's API key goes in KUMA_API_KEY",
            kuma.url()
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("admin"),
        "{stderr}"
    );
    assert_eq!(kuma.connections(), 0);
}
