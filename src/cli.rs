//! The command line: global options and one subcommand per job.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure: nothing was published or written
  2  usage or configuration error
  3  the document was produced/published, but at least one source failed (its fields are unknown/null)

Settings come from (highest first): command-line flags, the process environment, the env file
(--env-file, default ./.env when present), built-in defaults. See .env.example for every setting.";

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
    /// Env file to read settings from [default: ./.env when present]
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "STATUS_ENV_FILE",
        hide_env_values = true
    )]
    pub env_file: Option<PathBuf>,

    /// More log output (-v debug, -vv trace)
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Less log output: warnings and errors only
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log line format on stderr
    #[arg(
        long,
        global = true,
        value_enum,
        env = "STATUS_LOG_FORMAT",
        hide_env_values = true
    )]
    pub log_format: Option<LogFormat>,

    /// One deadline for the whole run, e.g. 45s or 2m [default: 30s]
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        env = "STATUS_TIMEOUT",
        hide_env_values = true
    )]
    pub timeout: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// RFC 3339 UTC timestamp, level, target, message
    Text,
    /// One JSON object per line
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read Uptime Kuma: monitor states, platform status, uptime over 24h/7d/30d
    Kuma(ReportArgs),
    /// Check that the newest database backup is fresh and plausible
    Backups(ReportArgs),
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
}
