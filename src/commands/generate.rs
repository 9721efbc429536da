//! `status generate`: reads Uptime Kuma and the backups concurrently under the run's deadline,
//! merges them into status.json, writes it atomically and (with `--upload`) publishes it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use crate::cli::GenerateArgs;
use crate::commands::settings::{Settings, check_required};
use crate::commands::upload::upload_within;
use crate::document::{self, OverrideState, StatusDocument};
use crate::publish::conditional::Replace;
use crate::publish::upload::{MISSING_BUCKET, Target, Upload};
use crate::publish::write::write_atomically;
use crate::run::deadline::{Budget, Deadline};
use crate::run::lock;
use crate::run::metrics::RunRecord;
use crate::run::outcome::{Exit, Reporter, RunEnd, RunFailure, log_dry_run};
use crate::sources::{backups, kuma};
use crate::units::{format_age, wire_name};

/// What became of one source in this run.
enum SourceResult<T> {
    /// Deliberately not configured: published as unknown, not a failure.
    Unconfigured,
    Read(T),
    /// Configured but not read (error or deadline): published as unknown, exit 3; the reason.
    Failed(String),
}

impl<T> SourceResult<T> {
    fn report(&self) -> Option<&T> {
        match self {
            SourceResult::Read(report) => Some(report),
            _ => None,
        }
    }

    fn failure(&self) -> Option<&str> {
        match self {
            SourceResult::Failed(reason) => Some(reason),
            _ => None,
        }
    }

    /// Whether a configured source was read; `None` when it is not configured.
    fn up(&self) -> Option<bool> {
        match self {
            SourceResult::Unconfigured => None,
            SourceResult::Read(_) => Some(true),
            SourceResult::Failed(_) => Some(false),
        }
    }
}

/// Waits for a source's task until `deadline`; a task still running then is stopped. Also how
/// long the wait took (the task started just before).
async fn finish<T>(
    name: &str,
    task: Option<JoinHandle<anyhow::Result<T>>>,
    deadline: Deadline,
) -> (SourceResult<T>, Duration) {
    let started = Instant::now();
    let result = finish_task(name, task, deadline).await;
    (result, started.elapsed())
}

async fn finish_task<T>(
    name: &str,
    task: Option<JoinHandle<anyhow::Result<T>>>,
    deadline: Deadline,
) -> SourceResult<T> {
    let Some(mut task) = task else {
        return SourceResult::Unconfigured;
    };
    let reason = match deadline.run(name, &mut task).await {
        Ok(Ok(Ok(report))) => return SourceResult::Read(report),
        Ok(Ok(Err(err))) => format!("{name}: {err:#}"),
        Ok(Err(join_error)) => format!("{name}: the check crashed ({join_error})"),
        Err(overrun) => {
            task.abort();
            overrun.to_string()
        }
    };
    tracing::warn!("{reason}; its fields are published as unknown");
    SourceResult::Failed(reason)
}

/// Both sources, read concurrently, and how long each took.
struct Gathered {
    kuma: (SourceResult<kuma::KumaReport>, Duration),
    backups: (SourceResult<backups::BackupReport>, Duration),
}

impl Gathered {
    /// Each configured source, read or not, for the metrics (`kuma`, `backups` as in
    /// `STATUS_REQUIRE`).
    fn record(&self, record: &RunRecord) {
        let sources = [
            ("kuma", self.kuma.0.up(), self.kuma.1),
            ("backups", self.backups.0.up(), self.backups.1),
        ];
        for (name, up, took) in sources {
            if let Some(up) = up {
                record.source(name, up, took);
            }
        }
    }

    /// Why the document shows less than it should: each configured source that was not read.
    fn degraded(&self) -> Vec<String> {
        [self.kuma.0.failure(), self.backups.0.failure()]
            .into_iter()
            .flatten()
            .map(str::to_string)
            .collect()
    }
}

async fn gather(
    settings: &Settings,
    now: DateTime<Utc>,
    budget: Budget,
) -> anyhow::Result<Gathered> {
    let kuma_task = match &settings.kuma {
        Some(kuma_settings) => {
            let client = kuma::http_client(kuma_settings)?;
            let kuma_settings = kuma_settings.clone();
            Some(tokio::spawn(async move {
                kuma::fetch(&kuma_settings, &client, now).await
            }))
        }
        None => None,
    };
    let backups_task = settings.backups.clone().map(|backup_settings| {
        let spaces = settings.spaces.clone();
        tokio::spawn(async move { backups::check(&backup_settings, &spaces, now).await })
    });
    let (kuma, backups) = tokio::join!(
        finish("Uptime Kuma", kuma_task, budget.sources()),
        finish("backups", backups_task, budget.sources()),
    );
    Ok(Gathered { kuma, backups })
}

/// The operator's override at `now`, with a warning when it is expired or invalid.
fn read_override(settings: &Settings, now: DateTime<Utc>) -> OverrideState {
    let Some(path) = &settings.publish.override_file else {
        return OverrideState::Absent;
    };
    let state = OverrideState::from_read(std::fs::read(path), now);
    match &state {
        OverrideState::Absent => {}
        OverrideState::Active(manual) => tracing::info!(
            "STATUS_OVERRIDE_FILE {}: platform_status forced to {} until {}",
            path.display(),
            wire_name(manual.platform_status),
            manual
                .expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        OverrideState::Expired(at) => tracing::warn!(
            "STATUS_OVERRIDE_FILE {}: expired at {}, ignored; delete the file",
            path.display(),
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        OverrideState::Invalid(reason) => tracing::warn!(
            "STATUS_OVERRIDE_FILE {}: ignored, {reason}; expected {{\"platform_status\": \"outage\", \"message\": \"...\", \"expires_at\": \"2025-11-10T18:00:00Z\"}}",
            path.display()
        ),
    }
    state
}

/// Reads both sources and merges them: the document, and why it shows less than the truth
/// (each reason makes the run degraded: exit 3). The sources go into `record`.
async fn produce(
    settings: &Settings,
    now: DateTime<Utc>,
    budget: Budget,
    record: &RunRecord,
) -> anyhow::Result<(StatusDocument, Vec<String>)> {
    let gathered = gather(settings, now, budget).await?;
    gathered.record(record);
    if let Some(backup_settings) = &settings.backups {
        record.backup_warn_after(backup_settings.thresholds.warn_after);
    }
    let manual = read_override(settings, now);
    let document = document::build(
        now,
        &document::Sources {
            kuma: gathered.kuma.0.report(),
            backups: gathered.backups.0.report(),
            active_override: manual.active(),
            publish_components: settings.publish.publish_components,
        },
    );
    Ok((document, gathered.degraded()))
}

/// What a run read and did, for its summary line: platform, uptimes, backups, `done`.
fn summary_line(document: &StatusDocument, now: DateTime<Utc>, done: &str) -> String {
    let percent = |value: Option<document::Percent>| {
        value.map_or("-".to_string(), |p| format!("{:.2}%", p.value()))
    };
    let backups = &document.backups;
    let age = backups.last_backup_time.map_or("-".to_string(), |time| {
        let seconds = (now - time.time()).num_seconds().max(0) as u64;
        format_age(Duration::from_secs(seconds))
    });
    format!(
        "platform {}; uptime 24h {} 7d {} 30d {}; backups {} (age {age}); {done}",
        wire_name(document.platform_status),
        percent(document.uptime.last_24h),
        percent(document.uptime.last_7d),
        percent(document.uptime.last_30d),
        wire_name(backups.last_backup_status),
    )
}

/// `status generate`.
pub async fn command(settings: &Settings, args: &GenerateArgs) -> anyhow::Result<Exit> {
    let budget = Budget::start(settings.timeout);
    if args.dry_run {
        check_required(settings)?;
        return dry_run(settings, budget).await;
    }
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
        .run(async |web| run(settings, args, web, budget, &record).await)
        .await)
}

async fn run(
    settings: &Settings,
    args: &GenerateArgs,
    web: &reqwest::Client,
    budget: Budget,
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
    publish(settings, bucket.as_ref(), web, budget, record).await
}

/// Everything after taking the lock: produce, write, upload.
async fn publish(
    settings: &Settings,
    bucket: Option<&Target>,
    web: &reqwest::Client,
    budget: Budget,
    record: &RunRecord,
) -> Result<RunEnd, RunFailure> {
    let now = Utc::now();
    let (document, degraded) = produce(settings, now, budget, record).await?;
    let bytes = document.to_json();
    let output = &settings.publish.output;
    let summary = |done: &str| summary_line(&document, now, done);
    if let Err(error) = write_atomically(output, &bytes) {
        return Err(RunFailure::after(error, summary("nothing written")));
    }
    record.document(&document);
    let wrote = format!("wrote {} ({} bytes)", output.display(), bytes.len());
    let Some(bucket) = bucket else {
        return Ok(RunEnd {
            summary: summary(&wrote),
            degraded,
        });
    };
    let updated_at = document.updated_at;
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
                degraded,
            })
        }
        Err(error) => Err(RunFailure::after(
            error,
            summary(&format!("{wrote}; upload FAILED")),
        )),
    }
}

/// `--dry-run`: the document on stdout; nothing written, uploaded or pinged. Each missing
/// setting is a warning here, so a newcomer's first run says what to configure.
async fn dry_run(settings: &Settings, budget: Budget) -> anyhow::Result<Exit> {
    for line in &settings.unconfigured {
        tracing::warn!("{line}");
    }
    if settings.upload.bucket.is_none() {
        tracing::warn!("{MISSING_BUCKET}");
    }
    let now = Utc::now();
    // A dry run writes no metrics: it is a person trying settings, not the job.
    let (document, degraded) = produce(settings, now, budget, &RunRecord::default()).await?;
    crate::output::print(&String::from_utf8_lossy(&document.to_json()))?;
    let end = RunEnd {
        summary: summary_line(
            &document,
            now,
            "dry run: nothing written, uploaded or pinged",
        ),
        degraded,
    };
    Ok(log_dry_run(&end, budget.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_reads_at_a_glance() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T04:06:02Z")
            .unwrap()
            .to_utc();
        let mut document = StatusDocument::unknown(now);
        assert_eq!(
            summary_line(&document, now, "wrote status.json (180 bytes)"),
            "platform unknown; uptime 24h - 7d - 30d -; backups unknown (age -); wrote status.json (180 bytes)"
        );
        document.uptime.last_24h = document::Percent::rounded(99.5);
        document.backups.last_backup_time = Some(document::Timestamp::new(
            now - chrono::Duration::seconds(2 * 3600 + 6 * 60 + 59),
        ));
        let line = summary_line(&document, now, "done");
        assert!(line.contains("uptime 24h 99.50% 7d -"), "{line}");
        assert!(line.contains("(age 2h 6m)"), "{line}");
    }
}
