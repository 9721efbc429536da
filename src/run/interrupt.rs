//! SIGTERM, SIGINT and SIGHUP (systemd stopping the unit, Ctrl-C, a closed terminal) end a run
//! in order instead of killing it mid-way: the sources are stopped, no new upload starts, an
//! upload already in flight may finish within the deadline, and the run ends like any other,
//! with its summary line, a `down` push and the signal's exit code (128 + its number).
//!
//! [`Interrupt`] is how the run observes it: [`Interrupt::run`] races work against the signal,
//! [`Interrupt::check`] says whether to start the next step.

use std::fmt;
use std::future::Future;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::run::outcome::Exit;

/// A signal that ends a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Hangup,
    Interrupt,
    Terminate,
}

impl Signal {
    /// The exit code: 128 + the signal number, as a shell reports a process it killed.
    pub fn exit(self) -> Exit {
        match self {
            Signal::Hangup => Exit::SigHup,
            Signal::Interrupt => Exit::SigInt,
            Signal::Terminate => Exit::SigTerm,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Hangup => "SIGHUP",
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        })
    }
}

/// The run was interrupted by a signal before this step: what the step did not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted(pub Signal);

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interrupted by {}", self.0)
    }
}

impl std::error::Error for Interrupted {}

/// Whether (and by which signal) the run has been asked to stop. Clones observe the same
/// signal.
#[derive(Debug, Clone)]
pub struct Interrupt {
    received: watch::Receiver<Option<Signal>>,
}

impl Interrupt {
    /// Starts listening for SIGTERM, SIGINT and SIGHUP; from now on they no longer kill the
    /// process. Must be called inside the tokio runtime. The first signal counts; later ones
    /// change nothing, since the run already ends within its deadline.
    pub fn listen() -> std::io::Result<Interrupt> {
        let mut hangup = signal(SignalKind::hangup())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let (sender, received) = watch::channel(None);
        tokio::spawn(async move {
            let signal = tokio::select! {
                _ = hangup.recv() => Signal::Hangup,
                _ = interrupt.recv() => Signal::Interrupt,
                _ = terminate.recv() => Signal::Terminate,
            };
            tracing::warn!(
                "received {signal}: stopping the sources and starting no upload; an upload already in flight may finish within the deadline"
            );
            let _ = sender.send(Some(signal));
            // The three streams stay registered until the process ends, so a second signal
            // is absorbed instead of killing a run that is already ending.
            let _streams = (hangup, interrupt, terminate);
            std::future::pending::<()>().await;
        });
        Ok(Interrupt { received })
    }

    /// An interrupt that never comes.
    #[cfg(test)]
    pub fn never() -> Interrupt {
        let (_, received) = watch::channel(None);
        Interrupt { received }
    }

    /// The signal received so far, if any.
    pub fn received(&self) -> Option<Signal> {
        *self.received.borrow()
    }

    /// `Err` when a signal has been received: the step about to start must not.
    pub fn check(&self) -> Result<(), Interrupted> {
        match self.received() {
            Some(signal) => Err(Interrupted(signal)),
            None => Ok(()),
        }
    }

    /// Runs `work` unless a signal comes first (or came already); then `work` is dropped
    /// (cancelled).
    pub async fn run<T>(&self, work: impl Future<Output = T>) -> Result<T, Interrupted> {
        let mut received = self.received.clone();
        tokio::select! {
            biased;
            signal = wait(&mut received) => Err(Interrupted(signal)),
            done = work => Ok(done),
        }
    }
}

/// The first signal; pending forever when none can come.
async fn wait(received: &mut watch::Receiver<Option<Signal>>) -> Signal {
    if let Ok(signal) = received.wait_for(Option::is_some).await
        && let Some(signal) = *signal
    {
        return signal;
    }
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_finishes_unless_a_signal_comes_first() {
        let never = Interrupt::never();
        assert_eq!(never.run(async { 7 }).await, Ok(7));
        assert_eq!(never.check(), Ok(()));

        let (sender, received) = watch::channel(None);
        let interrupt = Interrupt { received };
        let pending = interrupt.run(std::future::pending::<()>());
        let send = async {
            tokio::task::yield_now().await;
            sender.send(Some(Signal::Terminate)).unwrap();
        };
        let (result, ()) = tokio::join!(pending, send);
        assert_eq!(result, Err(Interrupted(Signal::Terminate)));
        // Once received, nothing new starts.
        assert_eq!(
            interrupt.run(async { 7 }).await,
            Err(Interrupted(Signal::Terminate))
        );
        assert_eq!(interrupt.check(), Err(Interrupted(Signal::Terminate)));
        assert_eq!(interrupt.received(), Some(Signal::Terminate));
        assert_eq!(
            Interrupted(Signal::Terminate).to_string(),
            "interrupted by SIGTERM"
        );
    }

    #[test]
    fn exit_codes_are_128_plus_the_signal_number() {
        assert_eq!(Signal::Hangup.exit().code(), 128 + 1);
        assert_eq!(Signal::Interrupt.exit().code(), 128 + 2);
        assert_eq!(Signal::Terminate.exit().code(), 128 + 15);
    }
}
