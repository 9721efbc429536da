//! Where settings come from (flag > process environment > env file), and the record of every
//! invalid value found while reading them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::names::unknown_with_closest;
use super::{ConfigError, Secret, env_file};

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
    /// Reads the process environment and the env file: `explicit` must exist; without it,
    /// `./.env` is read when present. A file that cannot be read, or a line of it that is not
    /// `KEY=value`, is recorded like an invalid value.
    pub fn load(explicit: Option<&Path>) -> EnvSource {
        let process: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let mut env = EnvSource {
            process,
            ..EnvSource::default()
        };
        let path = match explicit {
            Some(path) => Some(path.to_path_buf()),
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
                        "--env-file: cannot read {}: {err}; pass an existing KEY=value file",
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
        if let Some(value) = value {
            self.flags.insert(key.to_string(), (flag, value.into()));
        }
    }

    /// The raw value of `key`, trimmed; an empty value counts as unset.
    pub fn raw(&self, key: &str) -> Option<String> {
        self.flags
            .get(key)
            .map(|(_, value)| value)
            .or_else(|| self.process.get(key))
            .or_else(|| self.file.get(key))
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
    }

    /// How a message names `key`: with its flag too when the value came through one (clap
    /// also fills a flag from its environment variable, so both names are given).
    pub(super) fn label(&self, key: &str) -> String {
        match self.flags.get(key) {
            Some((flag, _)) => format!("{flag} / {key}"),
            None => key.to_string(),
        }
    }

    pub fn string(&self, key: &str) -> Option<String> {
        self.raw(key)
    }

    pub fn secret(&self, key: &str) -> Option<Secret> {
        self.raw(key).map(Secret)
    }

    pub fn path(&self, key: &str) -> Option<PathBuf> {
        self.raw(key).map(PathBuf::from)
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

    fn errors(env: &EnvSource) -> Vec<String> {
        env.finish()
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn flags_beat_process_env_beat_file() {
        let mut env = EnvSource::from_pairs(&[("A", "file"), ("B", "file"), ("C", "file")]);
        env.process.insert("A".into(), "process".into());
        env.process.insert("B".into(), "process".into());
        env.set_flag("A", "--a", Some("flag"));
        assert_eq!(env.raw("A").as_deref(), Some("flag"));
        assert_eq!(env.raw("B").as_deref(), Some("process"));
        assert_eq!(env.raw("C").as_deref(), Some("file"));
        assert_eq!(env.raw("D"), None);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = EnvSource::from_pairs(&[("A", "  ")]);
        assert_eq!(env.raw("A"), None);
        assert_eq!(
            env.duration("A", Duration::from_secs(7)),
            Duration::from_secs(7)
        );
        assert!(env.finish().is_ok());
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
        assert_eq!(env.raw("STATUS_KEY").as_deref(), Some("st$atus.json"));
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
        let errors = errors(&missing);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("--env-file: cannot read "),
            "{errors:?}"
        );
    }
}
