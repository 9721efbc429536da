//! The run's one deadline (`--timeout` / `STATUS_TIMEOUT`) and how its phases share it.
//!
//! Every wait that the deadline bounds goes through [`Deadline::run`], so an overrun always
//! reads the same way: what was waited for, how long it was given, and which setting to raise.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::units::format_duration;

/// A moment some work must be done by, and the time it was given (for the message).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    given: Duration,
    share: Share,
}

/// Which part of `--timeout` a deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Share {
    Whole,
    Sources,
    Publishing,
}

impl Deadline {
    /// The whole run's deadline, from now.
    pub fn after(timeout: Duration) -> Deadline {
        Budget::new(Instant::now(), timeout).end()
    }

    pub fn instant(&self) -> Instant {
        self.at
    }

    /// The time the work was given.
    pub fn given(&self) -> Duration {
        self.given
    }

    /// Runs `work` until the deadline; past it, `work` is dropped (cancelled) and the overrun
    /// is an error naming `label`.
    pub async fn run<T>(&self, label: &str, work: impl Future<Output = T>) -> Result<T, Overrun> {
        tokio::time::timeout_at(self.at, work)
            .await
            .map_err(|_| Overrun {
                label: label.to_string(),
                given: self.given,
                share: self.share,
            })
    }
}

/// Work that did not finish before its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overrun {
    label: String,
    given: Duration,
    share: Share,
}

impl fmt::Display for Overrun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let share = match self.share {
            Share::Whole => "the run's deadline",
            Share::Sources => "the sources' two thirds of the run's deadline",
            Share::Publishing => "the run's deadline less the time for the push ping",
        };
        write!(
            f,
            "{}: no answer within {} ({share}, --timeout / STATUS_TIMEOUT)",
            self.label,
            format_duration(self.given)
        )
    }
}

impl std::error::Error for Overrun {}

/// How the one deadline is shared by the phases of a run. The sources get two thirds; the last
/// third is kept for writing, uploading and verifying (to 90 %) and the push ping (the last
/// 10 %), so a source that hangs still leaves time to publish "unknown".
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    start: Instant,
    timeout: Duration,
}

impl Budget {
    pub fn new(start: Instant, timeout: Duration) -> Budget {
        Budget { start, timeout }
    }

    /// Starts the run's clock now.
    pub fn start(timeout: Duration) -> Budget {
        Budget::new(Instant::now(), timeout)
    }

    fn share(&self, given: Duration, share: Share) -> Deadline {
        Deadline {
            at: self.start + given,
            given,
            share,
        }
    }

    pub fn sources(&self) -> Deadline {
        self.share(self.timeout * 2 / 3, Share::Sources)
    }

    pub fn upload(&self) -> Deadline {
        self.share(self.timeout * 9 / 10, Share::Publishing)
    }

    pub fn end(&self) -> Deadline {
        self.share(self.timeout, Share::Whole)
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_keeps_a_third_for_publishing() {
        let start = Instant::now();
        let budget = Budget::new(start, Duration::from_secs(30));
        assert_eq!(budget.sources().instant() - start, Duration::from_secs(20));
        assert_eq!(budget.upload().instant() - start, Duration::from_secs(27));
        assert_eq!(budget.end().instant() - start, Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn an_overrun_names_the_work_its_time_and_the_setting() {
        let budget = Budget::start(Duration::from_secs(3));
        let never = std::future::pending::<()>();
        let err = budget
            .sources()
            .run("Uptime Kuma", never)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Uptime Kuma: no answer within 2s (the sources' two thirds of the run's deadline, --timeout / STATUS_TIMEOUT)"
        );
        let done = budget.end().run("quick", async { 7 }).await;
        assert_eq!(done, Ok(7));
    }
}
