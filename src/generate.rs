//! `status generate`: reads Uptime Kuma and the backups concurrently under the run's deadline,
//! merges them into status.json, writes it atomically and (with `--upload`) publishes it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cli::GenerateArgs;
use crate::exit::{ConfigError, Exit};
use crate::push::PushUrl;
use crate::settings::{EnvSource, Settings};
use crate::status::{self, OverrideState, StatusDocument};
use crate::{backups, kuma, lock, push, upload};

/// Settings of the publishing path (`generate`, `upload`, `check`), other than the bucket's.
#[derive(Debug, Clone)]
pub struct PublishSettings {
    /// `STATUS_OUTPUT`: where generate writes and upload reads.
    pub output: PathBuf,
    /// `STATUS_LOCK_FILE`: default `STATUS_OUTPUT` + `.lock`.
    pub lock_file: PathBuf,
    pub override_file: Option<PathBuf>,
    pub publish_components: bool,
    /// `STATUS_REQUIRE`: sources that must be configured (a missing one is a ConfigError).
    pub require_kuma: bool,
    pub require_backups: bool,
    pub push_url: Option<PushUrl>,
}

impl PublishSettings {
    pub fn from_env(env: &EnvSource) -> Result<PublishSettings, ConfigError> {
        let output = env
            .path("STATUS_OUTPUT")
            .unwrap_or_else(|| PathBuf::from("status.json"));
        let lock_file = env.path("STATUS_LOCK_FILE").unwrap_or_else(|| {
            let mut name = output.clone().into_os_string();
            name.push(".lock");
            PathBuf::from(name)
        });
        let require = env.word_list("STATUS_REQUIRE", &["kuma", "backups"])?;
        Ok(PublishSettings {
            output,
            lock_file,
            override_file: env.path("STATUS_OVERRIDE_FILE"),
            publish_components: env.bool("STATUS_PUBLISH_COMPONENTS", false)?,
            require_kuma: require.iter().any(|source| source == "kuma"),
            require_backups: require.iter().any(|source| source == "backups"),
            push_url: PushUrl::from_env(env)?,
        })
    }
}

/// Refuses to run when `STATUS_REQUIRE` names a source that is not configured.
pub fn check_required(settings: &Settings) -> Result<(), ConfigError> {
    let publish = &settings.publish;
    if publish.require_kuma && settings.kuma.is_none() {
        return Err(ConfigError::new(
            "STATUS_REQUIRE: kuma is required but KUMA_URL is not set; set KUMA_URL and KUMA_STATUS_PAGE",
        ));
    }
    if publish.require_backups && settings.backups.is_none() {
        return Err(ConfigError::new(
            "STATUS_REQUIRE: backups is required but neither BACKUP_BUCKET nor BACKUP_DIR is set; set one of them",
        ));
    }
    Ok(())
}

/// How the one deadline (`--timeout`) is shared by the phases of a run. The sources get two
/// thirds; the last third is kept for writing, uploading and verifying (to 90 %) and the push
/// ping (the last 10 %), so a source that hangs still leaves time to publish "unknown".
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    start: Instant,
    timeout: Duration,
}

impl Budget {
    pub fn new(start: Instant, timeout: Duration) -> Budget {
        Budget { start, timeout }
    }

    pub fn sources(&self) -> Instant {
        self.start + self.timeout * 2 / 3
    }

    pub fn upload(&self) -> Instant {
        self.start + self.timeout * 9 / 10
    }

    pub fn end(&self) -> Instant {
        self.start + self.timeout
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

/// One source's outcome in this run.
enum Outcome<T> {
    /// Deliberately not configured: published as unknown, not a failure.
    Unconfigured,
    Read(T),
    /// Configured but not read (error or deadline): published as unknown, exit 3.
    Failed,
}

impl<T> Outcome<T> {
    fn report(&self) -> Option<&T> {
        match self {
            Outcome::Read(report) => Some(report),
            _ => None,
        }
    }

    fn failed(&self) -> bool {
        matches!(self, Outcome::Failed)
    }
}

/// Waits for a source's task until `deadline`; a task still running then is stopped.
async fn finish<T>(
    name: &str,
    task: Option<JoinHandle<anyhow::Result<T>>>,
    deadline: Instant,
    budget: Duration,
) -> Outcome<T> {
    let Some(mut task) = task else {
        return Outcome::Unconfigured;
    };
    match tokio::time::timeout_at(deadline, &mut task).await {
        Ok(Ok(Ok(report))) => Outcome::Read(report),
        Ok(Ok(Err(err))) => {
            tracing::warn!("{name}: {err:#}; its fields are published as unknown");
            Outcome::Failed
        }
        Ok(Err(join_error)) => {
            tracing::error!(
                "{name}: the check crashed ({join_error}); its fields are published as unknown"
            );
            Outcome::Failed
        }
        Err(_) => {
            task.abort();
            tracing::warn!(
                "{name}: no answer within {} (two thirds of --timeout); its fields are published as unknown",
                // Whole milliseconds: "6s 666ms", not "6s 666ms 666us 666ns".
                humantime::format_duration(Duration::from_millis(budget.as_millis() as u64))
            );
            Outcome::Failed
        }
    }
}

/// Both sources, read concurrently.
struct Gathered {
    kuma: Outcome<kuma::KumaReport>,
    backups: Outcome<backups::BackupReport>,
}

impl Gathered {
    fn any_failed(&self) -> bool {
        self.kuma.failed() || self.backups.failed()
    }
}

async fn gather(
    settings: &Settings,
    now: DateTime<Utc>,
    budget: Budget,
) -> anyhow::Result<Gathered> {
    let kuma_task = match &settings.kuma {
        Some(kuma_settings) => {
            let client = kuma::http_client(kuma_settings)?;
            let kuma_settings = kuma_settings.clone();
            Some(tokio::spawn(async move {
                kuma::fetch(&kuma_settings, &client, now).await
            }))
        }
        None => None,
    };
    let backups_task = settings.backups.clone().map(|backup_settings| {
        let spaces = settings.spaces.clone();
        tokio::spawn(async move { backups::check(&backup_settings, &spaces, now).await })
    });
    let share = budget.sources() - budget.start;
    let (kuma, backups) = tokio::join!(
        finish("Uptime Kuma", kuma_task, budget.sources(), share),
        finish("backups", backups_task, budget.sources(), share),
    );
    Ok(Gathered { kuma, backups })
}

/// The operator's override at `now`, with a warning when it is expired or invalid.
fn read_override(settings: &Settings, now: DateTime<Utc>) -> OverrideState {
    let Some(path) = &settings.publish.override_file else {
        return OverrideState::Absent;
    };
    let state = OverrideState::load(path, now);
    match &state {
        OverrideState::Absent => {}
        OverrideState::Active(manual) => tracing::info!(
            "STATUS_OVERRIDE_FILE {}: platform_status forced to {} until {}",
            path.display(),
            status::wire_name(manual.platform_status),
            manual
                .expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        OverrideState::Expired(at) => tracing::warn!(
            "STATUS_OVERRIDE_FILE {}: expired at {}, ignored; delete the file",
            path.display(),
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        OverrideState::Invalid(reason) => tracing::warn!(
            "STATUS_OVERRIDE_FILE {}: ignored, {reason}; expected {{\"platform_status\": \"outage\", \"message\": \"...\", \"expires_at\": \"2025-11-10T18:00:00Z\"}}",
            path.display()
        ),
    }
    state
}

/// Reads both sources and merges them: the document, and the exit code its sources earn
/// (3 when a configured source failed).
async fn produce(
    settings: &Settings,
    now: DateTime<Utc>,
    budget: Budget,
) -> anyhow::Result<(StatusDocument, Exit)> {
    let gathered = gather(settings, now, budget).await?;
    let manual = read_override(settings, now);
    let document = status::build(
        now,
        &status::Sources {
            kuma: gathered.kuma.report(),
            backups: gathered.backups.report(),
            active_override: manual.active(),
            publish_components: settings.publish.publish_components,
        },
    );
    let exit = if gathered.any_failed() {
        Exit::Partial
    } else {
        Exit::Success
    };
    Ok((document, exit))
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a mix: a
/// temporary file in the same directory, fsync, mode 0644, rename over the target, fsync of the
/// directory. On failure the temporary file is removed and the old file is untouched.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("STATUS_OUTPUT: {} names no file", path.display()))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| -> std::io::Result<()> {
        // A leftover from a crashed run with the same pid; the run lock rules out a live one.
        let _ = fs::remove_file(&temp);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&temp)?;
        file.write_all(bytes)?;
        // Explicitly, since the umask may have narrowed the mode given to open.
        file.set_permissions(fs::Permissions::from_mode(0o644))?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(err).with_context(|| {
            format!(
                "cannot write {} (STATUS_OUTPUT); the previous file is untouched",
                path.display()
            )
        });
    }
    // The rename is only durable once the directory is on disk; failing that is unusual
    // enough to mention, but the new file is already in place.
    if let Err(err) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(
            "wrote {} but could not fsync {}: {err}",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}

/// The one line a person reads in the cron log: platform, uptimes, backups, what was done,
/// how long it took, the exit code.
fn summary_line(
    document: &StatusDocument,
    now: DateTime<Utc>,
    done: &str,
    elapsed: Duration,
    exit: Exit,
) -> String {
    let percent = |value: Option<status::Percent>| {
        value.map_or("-".to_string(), |p| format!("{:.2}%", p.value()))
    };
    let backups = &document.backups;
    let age = backups.last_backup_time.map_or("-".to_string(), |time| {
        let seconds = (now - time.time()).num_seconds().max(0) as u64;
        // Minutes are precise enough for a backup's age.
        let rounded = if seconds >= 60 {
            seconds / 60 * 60
        } else {
            seconds
        };
        humantime::format_duration(Duration::from_secs(rounded)).to_string()
    });
    format!(
        "platform {}; uptime 24h {} 7d {} 30d {}; backups {} (age {age}); {done}; {:.2}s; exit {}",
        status::wire_name(document.platform_status),
        percent(document.uptime.last_24h),
        percent(document.uptime.last_7d),
        percent(document.uptime.last_30d),
        status::wire_name(backups.last_backup_status),
        elapsed.as_secs_f64(),
        exit.code(),
    )
}

/// `status generate`.
pub async fn command(settings: &Settings, args: &GenerateArgs) -> anyhow::Result<Exit> {
    let budget = Budget::new(Instant::now(), settings.timeout);
    if args.dry_run {
        check_required(settings)?;
        return dry_run(settings, budget).await;
    }
    push::reporting(settings, budget, async |web| {
        run(settings, args, web, budget).await
    })
    .await
}

async fn run(
    settings: &Settings,
    args: &GenerateArgs,
    web: &reqwest::Client,
    budget: Budget,
) -> anyhow::Result<Exit> {
    check_required(settings)?;
    for line in &settings.unconfigured {
        tracing::info!("{line}");
    }
    let bucket = match args.upload {
        true => Some(upload::Target::new(settings).await?),
        false => None,
    };
    let _lock = lock::acquire(&settings.publish.lock_file)?;
    publish(settings, bucket.as_ref(), web, budget).await
}

/// Everything after taking the lock: produce, write, upload.
async fn publish(
    settings: &Settings,
    bucket: Option<&upload::Target>,
    web: &reqwest::Client,
    budget: Budget,
) -> anyhow::Result<Exit> {
    let now = Utc::now();
    let (document, exit) = produce(settings, now, budget).await?;
    let bytes = document.to_json();
    let output = &settings.publish.output;
    let summary = |done: &str, exit: Exit| {
        tracing::info!(
            "{}",
            summary_line(&document, now, done, budget.elapsed(), exit)
        );
    };
    if let Err(err) = write_atomically(output, &bytes) {
        summary("nothing written", Exit::Failure);
        return Err(err);
    }
    let wrote = format!("wrote {} ({} bytes)", output.display(), bytes.len());
    let Some(bucket) = bucket else {
        summary(&wrote, exit);
        return Ok(exit);
    };
    match upload::publish(bucket, web, &bytes, budget.upload()).await {
        Ok(published) => {
            summary(&format!("{wrote}; {published}"), exit);
            Ok(exit)
        }
        Err(err) => {
            summary(&format!("{wrote}; upload FAILED"), Exit::Failure);
            Err(err)
        }
    }
}

/// `--dry-run`: the document on stdout; nothing written, uploaded or pinged. Each missing
/// setting is a warning here, so a newcomer's first run says what to configure.
async fn dry_run(settings: &Settings, budget: Budget) -> anyhow::Result<Exit> {
    for line in &settings.unconfigured {
        tracing::warn!("{line}");
    }
    if settings.upload.bucket.is_none() {
        tracing::warn!("{}", upload::MISSING_BUCKET);
    }
    let now = Utc::now();
    let (document, exit) = produce(settings, now, budget).await?;
    crate::output::print(&String::from_utf8_lossy(&document.to_json()))?;
    let done = "dry run: nothing written, uploaded or pinged";
    tracing::info!(
        "{}",
        summary_line(&document, now, done, budget.elapsed(), exit)
    );
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_file_with_mode_0644() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomically(&path, b"{\"new\": true}\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"new\": true}\n");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["status.json"], "no temporary file left behind");
    }

    #[test]
    fn a_failed_write_leaves_the_old_target_untouched_and_no_temp_file() {
        // Renaming a file over a non-empty directory fails on every Unix, even for root
        // (which ignores permission bits, so a read-only directory would prove nothing).
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("status.json");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), b"old").unwrap();
        let err = write_atomically(&target, b"new").unwrap_err();
        assert!(
            format!("{err:#}").contains("the previous file is untouched"),
            "{err:#}"
        );
        assert_eq!(fs::read(target.join("keep")).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_budget_keeps_a_third_for_publishing() {
        let start = Instant::now();
        let budget = Budget::new(start, Duration::from_secs(30));
        assert_eq!(budget.sources() - start, Duration::from_secs(20));
        assert_eq!(budget.upload() - start, Duration::from_secs(27));
        assert_eq!(budget.end() - start, Duration::from_secs(30));
    }

    #[test]
    fn the_summary_line_reads_at_a_glance() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T04:06:02Z")
            .unwrap()
            .to_utc();
        let mut document = StatusDocument::unknown(now);
        assert_eq!(
            summary_line(
                &document,
                now,
                "wrote status.json (180 bytes)",
                Duration::from_millis(1234),
                Exit::Partial
            ),
            "platform unknown; uptime 24h - 7d - 30d -; backups unknown (age -); wrote status.json (180 bytes); 1.23s; exit 3"
        );
        document.uptime.last_24h = status::Percent::rounded(99.5);
        document.backups.last_backup_time = Some(status::Timestamp::new(
            now - chrono::Duration::seconds(2 * 3600 + 6 * 60 + 59),
        ));
        let line = summary_line(&document, now, "done", Duration::ZERO, Exit::Success);
        assert!(line.contains("uptime 24h 99.50% 7d -"), "{line}");
        assert!(line.contains("(age 2h 6m)"), "{line}");
    }
}
