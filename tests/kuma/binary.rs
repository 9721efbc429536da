//! The real `status kuma` binary: JSON and table output, exit codes, and the API key never
//! echoed.

use super::truth::{Read, check_against_truth};
use super::*;
use crate::support::http_server::refused_url;
use serde_json::Value;

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
        let read = if key.is_some() {
            Read::METRICS
        } else {
            Read::PUBLIC
        };
        check_against_truth(version, &report, read);
        assert_eq!(report["warnings"], json!([]));
        let stderr = String::from_utf8(output.stderr).unwrap();
        if key.is_some() {
            // Nothing to warn about; the one info line says monitor 5 is paused.
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(
                stderr.contains(" INFO ")
                    && stderr.trim_end().ends_with(
                        "monitor 5 (Legacy Reports) is paused in Uptime Kuma (no series in /metrics): not counted"
                    ),
                "{stderr}"
            );
        } else {
            assert_eq!(stderr, "", "nothing to warn about");
        }
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
    // With a key the year is published; /metrics refusing it, the `365d` badges give it.
    let server = KumaFixture::new(KumaVersion::V2_5_3)
        .with_beats_shifted_to_now()
        .with_year_badges()
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
