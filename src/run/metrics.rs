//! The job's metrics (`STATUS_METRICS_FILE`): how each publishing run went, in the Prometheus
//! text format that node_exporter's textfile collector reads, written atomically at the end of
//! every run, failed ones included. The alert rules and the dashboard over them are in config/;
//! docs/monitoring.md lists every metric.
//!
//! A few values span runs (the last success, how many runs in a row a source failed, the
//! request and byte counters), so they are read back from the previous file. `text` renders.

mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

use crate::document::StatusDocument;
use crate::publish::write::write_file_atomically;
use crate::run::lock::{self, LockBusy};
use crate::run::outcome::Exit;
use crate::sources::backups::BackupStatus;
use crate::sources::kuma::{self, PlatformStatus, metrics::Sample};

/// The sample every file this program writes holds: a file without it was not written here and
/// is never replaced.
const SIGNATURE: &str = "status_last_run_timestamp_seconds";

/// Where the metrics go, and the run lock that keeps two runs from writing them at once.
#[derive(Debug, Clone)]
pub struct MetricsFile {
    path: PathBuf,
    lock_file: PathBuf,
}

/// What one run did, recorded as it goes (the commands record; the reporter writes).
#[derive(Debug, Default)]
pub struct RunRecord(Mutex<Facts>);

#[derive(Debug, Default, Clone)]
struct Facts {
    sources: Vec<SourceRun>,
    document: Option<DocumentFacts>,
    backup_warn_after: Option<Duration>,
    uploaded_bytes: u64,
    public_copy_readable: Option<bool>,
}

/// One configured source in one run: read or not, and how long that took.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SourceRun {
    name: &'static str,
    up: bool,
    took: Duration,
}

/// The values of the document the run wrote (or, for `upload`, published).
#[derive(Debug, Clone, PartialEq)]
struct DocumentFacts {
    /// Window label and uptime as a ratio (0 to 1); `None`: unknown.
    uptime: Vec<(&'static str, Option<f64>)>,
    platform_status: PlatformStatus,
    backup_status: BackupStatus,
    backup_age: Option<Duration>,
}

impl RunRecord {
    fn update(&self, change: impl FnOnce(&mut Facts)) {
        // A poisoned lock holds whole facts all the same: no change below can panic halfway.
        change(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn facts(&self) -> Facts {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A configured source was read (`up`) or not, in `took`.
    pub fn source(&self, name: &'static str, up: bool, took: Duration) {
        self.update(|facts| facts.sources.push(SourceRun { name, up, took }));
    }

    /// The document the run wrote or published.
    pub fn document(&self, document: &StatusDocument) {
        let ratio = |percent: Option<crate::document::Percent>| percent.map(|p| p.value() / 100.0);
        let uptime = &document.uptime;
        let backup_age = document.backups.last_backup_time.map(|time| {
            (document.updated_at.time() - time.time())
                .to_std()
                .unwrap_or(Duration::ZERO)
        });
        let facts = DocumentFacts {
            uptime: vec![
                ("24h", ratio(uptime.last_24h)),
                ("7d", ratio(uptime.last_7d)),
                ("30d", ratio(uptime.last_30d)),
                ("1y", ratio(uptime.last_1y)),
            ],
            platform_status: document.platform_status,
            backup_status: document.backups.last_backup_status,
            backup_age,
        };
        self.update(|f| f.document = Some(facts));
    }

    /// `BACKUP_WARN_AFTER`, so the alert on the backup's age follows the setting.
    pub fn backup_warn_after(&self, threshold: Duration) {
        self.update(|facts| facts.backup_warn_after = Some(threshold));
    }

    /// An upload of `bytes`; whether the public copy could be read (`None`: not read back).
    pub fn uploaded(&self, bytes: usize, public_copy_readable: Option<bool>) {
        self.update(|facts| {
            facts.uploaded_bytes += bytes as u64;
            facts.public_copy_readable = public_copy_readable;
        });
    }
}

/// The values carried from the previous file.
#[derive(Debug, Default, Clone, PartialEq)]
struct Carried {
    last_success: Option<f64>,
    failures_in_a_row: BTreeMap<String, u64>,
    requests: BTreeMap<String, u64>,
    retries: BTreeMap<String, u64>,
    uploaded_bytes: u64,
}

impl Carried {
    /// The carried values of a file this program wrote; `Err` (why) for any other file.
    fn from_text(text: &str) -> Result<Carried, String> {
        let samples = kuma::metrics::parse(text).map_err(|err| err.to_string())?;
        if !samples.iter().any(|s| s.name == SIGNATURE) {
            return Err(format!("it has no {SIGNATURE}"));
        }
        let by_label = |name: &str, label: &str| -> BTreeMap<String, u64> {
            samples
                .iter()
                .filter(|s| s.name == name)
                .filter_map(|s| Some((s.label(label)?.to_string(), count(s))))
                .collect()
        };
        let single = |name: &str| samples.iter().find(|s| s.name == name);
        Ok(Carried {
            last_success: single("status_last_success_timestamp_seconds").map(|s| s.value),
            failures_in_a_row: by_label("status_source_consecutive_failures", "source"),
            requests: by_label("status_requests_total", "service"),
            retries: by_label("status_request_retries_total", "service"),
            uploaded_bytes: single("status_uploaded_bytes_total").map_or(0, count),
        })
    }
}

/// A sample as a count (a negative or fractional count in a file is read as its floor, from 0).
fn count(sample: &Sample) -> u64 {
    if sample.value.is_finite() && sample.value > 0.0 {
        sample.value as u64
    } else {
        0
    }
}

/// The requests this process sent, by service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Requests {
    kuma: u64,
    s3: u64,
    s3_retries: u64,
}

/// Everything the file says about one run.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    ended_at: f64,
    last_success: Option<f64>,
    duration: Duration,
    exit_code: u8,
    sources: Vec<SourceRun>,
    failures_in_a_row: BTreeMap<String, u64>,
    document: Option<DocumentFacts>,
    backup_warn_after: Option<Duration>,
    public_copy_readable: Option<bool>,
    requests: BTreeMap<String, u64>,
    retries: BTreeMap<String, u64>,
    uploaded_bytes: u64,
}

/// The run's values, with those that span runs carried on from `previous`.
fn snapshot(
    previous: &Carried,
    facts: Facts,
    exit: Exit,
    duration: Duration,
    ended_at: f64,
    sent: Requests,
) -> Snapshot {
    // A run that never reached the sources (`upload`, or a run that failed before) leaves the
    // count of failed runs as it was; one that read them counts afresh for the configured ones.
    let failures_in_a_row = if facts.sources.is_empty() {
        previous.failures_in_a_row.clone()
    } else {
        let before = |name: &str| previous.failures_in_a_row.get(name).copied();
        facts
            .sources
            .iter()
            .map(|source| {
                let failed = if source.up {
                    0
                } else {
                    before(source.name).unwrap_or(0) + 1
                };
                (source.name.to_string(), failed)
            })
            .collect()
    };
    let add = |carried: &BTreeMap<String, u64>, service: &str, now: u64| {
        carried.get(service).copied().unwrap_or(0) + now
    };
    let requests = BTreeMap::from([
        (
            "kuma".to_string(),
            add(&previous.requests, "kuma", sent.kuma),
        ),
        ("s3".to_string(), add(&previous.requests, "s3", sent.s3)),
    ]);
    let retries = BTreeMap::from([(
        "s3".to_string(),
        add(&previous.retries, "s3", sent.s3_retries),
    )]);
    Snapshot {
        ended_at,
        last_success: match exit {
            Exit::Success => Some(ended_at),
            _ => previous.last_success,
        },
        duration,
        exit_code: exit.code(),
        sources: facts.sources,
        failures_in_a_row,
        document: facts.document,
        backup_warn_after: facts.backup_warn_after,
        public_copy_readable: facts.public_copy_readable,
        requests,
        retries,
        uploaded_bytes: previous.uploaded_bytes + facts.uploaded_bytes,
    }
}

impl MetricsFile {
    pub fn new(path: PathBuf, lock_file: PathBuf) -> MetricsFile {
        MetricsFile { path, lock_file }
    }

    /// Writes the metrics of a run that ended with `exit` after `duration`. A failure is a
    /// warning and changes nothing else: the file then goes stale, and the alert on the last
    /// success fires.
    pub fn write(&self, record: &RunRecord, exit: Exit, duration: Duration) {
        let ended_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        let s3 = crate::s3::requests_sent();
        let sent = Requests {
            kuma: kuma::requests_sent_by_process(),
            s3: s3.requests,
            s3_retries: s3.retries,
        };
        let written = self.try_write(record.facts(), exit, duration, ended_at, sent);
        if let Err(err) = written {
            tracing::warn!("{err:#}");
        }
    }

    fn try_write(
        &self,
        facts: Facts,
        exit: Exit,
        duration: Duration,
        ended_at: f64,
        sent: Requests,
    ) -> anyhow::Result<()> {
        // The lock keeps the read-back and the write of two runs from interleaving. A run that
        // finds it held (stopped by the lock, or finishing as the next one starts) leaves the
        // file to the run holding it, as it leaves it the push ping.
        let _lock = match lock::acquire(&self.lock_file) {
            Ok(lock) => lock,
            Err(err) if err.is::<LockBusy>() => {
                tracing::debug!("STATUS_METRICS_FILE: not written; {err}");
                return Ok(());
            }
            Err(err) => return Err(err.context("STATUS_METRICS_FILE: not written")),
        };
        let previous = read_previous(&self.path)?;
        let snapshot = snapshot(&previous, facts, exit, duration, ended_at, sent);
        write_file_atomically(
            &self.path,
            text::render(&snapshot).as_bytes(),
            "STATUS_METRICS_FILE",
        )
    }
}

/// The values carried from the file at `path`: none when there is no file (or an empty one);
/// an error, and the file left alone, when it is not one this program wrote.
fn read_previous(path: &Path) -> anyhow::Result<Carried> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Carried::default()),
        Err(err) => {
            return Err(err).with_context(|| {
                format!(
                    "STATUS_METRICS_FILE: cannot read {} to carry its values on; not written",
                    path.display()
                )
            });
        }
    };
    if text.trim().is_empty() {
        return Ok(Carried::default());
    }
    match Carried::from_text(&text) {
        Ok(carried) => Ok(carried),
        Err(why) => bail!(
            "STATUS_METRICS_FILE: {} is not a metrics file of this program ({why}); it is left alone: point STATUS_METRICS_FILE at a file of its own, e.g. /var/lib/node_exporter/textfile_collector/status.prom",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests;
