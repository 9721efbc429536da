//! What keeps cron runs safe whatever the sources do: one deadline for the whole run, and one
//! lock so runs never overlap.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::http_server::{Reply, TestServer};
use crate::support::publish::{kuma_env, written};
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
    let before =
        b"{\"updated_at\": \"2026-11-26T04:00:00Z\", \"platform_status\": \"operational\"}\n";
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
