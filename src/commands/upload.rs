//! `status upload [FILE]`: validates status.json, refuses a stale one, uploads it to the status
//! bucket (unless a newer document is published there; `--force` replaces anything) and
//! verifies what the bucket stored.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, anyhow};
use chrono::Utc;

use crate::cli::UploadArgs;
use crate::commands::settings::Settings;
use crate::document::{StatusDocument, Timestamp};
use crate::publish::conditional::Replace;
use crate::publish::upload::{Target, Upload, publish};
use crate::run::deadline::Budget;
use crate::run::lock;
use crate::run::metrics::RunRecord;
use crate::run::outcome::{Exit, Reporter, RunEnd, RunFailure};
use crate::units::{format_age, format_duration};

/// `status upload [FILE]`.
pub async fn command(settings: &Settings, args: &UploadArgs) -> anyhow::Result<Exit> {
    let budget = Budget::start(settings.timeout);
    let web = settings.web_client()?;
    let record = RunRecord::default();
    let metrics = settings.publish.metrics_file();
    let reporter = Reporter {
        web: &web,
        push_url: settings.publish.push_url.as_ref(),
        budget,
        metrics: metrics.as_ref().map(|file| (file, &record)),
    };
    Ok(reporter
        .run(async |web| upload_file(settings, args, web, budget, &record).await)
        .await)
}

/// Uploads `body` (whose `updated_at` is `updated_at`) within the run's publishing deadline.
/// Cancelled at the deadline, the bucket keeps the previous object or the complete new one,
/// never a partial one.
pub async fn upload_within(
    target: &Target,
    web: &reqwest::Client,
    body: &[u8],
    updated_at: Timestamp,
    replace: Replace,
    budget: Budget,
) -> anyhow::Result<Upload> {
    let label = format!("upload to {}", target.location());
    budget
        .upload()
        .run(&label, publish(target, web, body, updated_at, replace))
        .await
        .context(
            "the bucket keeps the previous object or the complete new one, never a partial one",
        )?
}

async fn upload_file(
    settings: &Settings,
    args: &UploadArgs,
    web: &reqwest::Client,
    budget: Budget,
    record: &RunRecord,
) -> Result<RunEnd, RunFailure> {
    let path: PathBuf = args
        .file
        .clone()
        .unwrap_or_else(|| settings.publish.output.clone());
    let body = std::fs::read(&path)
        .with_context(|| format!("cannot read {} (status generate writes it)", path.display()))?;
    let document = StatusDocument::from_json(&body).map_err(|reason| {
        anyhow!(
            "{} is not a valid status document: {reason}; nothing was uploaded",
            path.display()
        )
    })?;
    // A document from the future (a skewed clock) has age zero: not stale.
    let age = (Utc::now() - document.updated_at.time())
        .to_std()
        .unwrap_or(Duration::ZERO);
    let max_age = settings.upload.max_age;
    if !args.force && age > max_age {
        return Err(anyhow!(
            "{} is stale: updated_at {} is {} old, over STATUS_MAX_AGE ({}); nothing was uploaded (is status generate running? --force uploads it anyway)",
            path.display(),
            document.updated_at,
            format_age(age),
            format_duration(max_age)
        )
        .into());
    }
    record.document(&document);
    if let Some(backups) = &settings.backups {
        record.backup_warn_after(backups.thresholds.warn_after);
    }
    let target = Target::new(&settings.upload, &settings.spaces).await?;
    let _lock = lock::acquire(&settings.publish.lock_file)?;
    let replace = match args.force {
        true => Replace::Always,
        false => Replace::UnlessNewer,
    };
    let upload = upload_within(&target, web, &body, document.updated_at, replace, budget).await?;
    if let Upload::Published(published) = &upload {
        record.uploaded(published.bytes(), published.public_copy_readable());
    }
    if settings.logging.verbosity >= 1 {
        // Valid UTF-8: it parsed as JSON above.
        crate::output::print(&String::from_utf8_lossy(&body))?;
    }
    Ok(RunEnd {
        summary: format!("{upload}; from {}", path.display()),
        degraded: Vec::new(),
    })
}
