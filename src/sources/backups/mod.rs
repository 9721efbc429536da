//! Backup freshness: is the newest database backup (in a bucket or a local directory) recent
//! and plausible?
//!
//! `settings` reads `BACKUP_*`; `bucket` and `dir` are the two sources, each streaming its
//! listing through `newest` (which keeps two objects, whatever the size of the listing);
//! `prefix` expands dated prefixes; `health` holds the rules; `table` prints for a person.

mod advice;
mod bucket;
mod dir;
mod health;
mod listing;
// Public for the benchmarks (benches/hotspots.rs).
pub mod newest;
mod prefix;
mod settings;
mod split;
mod table;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::s3::{self, BucketSetting, SpacesSettings};

pub use advice::dated_prefix;
pub use health::Thresholds;
use health::{NO_BACKUP, assess};
use listing::ListError;
pub use listing::ListProgress;
pub use newest::FutureBackups;
pub use prefix::KeyPrefix;
pub use settings::{BackupSettings, BackupSource};
pub use table::render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupStatus {
    Success,
    Warning,
    Failed,
    Unknown,
}

impl std::fmt::Display for BackupStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::units::wire_name(self))
    }
}

/// One backup object or file. The key stays internal: it is never published in status.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupObject {
    pub key: String,
    pub last_modified: DateTime<Utc>,
    pub size: u64,
}

/// The result of one backup check: the struct `status backups --json` prints and `generate`
/// merges into status.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupReport {
    /// Human description of the source, e.g. `s3://bucket/db/` or `/var/backups`.
    pub source: String,
    pub checked_at: DateTime<Utc>,
    pub status: BackupStatus,
    /// A short human reason for the status.
    pub reason: String,
    pub newest: Option<BackupObject>,
    pub previous: Option<BackupObject>,
    pub age_seconds: Option<i64>,
    /// Matching backups dated more than `BACKUP_CLOCK_SKEW` ahead: not trusted as the newest.
    pub future_dated: FutureBackups,
    /// Objects (or files) seen in the listing, matching or not.
    pub objects_scanned: u64,
    /// ListObjectsV2 requests sent (0 for a local directory).
    pub list_requests: u64,
}

impl BackupReport {
    /// The report for a source that could not be read: status unknown, `reason` says why, and
    /// what the attempt cost up to then.
    pub fn unknown(
        source: String,
        checked_at: DateTime<Utc>,
        reason: String,
        progress: &ListProgress,
    ) -> BackupReport {
        BackupReport {
            source,
            checked_at,
            status: BackupStatus::Unknown,
            reason,
            newest: None,
            previous: None,
            age_seconds: None,
            future_dated: FutureBackups::default(),
            objects_scanned: progress.objects_scanned(),
            list_requests: progress.list_requests(),
        }
    }
}

/// What a source found: the newest trusted matching backup, the one before it, those dated
/// in the future, and the cost.
#[derive(Debug)]
struct Listing {
    newest: Option<BackupObject>,
    previous: Option<BackupObject>,
    future: FutureBackups,
    objects_scanned: u64,
    list_requests: u64,
}

/// Finds the newest backup and judges it at `now`. `Err` only when the source could not be
/// read: one line naming the bucket or directory and the likely fix.
pub async fn check(
    settings: &BackupSettings,
    spaces: &SpacesSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<BackupReport> {
    check_with_progress(settings, spaces, now, &ListProgress::default()).await
}

/// [`check`], counting the objects and requests of a bucket listing in `progress` as it goes,
/// so a caller that stops it at a deadline (or sees it fail) can still say how far it got.
pub async fn check_with_progress(
    settings: &BackupSettings,
    spaces: &SpacesSettings,
    now: DateTime<Utc>,
    progress: &ListProgress,
) -> anyhow::Result<BackupReport> {
    let source = settings.source.describe();
    let matcher = settings.match_glob.as_ref();
    let listing = match &settings.source {
        BackupSource::Bucket { bucket, prefix } => {
            let client = s3::client(spaces).await?;
            let within = bucket::Within {
                prefixes: prefix.expand(now, settings.thresholds.fail_after),
                matcher,
                trusted_until: settings.thresholds.trusted_until(now),
                concurrency: settings.list_concurrency,
            };
            bucket::list(&client, bucket, within, progress)
                .await
                .map_err(|err| {
                    let why = match err {
                        ListError::Store(err) => {
                            let bucket = BucketSetting {
                                setting: "BACKUP_BUCKET",
                                name: bucket,
                            };
                            s3::describe_error(&err, bucket, spaces)
                        }
                        disorder => disorder.to_string(),
                    };
                    anyhow!(
                        "cannot list {source} at {}: {why}",
                        spaces.describe_endpoint()
                    )
                })?
        }
        BackupSource::Dir(path) => {
            let (path, matcher) = (path.clone(), matcher.cloned());
            let trusted_until = settings.thresholds.trusted_until(now);
            tokio::task::spawn_blocking(move || {
                dir::list(&path, matcher.as_ref(), trusted_until).map_err(|err| {
                    anyhow!(
                        "cannot read BACKUP_DIR {}: {err}; check the path and that this user may read it",
                        path.display()
                    )
                })
            })
            .await
            .context("the directory listing task failed")??
        }
    };
    tracing::debug!(
        source = %source,
        objects_scanned = listing.objects_scanned,
        list_requests = listing.list_requests,
        "listed backups"
    );
    let verdict = assess(
        listing.newest.as_ref(),
        listing.previous.as_ref(),
        &listing.future,
        now,
        &settings.thresholds,
    );
    let reason = match (&listing.newest, matcher) {
        (None, Some(glob)) => verdict.reason.replacen(
            NO_BACKUP,
            &format!("{NO_BACKUP} matching {}", glob.glob()),
            1,
        ),
        _ => verdict.reason,
    };
    if listing.future.count > 0 {
        tracing::warn!("{source}: {reason}");
    }
    Ok(BackupReport {
        source,
        checked_at: now,
        status: verdict.status,
        reason,
        newest: listing.newest,
        previous: listing.previous,
        age_seconds: verdict.age_seconds,
        future_dated: listing.future,
        objects_scanned: listing.objects_scanned,
        list_requests: listing.list_requests,
    })
}
