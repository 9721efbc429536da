//! Log lines on stderr: RFC 3339 text or one JSON object each, and the level that `-q`, `-v`
//! and `RUST_LOG` choose.

use crate::support::{DRY_RUN, run, settings};

#[test]
fn log_lines_are_rfc3339_text_or_one_json_object_each() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, text) = run(dir.path(), DRY_RUN, &[]).into_text();
    for line in text.lines() {
        // 2026-11-26T04:06:01.517Z  WARN status::commands::generate: KUMA_URL is not set ...
        let (timestamp, rest) = line.split_once(' ').unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(timestamp).is_ok() && timestamp.ends_with('Z'),
            "{line}"
        );
        let rest = rest.trim_start();
        assert!(
            rest.starts_with("WARN status::") || rest.starts_with("INFO status::"),
            "{line}"
        );
    }
    let args = ["--log-format", "json", "generate", "--dry-run"];
    let (code, _, json) = run(dir.path(), &args, &[]).into_text();
    assert_eq!(code, 0, "{json}");
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(lines.len(), text.lines().count());
    for line in &lines {
        for key in ["timestamp", "level", "target", "message"] {
            assert!(line[key].is_string(), "{key} missing in {line}");
        }
    }
    assert_eq!(lines.last().unwrap()["level"], "INFO");
}

#[test]
fn quiet_verbose_and_rust_log_set_the_level() {
    let dir = tempfile::tempdir().unwrap();
    let levels = |args: &[&str], env: &[(&'static str, String)]| -> Vec<String> {
        let (code, _, stderr) = run(dir.path(), args, env).into_text();
        assert_eq!(code, 0, "{stderr}");
        stderr
            .lines()
            .map(|line| line.split_whitespace().nth(1).unwrap().to_string())
            .collect()
    };
    let default = levels(DRY_RUN, &[]);
    assert!(default.contains(&"INFO".to_string()) && default.contains(&"WARN".to_string()));
    let quiet = levels(&["-q", "generate", "--dry-run"], &[]);
    assert!(
        !quiet.is_empty() && quiet.iter().all(|level| level == "WARN"),
        "{quiet:?}"
    );
    let errors_only = levels(DRY_RUN, &settings(&[("RUST_LOG", "error")]));
    assert!(errors_only.is_empty(), "{errors_only:?}");
    // The backup check logs its listing at debug level: shown with -v only.
    std::fs::create_dir(dir.path().join("backups")).unwrap();
    let backups = settings(&[("BACKUP_DIR", "backups")]);
    let debug = "DEBUG".to_string();
    assert!(!levels(DRY_RUN, &backups).contains(&debug));
    assert!(levels(&["-v", "generate", "--dry-run"], &backups).contains(&debug));
}
