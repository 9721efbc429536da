//! `status backups`: checks the newest backup within the run's deadline and prints the report.

use chrono::Utc;

use crate::cli::ReportArgs;
use crate::commands::settings::Settings;
use crate::config::ConfigError;
use crate::run::deadline::Deadline;
use crate::run::outcome::Exit;
use crate::sources::backups::{self, BackupReport, ReadCost};

/// Exit 0 when the source was read (whatever the health), 1 when it could not be (the report
/// then says unknown), 2 when backups are not configured.
pub async fn command(settings: &Settings, args: &ReportArgs) -> anyhow::Result<Exit> {
    let Some(backup_settings) = &settings.backups else {
        return Err(ConfigError::new(
            "backups are not configured: set BACKUP_BUCKET (and BACKUP_PREFIX) for a bucket, or BACKUP_DIR for a local directory",
        )
        .into());
    };
    let now = Utc::now();
    let source = backup_settings.source.describe();
    let cost = ReadCost::default();
    let checked = Deadline::after(settings.timeout)
        .run(
            &source,
            backups::check_counted(backup_settings, &settings.spaces, now, &cost),
        )
        .await;
    let failure = match checked {
        Ok(Ok(report)) => {
            print_report(&report, args.json)?;
            return Ok(Exit::Success);
        }
        Ok(Err(err)) => format!("{err:#}"),
        Err(overrun) => overrun.to_string(),
    };
    tracing::error!("{failure}");
    let report = BackupReport::unknown(source, now, failure, &cost);
    print_report(&report, args.json)?;
    Ok(Exit::Failure)
}

fn print_report(report: &BackupReport, json: bool) -> anyhow::Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        backups::render(report)
    };
    crate::output::print(&text)
}
