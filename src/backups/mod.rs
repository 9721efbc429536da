//! Backup freshness: is the newest database backup (in a bucket or a local directory) recent
//! and plausible?

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::ReportArgs;
use crate::exit::{ConfigError, Exit};
use crate::settings::{EnvSource, Settings};

/// Where backups are listed: exactly one of a bucket (with a prefix) or a local directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupSource {
    Bucket { bucket: String, prefix: String },
    Dir(PathBuf),
}

#[derive(Debug, Clone)]
pub struct BackupSettings {
    pub source: BackupSource,
    /// Glob on the part of the key after the prefix (or the file name), e.g. `*.sql.gz`.
    pub match_glob: Option<String>,
    pub warn_after: Duration,
    pub fail_after: Duration,
    pub min_size: u64,
}

impl BackupSettings {
    pub fn from_env(
        env: &EnvSource,
        unconfigured: &mut Vec<String>,
    ) -> Result<Option<BackupSettings>, ConfigError> {
        let _ = env;
        unconfigured.push(
            "BACKUP_BUCKET and BACKUP_DIR are not set: backups are not checked, so backup health is unknown".into(),
        );
        Ok(None)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupStatus {
    Success,
    Warning,
    Failed,
    Unknown,
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
    pub objects_scanned: u64,
    pub list_requests: u64,
}

/// `status backups`: checks the newest backup and prints the report.
pub async fn command(settings: &Settings, args: &ReportArgs) -> anyhow::Result<Exit> {
    let _ = (settings, args);
    anyhow::bail!("status backups is being built")
}
