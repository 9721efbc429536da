//! Log lines on stderr: `text` (RFC 3339 UTC timestamp, level, target, message) or `json`
//! (one object per line). The default level is info; `-v`/`-q` move it; `RUST_LOG` overrides.
//!
//! A line that cannot be written (a full disk behind `>> log 2>&1`, a closed pipe) is dropped:
//! the run goes on and its exit code does not change. Nothing here ever panics on a write.

use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// The log line format on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// RFC 3339 UTC timestamp, level, target, message
    Text,
    /// One JSON object per line
    Json,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy)]
pub struct LoggingSettings {
    pub format: LogFormat,
    /// -1 quiet, 0 default (info), 1 debug, 2+ trace.
    pub verbosity: i8,
}

static INITIALISED: AtomicBool = AtomicBool::new(false);

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-26T04:06:01.517Z`.
struct UtcRfc3339;

impl FormatTime for UtcRfc3339 {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let now = chrono::Utc::now();
        write!(
            w,
            "{}",
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        )
    }
}

pub fn init(settings: &LoggingSettings) {
    let level = match settings.verbosity {
        i8::MIN..=-1 => "warn",
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    // Our own crate at the chosen level; the libraries below us one step quieter, so
    // `-v` shows our requests without the SDK's internals. aws-config warns at length when
    // its instance-metadata probe fails on a machine outside a cloud, which is the normal
    // case here (credentials come from SPACES_KEY/SPACES_SECRET): keep that to errors.
    let default_directives = match settings.verbosity {
        i8::MIN..=0 => format!("warn,aws_config=error,status={level}"),
        _ => format!("info,aws_config=error,status={level}"),
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_directives));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_timer(UtcRfc3339)
        .with_target(true)
        // By default a failed write is reported with eprintln!, which panics when stderr
        // itself is what failed (ENOSPC, EPIPE).
        .log_internal_errors(false);
    let result = match settings.format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
    INITIALISED.store(result.is_ok(), Ordering::Relaxed);
}

/// Whether log lines reach stderr (before `init`, errors must be printed directly).
pub fn is_initialised() -> bool {
    INITIALISED.load(Ordering::Relaxed)
}
