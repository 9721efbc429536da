//! Helpers shared by the integration tests, included with `mod support;` from each test file.
// Each test binary uses only some of these helpers; the rest would warn as dead code there.
#![allow(dead_code)]

pub mod moto;

/// The `status` binary with an empty environment, run in `dir`: no developer `.env`, `AWS_*` or
/// `SPACES_*` variable can leak into a test; the test passes every setting it means.
pub fn status_command(dir: &std::path::Path) -> assert_cmd::Command {
    let mut command = assert_cmd::cargo_bin_cmd!("status");
    command.env_clear().current_dir(dir);
    command
}
