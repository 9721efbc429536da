//! `status config`: every setting of the settings table with its effective value and where the
//! value came from (flag, environment, env file or default), secrets masked; then the names
//! that look like settings but are none; then whether the values are valid (exit 2 with the
//! one-line error when one is not). `--env-example` prints a fresh `.env.example` instead.

use std::io::Write;
use std::path::Path;

use crate::cli::{Cli, ConfigArgs};
use crate::commands::settings::{Settings, env_source};
use crate::config::reference::{self, plain};
use crate::config::table::{Default, SETTINGS, Section};
use crate::config::{EnvSource, Origin};
use crate::output;
use crate::run::outcome::Exit;

pub fn command(cli: &Cli, args: &ConfigArgs) -> anyhow::Result<Exit> {
    if args.env_example {
        output::print(&reference::env_example())?;
        return Ok(Exit::Success);
    }
    let env = env_source(cli);
    output::print(&render(&env, env.file_path()))?;
    match Settings::from_env(&env, cli).settings {
        Ok(_) => {
            output::print("\nvalid: every value parses\n")?;
            Ok(Exit::Success)
        }
        Err(errors) => {
            // Logging is not set up for `config`: each error as main prints one.
            let mut stderr = std::io::stderr();
            for error in &errors {
                let _ = writeln!(stderr, "status: error: {error}");
            }
            Ok(Exit::Config)
        }
    }
}

/// The table a person reads: one line per setting, grouped by section.
fn render(env: &EnvSource, env_file: Option<&Path>) -> String {
    let rows: Vec<(Section, &str, String, String)> = SETTINGS
        .iter()
        .map(|setting| {
            let (value, origin) = match env.lookup(setting.name) {
                Some((_, origin)) if setting.secret => ("***".to_string(), origin),
                Some((value, origin)) => (value, origin),
                None => (
                    match setting.default {
                        Default::Value(value) => value.to_string(),
                        Default::Unset("") => "unset".to_string(),
                        Default::Unset(means) => format!("unset: {}", plain(means)),
                    },
                    Origin::Default,
                ),
            };
            (setting.section, setting.name, origin.to_string(), value)
        })
        .collect();
    let unknown = env.unknown_names();
    let name_width = rows
        .iter()
        .map(|row| row.1.len())
        .chain(unknown.iter().map(|(name, _)| name.len()))
        .max()
        .unwrap_or(0);
    let origin_width = rows.iter().map(|row| row.2.len()).max().unwrap_or(0);
    let line = |name: &str, origin: &str, value: &str| {
        format!("{name:<name_width$}  {origin:<origin_width$}  {value}")
            .trim_end()
            .to_string()
            + "\n"
    };
    let mut out = match env_file {
        Some(path) => format!("env file: {}\n", path.display()),
        None => "env file: none\n".to_string(),
    };
    for section in Section::ALL {
        out.push_str(&format!("\n# {}\n", section.title()));
        out.push_str(&line("setting", "from", "value"));
        for (_, name, origin, value) in rows.iter().filter(|row| row.0 == section) {
            out.push_str(&line(name, origin, value));
        }
    }
    if !unknown.is_empty() {
        out.push_str("\n# Not settings of status (misspelt?), ignored; values not shown\n");
        for (name, origin) in &unknown {
            out.push_str(&line(name, &origin.to_string(), ""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_values_origins_and_defaults_and_masks_secrets() {
        let env = EnvSource::from_pairs(&[
            ("KUMA_URL", "https://kuma.example.com"),
            ("KUMA_API_KEY", "uk1_topsecret"),
            ("KUMA_CONCURENCY", "8"),
        ]);
        let text = render(&env, Some(Path::new("/etc/status/status.env")));
        assert!(!text.contains("uk1_topsecret"), "{text}");
        let lines: Vec<Vec<&str>> = text
            .lines()
            .map(|line| line.split("  ").filter(|cell| !cell.is_empty()).collect())
            .collect();
        for expected in [
            vec!["KUMA_URL", "env file", "https://kuma.example.com"],
            vec!["KUMA_API_KEY", "env file", "***"],
            vec!["KUMA_CONCURRENCY", "default", "32"],
            vec![
                "KUMA_MONITOR_IDS",
                "default",
                "unset: every monitor on the status page",
            ],
            vec!["SPACES_SECRET", "default", "unset"],
            vec!["KUMA_CONCURENCY", "env file"],
        ] {
            let found = lines
                .iter()
                .any(|cells| cells.iter().map(|cell| cell.trim()).collect::<Vec<_>>() == expected);
            assert!(found, "no line {expected:?} in\n{text}");
        }
        assert!(text.starts_with("env file: /etc/status/status.env\n"));
    }
}
