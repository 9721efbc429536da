//! [`EnvSource`]: the layers a setting's value comes from (flag > process environment > env
//! file > the table's default), and the typed getters that parse it or refuse it in one line.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::{ConfigError, table};

/// Where a setting's value came from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The command-line flag that sets it.
    Flag(&'static str),
    Environment,
    EnvFile,
    /// Nothing set it: the table's default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Environment => f.write_str("environment"),
            Origin::EnvFile => f.write_str("env file"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// Where settings come from: command-line flags, the process environment and the env file,
/// for the names in the settings table ([`table::SETTINGS`]) only.
#[derive(Debug, Default, Clone)]
pub struct EnvSource {
    overrides: HashMap<String, String>,
    process: HashMap<String, String>,
    file: HashMap<String, String>,
}

impl EnvSource {
    /// Reads the process environment and the env file: the one `flag` (`--env-file`) names,
    /// else the one `STATUS_ENV_FILE` names (either must exist), else `./.env` when present.
    /// Returns the path read.
    pub fn load(flag: Option<&Path>) -> anyhow::Result<(EnvSource, Option<PathBuf>)> {
        let mut env = EnvSource {
            process: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            ..EnvSource::default()
        };
        env.set_override(
            "STATUS_ENV_FILE",
            flag.map(|path| path.display().to_string()),
        );
        let named = env.lookup("STATUS_ENV_FILE");
        let path = match &named {
            Some((path, _)) => Some(PathBuf::from(path)),
            None => Some(PathBuf::from(".env")).filter(|p| p.is_file()),
        };
        if let Some(path) = &path {
            // Named by the user (flag or environment) or found: say which, so the fix is clear.
            let by = match named {
                Some((_, Origin::Environment)) => "STATUS_ENV_FILE",
                _ => "--env-file",
            };
            env.file = read_env_file(path, by)?;
        }
        Ok((env, path))
    }

    /// A source with only these values (for unit tests).
    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> EnvSource {
        EnvSource {
            file: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..EnvSource::default()
        }
    }

    /// A command-line flag's value for `key`; it wins over the environment and the env file.
    pub fn set_override(&mut self, key: &str, value: Option<impl Into<String>>) {
        debug_assert!(
            table::find(key).is_some_and(|setting| setting.flag.is_some()),
            "{key} has no flag in src/config/table.rs"
        );
        if let Some(value) = value {
            self.overrides.insert(key.to_string(), value.into());
        }
    }

    /// The value of `key`, trimmed, and where it came from; an empty value counts as unset.
    /// `key` must be in the settings table (checked in debug builds, so by every test run).
    pub fn lookup(&self, key: &str) -> Option<(String, Origin)> {
        let setting = table::find(key);
        debug_assert!(setting.is_some(), "{key} is not in src/config/table.rs");
        let flag = setting.and_then(|setting| setting.flag).unwrap_or("");
        [
            (&self.overrides, Origin::Flag(flag)),
            (&self.process, Origin::Environment),
            (&self.file, Origin::EnvFile),
        ]
        .into_iter()
        .find_map(|(layer, origin)| Some((layer.get(key)?.trim(), origin)))
        .filter(|(value, _)| !value.is_empty())
        .map(|(value, origin)| (value.to_string(), origin))
    }

    /// Names that look like settings but are not in the table (a typo, or a setting of another
    /// version), and where each was found: everything in the env file, and the environment's
    /// names with a settings prefix.
    pub fn unknown_names(&self) -> Vec<(String, Origin)> {
        let prefixed = |name: &String| {
            ["STATUS_", "KUMA_", "SPACES_", "BACKUP_"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
        };
        let mut unknown: Vec<(String, Origin)> = (self.process.keys().filter(|k| prefixed(k)))
            .map(|name| (name.clone(), Origin::Environment))
            .chain(self.file.keys().map(|name| (name.clone(), Origin::EnvFile)))
            .filter(|(name, _)| table::find(name).is_none())
            .collect();
        unknown.sort_by(|a, b| a.0.cmp(&b.0));
        unknown
    }
}

/// The `KEY=value` pairs of the env file at `path`; `by` names what asked for it (the flag or
/// the setting), so the error says what to fix.
fn read_env_file(path: &Path, by: &str) -> Result<HashMap<String, String>, ConfigError> {
    let entries = dotenvy::from_path_iter(path).map_err(|err| {
        ConfigError::new(format!(
            "{by}: cannot read {}: {}; pass an existing KEY=value file",
            path.display(),
            describe_dotenv_error(&err)
        ))
    })?;
    entries
        .map(|entry| {
            entry.map_err(|err| {
                ConfigError::new(format!(
                    "{by}: {} is not a valid env file: {}",
                    path.display(),
                    describe_dotenv_error(&err)
                ))
            })
        })
        .collect()
}

fn describe_dotenv_error(err: &dotenvy::Error) -> String {
    match err {
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::LineParse(line, index) => {
            format!("cannot parse line {line:?} at character {index}")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_process_env_beat_file_beat_default() {
        let mut env = EnvSource::from_pairs(&[
            ("STATUS_TIMEOUT", "1s"),
            ("KUMA_URL", "https://file.example"),
            ("KUMA_STATUS_PAGE", "file"),
        ]);
        for key in ["STATUS_TIMEOUT", "KUMA_URL"] {
            env.process.insert(key.into(), "process".into());
        }
        env.set_override("STATUS_TIMEOUT", Some("flag"));
        let origin = |key| {
            env.lookup(key)
                .map(|(value, origin)| (value, origin.to_string()))
        };
        assert_eq!(
            origin("STATUS_TIMEOUT"),
            Some(("flag".into(), "flag --timeout".into()))
        );
        assert_eq!(
            origin("KUMA_URL"),
            Some(("process".into(), "environment".into()))
        );
        assert_eq!(
            origin("KUMA_STATUS_PAGE"),
            Some(("file".into(), "env file".into()))
        );
        assert_eq!(origin("KUMA_API_KEY"), None);
    }

    #[test]
    fn names_outside_the_table_are_reported_as_unknown() {
        let mut env = EnvSource::from_pairs(&[("KUMA_CONCURENCY", "8"), ("KUMA_URL", "x")]);
        env.process.insert("STATUS_TIMEOUTT".into(), "1s".into());
        env.process.insert("HOME".into(), "/root".into());
        let unknown: Vec<String> = env
            .unknown_names()
            .into_iter()
            .map(|(name, origin)| format!("{name} {origin}"))
            .collect();
        assert_eq!(
            unknown,
            ["KUMA_CONCURENCY env file", "STATUS_TIMEOUTT environment"]
        );
    }

    #[test]
    #[should_panic(expected = "KUMA_URLS is not in src/config/table.rs")]
    fn reading_a_name_outside_the_table_is_a_bug() {
        EnvSource::default().raw("KUMA_URLS");
    }
}
