//! How a run ends when it is stopped: SIGTERM, SIGINT and SIGHUP sent to a real child
//! process.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use serde_json::json;

use crate::support::http_server::{Reply, TestServer};
use crate::support::moto::Moto;
use crate::support::publish::{
    kuma_env, push_env, push_receiver, pushed, status_bucket_env, stored_object,
};
use crate::support::slow_proxy::SlowProxy;

/// The binary in `dir` with exactly `env`, its stderr captured.
fn spawn(dir: &Path, args: &[&str], env: &[(&'static str, String)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_status"))
        .env_clear()
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn send(child: &Child, signal: i32) {
    // SAFETY: kill has no memory preconditions; the pid is our own live child.
    let sent = unsafe { libc::kill(child.id() as i32, signal) };
    assert_eq!(sent, 0, "kill {}", child.id());
}

/// The exit code and stderr of `child`, and how long it took to end after `since`.
fn finish(child: Child, since: Instant) -> (i32, String, Duration) {
    let output = child.wait_with_output().unwrap();
    let took = since.elapsed();
    let code = output
        .status
        .code()
        .expect("exited, not killed by the signal");
    (code, String::from_utf8(output.stderr).unwrap(), took)
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_signal_stops_the_sources_and_ends_the_run_with_its_code_summary_and_push() {
    for (signal, name, code) in [
        (libc::SIGTERM, "SIGTERM", 143),
        (libc::SIGINT, "SIGINT", 130),
        (libc::SIGHUP, "SIGHUP", 129),
    ] {
        let kuma = TestServer::start(|_| Reply::never());
        let push = push_receiver();
        let dir = tempfile::tempdir().unwrap();
        let mut env = kuma_env(&kuma);
        env.push(push_env(&push));
        // A deadline far beyond the test: the signal, not the deadline, ends the run.
        let child = spawn(dir.path(), &["--timeout", "60s", "generate"], &env);
        wait_until("the run never asked Kuma", || !kuma.requests().is_empty());
        let sent = Instant::now();
        send(&child, signal);
        let (exit, stderr, took) = finish(child, sent);
        assert_eq!(exit, code, "{name}: {stderr}");
        assert!(took < Duration::from_secs(10), "{name}: took {took:?}");
        assert!(
            stderr.contains(&format!("received {name}: stopping the sources")),
            "{stderr}"
        );
        let last = stderr.lines().last().unwrap();
        assert!(
            last.contains(" INFO ")
                && last.contains(&format!("nothing written; interrupted by {name};"))
                && last.ends_with(&format!("exit {code}")),
            "{stderr}"
        );
        assert_eq!(
            pushed(&push),
            ("down".to_string(), format!("interrupted by {name}"))
        );
        // Nothing written, no temporary file: only the lock is there.
        assert_eq!(file_names(dir.path()), ["status.json.lock"], "{name}");
    }
}

#[tokio::test]
async fn a_signal_before_the_upload_starts_no_upload() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("signal-before-upload").await;
    let kuma = TestServer::start(|_| Reply::never());
    let push = push_receiver();
    let dir = tempfile::tempdir().unwrap();
    let mut env = kuma_env(&kuma);
    env.extend(status_bucket_env(moto, &bucket));
    env.push(push_env(&push));
    let child = spawn(
        dir.path(),
        &["--timeout", "60s", "generate", "--upload"],
        &env,
    );
    wait_until("the run never asked Kuma", || !kuma.requests().is_empty());
    let sent = Instant::now();
    send(&child, libc::SIGTERM);
    let (exit, stderr, _) = finish(child, sent);
    assert_eq!(exit, 143, "{stderr}");
    assert_eq!(stored_object(moto, &bucket, "status.json").await, None);
    assert_eq!(pushed(&push).0, "down");
    assert_eq!(file_names(dir.path()), ["status.json.lock"]);
}

#[tokio::test]
async fn an_upload_in_flight_finishes_before_the_run_ends_interrupted() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("signal-in-flight").await;
    // Each answer of the bucket arrives a second late: the upload is in flight for a while.
    let proxy = SlowProxy::start(moto.endpoint(), Duration::from_secs(1));
    let push = push_receiver();
    let dir = tempfile::tempdir().unwrap();
    let document = json!({
        "updated_at": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "platform_status": "operational",
        "uptime": {"last_24h": 99.5, "last_7d": null, "last_30d": null},
        "backups": {"last_backup_status": "unknown", "last_backup_time": null}
    })
    .to_string();
    std::fs::write(dir.path().join("status.json"), &document).unwrap();
    let mut env = status_bucket_env(moto, &bucket);
    env.retain(|(key, _)| *key != "SPACES_ENDPOINT");
    env.push(("SPACES_ENDPOINT", proxy.url()));
    env.push(push_env(&push));
    let child = spawn(dir.path(), &["--timeout", "20s", "upload"], &env);
    wait_until("the upload never started", || proxy.received() > 0);
    let sent = Instant::now();
    send(&child, libc::SIGTERM);
    let (exit, stderr, took) = finish(child, sent);
    assert_eq!(exit, 143, "{stderr}");
    // The upload and its check (two answers a second late each) ran to the end.
    assert!(took >= Duration::from_secs(1), "took {took:?}: {stderr}");
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await,
        Some(document.into_bytes())
    );
    let last = stderr.lines().last().unwrap();
    assert!(
        last.contains(&format!("uploaded s3://{bucket}/status.json"))
            && last.contains("; interrupted by SIGTERM;")
            && last.ends_with("exit 143"),
        "{stderr}"
    );
    assert_eq!(
        pushed(&push),
        ("down".to_string(), "interrupted by SIGTERM".to_string())
    );
}
