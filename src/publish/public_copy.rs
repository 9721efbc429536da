//! The public copy of status.json, read back right after an upload at the address from
//! public_url.rs: a copy nobody can read is not a success (the run is degraded); other bytes
//! are excused only while a cache may still hold an older copy.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use super::upload::{hex, md5_of};

/// The object the upload replaced, from a HeadObject just before it: when the public address
/// serves other bytes, they may be a copy a cache is still allowed to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousCopy {
    /// The hex MD5 of its body (its ETag: status.json is always a single-part upload).
    pub etag: String,
    pub last_modified: DateTime<Utc>,
}

/// How long a shared cache (a CDN) may serve a copy after the bucket replaced it, from
/// `STATUS_CACHE_CONTROL`: `s-maxage`, else `max-age`; zero with `no-store`, `no-cache`,
/// `private` or no age at all.
pub fn cache_time(cache_control: &str) -> Duration {
    let mut max_age = None;
    let mut shared_max_age = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        let (name, value) = directive.split_once('=').unwrap_or((&directive, ""));
        let seconds = value.trim().trim_matches('"').parse::<u64>().ok();
        match name.trim() {
            "no-store" | "no-cache" | "private" => return Duration::ZERO,
            "max-age" => max_age = seconds,
            "s-maxage" => shared_max_age = seconds,
            _ => {}
        }
    }
    Duration::from_secs(shared_max_age.or(max_age).unwrap_or(0))
}

/// What the public address served, judged against what was uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    Identical,
    /// Other bytes, while a cache may still hold an older copy (until then): an info line.
    MayBeCached(DateTime<Utc>),
    /// Other bytes that no cache should still hold: a warning.
    Differs,
}

/// Judges `served` at `now`. The copy this upload replaced may be cached until the upload
/// (`uploaded_at`) plus the cache time; any older copy until the replaced one was written plus
/// the cache time. With nothing replaced, other bytes were never ours to cache.
pub fn judge_served(
    served: &[u8],
    uploaded: &[u8],
    previous: Option<&PreviousCopy>,
    cache_time: Duration,
    uploaded_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Served {
    if served == uploaded {
        return Served::Identical;
    }
    let Some(previous) = previous else {
        return Served::Differs;
    };
    let replaced_at = if hex(&md5_of(served)) == previous.etag {
        uploaded_at
    } else {
        previous.last_modified
    };
    // Cache-Control ages are far below chrono's range; an absurd one means no limit.
    let until = chrono::TimeDelta::from_std(cache_time)
        .ok()
        .and_then(|cache| replaced_at.checked_add_signed(cache))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if now <= until {
        Served::MayBeCached(until)
    } else {
        Served::Differs
    }
}

/// What the public address gave right after the upload, for the summary line.
#[derive(Debug)]
pub enum PublicCopy {
    Identical(String),
    MayBeCached(String, DateTime<Utc>),
    Differs(String),
    /// Nobody can read it: the run is degraded; the reason, naming what to check.
    Unreadable(String),
}

impl PublicCopy {
    /// Why the run is degraded, if it is.
    pub fn degraded(&self) -> Option<&str> {
        match self {
            PublicCopy::Unreadable(reason) => Some(reason),
            _ => None,
        }
    }
}

impl fmt::Display for PublicCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublicCopy::Identical(url) => write!(f, "{url} serves it"),
            PublicCopy::MayBeCached(url, until) => write!(
                f,
                "{url} serves an older copy, cacheable until {}",
                until.to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
            PublicCopy::Differs(url) => write!(f, "{url} serves other bytes"),
            PublicCopy::Unreadable(reason) => f.write_str(reason),
        }
    }
}

/// What the check needs besides the URL and the uploaded bytes.
pub struct ReadBack<'a> {
    pub previous: Option<&'a PreviousCopy>,
    pub cache_time: Duration,
    pub uploaded_at: DateTime<Utc>,
}

/// GETs `url` without credentials and judges what it serves: unreadable (an error status or no
/// answer) is a warning and degrades the run; other bytes are an info line while a cache may
/// still hold an older copy, a warning after.
pub async fn check_public_copy(
    web: &reqwest::Client,
    url: &reqwest::Url,
    uploaded: &[u8],
    read_back: &ReadBack<'_>,
) -> PublicCopy {
    let shown = crate::http::redact(url);
    let fetched = async {
        let response = web
            .get(url.clone())
            .send()
            .await
            .map_err(|err| crate::http::describe_transport_error(&err))?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        crate::http::read_body_capped(response, crate::http::MAX_BODY_BYTES)
            .await
            .map_err(|err| err.to_string())
    };
    let served = match fetched.await {
        Ok(served) => served,
        Err(why) => {
            let reason = format!(
                "public copy {shown} unreadable ({why}): visitors cannot read status.json; check STATUS_ACL, the bucket policy or the CDN"
            );
            tracing::warn!("{reason}");
            return PublicCopy::Unreadable(reason);
        }
    };
    let verdict = judge_served(
        &served,
        uploaded,
        read_back.previous,
        read_back.cache_time,
        read_back.uploaded_at,
        Utc::now(),
    );
    match verdict {
        Served::Identical => PublicCopy::Identical(shown),
        Served::MayBeCached(until) => {
            tracing::info!(
                "public copy {shown} serves {} bytes that differ from the {} uploaded: a cache may hold an older copy until {} (STATUS_CACHE_CONTROL)",
                served.len(),
                uploaded.len(),
                until.to_rfc3339_opts(SecondsFormat::Secs, true)
            );
            PublicCopy::MayBeCached(shown, until)
        }
        Served::Differs => {
            tracing::warn!(
                "public copy {shown} serves {} bytes that differ from the {} uploaded, past the time any cache may hold an older copy (STATUS_CACHE_CONTROL): check the CDN's cache rules and that STATUS_PUBLIC_URL is the address of STATUS_BUCKET/STATUS_KEY",
                served.len(),
                uploaded.len()
            );
            PublicCopy::Differs(shown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_time_is_what_a_shared_cache_may_use() {
        assert_eq!(cache_time("public, max-age=300"), Duration::from_secs(300));
        assert_eq!(
            cache_time("public, max-age=60, s-maxage=600"),
            Duration::from_secs(600)
        );
        assert_eq!(cache_time("Max-Age=\"90\""), Duration::from_secs(90));
        for none in ["no-cache", "private, max-age=300", "public", "max-age=soon"] {
            assert_eq!(cache_time(none), Duration::ZERO, "{none}");
        }
    }

    #[test]
    fn other_bytes_are_fine_only_while_a_cache_may_hold_them() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let uploaded_at = at("2026-11-26T04:10:00Z");
        let previous_copy = b"previous";
        let previous = PreviousCopy {
            etag: hex(&md5_of(previous_copy)),
            last_modified: at("2026-11-26T04:00:00Z"),
        };
        let five_minutes = Duration::from_secs(300);
        let judge = |served: &[u8], previous: Option<&PreviousCopy>, cache: Duration, now: &str| {
            judge_served(served, b"new", previous, cache, uploaded_at, at(now))
        };
        assert_eq!(
            judge(b"new", None, Duration::ZERO, "2026-11-26T04:10:01Z"),
            Served::Identical
        );
        // The copy this upload replaced: cacheable for 5 minutes from the upload.
        assert_eq!(
            judge(
                previous_copy,
                Some(&previous),
                five_minutes,
                "2026-11-26T04:15:00Z"
            ),
            Served::MayBeCached(at("2026-11-26T04:15:00Z"))
        );
        assert_eq!(
            judge(
                previous_copy,
                Some(&previous),
                five_minutes,
                "2026-11-26T04:15:01Z"
            ),
            Served::Differs
        );
        // An older copy: replaced when the previous one was written, 10 minutes ago.
        assert_eq!(
            judge(
                b"older",
                Some(&previous),
                five_minutes,
                "2026-11-26T04:10:01Z"
            ),
            Served::Differs
        );
        assert_eq!(
            judge(
                b"older",
                Some(&previous),
                Duration::from_secs(900),
                "2026-11-26T04:10:01Z"
            ),
            Served::MayBeCached(at("2026-11-26T04:15:00Z"))
        );
        // No cache time, or nothing replaced: other bytes are never a cached copy of ours.
        assert_eq!(
            judge(
                previous_copy,
                Some(&previous),
                Duration::ZERO,
                "2026-11-26T04:10:01Z"
            ),
            Served::Differs
        );
        assert_eq!(
            judge(b"older", None, five_minutes, "2026-11-26T04:10:01Z"),
            Served::Differs
        );
    }
}
