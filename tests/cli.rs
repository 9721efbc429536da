//! The operator's commands around publishing: `check`, `bucket-setup`, `completions`, `man`,
//! and the cron/systemd/Kubernetes examples in config/ (which must stay valid command lines).

use std::path::Path;

use crate::support::http_server::refused_url;
use crate::support::moto::{self, Moto};
use crate::support::publish::{fresh_kuma, kuma_env, status_bucket_env};
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
    let kuma = fresh_kuma();
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
        lines[5].starts_with("ok    lock") && lines[5].contains("created by the first run"),
        "{stdout}"
    );
    assert!(
        lines[7].starts_with("ok    push monitor") && lines[7].contains("(token hidden)"),
        "{stdout}"
    );
    assert!(
        lines[8].starts_with("ok    metrics") && lines[8].contains("status.prom writable"),
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
        ("lock", "its directory must exist and be writable"),
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
        stdout.ends_with("not ready: 7 FAIL line(s) above, each with its fix\n"),
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
