//! Where settings come from (flag > process environment > env file > the table's default), and
//! the record of every invalid value found while reading them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::names::unknown_with_closest;
use super::{ConfigError, Secret, env_file, table};

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

/// Where settings come from: command-line flags, the process environment and the env file;
/// and every invalid value found while reading them.
#[derive(Debug, Default)]
pub struct EnvSource {
    /// Command-line flags: setting -> (flag, value).
    flags: HashMap<String, (&'static str, String)>,
    process: HashMap<String, String>,
    file: HashMap<String, String>,
    file_path: Option<PathBuf>,
    /// Names that are not settings, and env-file values read differently elsewhere.
    warnings: Vec<String>,
    /// Every invalid value (or file line) so far, with the setting it belongs to.
    problems: RefCell<Vec<(Option<String>, ConfigError)>>,
}

impl EnvSource {
    /// Reads the process environment and the env file: the one `flag` (`--env-file`) names,
    /// else the one `STATUS_ENV_FILE` names (either must exist), else `./.env` when present.
    /// A file that cannot be read, or a line of it that is not `KEY=value`, is recorded like an
    /// invalid value.
    pub fn load(flag: Option<&Path>) -> EnvSource {
        let process: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let mut env = EnvSource {
            process,
            ..EnvSource::default()
        };
        env.set_flag(
            "STATUS_ENV_FILE",
            "--env-file",
            flag.map(|path| path.display().to_string()),
        );
        let path = match env.lookup("STATUS_ENV_FILE") {
            Some((path, _)) => Some(PathBuf::from(path)),
            None => Some(PathBuf::from(".env")).filter(|p| p.is_file()),
        };
        if let Some(path) = &path {
            env.read_file(path);
        }
        env.file_path = path;
        let mut names: Vec<(&String, &str)> = env
            .file
            .keys()
            .map(|key| (key, "the env file"))
            .chain(env.process.keys().map(|key| (key, "the environment")))
            .collect();
        names.sort();
        for (name, place) in names {
            if let Some(closest) = unknown_with_closest(name) {
                env.warnings.push(format!(
                    "{name} (in {place}) is not a setting of status and is ignored; did you mean {closest}?"
                ));
            }
        }
        env
    }

    fn read_file(&mut self, path: &Path) {
        let shown = format!("env file {}", path.display());
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) => {
                self.refuse_setting(
                    "STATUS_ENV_FILE",
                    format!(
                        "{}: cannot read {}: {err}; pass an existing KEY=value file",
                        self.label("STATUS_ENV_FILE"),
                        path.display()
                    ),
                );
                return;
            }
        };
        let parsed = env_file::parse(&text, &shown);
        for error in parsed.errors {
            self.refuse_setting("STATUS_ENV_FILE", error);
        }
        self.warnings.extend(parsed.warnings);
        self.file = parsed
            .entries
            .into_iter()
            .map(|entry| (entry.key, entry.value))
            .collect();
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

    /// The env file that was read, if any.
    pub fn file_path(&self) -> Option<&Path> {
        self.file_path.as_deref()
    }

    /// Warnings about names and values, to log once logging is set up.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// A command-line flag's value for `key`; it wins over the environment and the env file,
    /// and a bad one is reported under both names.
    pub fn set_flag(&mut self, key: &str, flag: &'static str, value: Option<impl Into<String>>) {
        debug_assert!(
            table::find(key).is_some_and(|setting| setting.flag == Some(flag)),
            "{key} has no flag {flag} in src/config/table.rs"
        );
        if let Some(value) = value {
            self.flags.insert(key.to_string(), (flag, value.into()));
        }
    }

    /// The value of `key`, trimmed, and where it came from; an empty value counts as unset.
    /// `key` must be in the settings table (checked in debug builds, so by every test run).
    pub fn lookup(&self, key: &str) -> Option<(String, Origin)> {
        debug_assert!(
            table::find(key).is_some(),
            "{key} is not in src/config/table.rs"
        );
        let flag = self
            .flags
            .get(key)
            .map(|(flag, value)| (value, Origin::Flag(flag)));
        let process = self
            .process
            .get(key)
            .map(|value| (value, Origin::Environment));
        let file = self.file.get(key).map(|value| (value, Origin::EnvFile));
        flag.or(process)
            .or(file)
            .map(|(value, origin)| (value.trim().to_string(), origin))
            .filter(|(value, _)| !value.is_empty())
    }

    /// Names that look like settings but are not in the table (a typo, or a setting of another
    /// version), and where each was found: everything in the env file, and the environment's
    /// names with a settings prefix.
    pub fn unknown_names(&self) -> Vec<(String, Origin)> {
        let prefixed = |name: &String| unknown_with_closest(name).is_some();
        let mut unknown: Vec<(String, Origin)> = (self.process.keys().filter(|k| prefixed(k)))
            .map(|name| (name.clone(), Origin::Environment))
            .chain(self.file.keys().map(|name| (name.clone(), Origin::EnvFile)))
            .filter(|(name, _)| table::find(name).is_none())
            .collect();
        unknown.sort_by(|a, b| a.0.cmp(&b.0));
        unknown
    }

    /// How a message names `key`: with its flag too when the value came through one (clap
    /// also fills a flag from its environment variable, so both names are given).
    pub(super) fn label(&self, key: &str) -> String {
        match self.flags.get(key) {
            Some((flag, _)) => format!("{flag} / {key}"),
            None => key.to_string(),
        }
    }

    pub fn secret(&self, key: &str) -> Option<Secret> {
        self.raw(key).map(Secret)
    }

    /// Records an error about `key` that no single getter sees (a missing companion setting,
    /// two settings that contradict each other).
    pub fn refuse_setting(&self, key: &str, message: impl Into<String>) {
        self.problems
            .borrow_mut()
            .push((Some(key.to_string()), ConfigError::new(message)));
    }

    /// Whether none of `keys` had an invalid value: a check across settings is made only on
    /// valid ones, so that it never reports a default the operator did not set.
    pub fn all_valid(&self, keys: &[&str]) -> bool {
        self.problems
            .borrow()
            .iter()
            .all(|(key, _)| key.as_deref().is_none_or(|key| !keys.contains(&key)))
    }

    /// The errors [`finish`](Self::finish) hands over, as text (for unit tests).
    #[cfg(test)]
    pub(super) fn error_lines(&self) -> Vec<String> {
        self.finish()
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Every invalid setting found while reading, one error each, in the order found.
    pub fn finish(&self) -> Result<(), Vec<ConfigError>> {
        let problems: Vec<ConfigError> = self
            .problems
            .take()
            .into_iter()
            .map(|(_, error)| error)
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn flags_beat_process_env_beat_file() {
        let mut env = EnvSource::from_pairs(&[
            ("STATUS_TIMEOUT", "1s"),
            ("KUMA_URL", "https://file.example"),
            ("KUMA_STATUS_PAGE", "file"),
        ]);
        for key in ["STATUS_TIMEOUT", "KUMA_URL"] {
            env.process.insert(key.into(), "process".into());
        }
        env.set_flag("STATUS_TIMEOUT", "--timeout", Some("flag"));
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
    fn empty_values_count_as_unset() {
        let env = EnvSource::from_pairs(&[("STATUS_TIMEOUT", "  "), ("KUMA_URL", "")]);
        assert_eq!(env.raw("KUMA_URL"), None);
        assert_eq!(
            env.duration("STATUS_TIMEOUT", Duration::from_secs(30)),
            Duration::from_secs(30)
        );
        assert!(env.finish().is_ok());
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

    #[test]
    fn the_env_file_is_literal_and_unknown_names_are_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.env");
        std::fs::write(
            &path,
            "STATUS_KEY=st$atus.json\nSTATUS_TIMOUT=10s\nKUMA_STATUSPAGE=main\nOTHER_TOOL=x\n",
        )
        .unwrap();
        let env = EnvSource::load(Some(&path));
        assert_eq!(
            env.lookup("STATUS_KEY"),
            Some(("st$atus.json".to_string(), Origin::EnvFile))
        );
        assert_eq!(env.file_path(), Some(path.as_path()));
        let warnings = env.warnings();
        assert!(
            warnings.contains(&"KUMA_STATUSPAGE (in the env file) is not a setting of status and is ignored; did you mean KUMA_STATUS_PAGE?".to_string()),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("STATUS_TIMOUT (in the env file)")
                    && w.ends_with("did you mean STATUS_TIMEOUT?")),
            "{warnings:?}"
        );
        assert!(!warnings.iter().any(|w| w.contains("OTHER_TOOL")));
        assert!(env.finish().is_ok());

        let missing = EnvSource::load(Some(&dir.path().join("missing.env")));
        let errors = missing.error_lines();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("--env-file / STATUS_ENV_FILE: cannot read "),
            "{errors:?}"
        );
    }
}
