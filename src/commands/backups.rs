//! `status backups`: checks the newest backup within the run's deadline and prints the report.

use chrono::Utc;
use tokio::time::Instant;

use crate::cli::ReportArgs;
use crate::commands::settings::Settings;
use crate::config::ConfigError;
use crate::run::deadline::Deadline;
use crate::run::outcome::Exit;
use crate::sources::backups::{self, BackupReport, ListProgress};

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
    let progress = ListProgress::default();
    let deadline = Deadline::after(settings.timeout);
    let started = Instant::now();
    let checked = deadline
        .run(
            &source,
            backups::check_with_progress(backup_settings, &settings.spaces, now, &progress),
        )
        .await;
    let report = match checked {
        Ok(Ok(report)) => {
            let (took, given) = (started.elapsed(), deadline.given());
            if let Some(warning) = report.slow_listing_warning(backup_settings, took, given) {
                tracing::warn!("{warning}");
            }
            print_report(&report, args.json)?;
            return Ok(Exit::Success);
        }
        Ok(Err(err)) => BackupReport::unknown(source, now, format!("{err:#}"), &progress),
        Err(overrun) => {
            BackupReport::stopped_at_deadline(backup_settings, now, &overrun.to_string(), &progress)
        }
    };
    tracing::error!("{}", report.reason);
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
