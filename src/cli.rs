//! The command line: global options and one subcommand per job.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::logging::LogFormat;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure: nothing was published or written
  2  usage or configuration error
  3  the document was produced/published, but degraded: a source failed (its fields are
     unknown/null), the public copy is unreadable, or the override file was refused
  129  stopped by SIGHUP, 130 by SIGINT, 143 by SIGTERM (128 + the signal's number): sources
       stopped, no upload started (one in flight may finish), the push monitor pinged down

Settings come from (highest first): command-line flags, the process environment, the env file
(--env-file or STATUS_ENV_FILE, default ./.env when present), built-in defaults. `status config`
lists every setting with its value and where it came from.";

/// Publishes the public platform status (Uptime Kuma monitors and backup freshness) as status.json.
#[derive(Debug, Parser)]
#[command(name = "status", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    // The flags that are also settings are read by `config::EnvSource` (not clap's `env`), so a
    // value from the environment or the env file is parsed, and refused, the same way.
    /// Env file to read settings from (setting STATUS_ENV_FILE) [default: ./.env when present]
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,

    /// More log output (-v debug, -vv trace)
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Less log output: warnings and errors only
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log line format on stderr (setting STATUS_LOG_FORMAT) [default: text]
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    /// One deadline for the whole run, e.g. 45s or 2m (setting STATUS_TIMEOUT) [default: 30s]
    #[arg(long, global = true, value_name = "DURATION")]
    pub timeout: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read Uptime Kuma: monitor states, platform status, uptime over 24h/7d/30d
    Kuma(ReportArgs),
    /// Check that the newest database backup is fresh and plausible
    Backups(ReportArgs),
    /// Read Kuma and the backups, merge them into status.json (atomic write)
    Generate(GenerateArgs),
    /// Validate status.json and upload it to the status bucket, verified
    Upload(UploadArgs),
    /// Validate every setting and reach every configured source; prints a checklist
    Check,
    /// Allow browsers on these origins to GET status.json (CORS rule on the status bucket)
    BucketSetup(BucketSetupArgs),
    /// List every setting with its value and where it came from (secrets masked)
    Config(ConfigArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `status man > /usr/local/share/man/man1/status.1`
    Man,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Print the document to stdout; write, upload and ping nothing
    #[arg(long, conflicts_with = "upload")]
    pub dry_run: bool,

    /// Upload the document after writing it (as `status upload` does)
    #[arg(long)]
    pub upload: bool,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The document to upload [default: STATUS_OUTPUT]
    pub file: Option<PathBuf>,

    /// Upload even when updated_at is older than STATUS_MAX_AGE
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BucketSetupArgs {
    /// Origin allowed to read status.json, e.g. https://www.example.com (repeatable)
    #[arg(long = "cors-origin", value_name = "URL", required = true)]
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print a fresh .env.example (every setting, its default and why) instead
    #[arg(long)]
    pub env_example: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    pub shell: clap_complete::Shell,
}

/// Options of the commands that print one source's report.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Print the result as JSON (the struct `generate` merges) instead of a table
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// Each flag of the settings table exists, and its help names the setting and the table's
    /// default.
    #[test]
    fn the_flags_of_the_settings_table_exist_and_say_their_default() {
        let command = super::Cli::command();
        for setting in crate::config::table::SETTINGS {
            let Some(flag) = setting.flag else { continue };
            let arg = command
                .get_arguments()
                .find(|arg| arg.get_long() == flag.strip_prefix("--"))
                .unwrap_or_else(|| panic!("{}: no {flag} flag", setting.name));
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            assert!(
                help.contains(&format!("(setting {})", setting.name)),
                "{help}"
            );
            if let Some(default) = setting.default_value() {
                assert!(help.ends_with(&format!("[default: {default}]")), "{help}");
            }
        }
    }
}
