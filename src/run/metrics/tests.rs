use super::*;
use crate::document::{Percent, Timestamp};

const ENDED_AT: f64 = 1_795_000_000.0;

fn document() -> StatusDocument {
    let mut document: StatusDocument = serde_json::from_value(serde_json::json!({
        "updated_at": "2026-11-26T04:10:00Z",
        "platform_status": "degraded",
        "uptime": {"last_24h": 99.5, "last_7d": null, "last_30d": 99.95},
        "backups": {"last_backup_status": "warning", "last_backup_time": "2026-11-25T00:10:00Z"}
    }))
    .unwrap();
    document.uptime.last_1y = Percent::rounded(100.0);
    document
}

fn facts(kuma_up: bool) -> Facts {
    let record = RunRecord::default();
    record.source("kuma", kuma_up, Duration::from_millis(250));
    record.source("backups", true, Duration::from_millis(40));
    record.document(&document());
    record.backup_warn_after(Duration::from_secs(26 * 3600));
    record.uploaded(180, Some(false));
    record.facts()
}

fn sent() -> Requests {
    Requests {
        kuma: 22,
        s3: 4,
        s3_retries: 1,
    }
}

/// The file's samples, by name and label value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    kuma::metrics::parse(text)
        .unwrap()
        .into_iter()
        .map(|s| {
            let key = match s.labels.first() {
                Some((_, value)) => format!("{}{{{value}}}", s.name),
                None => s.name.clone(),
            };
            (key, s.value)
        })
        .collect()
}

#[test]
fn a_run_writes_every_value_it_knows_and_none_it_does_not() {
    let run = snapshot(
        &Carried::default(),
        facts(true),
        Exit::Success,
        Duration::from_millis(1500),
        ENDED_AT,
        sent(),
    );
    let text = text::render(&run);
    let got = samples(&text);
    let expected = [
        ("status_last_run_timestamp_seconds", ENDED_AT),
        ("status_last_success_timestamp_seconds", ENDED_AT),
        ("status_last_run_duration_seconds", 1.5),
        ("status_last_run_exit_code", 0.0),
        ("status_source_up{kuma}", 1.0),
        ("status_source_up{backups}", 1.0),
        ("status_source_duration_seconds{kuma}", 0.25),
        ("status_source_consecutive_failures{kuma}", 0.0),
        ("status_uptime_ratio{24h}", 0.995),
        ("status_uptime_ratio{30d}", 0.9995),
        ("status_uptime_ratio{1y}", 1.0),
        ("status_platform_status{degraded}", 1.0),
        ("status_platform_status{operational}", 0.0),
        ("status_platform_status{outage}", 0.0),
        ("status_platform_status{unknown}", 0.0),
        ("status_backup_status{warning}", 1.0),
        ("status_backup_status{success}", 0.0),
        ("status_backup_age_seconds", 28.0 * 3600.0),
        ("status_backup_warn_after_seconds", 26.0 * 3600.0),
        ("status_public_copy_readable", 0.0),
        ("status_requests_total{kuma}", 22.0),
        ("status_requests_total{s3}", 4.0),
        ("status_request_retries_total{s3}", 1.0),
        ("status_uploaded_bytes_total", 180.0),
    ];
    for (key, value) in expected {
        assert_eq!(got.get(key), Some(&value), "{key} in\n{text}");
    }
    assert!(
        !got.contains_key("status_uptime_ratio{7d}"),
        "an unknown uptime has no sample: {text}"
    );
    assert!(
        text.contains("# TYPE status_requests_total counter\n"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE status_uptime_ratio gauge\n"),
        "{text}"
    );
    assert!(
        text.contains("# HELP status_last_run_exit_code Exit code of the last run"),
        "{text}"
    );
}

#[test]
fn values_that_span_runs_are_carried_from_the_previous_file() {
    let first = snapshot(
        &Carried::default(),
        facts(false),
        Exit::Partial,
        Duration::from_secs(2),
        ENDED_AT,
        sent(),
    );
    let carried = Carried::from_text(&text::render(&first)).unwrap();
    assert_eq!(carried.last_success, None, "exit 3 is no success");
    assert_eq!(carried.failures_in_a_row.get("kuma"), Some(&1));
    assert_eq!(carried.failures_in_a_row.get("backups"), Some(&0));

    let second = snapshot(
        &carried,
        facts(false),
        Exit::Success,
        Duration::from_secs(2),
        ENDED_AT + 600.0,
        sent(),
    );
    assert_eq!(second.failures_in_a_row.get("kuma"), Some(&2));
    assert_eq!(second.last_success, Some(ENDED_AT + 600.0));
    assert_eq!(second.requests.get("kuma"), Some(&44));
    assert_eq!(second.retries.get("s3"), Some(&2));
    assert_eq!(second.uploaded_bytes, 360);

    // A run that failed before reading the sources keeps the count and the last success.
    let carried = Carried::from_text(&text::render(&second)).unwrap();
    let third = snapshot(
        &carried,
        Facts::default(),
        Exit::Failure,
        Duration::from_secs(1),
        ENDED_AT + 1200.0,
        Requests::default(),
    );
    assert_eq!(third.failures_in_a_row.get("kuma"), Some(&2));
    assert_eq!(third.last_success, Some(ENDED_AT + 600.0));
    assert_eq!(third.exit_code, 1);
    assert_eq!(third.document, None);
    let text = text::render(&third);
    assert!(!text.contains("status_source_up"), "{text}");
    assert!(!text.contains("status_uptime_ratio"), "{text}");

    // Kuma read again: the count starts over.
    let fourth = snapshot(
        &Carried::from_text(&text).unwrap(),
        facts(true),
        Exit::Success,
        Duration::from_secs(1),
        ENDED_AT + 1800.0,
        Requests::default(),
    );
    assert_eq!(fourth.failures_in_a_row.get("kuma"), Some(&0));
}

#[test]
fn a_file_this_program_did_not_write_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let file = MetricsFile::new(dir.path().join("status.prom"), dir.path().join("lock"));
    let write = |file: &MetricsFile| {
        file.try_write(
            facts(true),
            Exit::Success,
            Duration::from_secs(1),
            ENDED_AT,
            sent(),
        )
    };
    for foreign in ["node_cpu_seconds_total 5\n", "<html>\n"] {
        std::fs::write(&file.path, foreign).unwrap();
        let err = write(&file).unwrap_err();
        assert!(
            format!("{err:#}").contains("is not a metrics file of this program"),
            "{err:#}"
        );
        assert_eq!(std::fs::read_to_string(&file.path).unwrap(), foreign);
    }
    // An empty file (made by `touch`) holds nothing to lose.
    std::fs::write(&file.path, "").unwrap();
    write(&file).unwrap();
    write(&file).unwrap();
    let carried = Carried::from_text(&std::fs::read_to_string(&file.path).unwrap()).unwrap();
    assert_eq!(
        carried.requests.get("kuma"),
        Some(&44),
        "the second run added on"
    );
}

#[test]
fn a_run_that_finds_the_lock_held_leaves_the_file_to_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let file = MetricsFile::new(dir.path().join("status.prom"), dir.path().join("lock"));
    let _held = lock::acquire(&file.lock_file).unwrap();
    file.try_write(
        Facts::default(),
        Exit::Failure,
        Duration::ZERO,
        ENDED_AT,
        Requests::default(),
    )
    .unwrap();
    assert!(!file.path.exists());
}

#[test]
fn the_backup_age_is_taken_when_the_document_was_made() {
    let record = RunRecord::default();
    let mut document = document();
    document.backups.last_backup_time = Some(Timestamp::parse("2026-11-26T05:00:00Z").unwrap());
    record.document(&document);
    let facts = record.facts().document.unwrap();
    assert_eq!(
        facts.backup_age,
        Some(Duration::ZERO),
        "a future backup is age 0"
    );
}
