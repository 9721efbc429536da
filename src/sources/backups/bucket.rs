//! The bucket source: ListObjectsV2 over the prefix (or the dated prefixes), in key ranges
//! listed at the same time (`listing`).

use std::future::Future;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
use chrono::{DateTime, Utc};
use globset::GlobMatcher;

use super::listing::{KeyLister, ListError, ListProgress, ListedObject, Page, list_all};
use super::newest::NewestTwo;
use super::{BackupObject, Listing};

pub type S3ListError = SdkError<ListObjectsV2Error, HttpResponse>;

/// The keys of `bucket` under `prefix`, through the S3 client.
#[derive(Clone)]
struct S3Keys {
    client: Client,
    bucket: String,
    prefix: String,
}

impl KeyLister for S3Keys {
    type Error = S3ListError;

    fn page(
        &self,
        start_after: Option<&str>,
        max_keys: i32,
    ) -> impl Future<Output = Result<Page, S3ListError>> + Send + 'static {
        let request = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&self.prefix)
            .set_start_after(start_after.map(str::to_string))
            .max_keys(max_keys);
        async move {
            let output = request.send().await?;
            let objects = output
                .contents
                .unwrap_or_default()
                .into_iter()
                .filter_map(|object| {
                    Some(ListedObject {
                        key: object.key?,
                        last_modified: object.last_modified.and_then(|time| {
                            DateTime::from_timestamp(time.secs(), time.subsec_nanos())
                        }),
                        size: object.size.unwrap_or(0),
                    })
                })
                .collect();
            Ok(Page {
                objects,
                truncated: output.is_truncated.unwrap_or(false),
            })
        }
    }
}

/// What to list and how.
pub struct Within<'a> {
    /// A dated prefix expanded, newest first (see `KeyPrefix::expand`); else the one prefix.
    pub prefixes: Vec<String>,
    pub matcher: Option<&'a GlobMatcher>,
    /// Backups dated after this are counted, never taken as the newest (`BACKUP_CLOCK_SKEW`).
    pub trusted_until: DateTime<Utc>,
    /// `BACKUP_LIST_CONCURRENCY`: list requests in flight at once.
    pub concurrency: usize,
}

/// Lists `bucket` under each prefix, `concurrency` requests at a time, stopping at the first
/// prefix that holds a trusted match; when that one holds a single match, the next is listed
/// too, for the previous backup the shrink rule compares against. Counts go to `progress` as
/// pages arrive.
pub async fn list(
    client: &Client,
    bucket: &str,
    within: Within<'_>,
    progress: &ListProgress,
) -> Result<Listing, ListError<S3ListError>> {
    let Within {
        prefixes,
        matcher,
        trusted_until,
        concurrency,
    } = within;
    let mut found = NewestTwo::trusting_until(trusted_until);
    let (scanned_before, requests_before) = (progress.objects_scanned(), progress.list_requests());
    for expanded in prefixes {
        let had_match = found.found() > 0;
        let keys = S3Keys {
            client: client.clone(),
            bucket: bucket.to_string(),
            prefix: expanded.clone(),
        };
        list_all(&keys, &expanded, concurrency, progress, |object| {
            if let Some(backup) = backup_object(object, &expanded, matcher) {
                found.offer(backup);
            }
        })
        .await?;
        if had_match || found.found() == 2 {
            break;
        }
    }
    let (newest, previous, future) = found.finish();
    Ok(Listing {
        newest,
        previous,
        future,
        objects_scanned: progress.objects_scanned() - scanned_before,
        list_requests: progress.list_requests() - requests_before,
    })
}

/// The object as a backup candidate: not a folder marker (`db/2025/`, which consoles create
/// as empty objects), and matching the glob on the part of the key after the prefix.
fn backup_object(
    object: ListedObject,
    prefix: &str,
    matcher: Option<&GlobMatcher>,
) -> Option<BackupObject> {
    if object.key.ends_with('/') {
        return None;
    }
    let relative = object.key.strip_prefix(prefix).unwrap_or(&object.key);
    if matcher.is_some_and(|glob| !glob.is_match(relative)) {
        return None;
    }
    Some(BackupObject {
        last_modified: object.last_modified?,
        size: object.size.max(0).unsigned_abs(),
        key: object.key,
    })
}
