//! The settings table (src/config/table.rs) is the one place a setting is written down:
//! `.env.example` and the tables of docs/configuration.md are made from it, the code reads only
//! names that are in it, and `status config` shows it with each value's origin.
//!
//! `BLESS=1 cargo test --test tests settings` rewrites the two files from the table.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use status::config::reference;
use status::config::table::SETTINGS;

use crate::support::{DRY_RUN, run, settings, status_command};

fn repo_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// Fails when `name` differs from `expected`; with `BLESS=1`, writes `expected` to it instead.
fn assert_generated(name: &str, expected: &str) {
    let path = repo_path(name);
    if std::env::var_os("BLESS").is_some() {
        fs::write(&path, expected).unwrap();
        return;
    }
    let actual = fs::read_to_string(&path).unwrap();
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.lines().count().min(expected.lines().count()));
        panic!(
            "{name} is not what src/config/table.rs makes (first difference at line {}); \
             run `BLESS=1 cargo test --test tests settings` to rewrite it",
            line + 1
        );
    }
}

#[test]
fn env_example_is_made_from_the_table() {
    assert_generated(".env.example", &reference::env_example());
}

#[test]
fn configuration_doc_tables_are_made_from_the_table() {
    let doc = fs::read_to_string(repo_path("docs/configuration.md")).unwrap();
    let expected = reference::with_markdown_tables(&doc)
        .unwrap_or_else(|why| panic!("docs/configuration.md: {why}"));
    assert_generated("docs/configuration.md", &expected);
}

/// Words of src/ (outside the table itself and unit tests) shaped like a setting name:
/// `KUMA_URL` in a getter call, an error message or a comment.
fn setting_names_in_the_code() -> BTreeSet<String> {
    let mut files = Vec::new();
    crate::support::rust_files(&repo_path("src"), &mut files);
    let table = repo_path("src/config/table.rs");
    let mut names = BTreeSet::new();
    for file in files.iter().filter(|file| **file != table) {
        let text = fs::read_to_string(file).unwrap();
        // Unit tests (at the end of a file) may name wrong settings on purpose.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let words = code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        for word in words {
            let prefixed = ["STATUS_", "KUMA_", "SPACES_", "BACKUP_"]
                .iter()
                .any(|prefix| word.starts_with(prefix) && word.len() > prefix.len());
            if prefixed && word.chars().all(|c| !c.is_ascii_lowercase()) {
                names.insert(word.to_string());
            }
        }
    }
    names
}

#[test]
fn the_code_names_only_settings_of_the_table_and_all_of_them() {
    let in_code = setting_names_in_the_code();
    let in_table: BTreeSet<String> = SETTINGS.iter().map(|s| s.name.to_string()).collect();
    let unknown: Vec<_> = in_code.difference(&in_table).collect();
    let unread: Vec<_> = in_table.difference(&in_code).collect();
    assert!(
        unknown.is_empty(),
        "src/ names settings that are not in src/config/table.rs: {unknown:?}"
    );
    assert!(
        unread.is_empty(),
        "src/config/table.rs has settings nothing in src/ reads: {unread:?}"
    );
}

#[test]
fn a_bad_value_reads_the_same_from_the_environment_and_the_env_file() {
    for (key, value) in [("STATUS_LOG_FORMAT", "xml"), ("STATUS_TIMEOUT", "soon")] {
        let dir = tempfile::tempdir().unwrap();
        let from_env = status_command(dir.path())
            .args(["generate", "--dry-run"])
            .env(key, value)
            .output()
            .unwrap();
        let env_file = dir.path().join(".env");
        fs::write(&env_file, format!("{key}={value}\n")).unwrap();
        fs::set_permissions(
            &env_file,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        let from_file = status_command(dir.path())
            .args(["generate", "--dry-run"])
            .output()
            .unwrap();
        assert_eq!(from_env.status.code(), Some(2), "{key}");
        assert_eq!(from_file.status.code(), Some(2), "{key}");
        // The same lines, but for their timestamps and the run's duration.
        let lines = |stderr: Vec<u8>| -> Vec<String> {
            String::from_utf8(stderr)
                .unwrap()
                .lines()
                .map(|line| line.split_once(' ').unwrap().1.to_string())
                .map(|line| line.split("; 0.").next().unwrap().to_string())
                .collect()
        };
        let stderr = lines(from_env.stderr);
        assert_eq!(stderr, lines(from_file.stderr));
        assert_eq!(stderr.len(), 2, "the error and the summary: {stderr:?}");
        assert!(
            stderr[0].starts_with("ERROR status::commands: ")
                && stderr[0].contains(&format!("{key}: \"{value}\"")),
            "{stderr:?}"
        );
    }
}

#[test]
fn status_config_shows_each_value_and_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("status.env"),
        "KUMA_URL=https://kuma.example.com\nKUMA_STATUS_PAGE=main\nKUMA_API_KEY=uk1_topsecret\nKUMA_CONCURENCY=8\n",
    )
    .unwrap();
    let output = status_command(dir.path())
        .args(["--timeout", "45s", "config"])
        .env("STATUS_ENV_FILE", "status.env")
        .env("KUMA_STATUS_PAGE", "public")
        .env("BACKUP_BUCKET", "backups")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("uk1_topsecret"), "{stdout}");
    let row = |name: &str| -> Vec<String> {
        let line = stdout
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} line in\n{stdout}"));
        line.split("  ")
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        row("STATUS_TIMEOUT"),
        ["STATUS_TIMEOUT", "flag --timeout", "45s"]
    );
    assert_eq!(
        row("STATUS_ENV_FILE"),
        ["STATUS_ENV_FILE", "environment", "status.env"]
    );
    assert_eq!(
        row("KUMA_URL"),
        ["KUMA_URL", "env file", "https://kuma.example.com"]
    );
    assert_eq!(
        row("KUMA_STATUS_PAGE"),
        ["KUMA_STATUS_PAGE", "environment", "public"]
    );
    assert_eq!(row("KUMA_API_KEY"), ["KUMA_API_KEY", "env file", "***"]);
    assert_eq!(
        row("KUMA_CONCURRENCY"),
        ["KUMA_CONCURRENCY", "default", "32"]
    );
    assert_eq!(row("KUMA_CONCURENCY"), ["KUMA_CONCURENCY", "env file"]);
    assert!(stdout.starts_with("env file: status.env\n"), "{stdout}");
    // Every source configured, so every default the code holds was checked against the table
    // (a debug build asserts it): the run succeeding is that check.
    assert!(stdout.ends_with("valid: every value parses\n"), "{stdout}");
}

#[test]
fn status_config_shows_the_table_and_then_the_bad_value() {
    let dir = tempfile::tempdir().unwrap();
    let output = status_command(dir.path())
        .arg("config")
        .env("STATUS_ACL", "public")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("STATUS_ACL"), "{stdout}");
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "status: error: STATUS_ACL: \"public\" is not one of public-read, private\n"
    );
}

#[test]
fn status_config_env_example_prints_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = status_command(dir.path())
        .args(["config", "--env-example"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        reference::env_example()
    );
}

// --- Where values come from, and how a bad one is refused ----------------------------------

#[test]
fn settings_come_from_flag_then_environment_then_env_file_then_default() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    std::fs::write(&env_file, "STATUS_TIMEOUT=from-file\n").unwrap();
    std::fs::set_permissions(
        &env_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();

    // ./.env is read without being named.
    let (code, _, stderr) = run(dir.path(), DRY_RUN, &[]).into_text();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.lines().next().unwrap().ends_with(
            r#" ERROR status::commands: STATUS_TIMEOUT: "from-file" is not a duration in whole seconds from 1s to 10 years; expected e.g. 45s, 10m, 26h"#
        ),
        "{stderr}"
    );
    // The process environment beats the file...
    let (code, _, stderr) =
        run(dir.path(), DRY_RUN, &settings(&[("STATUS_TIMEOUT", "5s")])).into_text();
    assert_eq!(code, 0, "{stderr}");
    // ...and the flag beats both.
    let args = ["--timeout", "from-flag", "generate", "--dry-run"];
    let (code, _, stderr) =
        run(dir.path(), &args, &settings(&[("STATUS_TIMEOUT", "5s")])).into_text();
    assert_eq!(code, 2);
    assert!(
        stderr.contains(r#"--timeout / STATUS_TIMEOUT: "from-flag" is not"#),
        "{stderr}"
    );

    // --env-file names another file; a missing one is a configuration error naming it.
    std::fs::write(dir.path().join("other.env"), "STATUS_TIMEOUT=from-other\n").unwrap();
    let args = ["--env-file", "other.env", "generate", "--dry-run"];
    let (code, _, stderr) = run(dir.path(), &args, &[]).into_text();
    assert_eq!(code, 2);
    assert!(stderr.contains(r#""from-other""#), "{stderr}");
    let args = ["--env-file", "missing.env", "generate", "--dry-run"];
    let (code, _, stderr) = run(dir.path(), &args, &[]).into_text();
    assert_eq!(code, 2);
    assert_eq!(
        stderr.lines().count(),
        2,
        "the error and the summary: {stderr}"
    );
    assert!(
        stderr.contains("--env-file / STATUS_ENV_FILE: cannot read missing.env"),
        "{stderr}"
    );
}

#[test]
fn an_env_file_readable_by_others_is_warned_about_once() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    std::fs::write(&env_file, "STATUS_TIMEOUT=10s\n").unwrap();
    let chmod = |mode| {
        std::fs::set_permissions(
            &env_file,
            std::os::unix::fs::PermissionsExt::from_mode(mode),
        )
        .unwrap()
    };
    chmod(0o644);
    let (code, _, stderr) = run(dir.path(), DRY_RUN, &[]).into_text();
    assert_eq!(code, 0, "{stderr}");
    let warnings = stderr.matches("readable by group or others").count();
    assert_eq!(warnings, 1, "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    chmod(0o600);
    let (_, _, stderr) = run(dir.path(), DRY_RUN, &[]).into_text();
    assert!(!stderr.contains("readable by group or others"), "{stderr}");
}

#[test]
fn bad_values_are_one_line_configuration_errors_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    /// Arguments, settings, and the expected error line.
    type Case = (
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
        &'static str,
    );
    let cases: &[Case] = &[
        (
            &["--timeout", "9999999999999999999s", "generate", "--dry-run"],
            &[],
            r#"--timeout / STATUS_TIMEOUT: "9999999999999999999s" is not a duration in whole seconds from 1s to 10 years"#,
        ),
        (
            &["--timeout", "1ns", "generate", "--dry-run"],
            &[],
            r#"--timeout / STATUS_TIMEOUT: "1ns" is not a duration in whole seconds from 1s to 10 years"#,
        ),
        (
            DRY_RUN,
            &[("STATUS_OUTPUT", "/")],
            r#"STATUS_OUTPUT: "/" is a directory"#,
        ),
        (
            DRY_RUN,
            &[("KUMA_URL", "uptime.local"), ("KUMA_STATUS_PAGE", "main")],
            r#"KUMA_URL: "uptime.local" is not an http(s) URL"#,
        ),
        (
            DRY_RUN,
            &[("SPACES_PATH_STYLE", "maybe")],
            r#"SPACES_PATH_STYLE: "maybe" is not a boolean"#,
        ),
    ];
    for (args, pairs, expected) in cases {
        let (code, stdout, stderr) = run(dir.path(), args, &settings(pairs)).into_text();
        assert_eq!(code, 2, "{args:?} {pairs:?}: {stderr}");
        assert!(stdout.is_empty());
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "the error and the summary: {stderr}");
        assert!(
            lines[0].contains(" ERROR ") && lines[0].contains(expected),
            "{stderr}"
        );
        assert!(lines[1].ends_with("exit 2"), "{stderr}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}
