//! How a run ends: its exit code (documented in README.md and `--help`), and for the
//! publishing commands the one ending they all share: the error line, the push ping and the
//! summary line, always telling the same story.

use std::process::ExitCode;
use std::time::Duration;

use crate::config::ConfigError;
use crate::run::deadline::Budget;
use crate::run::interrupt::{Interrupt, Interrupted};
use crate::run::lock::LockBusy;
use crate::run::metrics::{MetricsFile, RunRecord};
use crate::run::push::{self, PushResult, PushUrl};

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: every source was read and everything asked for was done.
    Success = 0,
    /// 1: failure; nothing was published or written.
    Failure = 1,
    /// 2: usage or configuration error.
    Config = 2,
    /// 3: the document was produced/published, but degraded: the reasons are in `RunEnd`.
    Partial = 3,
    /// 129: stopped by SIGHUP (128 + 1).
    SigHup = 129,
    /// 130: stopped by SIGINT (128 + 2).
    SigInt = 130,
    /// 143: stopped by SIGTERM (128 + 15).
    SigTerm = 143,
}

impl Exit {
    /// The exit code for an error that ended the run: a signal's code when it was
    /// interrupted, 2 for configuration errors, 1 for the rest. The whole chain is searched,
    /// so context added on the way keeps the code.
    pub fn for_error(err: &anyhow::Error) -> Exit {
        if let Some(Interrupted(signal)) = err.chain().find_map(|cause| cause.downcast_ref()) {
            signal.exit()
        } else if err.chain().any(|cause| cause.is::<ConfigError>()) {
            Exit::Config
        } else {
            Exit::Failure
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// How a publishing run ended when it published: its summary (what was read, written and
/// uploaded) and why the page shows less than the truth, if it does. No reason: exit 0 and
/// push `up`; any reason: exit 3, push `down` with `degraded: <reasons>`, and the reasons in
/// the summary line. The three signals are derived here and nowhere else.
pub struct RunEnd {
    pub summary: String,
    pub degraded: Vec<String>,
}

impl RunEnd {
    pub fn exit(&self) -> Exit {
        if self.degraded.is_empty() {
            Exit::Success
        } else {
            Exit::Partial
        }
    }

    /// The summary line's text: the summary, then the reasons the run is degraded.
    pub fn summary_line(&self) -> String {
        if self.degraded.is_empty() {
            self.summary.clone()
        } else {
            format!("{}; degraded: {}", self.summary, self.degraded.join("; "))
        }
    }

    fn push_result(&self) -> PushResult {
        if self.degraded.is_empty() {
            PushResult::Published
        } else {
            PushResult::Degraded(self.degraded.join("; "))
        }
    }
}

/// How a publishing run failed: the error, and the summary of what it had done by then
/// (`None`: nothing was written or published).
pub struct RunFailure {
    pub error: anyhow::Error,
    pub summary: Option<String>,
}

impl RunFailure {
    pub fn after(error: anyhow::Error, summary: String) -> RunFailure {
        RunFailure {
            error,
            summary: Some(summary),
        }
    }
}

// Any error converts with `?`. (RunFailure is not itself an Error, so this cannot overlap the
// identity conversion.)
impl<E: Into<anyhow::Error>> From<E> for RunFailure {
    fn from(error: E) -> RunFailure {
        RunFailure {
            error: error.into(),
            summary: None,
        }
    }
}

/// Where a publishing run reports how it ended.
pub struct Reporter<'a> {
    /// The client for the push ping (and, in the work, the public URL check).
    pub web: &'a reqwest::Client,
    pub push_url: Option<&'a PushUrl>,
    pub budget: Budget,
    /// A signal received during the work decides the exit code and the push.
    pub interrupt: &'a Interrupt,
    /// `STATUS_METRICS_FILE`, and what the work records for it.
    pub metrics: Option<(&'a MetricsFile, &'a RunRecord)>,
}

impl Reporter<'_> {
    /// Runs a publishing command and ends the run the same way every time: the error, if any,
    /// as one line; the metrics file written (`STATUS_METRICS_FILE`); the push monitor told how
    /// it ended when `KUMA_PUSH_URL` is set (up when it published, down with the one-line error
    /// when it failed; a run stopped by the lock says nothing, since the run holding it will);
    /// and last, the one summary line a person reads
    /// in the cron log. A run stopped by a signal ends the same way, with the signal in the
    /// summary, a `down` push and the signal's exit code, whatever it had done by then.
    pub async fn run(
        &self,
        work: impl AsyncFnOnce(&reqwest::Client) -> Result<RunEnd, RunFailure>,
    ) -> Exit {
        let (mut exit, mut summary, mut result) = match work(self.web).await {
            Ok(end) => (end.exit(), end.summary_line(), Some(end.push_result())),
            Err(RunFailure { error, summary }) => {
                // A signal was logged when it came; the summary line says it again.
                if !error.is::<Interrupted>() {
                    tracing::error!("{error:#}");
                }
                let result =
                    (!error.is::<LockBusy>()).then(|| PushResult::Failed(format!("{error:#}")));
                let summary = summary.unwrap_or_else(|| "nothing published".to_string());
                (Exit::for_error(&error), summary, result)
            }
        };
        if let Some(signal) = self.interrupt.received() {
            let interrupted = Interrupted(signal);
            exit = signal.exit();
            summary = format!("{summary}; {interrupted}");
            result = result.map(|_| PushResult::Failed(interrupted.to_string()));
        }
        if let Some((file, record)) = self.metrics {
            file.write(record, exit, self.budget.elapsed());
        }
        if let (Some(url), Some(result)) = (self.push_url, result) {
            let elapsed = self.budget.elapsed();
            push::ping(self.web, url, &result, elapsed, self.budget.end()).await;
        }
        log_summary(&summary, self.budget.elapsed(), exit);
        exit
    }
}

/// Ends a run that publishes nothing (`--dry-run`) the same way: the summary line.
pub fn log_dry_run(end: &RunEnd, elapsed: Duration) -> Exit {
    log_summary(&end.summary_line(), elapsed, end.exit());
    end.exit()
}

/// The one info line every run ends with, so a person reads the cron log at a glance: the
/// summary, how long the run took, the exit code.
pub fn log_summary(summary: &str, elapsed: Duration, exit: Exit) {
    tracing::info!(
        "{summary}; {:.2}s; exit {}",
        elapsed.as_secs_f64(),
        exit.code()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::interrupt::Signal;

    #[test]
    fn a_degraded_run_tells_the_same_story_everywhere() {
        let clean = RunEnd {
            summary: "wrote status.json".into(),
            degraded: vec![],
        };
        assert_eq!(clean.exit(), Exit::Success);
        assert_eq!(clean.push_result(), PushResult::Published);
        assert_eq!(clean.summary_line(), "wrote status.json");
        let degraded = RunEnd {
            summary: "wrote status.json".into(),
            degraded: vec!["Uptime Kuma: HTTP 500".into(), "backups: timeout".into()],
        };
        assert_eq!(degraded.exit(), Exit::Partial);
        assert_eq!(
            degraded.push_result(),
            PushResult::Degraded("Uptime Kuma: HTTP 500; backups: timeout".into())
        );
        assert_eq!(
            degraded.summary_line(),
            "wrote status.json; degraded: Uptime Kuma: HTTP 500; backups: timeout"
        );
    }

    #[test]
    fn config_errors_map_to_2_and_signals_to_theirs_even_with_context() {
        let err = anyhow::Error::new(ConfigError::new("KUMA_URL: bad")).context("loading settings");
        assert_eq!(Exit::for_error(&err), Exit::Config);
        assert_eq!(Exit::for_error(&anyhow::anyhow!("boom")), Exit::Failure);
        let err = anyhow::Error::new(Interrupted(Signal::Terminate)).context("upload");
        assert_eq!(Exit::for_error(&err), Exit::SigTerm);
        assert_eq!(Exit::SigTerm.code(), 143);
    }
}
