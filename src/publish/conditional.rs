//! Never replacing a newer document. Two publishers (a second host, a Kubernetes job retried
//! after a node failure, an operator's `status upload` while cron runs) may finish in any
//! order; the one that finishes last must not put the page back in time.
//!
//! Each upload stores the document's `updated_at` as object metadata. Before PutObject,
//! HeadObject reads the published copy's, and a newer copy is left alone. The PutObject is
//! conditional on what was read (`If-Match` on its ETag, `If-None-Match: *` when there was
//! none), so a copy published between the two requests makes it fail with 412; then the copy is
//! read and judged again. An endpoint that rejects the conditional headers gets the PutObject
//! again without them (the check alone, said once at debug level); one that ignores them leaves
//! the window between HeadObject and PutObject open (docs/multiple-machines.md).

use std::collections::HashMap;

use anyhow::{anyhow, bail};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use chrono::DateTime;

use super::public_copy::PreviousCopy;
use super::upload::Target;
use crate::document::Timestamp;

/// The metadata key holding the document's `updated_at` (`x-amz-meta-status-updated-at` on
/// the wire).
pub const UPDATED_AT_METADATA: &str = "status-updated-at";

/// Rounds of read, decide and write before giving up: a round is only lost when another run
/// published between its read and its write.
const MAX_ROUNDS: usize = 3;

/// What an upload may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Anything but a newer document (every run).
    UnlessNewer,
    /// Whatever is published (`upload --force`).
    Always,
}

/// The copy under the key, as HeadObject tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishedCopy {
    Absent,
    Present {
        etag: Option<String>,
        /// `None`: no readable `status-updated-at` (uploaded by hand, or by an older version).
        updated_at: Option<Timestamp>,
    },
}

/// What the PutObject is conditional on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `If-None-Match: *`: nothing was published.
    Absent,
    /// `If-Match: <ETag>`: the copy read is still the one published.
    Unchanged(String),
    /// A copy without an ETag cannot be matched: the check alone.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Put(Condition),
    /// The published copy is newer than ours: leave it.
    Skip {
        published: Timestamp,
    },
}

/// Whether a document of `ours` replaces `published`. Only a newer `updated_at` is kept: an
/// equal one is the same run's or a run of the same second, and a copy whose age cannot be
/// read cannot be shown to be newer.
pub fn decide(ours: Timestamp, published: &PublishedCopy) -> Decision {
    match published {
        PublishedCopy::Absent => Decision::Put(Condition::Absent),
        PublishedCopy::Present {
            updated_at: Some(theirs),
            ..
        } if *theirs > ours => Decision::Skip { published: *theirs },
        PublishedCopy::Present {
            etag: Some(etag), ..
        } => Decision::Put(Condition::Unchanged(etag.clone())),
        PublishedCopy::Present { etag: None, .. } => Decision::Put(Condition::None),
    }
}

/// How the guarded PutObject ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Put {
    /// Stored, over `replaced` (when asked for and known: what a cache may still serve).
    Stored { replaced: Option<PreviousCopy> },
    /// Not stored: the bucket holds a document with this newer `updated_at`.
    NewerPublished(Timestamp),
}

/// The metadata an upload stores with the document.
pub fn metadata(updated_at: Timestamp) -> HashMap<String, String> {
    HashMap::from([(UPDATED_AT_METADATA.to_string(), updated_at.to_string())])
}

/// PutObject of `request` (every header but the conditional ones set), unless the published
/// copy is newer than `ours` (see the module comment). With `wants_replaced`, says which copy
/// it replaced: the HeadObject that judged it, or under `Replace::Always` (which judges
/// nothing) one that only looks, where not finding out is no failure.
pub async fn put(
    target: &Target,
    request: impl Fn() -> PutObjectFluentBuilder,
    ours: Timestamp,
    replace: Replace,
    wants_replaced: bool,
) -> anyhow::Result<Put> {
    if replace == Replace::Always {
        let replaced = match wants_replaced {
            true => replaced_copy(target).await,
            false => None,
        };
        send(target, request()).await?;
        return Ok(Put::Stored { replaced });
    }
    let location = target.location();
    for _ in 0..MAX_ROUNDS {
        let (published, replaced) = read(target).await?;
        let condition = match decide(ours, &published) {
            Decision::Skip { published } => return Ok(Put::NewerPublished(published)),
            Decision::Put(condition) => condition,
        };
        let replaced = replaced.filter(|_| wants_replaced);
        let conditional = match &condition {
            Condition::Absent => request().if_none_match("*"),
            Condition::Unchanged(etag) => request().if_match(etag),
            Condition::None => request(),
        };
        match conditional.send().await {
            Ok(_) => return Ok(Put::Stored { replaced }),
            Err(err) if condition != Condition::None && lost_the_race(&err) => {
                tracing::debug!(
                    "{location} changed after it was read ({}): another run published; reading it again",
                    target.describe(&err)
                );
            }
            Err(err) if condition != Condition::None && rejects_conditions(&err) => {
                tracing::debug!(
                    "the endpoint refused a conditional PutObject ({}): relying on the HeadObject check alone, which leaves the time between the two requests open to another run",
                    target.describe(&err)
                );
                send(target, request()).await?;
                return Ok(Put::Stored { replaced });
            }
            Err(err) => return Err(upload_failed(target, &err)),
        }
    }
    bail!(
        "upload to {location} failed: another run published between each of {MAX_ROUNDS} reads and writes; runs on several machines should be minutes apart (docs/multiple-machines.md)"
    )
}

async fn send(target: &Target, request: PutObjectFluentBuilder) -> anyhow::Result<()> {
    request
        .send()
        .await
        .map(|_| ())
        .map_err(|err| upload_failed(target, &err))
}

fn upload_failed<E>(target: &Target, err: &SdkError<E, HttpResponse>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    anyhow!(
        "upload to {} failed: {}",
        target.location(),
        target.describe(err)
    )
}

/// The copy about to be replaced, for the read-back only: not finding out (no object, or any
/// error) only means other bytes at the public address are not excused as a cached copy.
async fn replaced_copy(target: &Target) -> Option<PreviousCopy> {
    let head = target.head().await;
    match head {
        Ok(head) => previous_copy(&head),
        Err(err) => {
            tracing::debug!(
                "no previous copy of {}: {}",
                target.location(),
                target.describe(&err)
            );
            None
        }
    }
}

/// The copy HeadObject described, as the read-back knows it.
fn previous_copy(head: &HeadObjectOutput) -> Option<PreviousCopy> {
    let modified = head.last_modified()?;
    Some(PreviousCopy {
        etag: head.e_tag()?.trim_matches('"').to_string(),
        last_modified: DateTime::from_timestamp(modified.secs(), modified.subsec_nanos())?,
    })
}

/// HeadObject of the key: the copy as judged, and as the read-back knows it. (Without a body
/// there is no error code: 404 is a missing key, or a missing bucket, which the PutObject then
/// reports.)
async fn read(target: &Target) -> anyhow::Result<(PublishedCopy, Option<PreviousCopy>)> {
    let head = target.head().await;
    let head = match head {
        Ok(head) => head,
        Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {
            return Ok((PublishedCopy::Absent, None));
        }
        Err(err) => {
            return Err(anyhow!(
                "upload to {} failed: cannot read the copy published there (read first, so as never to replace a newer document): {}",
                target.location(),
                target.describe(&err)
            ));
        }
    };
    let stored = head
        .metadata()
        .and_then(|metadata| metadata.get(UPDATED_AT_METADATA));
    let updated_at = stored.and_then(|text| match Timestamp::parse(text) {
        Ok(time) => Some(time),
        Err(reason) => {
            tracing::warn!(
                "{}: metadata {UPDATED_AT_METADATA}: {reason}; the copy is replaced",
                target.location()
            );
            None
        }
    });
    if stored.is_none() {
        tracing::debug!(
            "{} has no {UPDATED_AT_METADATA} metadata (uploaded by hand or by an older version): it is replaced",
            target.location()
        );
    }
    let published = PublishedCopy::Present {
        etag: head
            .e_tag()
            .filter(|etag| !etag.is_empty())
            .map(str::to_string),
        updated_at,
    };
    Ok((published, previous_copy(&head)))
}

/// 412 Precondition Failed: the copy changed since it was read. 409 ConditionalRequestConflict
/// (S3, for two conditional writes at once) and NoSuchKey (an `If-Match` on a copy deleted
/// since) mean the same.
fn lost_the_race<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    let status = err.raw_response().map(|raw| raw.status().as_u16());
    matches!(status, Some(412 | 409))
        || matches!(
            err.code(),
            Some("PreconditionFailed" | "ConditionalRequestConflict" | "NoSuchKey")
        )
}

/// An endpoint that does not implement conditional writes and says so. (Retrying without the
/// headers is safe for any of these: a request refused for another reason fails again, with
/// its own error.)
fn rejects_conditions<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    let status = err.raw_response().map(|raw| raw.status().as_u16());
    status == Some(501)
        || matches!(
            err.code(),
            Some("NotImplemented" | "InvalidArgument" | "InvalidRequest")
        )
}

/// Warns when the bucket did not keep the `updated_at` metadata just sent: other runs then
/// cannot tell this copy's age, and replace it whatever theirs.
pub fn check_stored_metadata(
    location: &str,
    stored: Option<&HashMap<String, String>>,
    ours: Timestamp,
) {
    let stored = stored.and_then(|metadata| metadata.get(UPDATED_AT_METADATA));
    if stored.map(String::as_str) != Some(ours.to_string().as_str()) {
        tracing::warn!(
            "{location}: the bucket reports metadata {UPDATED_AT_METADATA} {stored:?}, sent {ours}; without it another run cannot tell that this copy is newer; check the endpoint (SPACES_ENDPOINT) keeps x-amz-meta-* headers"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::operation::put_object::PutObjectError;
    use aws_sdk_s3::primitives::SdkBody;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn present(etag: Option<&str>, updated_at: Option<&str>) -> PublishedCopy {
        PublishedCopy::Present {
            etag: etag.map(str::to_string),
            updated_at: updated_at.map(at),
        }
    }

    #[test]
    fn only_a_newer_published_copy_is_kept() {
        let ours = at("2026-11-26T04:10:00Z");
        assert_eq!(
            decide(ours, &PublishedCopy::Absent),
            Decision::Put(Condition::Absent)
        );
        assert_eq!(
            decide(ours, &present(Some("\"e1\""), Some("2026-11-26T04:10:01Z"))),
            Decision::Skip {
                published: at("2026-11-26T04:10:01Z")
            }
        );
        for (theirs, why) in [
            (Some("2026-11-26T04:00:00Z"), "older"),
            (Some("2026-11-26T04:10:00Z"), "same second"),
            (None, "no metadata: age unknown"),
        ] {
            assert_eq!(
                decide(ours, &present(Some("\"e1\""), theirs)),
                Decision::Put(Condition::Unchanged("\"e1\"".into())),
                "{why}"
            );
        }
        assert_eq!(
            decide(ours, &present(None, Some("2026-11-26T04:00:00Z"))),
            Decision::Put(Condition::None)
        );
    }

    fn put_error(code: Option<&str>, status: u16) -> SdkError<PutObjectError, HttpResponse> {
        let mut meta = aws_sdk_s3::error::ErrorMetadata::builder();
        if let Some(code) = code {
            meta = meta.code(code);
        }
        let raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        SdkError::service_error(PutObjectError::generic(meta.build()), raw)
    }

    #[test]
    fn precondition_failures_and_refusals_are_told_apart() {
        assert!(lost_the_race(&put_error(Some("PreconditionFailed"), 412)));
        assert!(lost_the_race(&put_error(None, 412)));
        assert!(lost_the_race(&put_error(
            Some("ConditionalRequestConflict"),
            409
        )));
        assert!(lost_the_race(&put_error(Some("NoSuchKey"), 404)));
        assert!(!lost_the_race(&put_error(Some("NoSuchBucket"), 404)));
        assert!(!lost_the_race(&put_error(Some("AccessDenied"), 403)));

        assert!(rejects_conditions(&put_error(Some("NotImplemented"), 501)));
        assert!(rejects_conditions(&put_error(None, 501)));
        assert!(rejects_conditions(&put_error(Some("InvalidArgument"), 400)));
        assert!(!rejects_conditions(&put_error(Some("AccessDenied"), 403)));
        assert!(!rejects_conditions(&put_error(
            Some("PreconditionFailed"),
            412
        )));
    }

    #[test]
    fn the_metadata_holds_updated_at_as_the_document_writes_it() {
        let metadata = metadata(at("2026-11-26T04:10:00Z"));
        assert_eq!(
            metadata.get("status-updated-at").map(String::as_str),
            Some("2026-11-26T04:10:00Z")
        );
    }
}
