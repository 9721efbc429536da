//! What keeps cron runs safe whatever the sources do: one deadline for the whole run, one
//! lock so runs never overlap, and the operator's override, which wins while it lasts.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;

use crate::support::http_server::{Reply, TestServer};
use crate::support::publish::{fresh_kuma, kuma_env, rfc3339, written};
use crate::support::run;

#[test]
fn a_kuma_that_never_answers_ends_the_run_within_the_timeout_plus_one_second() {
    let kuma = TestServer::start(|_| Reply::never());
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let run = run(
        dir.path(),
        &["--timeout", "3s", "generate"],
        &kuma_env(&kuma),
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "the run took {took:?}");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("Uptime Kuma: no answer within 2s"),
        "{}",
        run.stderr
    );
    assert_eq!(written(dir.path())["platform_status"], "unknown");
}

#[test]
fn an_overlapping_run_exits_1_and_leaves_the_file_whole() {
    let kuma = TestServer::start(|_| Reply::never());
    let dir = tempfile::tempdir().unwrap();
    let env = kuma_env(&kuma);
    let before = b"{\"previous\": \"run\"}\n";
    std::fs::write(dir.path().join("status.json"), before).unwrap();
    let first = Command::new(env!("CARGO_BIN_EXE_status"))
        .env_clear()
        .current_dir(dir.path())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(["--timeout", "6s", "generate"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first run takes the lock before it asks Kuma anything.
    let waited = Instant::now();
    while kuma.requests().is_empty() {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the first run never asked Kuma"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = run(dir.path(), &["generate"], &env);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(
        second.stderr.contains(&format!(
            "another status run (pid {}) holds the lock",
            first.id()
        )),
        "{}",
        second.stderr
    );
    // Even a run that did nothing ends with the summary line, after its error.
    let last = second.stderr.lines().last().unwrap();
    assert!(
        last.contains("INFO") && last.contains("nothing published;") && last.ends_with("exit 1"),
        "{}",
        second.stderr
    );
    assert_eq!(
        std::fs::read(dir.path().join("status.json")).unwrap(),
        before
    );
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(3));
    assert_eq!(written(dir.path())["platform_status"], "unknown");
}

#[test]
fn an_override_applies_until_it_expires() {
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let override_file = dir.path().join("override.json");
    let mut env = kuma_env(&kuma);
    env.push(("STATUS_OVERRIDE_FILE", override_file.display().to_string()));

    let without = run(dir.path(), &["generate"], &env);
    assert_eq!(without.code, 0, "{}", without.stderr);
    let kuma_says = written(dir.path())["platform_status"].clone();
    assert_ne!(kuma_says, "outage");

    let manual = |expires_at: chrono::DateTime<Utc>| {
        json!({
            "platform_status": "outage",
            "message": "Database failover in progress",
            "expires_at": rfc3339(expires_at),
        })
        .to_string()
    };
    std::fs::write(
        &override_file,
        manual(Utc::now() + chrono::Duration::hours(1)),
    )
    .unwrap();
    let active = run(dir.path(), &["generate"], &env);
    assert_eq!(active.code, 0, "{}", active.stderr);
    let document = written(dir.path());
    assert_eq!(document["platform_status"], "outage");
    assert_eq!(
        document["incidents"][0]["title"],
        "Database failover in progress"
    );
    assert_eq!(document["incidents"][0]["style"], "danger");
    assert_eq!(
        document["incidents"][1]["title"],
        "Investigating elevated errors"
    );

    std::fs::write(
        &override_file,
        manual(Utc::now() - chrono::Duration::seconds(1)),
    )
    .unwrap();
    let expired = run(dir.path(), &["generate"], &env);
    assert_eq!(expired.code, 0, "{}", expired.stderr);
    let document = written(dir.path());
    assert_eq!(document["platform_status"], kuma_says);
    assert_eq!(
        document["incidents"][0]["title"],
        "Investigating elevated errors"
    );
    assert!(expired.stderr.contains("expired at"), "{}", expired.stderr);

    std::fs::write(&override_file, r#"{"platform_status": "down"}"#).unwrap();
    let invalid = run(dir.path(), &["generate"], &env);
    assert_eq!(invalid.code, 0, "{}", invalid.stderr);
    assert_eq!(written(dir.path())["platform_status"], kuma_says);
    assert!(
        invalid.stderr.contains("field `platform_status`"),
        "{}",
        invalid.stderr
    );
}
