//! Settings as an operator writes them, through the binary: the env file's one literal syntax
//! (the same for --env-file, systemd and kubectl), warnings for names and values that would
//! be misread, and every invalid setting reported in one run, in the configured log format.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::run;

fn env_file(dir: &Path, text: &str) {
    let path = dir.join(".env");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn values_are_literal_with_no_dollar_expansion() {
    let dir = tempfile::tempdir().unwrap();
    // Measured in the issue: dotenv turned this into `st.json`.
    env_file(dir.path(), "STATUS_OUTPUT=st$atus.json\n");
    let run = run(dir.path(), &["generate"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("st$atus.json").is_file(), "{}", run.stderr);
    assert!(!run.stderr.contains("WARN"), "{}", run.stderr);
}

#[test]
fn misspelled_names_and_values_read_differently_elsewhere_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    env_file(
        dir.path(),
        "STATUS_TIMOUT=10s\nKUMA_STATUSPAGE=main\nSTATUS_CACHE_CONTROL=\"public, max-age=60\"\nSTATUS_KEY=status.json # the default\nOTHER_TOOL=x\n",
    );
    let run = run(
        dir.path(),
        &["generate", "--dry-run"],
        &[("BACKUP_BUCKETS", "typo-in-the-environment".to_string())],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(" WARN "))
        .collect();
    for expected in [
        "STATUS_TIMOUT (in the env file) is not a setting of status and is ignored; did you mean STATUS_TIMEOUT?",
        "KUMA_STATUSPAGE (in the env file) is not a setting of status and is ignored; did you mean KUMA_STATUS_PAGE?",
        "BACKUP_BUCKETS (in the environment) is not a setting of status and is ignored; did you mean BACKUP_BUCKET?",
        "env file .env, line 3: the value of STATUS_CACHE_CONTROL holds a quote, which systemd removes and kubectl keeps",
        "env file .env, line 4: the value of STATUS_KEY holds ` #`",
    ] {
        assert!(
            warnings.iter().any(|line| line.contains(expected)),
            "{expected}\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("OTHER_TOOL"), "{}", run.stderr);
    assert!(!run.stderr.contains("max-age=60"), "values are never shown");
}

#[test]
fn every_invalid_setting_is_one_json_line_then_the_summary_then_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    env_file(
        dir.path(),
        "STATUS_LOG_FORMAT=json\nKUMA_CONCURRENCY=0\nexport STATUS_KEY=status.json\n",
    );
    let env = [
        ("SPACES_PATH_STYLE", "maybe".to_string()),
        ("BACKUP_MIN_SIZE", "big".to_string()),
        ("STATUS_MAX_AGE", "soon".to_string()),
    ];
    let run = run(dir.path(), &["--timeout", "1ns", "generate"], &env);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let lines: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let (summary, errors) = lines.split_last().unwrap();
    let messages: Vec<&str> = errors
        .iter()
        .map(|line| {
            assert_eq!(line["level"], "ERROR", "{line}");
            line["message"].as_str().unwrap()
        })
        .collect();
    for start in [
        "env file .env, line 3: `export STATUS_KEY` is shell syntax",
        "KUMA_CONCURRENCY: \"0\" is not a whole number from 1 to 256",
        "SPACES_PATH_STYLE: \"maybe\" is not a boolean",
        "BACKUP_MIN_SIZE: \"big\" is not a size",
        "--timeout / STATUS_TIMEOUT: \"1ns\" is not a duration in whole seconds from 1s to 10 years",
        "STATUS_MAX_AGE: \"soon\" is not a duration in whole seconds from 1s to 10 years",
    ] {
        assert_eq!(
            messages.iter().filter(|m| m.starts_with(start)).count(),
            1,
            "{start}\n{messages:#?}"
        );
    }
    assert_eq!(messages.len(), 6, "{messages:#?}");
    assert_eq!(summary["level"], "INFO");
    let summary = summary["message"].as_str().unwrap();
    assert!(
        summary.starts_with("configuration: 6 error(s) above; nothing done;")
            && summary.ends_with("exit 2"),
        "{summary}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only .env"
    );
}
