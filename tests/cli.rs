//! The operator's commands around publishing: `check`, `bucket-setup`, `completions`, `man`,
//! and the cron/systemd/Kubernetes examples in config/ (which must stay valid command lines).

use std::path::Path;

use crate::support::http_server::refused_url;
use crate::support::kuma_fixtures::{KumaFixture, KumaVersion};
use crate::support::moto::{self, Moto};
use crate::support::publish::{kuma_env, status_bucket_env};
use crate::support::run;
use clap::Parser;
use status::cli::{Cli, Command};

fn repo_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

#[test]
fn completions_and_man_page_print_without_any_settings() {
    let dir = tempfile::tempdir().unwrap();
    // A broken env file must not stop them: they never read settings.
    std::fs::write(dir.path().join(".env"), "THIS IS NOT AN ENV FILE").unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, stderr) = run(dir.path(), &["completions", shell], &[]).into_text();
        assert_eq!(code, 0, "{shell}: {stderr}");
        for word in [
            "generate",
            "upload",
            "bucket-setup",
            "dry-run",
            "cors-origin",
        ] {
            assert!(stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let (code, stdout, stderr) = run(dir.path(), &["man"], &[]).into_text();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(".TH status 1"), "{stdout}");
    assert!(
        stdout.contains("generate") && stdout.contains("Exit codes"),
        "{stdout}"
    );
    let (code, _, stderr) = run(dir.path(), &["completions", "tcsh"], &[]).into_text();
    assert_eq!(code, 2, "{stderr}");
}

/// The command line of each example in config/, parsed by the real CLI definition.
fn example_command_lines() -> Vec<(&'static str, Vec<String>)> {
    let after_binary = |line: &str| -> Vec<String> {
        line.split_whitespace()
            .skip_while(|word| !word.ends_with("/status"))
            .skip(1)
            .take_while(|word| *word != ">>")
            .map(str::to_string)
            .collect()
    };
    let crontab = repo_file("config/crontab.example");
    let cron_line = crontab
        .lines()
        .find(|line| line.starts_with("*/10 "))
        .expect("a crontab line every 10 minutes");
    let service = repo_file("config/status.service");
    let exec_start = service
        .lines()
        .find(|line| line.starts_with("ExecStart="))
        .expect("ExecStart=");
    let cronjob = repo_file("config/kubernetes-cronjob.yaml");
    let args_line = cronjob
        .lines()
        .find_map(|line| line.trim().strip_prefix("args: "))
        .expect("args: [...]");
    let k8s_args: Vec<String> = serde_json::from_str(args_line).unwrap();
    vec![
        ("crontab", after_binary(cron_line)),
        ("systemd", after_binary(exec_start)),
        ("kubernetes", k8s_args),
    ]
}

#[test]
fn the_config_examples_run_generate_upload_within_the_interval() {
    for (name, args) in example_command_lines() {
        let cli = Cli::try_parse_from(std::iter::once("status".to_string()).chain(args.clone()))
            .unwrap_or_else(|err| panic!("{name}: {args:?}: {err}"));
        let Command::Generate(generate) = &cli.command else {
            panic!("{name} does not run generate: {args:?}");
        };
        assert!(generate.upload && !generate.dry_run, "{name}: {args:?}");
        // Far inside the 10-minute interval, so runs never overlap.
        let timeout = humantime::parse_duration(cli.global.timeout.as_deref().unwrap()).unwrap();
        assert!(timeout.as_secs() <= 300, "{name}: --timeout {timeout:?}");
    }
    let cronjob = repo_file("config/kubernetes-cronjob.yaml");
    assert!(cronjob.contains("concurrencyPolicy: Forbid"));
    assert!(repo_file("config/status.timer").contains("OnCalendar=*:0/10"));
    let service = repo_file("config/status.service");
    for line in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/status",
        "LoadCredential=",
    ] {
        assert!(service.contains(line), "status.service lacks {line}");
    }
}

#[test]
fn the_readme_points_at_every_config_example() {
    let readme = repo_file("README.md");
    for file in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("config")).unwrap() {
        let name = file.unwrap().file_name().into_string().unwrap();
        assert!(
            readme.contains(&format!("config/{name}")),
            "README.md does not mention config/{name}"
        );
    }
}

#[tokio::test]
async fn check_passes_when_every_configured_part_answers_and_masks_secrets() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("check").await;
    let kuma = KumaFixture::new(KumaVersion::V2_5_3)
        .with_beats_shifted_to_now()
        .start();
    let dir = tempfile::tempdir().unwrap();
    let token = "TnGfsAE6kVReXWLouAlerkQdOeC4qYp3";
    let mut env = kuma_env(&kuma);
    env.extend(status_bucket_env(moto, &bucket));
    env.push(("KUMA_PUSH_URL", format!("{}/api/push/{token}", kuma.url())));
    env.push(("STATUS_METRICS_FILE", "status.prom".to_string()));
    let (code, stdout, stderr) = run(dir.path(), &["check"], &env).into_text();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("ok    settings"), "{stdout}");
    assert!(
        lines[1].starts_with("ok    Uptime Kuma") && lines[1].contains("Kuma 2.x, 6 monitors"),
        "{stdout}"
    );
    assert!(lines[2].starts_with("--    backups"), "{stdout}");
    assert!(
        lines[3].starts_with("ok    status bucket")
            && lines[3].contains(&format!("s3://{bucket}/status.json")),
        "{stdout}"
    );
    assert!(lines[4].starts_with("ok    output"), "{stdout}");
    assert!(
        lines[6].starts_with("ok    push monitor") && lines[6].contains("(token hidden)"),
        "{stdout}"
    );
    assert!(
        lines[7].starts_with("ok    metrics") && lines[7].contains("status.prom writable"),
        "{stdout}"
    );
    assert_eq!(lines.last(), Some(&"ready: every configured part answered"));
    for secret in [moto::ACCESS_KEY, moto::SECRET_KEY, token] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} printed"
        );
    }
    // check reads, it never pings.
    assert!(
        kuma.requests()
            .iter()
            .all(|r| !r.path().starts_with("/api/push/"))
    );
}

#[tokio::test]
async fn check_fails_with_a_fix_for_each_broken_part() {
    let moto = Moto::shared();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("override.json"),
        "{\"platform_status\": \"outage\"}",
    )
    .unwrap();
    let mut env = status_bucket_env(moto, "no-such-status-bucket");
    env.extend([
        ("KUMA_URL", refused_url()),
        ("KUMA_STATUS_PAGE", "main".to_string()),
        ("STATUS_REQUIRE", "backups".to_string()),
        ("STATUS_OVERRIDE_FILE", "override.json".to_string()),
        ("STATUS_OUTPUT", "missing-dir/status.json".to_string()),
    ]);
    let (code, stdout, stderr) = run(dir.path(), &["check"], &env).into_text();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    let expected = [
        ("settings", "STATUS_REQUIRE: backups is required"),
        ("Uptime Kuma", "Uptime Kuma"),
        ("backups", "STATUS_REQUIRE names it"),
        ("status bucket", "no-such-status-bucket does not exist"),
        (
            "output",
            "create the directory or point STATUS_OUTPUT elsewhere",
        ),
        ("override", "missing field `expires_at`"),
    ];
    assert_eq!(failed.len(), expected.len(), "{stdout}");
    for (line, (name, fix)) in failed.iter().zip(expected) {
        assert!(
            line.contains(name) && line.contains(fix),
            "{line:?} lacks {name:?} / {fix:?}"
        );
    }
    assert!(
        stdout.ends_with("not ready: 6 FAIL line(s) above, each with its fix\n"),
        "{stdout}"
    );
}

#[tokio::test]
async fn bucket_setup_puts_a_get_head_cors_rule_for_the_origins() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("cors").await;
    let dir = tempfile::tempdir().unwrap();
    let env = status_bucket_env(moto, &bucket);
    let args = [
        "bucket-setup",
        "--cors-origin",
        "https://www.example.com",
        "--cors-origin",
        "http://localhost:3000",
    ];
    let (code, _, stderr) = run(dir.path(), &args, &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    let cors = moto
        .client()
        .get_bucket_cors()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let rules = cors.cors_rules();
    assert_eq!(rules.len(), 1);
    assert_eq!(
        rules[0].allowed_origins(),
        ["https://www.example.com", "http://localhost:3000"]
    );
    assert_eq!(rules[0].allowed_methods(), ["GET", "HEAD"]);

    let (code, _, stderr) = run(
        dir.path(),
        &["bucket-setup", "--cors-origin", "www.example.com/"],
        &env,
    )
    .into_text();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--cors-origin: \"www.example.com/\" is not an origin"),
        "{stderr}"
    );
}

// --- Settings sources and log lines (the foundation every command shares) -----------------

/// A dry run with no sources: quick, and its settings errors are what these tests look at.
const DRY_RUN: &[&str] = &["generate", "--dry-run"];

fn env(pairs: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .map(|(k, v)| (&*String::leak(k.to_string()), v.to_string()))
        .collect()
}

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
    assert_eq!(
        stderr.trim(),
        r#"status: error: --timeout: STATUS_TIMEOUT: "from-file" is not a duration from 1s to 10 years; expected e.g. 45s, 10m, 26h"#
    );
    // The process environment beats the file...
    let (code, _, stderr) = run(dir.path(), DRY_RUN, &env(&[("STATUS_TIMEOUT", "5s")])).into_text();
    assert_eq!(code, 0, "{stderr}");
    // ...and the flag beats both.
    let args = ["--timeout", "from-flag", "generate", "--dry-run"];
    let (code, _, stderr) = run(dir.path(), &args, &env(&[("STATUS_TIMEOUT", "5s")])).into_text();
    assert_eq!(code, 2);
    assert!(stderr.contains(r#""from-flag""#), "{stderr}");

    // --env-file names another file; a missing one is a configuration error naming it.
    std::fs::write(dir.path().join("other.env"), "STATUS_TIMEOUT=from-other\n").unwrap();
    let args = ["--env-file", "other.env", "generate", "--dry-run"];
    let (code, _, stderr) = run(dir.path(), &args, &[]).into_text();
    assert_eq!(code, 2);
    assert!(stderr.contains(r#""from-other""#), "{stderr}");
    let args = ["--env-file", "missing.env", "generate", "--dry-run"];
    let (code, _, stderr) = run(dir.path(), &args, &[]).into_text();
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--env-file: cannot read missing.env"),
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
    let errors_only = levels(DRY_RUN, &env(&[("RUST_LOG", "error")]));
    assert!(errors_only.is_empty(), "{errors_only:?}");
    // The backup check logs its listing at debug level: shown with -v only.
    std::fs::create_dir(dir.path().join("backups")).unwrap();
    let backups = env(&[("BACKUP_DIR", "backups")]);
    let debug = "DEBUG".to_string();
    assert!(!levels(DRY_RUN, &backups).contains(&debug));
    assert!(levels(&["-v", "generate", "--dry-run"], &backups).contains(&debug));
}

#[test]
fn bad_values_are_one_line_configuration_errors_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    /// Arguments, settings, and the expected error line.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["--timeout", "9999999999999999999s", "generate", "--dry-run"],
            &[],
            r#"STATUS_TIMEOUT: "9999999999999999999s" is not a duration from 1s to 10 years"#,
        ),
        (
            DRY_RUN,
            &[("STATUS_OUTPUT", "/")],
            r#"STATUS_OUTPUT: "/" is a directory"#,
        ),
        (
            DRY_RUN,
            &[("KUMA_URL", "uptime.local")],
            r#"KUMA_URL: "uptime.local" is not an http(s) URL"#,
        ),
        (
            DRY_RUN,
            &[("SPACES_PATH_STYLE", "maybe")],
            r#"SPACES_PATH_STYLE: "maybe" is not a boolean"#,
        ),
    ];
    for (args, pairs, expected) in cases {
        let (code, stdout, stderr) = run(dir.path(), args, &env(pairs)).into_text();
        assert_eq!(code, 2, "{args:?} {pairs:?}: {stderr}");
        assert!(stdout.is_empty());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}
