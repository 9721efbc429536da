//! Monitoring the job: the metrics file (`STATUS_METRICS_FILE`) as Prometheus reads it (parsed
//! by `prometheus-parse`, not by the binary's own parser, and linted by `promtool check
//! metrics`), failed runs included, and the alert rules and dashboard in config/ over it.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::Utc;
use prometheus_parse::{Scrape, Value};
use serde_json::Value as Json;

use crate::support::conditional_proxy::S3Proxy;
use crate::support::http_server::refused_url;
use crate::support::kuma_fixtures::KumaVersion;
use crate::support::moto::Moto;
use crate::support::promtool;
use crate::support::publish::{fresh_kuma, kuma_env, status_bucket_env, written};
use crate::support::run;

/// A metrics file as Prometheus sees it.
struct Metrics {
    text: String,
    samples: Vec<prometheus_parse::Sample>,
}

impl Metrics {
    fn read(dir: &Path) -> Metrics {
        let text = std::fs::read_to_string(dir.join("status.prom")).unwrap();
        let scrape = Scrape::parse(text.lines().map(|line| Ok(line.to_string()))).unwrap();
        Metrics {
            text,
            samples: scrape.samples,
        }
    }

    /// The value of `name` (with `label="value"`, when given); `None` when there is no sample.
    fn get(&self, name: &str, label: Option<(&str, &str)>) -> Option<f64> {
        let sample = self.samples.iter().find(|s| {
            s.metric == name && label.is_none_or(|(key, value)| s.labels.get(key) == Some(value))
        })?;
        match sample.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(v),
            _ => panic!("{name} is not a plain sample: {:?}", sample.value),
        }
    }

    fn value(&self, name: &str, label: Option<(&str, &str)>) -> f64 {
        self.get(name, label)
            .unwrap_or_else(|| panic!("no {name} {label:?} in\n{}", self.text))
    }

    fn names(&self) -> BTreeSet<String> {
        self.samples.iter().map(|s| s.metric.clone()).collect()
    }
}

fn unix_now() -> f64 {
    Utc::now().timestamp_millis() as f64 / 1000.0
}

/// `generate --upload` with every source and the public URL configured: the run that writes
/// every metric. Its metrics, the document, and the Kuma requests it made.
async fn full_run() -> (tempfile::TempDir, Metrics, Json, usize) {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("metrics").await;
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let backups = tempfile::tempdir().unwrap();
    let dump = backups.path().join("db.sql.gz");
    std::fs::write(&dump, b"dump").unwrap();
    let three_hours_ago = Utc::now().timestamp() - 3 * 3600;
    filetime::set_file_mtime(
        &dump,
        filetime::FileTime::from_unix_time(three_hours_ago, 0),
    )
    .unwrap();
    let mut env = kuma_env(&kuma);
    env.extend(status_bucket_env(moto, &bucket));
    env.extend([
        ("KUMA_API_KEY", KumaVersion::V2_5_3.api_key().to_string()),
        ("BACKUP_DIR", backups.path().display().to_string()),
        (
            "STATUS_PUBLIC_URL",
            format!("{}/{bucket}/status.json", moto.endpoint()),
        ),
        (
            "STATUS_METRICS_FILE",
            dir.path().join("status.prom").display().to_string(),
        ),
    ]);
    let before = unix_now();
    let (code, _, stderr) = run(dir.path(), &["generate", "--upload"], &env).into_text();
    let after = unix_now();
    assert_eq!(code, 0, "{stderr}");
    let metrics = Metrics::read(dir.path());
    let ended = metrics.value("status_last_run_timestamp_seconds", None);
    assert!(
        (before..=after).contains(&ended),
        "{before} {ended} {after}"
    );
    let document = written(dir.path());
    (dir, metrics, document, kuma.requests().len())
}

#[tokio::test]
async fn a_run_writes_the_values_it_had_for_prometheus() {
    let (dir, metrics, document, kuma_requests) = full_run().await;
    let m = &metrics;
    let ended = m.value("status_last_run_timestamp_seconds", None);
    assert_eq!(
        m.value("status_last_success_timestamp_seconds", None),
        ended
    );
    assert_eq!(m.value("status_last_run_exit_code", None), 0.0);
    let duration = m.value("status_last_run_duration_seconds", None);
    assert!(duration > 0.0 && duration < 30.0, "{duration}");
    for source in ["kuma", "backups"] {
        let source = Some(("source", source));
        assert_eq!(m.value("status_source_up", source), 1.0);
        assert_eq!(m.value("status_source_consecutive_failures", source), 0.0);
        let took = m.value("status_source_duration_seconds", source);
        assert!(took > 0.0 && took <= duration, "{took} of {duration}");
    }
    for (window, key) in [
        ("24h", "last_24h"),
        ("7d", "last_7d"),
        ("30d", "last_30d"),
        ("1y", "last_1y"),
    ] {
        let ratio = m.get("status_uptime_ratio", Some(("window", window)));
        let percent = document["uptime"][key].as_f64();
        assert_eq!(ratio, percent.map(|p| p / 100.0), "{window}");
    }
    for state in ["operational", "degraded", "outage", "unknown"] {
        let current = document["platform_status"] == state;
        assert_eq!(
            m.value("status_platform_status", Some(("status", state))),
            f64::from(u8::from(current)),
            "{state}"
        );
    }
    let backups = &document["backups"];
    assert_eq!(backups["last_backup_status"], "success");
    assert_eq!(
        m.value("status_backup_status", Some(("status", "success"))),
        1.0
    );
    assert_eq!(
        m.value("status_backup_status", Some(("status", "warning"))),
        0.0
    );
    let backup_time =
        chrono::DateTime::parse_from_rfc3339(backups["last_backup_time"].as_str().unwrap())
            .unwrap();
    let updated_at =
        chrono::DateTime::parse_from_rfc3339(document["updated_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        m.value("status_backup_age_seconds", None),
        (updated_at - backup_time).num_seconds() as f64
    );
    assert_eq!(
        m.value("status_backup_warn_after_seconds", None),
        26.0 * 3600.0
    );
    assert_eq!(m.value("status_public_copy_readable", None), 1.0);
    assert_eq!(
        m.value("status_requests_total", Some(("service", "kuma"))),
        kuma_requests as f64
    );
    // HeadObject (is a newer document published?), PutObject, HeadObject (verify).
    assert_eq!(
        m.value("status_requests_total", Some(("service", "s3"))),
        3.0
    );
    assert_eq!(
        m.value("status_request_retries_total", Some(("service", "s3"))),
        0.0
    );
    let uploaded = std::fs::metadata(dir.path().join("status.json"))
        .unwrap()
        .len();
    assert_eq!(
        m.value("status_uploaded_bytes_total", None),
        uploaded as f64
    );

    let (clean, lint) = promtool::run(&["check", "metrics"], metrics.text.as_bytes());
    assert!(
        clean && lint.trim().is_empty(),
        "promtool check metrics: {lint}"
    );
}

#[tokio::test]
async fn failed_runs_write_their_metrics_and_keep_the_last_success() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("failing").await;
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let backups = tempfile::tempdir().unwrap();
    std::fs::write(backups.path().join("db.sql.gz"), b"dump").unwrap();
    let base = vec![
        ("BACKUP_DIR", backups.path().display().to_string()),
        (
            "STATUS_METRICS_FILE",
            dir.path().join("status.prom").display().to_string(),
        ),
    ];
    let run_with = |extra: &[(&'static str, String)], args: &[&str], code: i32| {
        let env = [base.clone(), extra.to_vec()].concat();
        let (got, _, stderr) = run(dir.path(), args, &env).into_text();
        assert_eq!(got, code, "{stderr}");
        Metrics::read(dir.path())
    };

    let first = run_with(&kuma_env(&kuma), &["generate"], 0);
    let succeeded = first.value("status_last_success_timestamp_seconds", None);

    // Kuma unreachable: exit 3, two runs in a row.
    let kuma_down = vec![
        ("KUMA_URL", refused_url()),
        ("KUMA_STATUS_PAGE", "main".to_string()),
    ];
    for runs in [1.0, 2.0] {
        let m = run_with(&kuma_down, &["generate"], 3);
        assert_eq!(m.value("status_last_run_exit_code", None), 3.0);
        assert_eq!(m.value("status_source_up", Some(("source", "kuma"))), 0.0);
        assert_eq!(
            m.value("status_source_up", Some(("source", "backups"))),
            1.0
        );
        let kuma_failures = Some(("source", "kuma"));
        assert_eq!(
            m.value("status_source_consecutive_failures", kuma_failures),
            runs
        );
        assert_eq!(
            m.value("status_last_success_timestamp_seconds", None),
            succeeded,
            "exit 3 is no success"
        );
        assert!(m.value("status_last_run_timestamp_seconds", None) > succeeded);
    }

    // The third: the upload's first PutObject answered 503, retried by the SDK.
    let proxy = S3Proxy::failing_puts(moto.endpoint(), 1);
    let mut upload = [kuma_down.clone(), status_bucket_env(moto, &bucket)].concat();
    upload.push(("SPACES_ENDPOINT", proxy.url()));
    let m = run_with(&upload, &["generate", "--upload"], 3);
    let kuma_failures = Some(("source", "kuma"));
    assert_eq!(
        m.value("status_source_consecutive_failures", kuma_failures),
        3.0
    );
    let s3 = Some(("service", "s3"));
    assert_eq!(
        m.value("status_requests_total", s3),
        4.0,
        "{:?}",
        proxy.requests()
    );
    assert_eq!(m.value("status_request_retries_total", s3), 1.0);
    let uploaded = std::fs::metadata(dir.path().join("status.json"))
        .unwrap()
        .len();
    assert_eq!(
        m.value("status_uploaded_bytes_total", None),
        uploaded as f64
    );

    // Exit 1: the bucket does not exist. The counters go on from the file.
    let missing = [
        kuma_down.clone(),
        status_bucket_env(moto, "no-such-status-bucket"),
    ]
    .concat();
    let m = run_with(&missing, &["generate", "--upload"], 1);
    assert_eq!(m.value("status_last_run_exit_code", None), 1.0);
    assert_eq!(
        m.value("status_requests_total", s3),
        6.0,
        "HeadObject, PutObject"
    );
    assert_eq!(
        m.value("status_source_consecutive_failures", kuma_failures),
        4.0
    );
    assert_eq!(
        m.value("status_last_success_timestamp_seconds", None),
        succeeded
    );
    assert_eq!(m.get("status_public_copy_readable", None), None);

    // Exit 2 before any source is read: the count of failed runs stays as it was.
    let required = [("STATUS_REQUIRE", "kuma".to_string())];
    let m = run_with(&required, &["generate"], 2);
    assert_eq!(m.value("status_last_run_exit_code", None), 2.0);
    assert_eq!(m.get("status_source_up", kuma_failures), None);
    assert_eq!(
        m.value("status_source_consecutive_failures", kuma_failures),
        4.0
    );
    assert_eq!(
        m.value("status_last_success_timestamp_seconds", None),
        succeeded
    );
}

/// The `status_*` metric names in `text`.
fn metric_names_in(text: &str) -> BTreeSet<String> {
    let is_name = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    text.match_indices("status_")
        .filter(|(at, _)| !text[..*at].ends_with(|c: char| is_name(c) || c.is_ascii_uppercase()))
        .map(|(at, _)| text[at..].chars().take_while(|c| is_name(*c)).collect())
        .collect()
}

/// Every `expr` of the dashboard's panels.
fn dashboard_queries(dashboard: &Json) -> Vec<String> {
    let mut queries = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            queries.push(target["expr"].as_str().expect("expr").to_string());
        }
    }
    queries
}

fn repo_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

#[tokio::test]
async fn the_alert_rules_and_the_dashboard_read_only_metrics_the_job_writes() {
    let (_dir, metrics, _, _) = full_run().await;
    let written = metrics.names();

    for args in [
        ["check", "rules", "config/prometheus-alerts.yml"],
        ["test", "rules", "tests/prometheus/alerts.test.yml"],
    ] {
        let (ok, printed) = promtool::run(&args, b"");
        assert!(ok, "promtool {}: {printed}", args.join(" "));
    }
    for file in [
        "config/prometheus-alerts.yml",
        "tests/prometheus/alerts.test.yml",
    ] {
        let used = metric_names_in(&repo_file(file));
        assert!(!used.is_empty(), "{file}");
        let unknown: Vec<_> = used.difference(&written).collect();
        assert!(
            unknown.is_empty(),
            "{file} uses {unknown:?}; the job writes {written:?}"
        );
    }

    let dashboard: Json = serde_json::from_str(&repo_file("config/grafana-dashboard.json"))
        .expect("the dashboard is JSON");
    let used = metric_names_in(&dashboard_queries(&dashboard).join("\n"));
    let unknown: Vec<_> = used.difference(&written).collect();
    assert!(unknown.is_empty(), "the dashboard uses {unknown:?}");
    let unshown: Vec<_> = written.difference(&used).collect();
    assert!(unshown.is_empty(), "the dashboard shows no {unshown:?}");
}

#[test]
fn names_are_found_in_queries_and_only_there() {
    let names = metric_names_in(
        "time() - status_last_success_timestamp_seconds{instance=~\"$i\"} > 1800 and StatusJobNotSucceeding and my_status_x and status.json",
    );
    assert_eq!(
        names,
        BTreeSet::from(["status_last_success_timestamp_seconds".to_string()])
    );
}
