//! `status check`: is this installation ready for cron? Reaches every configured source and the
//! status bucket (concurrently, under the run's deadline), checks the local paths and the
//! override file, and prints a checklist with a fix for each failure. Secrets are never shown.

use std::fmt;

use chrono::Utc;

use crate::commands::settings::{Settings, check_required};
use crate::document::OverrideState;
use crate::publish::upload::MISSING_BUCKET;
use crate::publish::write::{Existing, directory_of, inspect_output};
use crate::run::deadline::{Budget, Deadline};
use crate::run::lock;
use crate::run::outcome::Exit;
use crate::s3::{self, BucketSetting};
use crate::sources::{backups, kuma};
use crate::units::wire_name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Ready,
    /// Optional and not configured.
    Skipped,
    Failed,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so the checklist's `{:<5}` aligns the columns.
        f.pad(match self {
            Verdict::Ready => "ok",
            Verdict::Skipped => "--",
            Verdict::Failed => "FAIL",
        })
    }
}

/// One line of the checklist.
#[derive(Debug)]
struct Item {
    name: &'static str,
    verdict: Verdict,
    detail: String,
}

impl Item {
    fn new(name: &'static str, verdict: Verdict, detail: impl Into<String>) -> Item {
        Item {
            name,
            verdict,
            detail: detail.into(),
        }
    }

    fn from_result(name: &'static str, result: anyhow::Result<String>) -> Item {
        match result {
            Ok(detail) => Item::new(name, Verdict::Ready, detail),
            Err(err) => Item::new(name, Verdict::Failed, format!("{err:#}")),
        }
    }
}

/// Runs `check` until `deadline`; no answer by then is a failure naming the deadline.
async fn within<F>(deadline: Deadline, name: &str, check: F) -> anyhow::Result<String>
where
    F: Future<Output = anyhow::Result<String>>,
{
    deadline.run(name, check).await?
}

async fn check_kuma(settings: &Settings, deadline: Deadline) -> Item {
    let Some(kuma_settings) = &settings.kuma else {
        return skipped(
            "Uptime Kuma",
            "KUMA_URL is not set",
            settings.publish.require_kuma,
        );
    };
    let result = within(deadline, "Uptime Kuma", async {
        let client = kuma::http_client(kuma_settings)?;
        let report = kuma::fetch(kuma_settings, &client, Utc::now()).await?;
        Ok(format!(
            "{} page {}: Kuma {}, {} monitors, platform {}",
            crate::http::redact(&kuma_settings.url),
            kuma_settings.status_page,
            report.kuma_version,
            report.monitors.len(),
            wire_name(report.platform_status)
        ))
    })
    .await;
    Item::from_result("Uptime Kuma", result)
}

async fn check_backups(settings: &Settings, deadline: Deadline) -> Item {
    let Some(backup_settings) = &settings.backups else {
        return skipped(
            "backups",
            "neither BACKUP_BUCKET nor BACKUP_DIR is set",
            settings.publish.require_backups,
        );
    };
    let result = within(deadline, "backups", async {
        let report = backups::check(backup_settings, &settings.spaces, Utc::now()).await?;
        Ok(format!(
            "{} readable; backup health {}: {}",
            report.source,
            wire_name(report.status),
            report.reason
        ))
    })
    .await;
    Item::from_result("backups", result)
}

async fn check_status_bucket(settings: &Settings, deadline: Deadline) -> Item {
    let Some(bucket) = &settings.upload.bucket else {
        return Item::new("status bucket", Verdict::Failed, MISSING_BUCKET);
    };
    let result = within(deadline, "status bucket", async {
        let client = s3::client(&settings.spaces).await?;
        client
            .head_bucket()
            .bucket(bucket)
            .send()
            .await
            .map_err(|err| {
                let status_bucket = BucketSetting {
                    setting: "STATUS_BUCKET",
                    name: bucket,
                };
                anyhow::anyhow!(s3::describe_error(&err, status_bucket, &settings.spaces))
            })?;
        let credentials = match &settings.spaces.key {
            Some(key) => format!("SPACES_KEY {key}"),
            None => "the AWS credential chain".to_string(),
        };
        Ok(format!(
            "s3://{bucket}/{} at {}, reachable with {credentials}",
            settings.upload.key,
            settings.spaces.describe_endpoint()
        ))
    })
    .await;
    Item::from_result("status bucket", result)
}

fn skipped(name: &'static str, why: &str, required: bool) -> Item {
    if required {
        Item::new(
            name,
            Verdict::Failed,
            format!("{why}, but STATUS_REQUIRE names it; configure it (see .env.example)"),
        )
    } else {
        Item::new(
            name,
            Verdict::Skipped,
            format!("{why}: not checked, published as unknown"),
        )
    }
}

/// Whether `dir` takes a new file (tried, then removed).
fn takes_new_files(dir: &std::path::Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".status-check.{}.tmp", std::process::id()));
    std::fs::write(&probe, b"").and_then(|()| std::fs::remove_file(&probe))
}

/// What is at the output path may be replaced (nothing, or a status document), and its
/// directory takes a new file (tried, then removed).
fn check_output(settings: &Settings) -> Item {
    let output = &settings.publish.output;
    let existing = match inspect_output(output) {
        Ok(Existing::Nothing) => "will be created",
        Ok(Existing::StatusDocument) => "holds a status document",
        Err(err) => return Item::new("output", Verdict::Failed, err.to_string()),
    };
    let dir = directory_of(output);
    match takes_new_files(dir) {
        Ok(()) => Item::new(
            "output",
            Verdict::Ready,
            format!("{} {existing}; directory writable", output.display()),
        ),
        Err(err) => Item::new(
            "output",
            Verdict::Failed,
            format!(
                "cannot create a file in {}: {err}; create the directory or point STATUS_OUTPUT elsewhere",
                dir.display()
            ),
        ),
    }
}

/// The lock file opens for writing as a run opens it.
fn check_lock(settings: &Settings) -> Item {
    Item::from_result("lock", lock::check(&settings.publish.lock_file))
}

/// `STATUS_METRICS_FILE`'s directory (node_exporter's textfile directory) takes a new file.
fn check_metrics_file(settings: &Settings) -> Item {
    let Some(path) = &settings.publish.metrics_file else {
        return Item::new(
            "metrics",
            Verdict::Skipped,
            "STATUS_METRICS_FILE is not set",
        );
    };
    let dir = directory_of(path);
    match takes_new_files(dir) {
        Ok(()) => Item::new(
            "metrics",
            Verdict::Ready,
            format!("{} writable", path.display()),
        ),
        Err(err) => Item::new(
            "metrics",
            Verdict::Failed,
            format!(
                "cannot create a file in {}: {err}; point STATUS_METRICS_FILE into node_exporter's --collector.textfile.directory, writable by this user",
                dir.display()
            ),
        ),
    }
}

fn check_override(settings: &Settings) -> Item {
    let Some(path) = &settings.publish.override_file else {
        return Item::new(
            "override",
            Verdict::Skipped,
            "STATUS_OVERRIDE_FILE is not set",
        );
    };
    let shown = path.display();
    let at = |time: chrono::DateTime<Utc>| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let max_ttl = settings.publish.override_max_ttl;
    match OverrideState::from_read(std::fs::read(path), Utc::now(), max_ttl) {
        OverrideState::Absent => Item::new(
            "override",
            Verdict::Ready,
            format!("{shown}: none (no file)"),
        ),
        OverrideState::Active(manual) => Item::new(
            "override",
            Verdict::Ready,
            format!(
                "{shown}: ACTIVE, platform_status {} until {}",
                wire_name(manual.platform_status),
                at(manual.expires_at)
            ),
        ),
        OverrideState::Expired(expired) => Item::new(
            "override",
            Verdict::Ready,
            format!(
                "{shown}: expired at {}, ignored; delete the file",
                at(expired)
            ),
        ),
        OverrideState::Invalid(reason) => Item::new(
            "override",
            Verdict::Failed,
            format!("{shown}: {reason}; fix or delete the file"),
        ),
    }
}

fn check_push(settings: &Settings) -> Item {
    match &settings.publish.push_url {
        Some(url) => Item::new(
            "push monitor",
            Verdict::Ready,
            format!("{} (token hidden); not pinged by check", url.shown()),
        ),
        None => Item::new(
            "push monitor",
            Verdict::Skipped,
            "KUMA_PUSH_URL is not set: nobody is told when runs stop",
        ),
    }
}

/// `status check`: exit 0 only when every line is ok (or an optional part is not configured).
pub async fn command(settings: &Settings) -> anyhow::Result<Exit> {
    let budget = Budget::start(settings.timeout);
    let required = match check_required(settings) {
        Ok(()) => Item::new(
            "settings",
            Verdict::Ready,
            match &settings.env_file {
                Some(path) => format!("valid, read {}", path.display()),
                None => "valid (no env file)".to_string(),
            },
        ),
        Err(err) => Item::new("settings", Verdict::Failed, err.to_string()),
    };
    let (kuma, backups, bucket) = tokio::join!(
        check_kuma(settings, budget.end()),
        check_backups(settings, budget.end()),
        check_status_bucket(settings, budget.end()),
    );
    let items = [
        required,
        kuma,
        backups,
        bucket,
        check_output(settings),
        check_lock(settings),
        check_override(settings),
        check_push(settings),
        check_metrics_file(settings),
    ];
    let failed = items
        .iter()
        .filter(|item| item.verdict == Verdict::Failed)
        .count();
    let mut out = String::new();
    for item in &items {
        out.push_str(&format!(
            "{:<5} {:<14} {}\n",
            item.verdict, item.name, item.detail
        ));
    }
    if failed == 0 {
        out.push_str("ready: every configured part answered\n");
    } else {
        out.push_str(&format!(
            "not ready: {failed} FAIL line(s) above, each with its fix\n"
        ));
    }
    crate::output::print(&out)?;
    Ok(if failed == 0 {
        Exit::Success
    } else {
        Exit::Failure
    })
}
