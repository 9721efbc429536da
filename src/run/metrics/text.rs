//! The metrics file's text: every metric, its name, type and help, in the Prometheus text
//! format (0.0.4). Names carry their unit (`_seconds`, `_bytes`, `_ratio`); only the counters
//! end in `_total`. A value that is unknown (an uptime, a backup's age) has no sample at all,
//! never a made-up one; each state set has one sample per state, 1 for the current one.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::Snapshot;
use crate::sources::backups::BackupStatus;
use crate::sources::kuma::PlatformStatus;
use crate::units::wire_name;

type FloatGauge = Gauge<f64, AtomicU64>;
type Labels = [(&'static str, String); 1];

const PLATFORM_STATES: [PlatformStatus; 4] = [
    PlatformStatus::Operational,
    PlatformStatus::Degraded,
    PlatformStatus::Outage,
    PlatformStatus::Unknown,
];
const EVERY_BACKUP_STATUS: [BackupStatus; 4] = [
    BackupStatus::Success,
    BackupStatus::Warning,
    BackupStatus::Failed,
    BackupStatus::Unknown,
];

/// The registry is only a way to the encoder: it is filled once and encoded once.
struct Metrics(Registry);

impl Metrics {
    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        let gauge = FloatGauge::default();
        gauge.set(value);
        self.0.register(name, help, gauge);
    }

    /// A gauge with one label; nothing at all when `values` is empty.
    fn gauges(
        &mut self,
        name: &str,
        help: &str,
        label: &'static str,
        values: impl IntoIterator<Item = (String, f64)>,
    ) {
        let family = Family::<Labels, FloatGauge>::default();
        let mut any = false;
        for (value, sample) in values {
            family.get_or_create(&[(label, value)]).set(sample);
            any = true;
        }
        if any {
            self.0.register(name, help, family);
        }
    }

    /// A counter (the encoder appends `_total` to `name`) with one label.
    fn counters(
        &mut self,
        name: &str,
        help: &str,
        label: &'static str,
        values: impl IntoIterator<Item = (String, u64)>,
    ) {
        let family = Family::<Labels, Counter>::default();
        for (value, count) in values {
            family.get_or_create(&[(label, value)]).inc_by(count);
        }
        self.0.register(name, help, family);
    }

    /// One sample per state, 1 for `current`.
    fn state_set<T: serde::Serialize + PartialEq>(
        &mut self,
        name: &str,
        help: &str,
        states: &[T],
        current: &T,
    ) {
        let values = states
            .iter()
            .map(|state| (wire_name(state), f64::from(u8::from(state == current))));
        self.gauges(name, help, "status", values);
    }
}

fn flag(value: bool) -> f64 {
    f64::from(u8::from(value))
}

pub fn render(run: &Snapshot) -> String {
    let mut m = Metrics(Registry::default());
    m.gauge(
        "status_last_run_timestamp_seconds",
        "Unix time the last publishing run (generate or upload) ended",
        run.ended_at,
    );
    if let Some(success) = run.last_success {
        m.gauge(
            "status_last_success_timestamp_seconds",
            "Unix time the last run that exited 0 ended; absent until one has",
            success,
        );
    }
    m.gauge(
        "status_last_run_duration_seconds",
        "How long the last run took",
        run.duration.as_secs_f64(),
    );
    m.gauge(
        "status_last_run_exit_code",
        "Exit code of the last run: 0 success, 1 failure, 2 configuration error, 3 published with a source unknown",
        f64::from(run.exit_code),
    );
    let sources = || run.sources.iter();
    m.gauges(
        "status_source_up",
        "Whether the last run read the source (1) or published it as unknown (0); absent when it is not configured",
        "source",
        sources().map(|s| (s.name.to_string(), flag(s.up))),
    );
    m.gauges(
        "status_source_duration_seconds",
        "How long the last run took to read the source, or to give up on it",
        "source",
        sources().map(|s| (s.name.to_string(), s.took.as_secs_f64())),
    );
    m.gauges(
        "status_source_consecutive_failures",
        "Runs in a row that could not read the source (0 after a run that did)",
        "source",
        run.failures_in_a_row
            .iter()
            .map(|(source, runs)| (source.clone(), *runs as f64)),
    );
    if let Some(document) = &run.document {
        m.gauges(
            "status_uptime_ratio",
            "Platform uptime over the window in the last run's status.json, 0 to 1; absent while unknown (null)",
            "window",
            document
                .uptime
                .iter()
                .filter_map(|(window, ratio)| Some((window.to_string(), (*ratio)?))),
        );
        m.state_set(
            "status_platform_status",
            "platform_status of the last run's status.json: 1 for the current state",
            &PLATFORM_STATES,
            &document.platform_status,
        );
        m.state_set(
            "status_backup_status",
            "backups.last_backup_status of the last run's status.json: 1 for the current state",
            &EVERY_BACKUP_STATUS,
            &document.backup_status,
        );
        if let Some(age) = document.backup_age {
            m.gauge(
                "status_backup_age_seconds",
                "Age of the newest backup when the last run's status.json was made; absent when no backup is known",
                age.as_secs_f64(),
            );
        }
    }
    if let Some(threshold) = run.backup_warn_after {
        m.gauge(
            "status_backup_warn_after_seconds",
            "BACKUP_WARN_AFTER: a newest backup older than this is a warning",
            threshold.as_secs_f64(),
        );
    }
    if let Some(readable) = run.public_copy_readable {
        m.gauge(
            "status_public_copy_readable",
            "Whether the public copy (STATUS_PUBLIC_URL or the derived address) could be read right after the last upload; absent when it is not read back or nothing was uploaded",
            flag(readable),
        );
    }
    m.counters(
        "status_requests",
        "HTTP requests sent to the service by the job's runs, retries included",
        "service",
        run.requests.iter().map(|(k, v)| (k.clone(), *v)),
    );
    m.counters(
        "status_request_retries",
        "Requests that repeated a failed S3 request (Kuma's requests are never retried)",
        "service",
        run.retries.iter().map(|(k, v)| (k.clone(), *v)),
    );
    let uploaded = Counter::<u64>::default();
    uploaded.inc_by(run.uploaded_bytes);
    m.0.register(
        "status_uploaded_bytes",
        "Bytes of status.json the job's runs uploaded",
        uploaded,
    );
    let mut text = String::new();
    // Writing into a String cannot fail.
    prometheus_text::encode(&mut text, &m.0).expect("encoding into a String");
    text
}
