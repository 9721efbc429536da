//! `status generate`, driven as cron drives it: the real binary against the Kuma fixture server
//! (captured 2.5.3 responses on a real socket) and the moto S3 server. Every document the
//! binary produces is checked against config/status.schema.json.

use crate::support::http_server::refused_url;
use crate::support::kuma_fixtures::KumaVersion;
use crate::support::moto::Moto;
use crate::support::publish::{
    fresh_kuma, kuma_env, rfc3339, status_bucket_env, stored_object, written,
};
use crate::support::run;
use crate::support::schema::valid_document;
use chrono::Utc;
use serde_json::{Value, json};

/// The push token of the fixture server's push monitor (MANIFEST "Server setup").
const PUSH_TOKEN: &str = "TnGfsAE6kVReXWLouAlerkQdOeC4qYp3";

/// Every field unknown/null, and none of the optional keys a source would have added.
fn assert_all_unknown(document: &Value) {
    assert_eq!(
        document,
        &json!({
            "updated_at": document["updated_at"],
            "platform_status": "unknown",
            "uptime": {"last_24h": null, "last_7d": null, "last_30d": null},
            "backups": {"last_backup_status": "unknown", "last_backup_time": null},
            "schema_version": 1
        })
    );
}

#[test]
fn dry_run_with_an_empty_environment_prints_an_all_unknown_document() {
    let dir = tempfile::tempdir().unwrap();
    let run = run(dir.path(), &["generate", "--dry-run"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_all_unknown(&valid_document(&run.stdout));
    // One warning per missing setting, each naming it.
    let warnings: Vec<&str> = run.stderr.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 3, "{}", run.stderr);
    for setting in ["KUMA_URL", "BACKUP_BUCKET", "STATUS_BUCKET"] {
        assert_eq!(
            warnings.iter().filter(|l| l.contains(setting)).count(),
            1,
            "{setting}: {}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("nothing written, uploaded or pinged"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "dry run wrote a file"
    );
}

#[test]
fn generate_writes_the_merged_document_and_exits_0() {
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    // A local backup directory whose newest dump was written three hours ago.
    let backups = tempfile::tempdir().unwrap();
    let dump = backups.path().join("db-0200.sql.gz");
    std::fs::write(&dump, b"dump").unwrap();
    let written_at = Utc::now() - chrono::Duration::hours(3);
    filetime::set_file_mtime(
        &dump,
        filetime::FileTime::from_unix_time(written_at.timestamp(), 0),
    )
    .unwrap();
    // Every optional key: the API key brings the 1-year uptime from /metrics.
    let mut env = kuma_env(&kuma);
    env.push(("KUMA_API_KEY", KumaVersion::V2_5_3.api_key().to_string()));
    env.push(("STATUS_PUBLISH_COMPONENTS", "true".into()));
    env.push(("BACKUP_DIR", backups.path().display().to_string()));
    let run = run(dir.path(), &["generate"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = written(dir.path());
    assert_eq!(
        document["backups"],
        json!({"last_backup_status": "success", "last_backup_time": rfc3339(written_at)})
    );
    // The same Kuma, read by `status kuma --json`: the document carries its numbers rounded
    // to two decimals.
    let kuma_run = self::run(dir.path(), &["kuma", "--json"], &env);
    let report: Value = serde_json::from_slice(&kuma_run.stdout).unwrap();
    assert_eq!(document["platform_status"], report["platform_status"]);
    for window in ["last_24h", "last_7d", "last_30d", "last_1y"] {
        let raw = report["uptime"][window].as_f64().unwrap();
        assert_eq!(
            document["uptime"][window].as_f64(),
            Some((raw * 100.0).round() / 100.0),
            "{window}"
        );
    }
    assert_eq!(
        document["maintenance"]["titles"],
        json!(["Search cluster upgrade"])
    );
    assert_eq!(
        document["incidents"][0]["title"],
        "Investigating elevated errors"
    );
    let names: Vec<&str> = document["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Web Frontend") && !names.contains(&"Internal Admin Panel"));
    let text = std::fs::read_to_string(dir.path().join("status.json")).unwrap();
    for internal in ["127.0.0.1", "db-0200", "Internal Admin Panel"] {
        assert!(!text.contains(internal), "{internal} leaked: {text}");
    }
    // One info summary line, last.
    let last = run.stderr.lines().last().unwrap();
    let expected = format!(
        "platform {}; uptime 24h {:.2}% 7d {:.2}% 30d {:.2}%; backups success (age 3h); wrote status.json ({} bytes); ",
        document["platform_status"].as_str().unwrap(),
        document["uptime"]["last_24h"].as_f64().unwrap(),
        document["uptime"]["last_7d"].as_f64().unwrap(),
        document["uptime"]["last_30d"].as_f64().unwrap(),
        text.len()
    );
    assert!(
        last.contains(&expected) && last.ends_with("exit 0"),
        "{last}\nexpected: {expected}"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path().join("status.json"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o644);
}

#[tokio::test]
async fn every_source_down_exits_3_and_still_uploads_an_all_unknown_document() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("kuma-down").await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = status_bucket_env(moto, &bucket);
    env.extend([
        ("KUMA_URL", refused_url()),
        ("KUMA_STATUS_PAGE", "main".to_string()),
        ("BACKUP_BUCKET", "no-such-backup-bucket".to_string()),
    ]);
    let run = run(dir.path(), &["generate", "--upload"], &env);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("WARN status::commands::generate::produce: Uptime Kuma: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("WARN status::commands::generate::produce: backups: "),
        "{}",
        run.stderr
    );
    assert_all_unknown(&written(dir.path()));
    let local = std::fs::read(dir.path().join("status.json")).unwrap();
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await,
        Some(local)
    );
    assert!(run.stderr.lines().last().unwrap().ends_with("exit 3"));
}

#[tokio::test]
async fn s3_down_exits_1_with_the_local_file_written_and_pings_down() {
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let mut env = kuma_env(&kuma);
    env.extend([
        ("SPACES_ENDPOINT", refused_url()),
        ("SPACES_REGION", "eu-west-1".to_string()),
        ("SPACES_KEY", "key".to_string()),
        ("SPACES_SECRET", "secret".to_string()),
        ("SPACES_PATH_STYLE", "true".to_string()),
        ("STATUS_BUCKET", "status".to_string()),
        (
            "KUMA_PUSH_URL",
            format!(
                "{}/api/push/{PUSH_TOKEN}?status=up&msg=OK&ping=",
                kuma.url()
            ),
        ),
    ]);
    let run = run(dir.path(), &["generate", "--upload"], &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("upload to s3://status/status.json failed"),
        "{}",
        run.stderr
    );
    written(dir.path());
    let pushes: Vec<_> = kuma
        .requests()
        .into_iter()
        .filter(|r| r.path() == format!("/api/push/{PUSH_TOKEN}"))
        .collect();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let query = pushes[0].query().unwrap();
    assert!(
        query.starts_with("status=down&msg=upload+to+s3%3A%2F%2Fstatus"),
        "{query}"
    );
    // The token is a secret: never in a log line.
    assert!(!run.stderr.contains(PUSH_TOKEN), "{}", run.stderr);
}

#[test]
fn a_publishing_run_pings_the_push_monitor_up_with_its_duration() {
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let mut env = kuma_env(&kuma);
    env.push((
        "KUMA_PUSH_URL",
        format!(
            "{}/api/push/{PUSH_TOKEN}?status=up&msg=OK&ping=",
            kuma.url()
        ),
    ));
    let run = run(dir.path(), &["generate"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pushes: Vec<_> = kuma
        .requests()
        .into_iter()
        .filter(|r| r.path().starts_with("/api/push/"))
        .collect();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let query = pushes[0].query().unwrap();
    let ping = query
        .strip_prefix("status=up&msg=OK&ping=")
        .unwrap_or_else(|| panic!("{query}"));
    assert!(ping.parse::<u64>().is_ok(), "{query}");
    // The push was the last request: the run had finished its work.
    assert_eq!(kuma.requests().last().unwrap().path(), pushes[0].path());
    assert!(!run.stderr.contains(PUSH_TOKEN), "{}", run.stderr);
}

#[test]
fn a_required_source_that_is_not_configured_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = run(
        dir.path(),
        &["generate"],
        &[("STATUS_REQUIRE", "kuma".to_string())],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("STATUS_REQUIRE: kuma is required but KUMA_URL is not set")
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
