//! `status generate`: reads Uptime Kuma and the backups concurrently under the run's deadline,
//! merges them into status.json, writes it atomically and (with `--upload`) publishes it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use crate::cli::GenerateArgs;
use crate::commands::settings::{Settings, check_required};
use crate::commands::upload::{published_anyway, upload_within};
use crate::document::{self, OverrideState, StatusDocument};
use crate::publish::conditional::Replace;
use crate::publish::upload::{MISSING_BUCKET, Target, Upload};
use crate::publish::write::{inspect_output, write_atomically};
use crate::run::deadline::{Budget, Deadline};
use crate::run::interrupt::{Interrupt, Interrupted};
use crate::run::lock;
use crate::run::metrics::RunRecord;
use crate::run::outcome::{Exit, Reporter, RunEnd, RunFailure, log_dry_run, log_summary};
use crate::sources::backups::{BackupReport, ListProgress};
use crate::sources::{backups, kuma};
use crate::units::{format_age, format_size, wire_name};

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

/// Waits for a source's task until `deadline`; a task still running then, or when a signal
/// stops the run, is stopped, and `overran` turns an overrun into the reason (saying how far
/// the source got). Also how long the wait took (the task started just before).
async fn finish<T>(
    name: &str,
    task: Option<JoinHandle<anyhow::Result<T>>>,
    deadline: Deadline,
    interrupt: &Interrupt,
    overran: impl FnOnce(String) -> String,
) -> (SourceResult<T>, Duration) {
    let started = Instant::now();
    let result = finish_task(name, task, deadline, interrupt, overran).await;
    (result, started.elapsed())
}

async fn finish_task<T>(
    name: &str,
    task: Option<JoinHandle<anyhow::Result<T>>>,
    deadline: Deadline,
    interrupt: &Interrupt,
    overran: impl FnOnce(String) -> String,
) -> SourceResult<T> {
    let Some(mut task) = task else {
        return SourceResult::Unconfigured;
    };
    let reason = match interrupt.run(deadline.run(name, &mut task)).await {
        Ok(Ok(Ok(Ok(report)))) => return SourceResult::Read(report),
        Ok(Ok(Ok(Err(err)))) => format!("{name}: {err:#}"),
        Ok(Ok(Err(join_error))) => format!("{name}: the check crashed ({join_error})"),
        Ok(Err(overrun)) => {
            task.abort();
            overran(overrun.to_string())
        }
        Err(interrupted) => {
            // Nothing is published after a signal, so there is nothing to warn about.
            task.abort();
            return SourceResult::Failed(format!("{name}: stopped, {interrupted}"));
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

    /// Why the document shows less than it should: each configured source that was not read,
    /// and what Kuma's report says makes its part less than the truth.
    fn degraded(&self) -> Vec<String> {
        let mut reasons: Vec<String> = [self.kuma.0.failure(), self.backups.0.failure()]
            .into_iter()
            .flatten()
            .map(str::to_string)
            .collect();
        if let Some(kuma) = self.kuma.0.report() {
            reasons.extend(kuma.degraded.iter().cloned());
        }
        reasons
    }
}

async fn gather(
    settings: &Settings,
    now: DateTime<Utc>,
    budget: Budget,
    interrupt: &Interrupt,
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
    let progress = Arc::new(ListProgress::default());
    let backups_task = settings.backups.clone().map(|backup_settings| {
        let (spaces, progress) = (settings.spaces.clone(), Arc::clone(&progress));
        tokio::spawn(async move {
            backups::check_with_progress(&backup_settings, &spaces, now, &progress).await
        })
    });
    let backups = async {
        let overran = |overrun: String| match &settings.backups {
            Some(backup_settings) => {
                BackupReport::stopped_at_deadline(backup_settings, now, &overrun, &progress).reason
            }
            None => overrun,
        };
        let backups = finish(
            "backups",
            backups_task,
            budget.sources(),
            interrupt,
            overran,
        )
        .await;
        if let (Some(report), Some(backup_settings)) = (backups.0.report(), &settings.backups) {
            let (took, given) = (budget.elapsed(), budget.sources().given());
            if let Some(warning) = report.slow_listing_warning(backup_settings, took, given) {
                tracing::warn!("backups: {warning}");
            }
        }
        backups
    };
    let (kuma, backups) = tokio::join!(
        finish(
            "Uptime Kuma",
            kuma_task,
            budget.sources(),
            interrupt,
            |overrun| { overrun }
        ),
        backups,
    );
    Ok(Gathered { kuma, backups })
}

/// The operator's override at `now`, with a warning when it is expired, and the reason the
/// run is degraded when the file is invalid (the real status is published then).
fn read_override(settings: &Settings, now: DateTime<Utc>) -> (OverrideState, Option<String>) {
    let Some(path) = &settings.publish.override_file else {
        return (OverrideState::Absent, None);
    };
    let max_ttl = settings.publish.override_max_ttl;
    let state = OverrideState::from_read(std::fs::read(path), now, max_ttl);
    let mut degraded = None;
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
        OverrideState::Invalid(reason) => {
            let why = format!("STATUS_OVERRIDE_FILE {} ignored: {reason}", path.display());
            tracing::warn!(
                "{why}; the real status is published; expected {{\"platform_status\": \"outage\", \"message\": \"...\", \"expires_at\": \"2025-11-10T18:00:00Z\"}}"
            );
            degraded = Some(why);
        }
    }
    (state, degraded)
}

/// What one run produced: the document, why it shows less than the truth (each reason makes the
/// run degraded: exit 3), and the Kuma requests that needed their one retry.
struct Produced {
    document: StatusDocument,
    degraded: Vec<String>,
    kuma_retries: usize,
}

/// Reads both sources and merges them. The sources go into `record`.
async fn produce(
    settings: &Settings,
    now: DateTime<Utc>,
    budget: Budget,
    interrupt: &Interrupt,
    record: &RunRecord,
) -> anyhow::Result<Produced> {
    let gathered = gather(settings, now, budget, interrupt).await?;
    gathered.record(record);
    if let Some(backup_settings) = &settings.backups {
        record.backup_warn_after(backup_settings.thresholds.warn_after);
    }
    let (manual, override_refused) = read_override(settings, now);
    let document = document::build(
        now,
        &document::Sources {
            kuma: gathered.kuma.0.report(),
            backups: gathered.backups.0.report(),
            active_override: manual.active(),
            publish_components: settings.publish.publish_components,
        },
    );
    let mut degraded = gathered.degraded();
    degraded.extend(override_refused);
    Ok(Produced {
        document,
        degraded,
        kuma_retries: gathered.kuma.0.report().map_or(0, |report| report.retries),
    })
}

/// What a run read and did, for its summary line: platform, uptimes, Kuma retries (if any),
/// backups, `done`.
fn summary_line(produced: &Produced, now: DateTime<Utc>, done: &str) -> String {
    let document = &produced.document;
    let percent = |value: Option<document::Percent>| {
        value.map_or("-".to_string(), |p| format!("{:.2}%", p.value()))
    };
    let backups = &document.backups;
    let age = backups.last_backup_time.map_or("-".to_string(), |time| {
        let seconds = (now - time.time()).num_seconds().max(0) as u64;
        format_age(Duration::from_secs(seconds))
    });
    let retries = match produced.kuma_retries {
        0 => String::new(),
        n => format!("; Uptime Kuma requests retried {n}"),
    };
    format!(
        "platform {}; uptime 24h {} 7d {} 30d {}{retries}; backups {} (age {age}); {done}",
        wire_name(document.platform_status),
        percent(document.uptime.last_24h),
        percent(document.uptime.last_7d),
        percent(document.uptime.last_30d),
        wire_name(backups.last_backup_status),
    )
}

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
    let web = settings.web_client()?;
    let record = RunRecord::default();
    let metrics = settings.publish.metrics_file();
    let reporter = Reporter {
        web: &web,
        push_url: settings.publish.push_url.as_ref(),
        budget,
        interrupt,
        metrics: metrics.as_ref().map(|file| (file, &record)),
    };
    Ok(reporter
        .run(async |web| run(settings, args, web, budget, interrupt, &record).await)
        .await)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_reads_at_a_glance() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T04:06:02Z")
            .unwrap()
            .to_utc();
        let mut produced = Produced {
            document: StatusDocument::unknown(now),
            degraded: vec![],
            kuma_retries: 0,
        };
        assert_eq!(
            summary_line(&produced, now, "wrote status.json (180 bytes)"),
            "platform unknown; uptime 24h - 7d - 30d -; backups unknown (age -); wrote status.json (180 bytes)"
        );
        let document = &mut produced.document;
        document.uptime.last_24h = document::Percent::rounded(99.5);
        document.backups.last_backup_time = Some(document::Timestamp::new(
            now - chrono::Duration::seconds(2 * 3600 + 6 * 60 + 59),
        ));
        produced.kuma_retries = 2;
        let line = summary_line(&produced, now, "done");
        assert!(
            line.contains("uptime 24h 99.50% 7d - 30d -; Uptime Kuma requests retried 2; backups"),
            "{line}"
        );
        assert!(line.contains("(age 2h 6m)"), "{line}");
    }
}
