//! `status upload [FILE]`: validates status.json, refuses a stale one, uploads it to the status
//! bucket and verifies what the bucket stored.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, anyhow};
use chrono::Utc;

use crate::cli::UploadArgs;
use crate::commands::settings::Settings;
use crate::document::StatusDocument;
use crate::publish::upload::{Published, Target, Unverified, store, verify};
use crate::run::deadline::Budget;
use crate::run::lock;
use crate::run::outcome::{Exit, Reporter, RunEnd, RunFailure};
use crate::units::{format_age, format_duration};

/// `status upload [FILE]`.
pub async fn command(settings: &Settings, args: &UploadArgs) -> anyhow::Result<Exit> {
    let budget = Budget::start(settings.timeout);
    let web = settings.web_client()?;
    let reporter = Reporter {
        web: &web,
        push_url: settings.publish.push_url.as_ref(),
        budget,
    };
    Ok(reporter
        .run(async |web| upload_file(settings, args, web, budget).await)
        .await)
}

/// Uploads `body` and verifies it within the run's publishing deadline. Cancelled before the
/// bucket answered the upload, the bucket keeps the previous object or the complete new one,
/// never a partial one; once it has stored the new one, any failure to verify it is
/// [`Unverified`]: the object is live.
pub async fn upload_within(
    target: &Target,
    web: &reqwest::Client,
    body: &[u8],
    budget: Budget,
) -> anyhow::Result<Published> {
    let deadline = budget.upload();
    let location = target.location();
    let stored = deadline
        .run(&format!("upload to {location}"), store(target, body))
        .await
        .context(
            "the bucket keeps the previous object or the complete new one, never a partial one",
        )??;
    let verified = deadline
        .run(
            &format!("verifying {location}"),
            verify(target, web, body, stored),
        )
        .await;
    match verified {
        Ok(checked) => Ok(checked?),
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

async fn upload_file(
    settings: &Settings,
    args: &UploadArgs,
    web: &reqwest::Client,
    budget: Budget,
) -> Result<RunEnd, RunFailure> {
    let path: PathBuf = args
        .file
        .clone()
        .unwrap_or_else(|| settings.publish.output.clone());
    let body = std::fs::read(&path)
        .with_context(|| format!("cannot read {} (status generate writes it)", path.display()))?;
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
    let published = upload_within(&target, web, &body, budget)
        .await
        .map_err(|error| RunFailure {
            summary: published_anyway(&error)
                .map(|done| format!("{done}; from {}", path.display())),
            error,
        })?;
    if settings.logging.verbosity >= 1 {
        // Valid UTF-8: it parsed as JSON above.
        crate::output::print(&String::from_utf8_lossy(&body))?;
    }
    Ok(RunEnd {
        summary: format!("{published}; from {}", path.display()),
        degraded: Vec::new(),
    })
}
