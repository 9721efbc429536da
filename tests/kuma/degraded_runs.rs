//! The real binary when Kuma gives less than everything: the published document (`generate
//! --dry-run` prints it, `generate` writes it), the exit code, the warning, the summary line
//! and the push monitor's query (a local push receiver records it) tell the same story.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use super::*;
use crate::support::http_server::TestServer;
use crate::support::publish::{kuma_env, push_env, push_receiver, pushed_query, written};
use crate::support::schema::valid_document;
use crate::support::{Run, run};

/// The captured 2.5.3 with fresh beats, answering 500 for `/api/badge/2/*` (the measured case
/// of issue 9).
fn failing_badge_kuma() -> TestServer {
    KumaFixture::new(KumaVersion::V2_5_3)
        .with_beats_shifted_to_now()
        .with_handler(|request| {
            request
                .path
                .starts_with("/api/badge/2/")
                .then(|| Reply::new(500))
        })
        .start()
}

const BADGE_2_REASON: &str =
    "Uptime Kuma uptime 7d, 30d left empty: no value for monitor 2 (Billing API)";

/// `status generate` against `kuma`, pushing to a local receiver: how the run ended, the
/// document it wrote and the push query it sent.
fn generate_with_push(kuma: &TestServer) -> (Run, Value, String) {
    let receiver = push_receiver();
    let dir = tempfile::tempdir().unwrap();
    let mut env = kuma_env(kuma);
    env.push(push_env(&receiver));
    let run = run(dir.path(), &["generate"], &env);
    let document = written(dir.path());
    (run, document, pushed_query(&receiver))
}

fn summary_line(stderr: &str) -> &str {
    stderr.lines().last().unwrap()
}

#[test]
fn dry_run_with_a_failing_badge_publishes_null_and_exits_3() {
    let kuma = failing_badge_kuma();
    let dir = tempfile::tempdir().unwrap();
    let run = run(dir.path(), &["generate", "--dry-run"], &kuma_env(&kuma));
    assert_eq!(run.code, 3, "{}", run.stderr);
    let document = valid_document(&run.stdout);
    assert_eq!(document["platform_status"], "degraded");
    assert_eq!(
        document["uptime"],
        json!({"last_24h": 98.62, "last_7d": null, "last_30d": null})
    );
    assert!(
        run.stderr
            .lines()
            .any(|line| line.contains(" WARN ") && line.ends_with(BADGE_2_REASON)),
        "{}",
        run.stderr
    );
    let summary = summary_line(&run.stderr);
    assert!(
        summary.contains(&format!(
            "platform degraded; uptime 24h 98.62% 7d - 30d -; Uptime Kuma requests retried 2; backups unknown (age -); dry run: nothing written, uploaded or pinged; degraded: {BADGE_2_REASON}; "
        )) && summary.ends_with("exit 3"),
        "{summary}"
    );
}

#[test]
fn a_window_left_empty_pings_down_with_the_reason() {
    let kuma = failing_badge_kuma();
    let (run, document, query) = generate_with_push(&kuma);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(document["uptime"]["last_7d"], Value::Null);
    assert_eq!(document["uptime"]["last_30d"], Value::Null);
    assert!(
        query.starts_with(
            "status=down&msg=degraded%3A+Uptime+Kuma+uptime+7d%2C+30d+left+empty%3A+no+value+for+monitor+2+%28Billing+API%29&ping="
        ),
        "{query}"
    );
    assert!(summary_line(&run.stderr).ends_with("exit 3"));
}

#[test]
fn a_blip_healed_by_the_retry_is_counted_and_the_run_is_up() {
    let failed = Arc::new(AtomicBool::new(false));
    let kuma = KumaFixture::new(KumaVersion::V2_5_3)
        .with_beats_shifted_to_now()
        .with_handler(move |request| {
            let first =
                request.path == "/api/badge/2/uptime/30d" && !failed.swap(true, Ordering::SeqCst);
            first.then(|| Reply::new(503))
        })
        .start();
    let (run, document, query) = generate_with_push(&kuma);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        document["uptime"],
        json!({"last_24h": 98.62, "last_7d": 99.07, "last_30d": 99.46})
    );
    assert!(query.starts_with("status=up&msg=OK&ping="), "{query}");
    assert!(!run.stderr.contains(" WARN "), "{}", run.stderr);
    let summary = summary_line(&run.stderr);
    assert!(
        summary.contains("30d 99.46%; Uptime Kuma requests retried 1; backups")
            && summary.ends_with("exit 0"),
        "{summary}"
    );
}

/// Kuma stopped monitoring 2 hours ago (and a little more, so the age reads `2h` whatever the
/// second the run starts in).
fn stopped_kuma() -> TestServer {
    KumaFixture::new(KumaVersion::V2_5_3)
        .with_beats_aged(Duration::from_secs(2 * 3600 + 30))
        .start()
}

const STALE_REASON: &str = "every monitor on Uptime Kuma status page \"main\" is stale (no beat within KUMA_STALE_AFTER, 30m): newest beat 2h ago; the platform status and uptime are unknown";

#[test]
fn every_monitor_stale_publishes_unknown_pings_down_and_exits_3() {
    let kuma = stopped_kuma();
    let (run, document, query) = generate_with_push(&kuma);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(document["platform_status"], "unknown");
    assert_eq!(
        document["uptime"],
        json!({"last_24h": null, "last_7d": null, "last_30d": null})
    );
    assert!(
        run.stderr
            .lines()
            .any(|line| line.contains(" WARN ") && line.ends_with(STALE_REASON)),
        "{}",
        run.stderr
    );
    assert!(
        query.starts_with("status=down&msg=degraded%3A+every+monitor+on+Uptime+Kuma+status+page"),
        "{query}"
    );
}

#[test]
fn status_kuma_exits_3_when_the_page_would_be_less_than_the_truth() {
    let kuma = stopped_kuma();
    let dir = tempfile::tempdir().unwrap();
    let run = run(dir.path(), &["kuma", "--json"], &kuma_env(&kuma));
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["platform_status"], "unknown");
    assert_eq!(report["degraded"], json!([STALE_REASON]));
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(" WARN "))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(warnings[0].ends_with(STALE_REASON), "{}", run.stderr);
}
