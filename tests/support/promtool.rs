//! Prometheus's own `promtool`, for the checks no Rust crate does: the lint of a metrics file
//! (`check metrics`: the naming conventions), the syntax of the alert rules (`check rules`) and
//! their unit tests (`test rules`).
//!
//! The binary is `$STATUS_TEST_PROMTOOL`, else `.venv-test/bin/promtool` in the repo (what
//! `scripts/test` installs when there is none on `PATH`), else `promtool` on `PATH`. When it
//! cannot be run, the test fails with one line saying so; nothing is skipped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("STATUS_TEST_PROMTOOL") {
        return PathBuf::from(path);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-test/bin/promtool");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("promtool")
    }
}

/// Runs `promtool ARGS` in the repository with `stdin`: exit status and everything it printed.
pub fn run(args: &[&str], stdin: &[u8]) -> (bool, String) {
    let binary = binary();
    let mut child = Command::new(&binary)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run {}: {err}; run scripts/test (it installs promtool) or set STATUS_TEST_PROMTOOL",
                binary.display()
            )
        });
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), printed)
}
