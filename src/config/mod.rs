//! The configuration layer: where settings come from (flag > process environment > env file >
//! default), how a raw value is parsed and how a bad one is reported, and [`Secret`].
//!
//! Every setting is a row of [`table::SETTINGS`]; [`reference`] makes `.env.example` and the
//! docs' tables from it. Each module that has settings owns their type and builds it from an
//! [`EnvSource`]; `commands::settings` assembles them for a run. A bad value does not stop the
//! reading: the getters record it and go on with the default, so that one run reports every
//! invalid setting ([`EnvSource::finish`]), one line each.
//!
//! `source` holds the layers and the record of errors, `values` the typed getters,
//! `env_file` the env file's syntax, `names` typo hints, `size` byte sizes.

mod env_file;
mod names;
pub mod reference;
mod size;
mod source;
pub mod table;
mod values;

use std::fmt;

pub use size::parse_size;
pub use source::{EnvSource, Origin};
pub use values::parse_duration;

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

/// A secret value (API key, access key, push token). It prints as `***` in Debug and Display,
/// so neither a log line nor an error message can carry it by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it (an auth header, a signer).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("uk1_topsecret");
        assert_eq!(format!("{secret} {secret:?}"), "*** ***");
        assert_eq!(secret.expose(), "uk1_topsecret");
    }
}
