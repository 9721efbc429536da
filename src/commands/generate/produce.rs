//! Reading both sources concurrently under the sources' deadline, the override, and the merge
//! into the document with the reasons it shows less than the truth; the summary line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use crate::commands::settings::Settings;
use crate::document::{self, OverrideState, StatusDocument};
use crate::run::deadline::{Budget, Deadline};
use crate::run::interrupt::Interrupt;
use crate::run::metrics::RunRecord;
use crate::sources::backups::{BackupReport, ListProgress};
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
pub(super) struct Produced {
    pub(super) document: StatusDocument,
    pub(super) degraded: Vec<String>,
    kuma_retries: usize,
}

/// Reads both sources and merges them. The sources go into `record`.
pub(super) async fn produce(
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
pub(super) fn summary_line(produced: &Produced, now: DateTime<Utc>, done: &str) -> String {
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
