//! `status generate`: reads Uptime Kuma and the backups concurrently under the run's deadline,
//! merges them into status.json, writes it atomically and (with `--upload`) publishes it.
//! `produce` reads the sources and merges them; this file writes, uploads and ends the run.

mod produce;

use chrono::Utc;

use crate::cli::GenerateArgs;
use crate::commands::settings::{Settings, check_required};
use crate::commands::upload::{published_anyway, upload_within};
use crate::publish::conditional::Replace;
use crate::publish::upload::{MISSING_BUCKET, Target, Upload};
use crate::publish::write::{inspect_output, write_atomically};
use crate::run::deadline::Budget;
use crate::run::interrupt::{Interrupt, Interrupted};
use crate::run::lock;
use crate::run::metrics::RunRecord;
use crate::run::outcome::{Exit, RunEnd, RunFailure, log_dry_run, log_summary};
use crate::units::format_size;
use produce::{produce, summary_line};

/// `status generate`.
pub async fn command(
    settings: &Settings,
    args: &GenerateArgs,
    interrupt: &Interrupt,
) -> anyhow::Result<Exit> {
    let budget = Budget::start(settings.timeout);
    if args.dry_run {
        check_required(settings)?;
        return dry_run(settings, budget, interrupt).await;
    }
    crate::commands::publishing_run(settings, budget, interrupt, async |web, record| {
        run(settings, args, web, budget, interrupt, record).await
    })
    .await
}

async fn run(
    settings: &Settings,
    args: &GenerateArgs,
    web: &reqwest::Client,
    budget: Budget,
    interrupt: &Interrupt,
    record: &RunRecord,
) -> Result<RunEnd, RunFailure> {
    check_required(settings)?;
    for line in &settings.unconfigured {
        tracing::info!("{line}");
    }
    let bucket = match args.upload {
        true => Some(Target::new(&settings.upload, &settings.spaces).await?),
        false => None,
    };
    let _lock = lock::acquire(&settings.publish.lock_file)?;
    // Before the sources are read: a wrong STATUS_OUTPUT is refused at once, not after them.
    inspect_output(&settings.publish.output)?;
    publish(settings, bucket.as_ref(), web, budget, interrupt, record).await
}

/// Everything after taking the lock: produce, write, upload. A signal stops the sources and
/// then nothing is written; once the file is written, it stops only what has not started.
async fn publish(
    settings: &Settings,
    bucket: Option<&Target>,
    web: &reqwest::Client,
    budget: Budget,
    interrupt: &Interrupt,
    record: &RunRecord,
) -> Result<RunEnd, RunFailure> {
    let now = Utc::now();
    let produced = produce(settings, now, budget, interrupt, record).await?;
    let bytes = produced.document.to_json();
    let output = &settings.publish.output;
    let summary = |done: &str| summary_line(&produced, now, done);
    let max_size = settings.publish.max_size;
    if let Err(interrupted) = interrupt.check() {
        return Err(RunFailure::after(
            interrupted.into(),
            summary("nothing written"),
        ));
    }
    if bytes.len() as u64 > max_size {
        let error = anyhow::anyhow!(
            "the document is {} ({} bytes), over STATUS_MAX_SIZE ({}); nothing was written. Publish fewer components (STATUS_PUBLISH_COMPONENTS, KUMA_MONITOR_IDS) or raise STATUS_MAX_SIZE",
            format_size(bytes.len() as u64),
            bytes.len(),
            format_size(max_size)
        );
        return Err(RunFailure::after(error, summary("nothing written")));
    }
    if let Err(error) = write_atomically(output, &bytes) {
        return Err(RunFailure::after(error, summary("nothing written")));
    }
    record.document(&produced.document);
    let wrote = format!("wrote {} ({} bytes)", output.display(), bytes.len());
    let Some(bucket) = bucket else {
        return Ok(RunEnd {
            summary: summary(&wrote),
            degraded: produced.degraded.clone(),
        });
    };
    if let Err(interrupted) = interrupt.check() {
        return Err(RunFailure::after(
            interrupted.into(),
            summary(&format!("{wrote}; upload not started")),
        ));
    }
    let updated_at = produced.document.updated_at;
    match upload_within(
        bucket,
        web,
        &bytes,
        updated_at,
        Replace::UnlessNewer,
        budget,
    )
    .await
    {
        Ok(upload) => {
            if let Upload::Published(published) = &upload {
                record.uploaded(published.bytes(), published.public_copy_readable());
            }
            Ok(RunEnd {
                summary: summary(&format!("{wrote}; {upload}")),
                degraded: produced
                    .degraded
                    .iter()
                    .cloned()
                    .chain(upload.degraded().map(str::to_string))
                    .collect(),
            })
        }
        Err(error) => {
            let done = published_anyway(&error).unwrap_or_else(|| "upload FAILED".to_string());
            Err(RunFailure::after(
                error,
                summary(&format!("{wrote}; {done}")),
            ))
        }
    }
}

/// `--dry-run`: the document on stdout; nothing written, uploaded or pinged. Each missing
/// setting is a warning here, so a newcomer's first run says what to configure.
async fn dry_run(
    settings: &Settings,
    budget: Budget,
    interrupt: &Interrupt,
) -> anyhow::Result<Exit> {
    for line in &settings.unconfigured {
        tracing::warn!("{line}");
    }
    if settings.upload.bucket.is_none() {
        tracing::warn!("{MISSING_BUCKET}");
    }
    let now = Utc::now();
    // A dry run writes no metrics: it is a person trying settings, not the job.
    let produced = produce(settings, now, budget, interrupt, &RunRecord::default()).await?;
    if let Some(signal) = interrupt.received() {
        let summary = summary_line(&produced, now, "dry run: nothing printed");
        log_summary(
            &format!("{summary}; {}", Interrupted(signal)),
            budget.elapsed(),
            signal.exit(),
        );
        return Ok(signal.exit());
    }
    let bytes = produced.document.to_json();
    if bytes.len() as u64 > settings.publish.max_size {
        tracing::warn!(
            "the document is {} bytes, over STATUS_MAX_SIZE ({}): generate would refuse to write it",
            bytes.len(),
            format_size(settings.publish.max_size)
        );
    }
    crate::output::print(&String::from_utf8_lossy(&bytes))?;
    let end = RunEnd {
        summary: summary_line(
            &produced,
            now,
            "dry run: nothing written, uploaded or pinged",
        ),
        degraded: produced.degraded,
    };
    Ok(log_dry_run(&end, budget.elapsed()))
}
