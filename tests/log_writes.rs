//! A log that cannot be written (stderr on a full disk, /dev/full, or a closed pipe) is
//! dropped: the binary never panics and its exit code does not change.

use std::fs::{File, OpenOptions};
use std::process::{Command, Stdio};

use crate::support::http_server::{Reply, TestServer};
use crate::support::publish::{kuma_env, written};

fn status(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_status"));
    command.env_clear().current_dir(dir);
    command
}

fn dev_full() -> File {
    OpenOptions::new().write(true).open("/dev/full").unwrap()
}

#[test]
fn a_full_disk_under_the_log_changes_nothing_but_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let output = status(dir.path())
        .arg("generate")
        .stdout(Stdio::null())
        .stderr(dev_full())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "no panic (101), same exit");
    written(dir.path());

    // stdout is the dry run's product: not printing it is a failure (exit 1), said on stderr,
    // never a panic.
    let output = status(dir.path())
        .args(["generate", "--dry-run"])
        .stdout(dev_full())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_closed_log_pipe_changes_nothing_but_the_log() {
    let kuma = TestServer::start(|_| Reply::never());
    let dir = tempfile::tempdir().unwrap();
    let mut child = status(dir.path())
        .envs(kuma_env(&kuma))
        .args(["--timeout", "2s", "generate"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away at once: every later log line meets EPIPE.
    drop(child.stderr.take());
    let exit = child.wait().unwrap();
    // Kuma never answered: exit 3, as with a log to write to.
    assert_eq!(exit.code(), Some(3));
    let document = written(dir.path());
    assert_eq!(document["platform_status"], "unknown");
}
