//! `status upload [FILE]`: validates status.json, refuses a stale one, uploads it to the status
//! bucket and verifies what the bucket stored.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow};
use chrono::Utc;

use crate::cli::UploadArgs;
use crate::commands::settings::Settings;
use crate::document::StatusDocument;
use crate::files;
use crate::publish::upload::{Published, Target, publish};
use crate::run::deadline::Budget;
use crate::run::interrupt::Interrupt;
use crate::run::lock;
use crate::run::outcome::{Exit, Reporter, RunEnd, RunFailure};
use crate::units::{format_age, format_duration, format_size};

/// `status upload [FILE]`.
pub async fn command(
    settings: &Settings,
    args: &UploadArgs,
    interrupt: &Interrupt,
) -> anyhow::Result<Exit> {
    let budget = Budget::start(settings.timeout);
    let web = settings.web_client()?;
    let reporter = Reporter {
        web: &web,
        push_url: settings.publish.push_url.as_ref(),
        budget,
        interrupt,
    };
    Ok(reporter
        .run(async |web| upload_file(settings, args, web, budget, interrupt).await)
        .await)
}

/// Uploads `body` within the run's publishing deadline. Cancelled at the deadline, the bucket
/// keeps the previous object or the complete new one, never a partial one.
pub async fn upload_within(
    target: &Target,
    web: &reqwest::Client,
    body: &[u8],
    budget: Budget,
) -> anyhow::Result<Published> {
    let label = format!("upload to {}", target.location());
    budget
        .upload()
        .run(&label, publish(target, web, body))
        .await
        .context(
            "the bucket keeps the previous object or the complete new one, never a partial one",
        )?
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
    // A document from the future (a skewed clock) has age zero: not stale.
    let age = (Utc::now() - document.updated_at.time())
        .to_std()
        .unwrap_or(Duration::ZERO);
    let max_age = settings.upload.max_age;
    if !args.force && age > max_age {
        return Err(anyhow!(
            "{} is stale: updated_at {} is {} old, over STATUS_MAX_AGE ({}); nothing was uploaded (is status generate running? --force uploads it anyway)",
            path.display(),
            document.updated_at,
            format_age(age),
            format_duration(max_age)
        )
        .into());
    }
    let target = Target::new(&settings.upload, &settings.spaces).await?;
    let _lock = lock::acquire(&settings.publish.lock_file)?;
    interrupt.check()?;
    let published = upload_within(&target, web, &body, budget).await?;
    if settings.logging.verbosity >= 1 {
        // Valid UTF-8: it parsed as JSON above.
        crate::output::print(&String::from_utf8_lossy(&body))?;
    }
    Ok(RunEnd {
        summary: format!("{published}; from {}", path.display()),
        degraded: Vec::new(),
    })
}
