//! Runs the binary under test and measures it: wall time and the child's own peak RSS.
//!
//! Peak RSS comes from `wait4`, the resource usage of exactly that child (std has no `wait4`,
//! hence the `libc` dev-dependency; `getrusage(RUSAGE_CHILDREN)` would mix in every child
//! reaped before, such as the moto server of an earlier cell). Linux's `ru_maxrss` of a child
//! also counts the memory of the process that spawned it (the high-water mark of the address
//! space it replaced at exec), and the harness holds megabytes of Kuma bodies. So the harness
//! spawns the binary through a fresh copy of itself (`--measure-child`), which does nothing but
//! spawn, wait and print: its own few MiB are then the floor of every reading, reported as
//! the peak RSS of `status --version`.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// First argument of the harness that makes it the measuring intermediary.
pub const MEASURE_FLAG: &str = "--measure-child";

pub struct Measured {
    pub wall: Duration,
    pub max_rss_kib: u64,
    /// `None` when the child was killed by a signal.
    pub exit_code: Option<i32>,
    pub stderr: String,
}

/// A command that runs `binary` (add its arguments, environment and directory as usual)
/// through the measuring intermediary; run it with [`run`].
pub fn command(binary: &Path) -> anyhow::Result<Command> {
    let mut command = Command::new(std::env::current_exe().context("cannot find the harness")?);
    command.arg(MEASURE_FLAG).arg(binary);
    Ok(command)
}

/// Runs a command made by [`command`]: the binary's stderr is captured (to a file, so a chatty
/// child can never block on a full pipe), its stdout discarded.
pub fn run(command: &mut Command) -> anyhow::Result<Measured> {
    let stderr_file = tempfile::tempfile()?;
    let mut stderr_reader = stderr_file.try_clone()?;
    let output = command
        .stdin(Stdio::null())
        .stderr(stderr_file)
        .output()
        .context("cannot start the measuring intermediary")?;
    let mut stderr = String::new();
    use std::io::{Read, Seek};
    stderr_reader.rewind()?;
    stderr_reader.read_to_string(&mut stderr)?;
    let report = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<i64> = report
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [rss_kib, wall_nanos, exit_code] = fields[..] else {
        bail!("the measuring intermediary failed: {}", stderr.trim());
    };
    Ok(Measured {
        wall: Duration::from_nanos(wall_nanos as u64),
        max_rss_kib: rss_kib as u64,
        exit_code: (exit_code >= 0).then_some(exit_code as i32),
        stderr,
    })
}

/// The intermediary: `harness --measure-child BINARY ARGS...` runs BINARY once with this
/// process's environment and directory, and prints `<peak RSS KiB> <wall ns> <exit code or -1>`.
pub fn measure_child_main(mut args: impl Iterator<Item = std::ffi::OsString>) -> ExitCode {
    let Some(binary) = args.next() else {
        eprintln!("scale: {MEASURE_FLAG} needs a binary");
        return ExitCode::FAILURE;
    };
    let started = Instant::now();
    let child = match Command::new(&binary)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            eprintln!("scale: cannot start {}: {err}", binary.to_string_lossy());
            return ExitCode::FAILURE;
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data that wait4 fills in; all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (std never waits for it: we reap it here),
    // and both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if reaped != pid {
        eprintln!("scale: wait4 failed: {}", std::io::Error::last_os_error());
        return ExitCode::FAILURE;
    }
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // Linux reports ru_maxrss in KiB.
    println!("{} {} {exit_code}", usage.ru_maxrss, wall.as_nanos());
    ExitCode::SUCCESS
}

/// Median and slowest wall time of `runs` runs of `binary --version`, and the peak RSS of the
/// last run (the floor of every RSS reading, see the module comment).
pub fn startup(binary: &Path, runs: usize) -> anyhow::Result<(Duration, Duration, u64)> {
    let mut walls = Vec::with_capacity(runs);
    let mut rss_kib = 0;
    for _ in 0..runs {
        let measured = run(command(binary)?.arg("--version"))?;
        if measured.exit_code != Some(0) {
            bail!(
                "{} --version failed: {}",
                binary.display(),
                measured.stderr.trim()
            );
        }
        walls.push(measured.wall);
        rss_kib = measured.max_rss_kib;
    }
    walls.sort();
    Ok((walls[walls.len() / 2], walls[walls.len() - 1], rss_kib))
}
