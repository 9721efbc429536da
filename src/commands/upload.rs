//! `status upload [FILE]`: validates status.json, refuses a stale or future-dated one, uploads
//! it to the status bucket (unless a newer document is published there; `--force` replaces
//! anything) and verifies what the bucket stored.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};

use crate::cli::UploadArgs;
use crate::commands::settings::Settings;
use crate::document::{StatusDocument, Timestamp};
use crate::files;
use crate::publish::conditional::Replace;
use crate::publish::upload::{Store, Target, Unverified, Upload, store, verify};
use crate::run::deadline::Budget;
use crate::run::interrupt::Interrupt;
use crate::run::lock;
use crate::run::metrics::RunRecord;
use crate::run::outcome::{Exit, RunEnd, RunFailure};
use crate::units::{format_age, format_duration, format_size};

/// A document dated further ahead than this was made by a wrong clock (or by hand): published,
/// it would claim a status for a time that has not come, and every later run's document would
/// look older than it.
const MAX_AHEAD: Duration = Duration::from_secs(5 * 60);

/// `status upload [FILE]`.
pub async fn command(
    settings: &Settings,
    args: &UploadArgs,
    interrupt: &Interrupt,
) -> anyhow::Result<Exit> {
    let budget = Budget::start(settings.timeout);
    crate::commands::publishing_run(settings, budget, interrupt, async |web, record| {
        upload_file(settings, args, web, budget, interrupt, record).await
    })
    .await
}

/// Uploads `body` (whose `updated_at` is `updated_at`) and verifies it within the run's
/// publishing deadline, unless `replace` keeps a newer published document. Cancelled before the
/// bucket answered the upload, the bucket keeps the previous object or the complete new one,
/// never a partial one; once it has stored the new one, any failure to verify it is
/// [`Unverified`]: the object is live.
pub async fn upload_within(
    target: &Target,
    web: &reqwest::Client,
    body: &[u8],
    updated_at: Timestamp,
    replace: Replace,
    budget: Budget,
) -> anyhow::Result<Upload> {
    let deadline = budget.upload();
    let location = target.location();
    let stored = deadline
        .run(
            &format!("upload to {location}"),
            store(target, body, updated_at, replace),
        )
        .await
        .context(
            "the bucket keeps the previous object or the complete new one, never a partial one",
        )??;
    let stored = match stored {
        Store::Stored(stored) => stored,
        Store::NewerPublished(newer) => return Ok(Upload::NewerPublished(newer)),
    };
    let verified = deadline
        .run(
            &format!("verifying {location}"),
            verify(target, web, body, stored),
        )
        .await;
    match verified {
        Ok(checked) => Ok(Upload::Published(checked?)),
        Err(overrun) => Err(Unverified {
            reason: overrun.to_string(),
        }
        .into()),
    }
}

/// The summary of a run whose upload failed, when the failure leaves the document published
/// (stored, but not verified): the object is live, whatever else went wrong.
pub fn published_anyway(error: &anyhow::Error) -> Option<String> {
    error.downcast_ref::<Unverified>().map(ToString::to_string)
}

/// Refuses (unless `force`) a document dated more than [`MAX_AHEAD`] in the future or older
/// than `max_age` (`STATUS_MAX_AGE`) at `now`.
fn refuse_untimely(
    path: &Path,
    document: &StatusDocument,
    now: DateTime<Utc>,
    max_age: Duration,
    force: bool,
) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    let updated_at = document.updated_at.time();
    if let Ok(ahead) = (updated_at - now).to_std()
        && ahead > MAX_AHEAD
    {
        bail!(
            "{} is dated in the future: updated_at {} is {} ahead of this clock, over {}; nothing was uploaded (check the clock where it was made; --force uploads it anyway)",
            path.display(),
            document.updated_at,
            format_age(ahead),
            format_age(MAX_AHEAD)
        );
    }
    if let Ok(age) = (now - updated_at).to_std()
        && age > max_age
    {
        bail!(
            "{} is stale: updated_at {} is {} old, over STATUS_MAX_AGE ({}); nothing was uploaded (is status generate running? --force uploads it anyway)",
            path.display(),
            document.updated_at,
            format_age(age),
            format_duration(max_age)
        );
    }
    Ok(())
}

/// Reads the document at `path`, refusing anything that is not a regular file and anything
/// over `max_size` bytes before reading it into memory.
fn read_document(path: &Path, max_size: u64) -> anyhow::Result<Vec<u8>> {
    let cannot_read = || format!("cannot read {} (status generate writes it)", path.display());
    let file = files::open_regular(path, false).with_context(cannot_read)?;
    let too_large = |size: u64| {
        anyhow!(
            "{} is {} ({size} bytes), over STATUS_MAX_SIZE ({}); nothing was uploaded",
            path.display(),
            format_size(size),
            format_size(max_size)
        )
    };
    let size = file.metadata().with_context(cannot_read)?.len();
    if size > max_size {
        return Err(too_large(size));
    }
    // The file may grow after the check: read one byte past the cap at most.
    let mut body = Vec::new();
    file.take(max_size + 1)
        .read_to_end(&mut body)
        .with_context(cannot_read)?;
    if body.len() as u64 > max_size {
        return Err(too_large(body.len() as u64));
    }
    Ok(body)
}

async fn upload_file(
    settings: &Settings,
    args: &UploadArgs,
    web: &reqwest::Client,
    budget: Budget,
    interrupt: &Interrupt,
    record: &RunRecord,
) -> Result<RunEnd, RunFailure> {
    let path: PathBuf = args
        .file
        .clone()
        .unwrap_or_else(|| settings.publish.output.clone());
    let body = read_document(&path, settings.publish.max_size)?;
    let document = StatusDocument::from_json(&body).map_err(|reason| {
        anyhow!(
            "{} is not a valid status document: {reason}; nothing was uploaded",
            path.display()
        )
    })?;
    refuse_untimely(
        &path,
        &document,
        Utc::now(),
        settings.upload.max_age,
        args.force,
    )?;
    record.document(&document);
    if let Some(backups) = &settings.backups {
        record.backup_warn_after(backups.thresholds.warn_after);
    }
    let target = Target::new(&settings.upload, &settings.spaces).await?;
    let _lock = lock::acquire(&settings.publish.lock_file)?;
    interrupt.check()?;
    let replace = match args.force {
        true => Replace::Always,
        false => Replace::UnlessNewer,
    };
    let upload = upload_within(&target, web, &body, document.updated_at, replace, budget)
        .await
        .map_err(|error| RunFailure {
            summary: published_anyway(&error)
                .map(|done| format!("{done}; from {}", path.display())),
            error,
        })?;
    if let Upload::Published(published) = &upload {
        record.uploaded(published.bytes(), published.public_copy_readable());
    }
    if settings.logging.verbosity >= 1 {
        // Valid UTF-8: it parsed as JSON above.
        crate::output::print(&String::from_utf8_lossy(&body))?;
    }
    Ok(RunEnd {
        summary: format!("{upload}; from {}", path.display()),
        degraded: upload.degraded().map(str::to_string).into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dated(updated_at: &str) -> StatusDocument {
        StatusDocument::unknown(updated_at.parse().unwrap())
    }

    #[test]
    fn too_old_or_too_far_ahead_is_refused_unless_forced() {
        let now: DateTime<Utc> = "2026-11-26T04:00:00Z".parse().unwrap();
        let max_age = Duration::from_secs(30 * 60);
        let judge = |updated_at: &str, force: bool| {
            refuse_untimely(
                Path::new("status.json"),
                &dated(updated_at),
                now,
                max_age,
                force,
            )
            .map_err(|err| err.to_string())
        };
        // The limits are inclusive: 5 minutes ahead and 30 minutes old are accepted.
        for accepted in [
            "2026-11-26T04:05:00Z",
            "2026-11-26T04:00:00Z",
            "2026-11-26T03:30:00Z",
        ] {
            assert_eq!(judge(accepted, false), Ok(()), "{accepted}");
        }
        let ahead = judge("2026-11-26T04:05:01Z", false).unwrap_err();
        assert_eq!(
            ahead,
            "status.json is dated in the future: updated_at 2026-11-26T04:05:01Z is 5m 1s ahead of this clock, over 5m; nothing was uploaded (check the clock where it was made; --force uploads it anyway)"
        );
        let months = judge("2027-03-01T00:00:00Z", false).unwrap_err();
        assert!(months.contains("is 94d 20h ahead"), "{months}");
        let stale = judge("2026-11-26T03:29:59Z", false).unwrap_err();
        assert!(
            stale
                .starts_with("status.json is stale: updated_at 2026-11-26T03:29:59Z is 30m 1s old"),
            "{stale}"
        );
        for forced in ["2027-03-01T00:00:00Z", "2026-11-20T00:00:00Z"] {
            assert_eq!(judge(forced, true), Ok(()), "{forced}");
        }
    }
}
