//! Exit codes shared by every subcommand (documented in README.md and `--help`).

use std::fmt;
use std::process::ExitCode;

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: every source was read and everything asked for was done.
    Success = 0,
    /// 1: failure; nothing was published or written.
    Failure = 1,
    /// 2: usage or configuration error.
    Config = 2,
    /// 3: the document was produced/published, but at least one source failed.
    Partial = 3,
}

impl Exit {
    /// The exit code for an error that ended the run: configuration errors are 2, the rest 1.
    pub fn for_error(err: &anyhow::Error) -> Exit {
        if err.chain().any(|cause| cause.is::<ConfigError>()) {
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

/// A bad or missing setting: always reported as one line naming the setting, and exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl ConfigError {
    pub fn new(message: impl Into<String>) -> ConfigError {
        ConfigError(message.into())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_map_to_2_even_with_context() {
        let err = anyhow::Error::new(ConfigError::new("KUMA_URL: bad")).context("loading settings");
        assert_eq!(Exit::for_error(&err), Exit::Config);
        assert_eq!(Exit::for_error(&anyhow::anyhow!("boom")), Exit::Failure);
    }
}
