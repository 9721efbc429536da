//! The bucket source: ListObjectsV2 over the prefix (or the dated prefixes), page by page.

use std::sync::atomic::Ordering;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
use chrono::{DateTime, Utc};
use globset::GlobMatcher;

use super::health::Thresholds;
use super::newest::NewestTwo;
use super::prefix::KeyPrefix;
use super::{BackupObject, Listing, ReadCost};

type ListError = SdkError<ListObjectsV2Error, HttpResponse>;

/// Lists `bucket` under `prefix`, counting into `cost` as it goes. A dated prefix is listed
/// newest first over the prefixes that `BACKUP_FAIL_AFTER` (back from `now`) can touch,
/// stopping at the first that holds a trusted match; when that one holds a single match, the
/// next is listed too, for the previous backup the shrink rule compares against.
pub async fn list(
    client: &Client,
    bucket: &str,
    prefix: &KeyPrefix,
    matcher: Option<&GlobMatcher>,
    now: DateTime<Utc>,
    thresholds: &Thresholds,
    cost: &ReadCost,
) -> Result<Listing, ListError> {
    let mut found = NewestTwo::trusting_until(thresholds.trusted_until(now));
    for expanded in prefix.expand(now, thresholds.fail_after) {
        let had_match = found.found() > 0;
        let mut continuation: Option<String> = None;
        loop {
            // Counted before it is sent: a request that fails or never returns was still made.
            cost.list_requests.fetch_add(1, Ordering::Relaxed);
            let page = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(&expanded)
                .set_continuation_token(continuation.clone())
                .send()
                .await?;
            for object in page.contents() {
                cost.objects_scanned.fetch_add(1, Ordering::Relaxed);
                if let Some(backup) = backup_object(object, &expanded, matcher) {
                    found.offer(backup);
                }
            }
            let next = page
                .next_continuation_token()
                .filter(|_| page.is_truncated() == Some(true))
                .map(str::to_string);
            // A server that hands back the same token would loop forever.
            if next.is_none() || next == continuation {
                break;
            }
            continuation = next;
        }
        if had_match || found.found() == 2 {
            break;
        }
    }
    let (newest, previous, future) = found.finish();
    Ok(Listing {
        newest,
        previous,
        future,
        objects_scanned: cost.objects_scanned.load(Ordering::Relaxed),
        list_requests: cost.list_requests.load(Ordering::Relaxed),
    })
}

/// The object as a backup candidate: not a folder marker (`db/2025/`, which consoles create
/// as empty objects), and matching the glob on the part of the key after the prefix.
fn backup_object(
    object: &aws_sdk_s3::types::Object,
    prefix: &str,
    matcher: Option<&GlobMatcher>,
) -> Option<BackupObject> {
    let key = object.key()?;
    if key.ends_with('/') {
        return None;
    }
    let relative = key.strip_prefix(prefix).unwrap_or(key);
    if matcher.is_some_and(|glob| !glob.is_match(relative)) {
        return None;
    }
    let modified = object.last_modified()?;
    Some(BackupObject {
        key: key.to_string(),
        last_modified: DateTime::from_timestamp(modified.secs(), modified.subsec_nanos())?,
        size: object.size().unwrap_or(0).max(0).unsigned_abs(),
    })
}
