//! The operator's manual override: judged here (pure); the caller reads the file.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::parse_json;
use crate::sources::kuma::PlatformStatus;
use crate::units::format_age;

/// The operator's manual override (`STATUS_OVERRIDE_FILE`), e.g.
/// `{"platform_status": "outage", "message": "Database failover in progress", "expires_at": "2025-11-10T18:00:00Z"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub platform_status: PlatformStatus,
    #[serde(default)]
    pub message: Option<String>,
    /// Any RFC 3339 time (an offset is converted to UTC); required so that a forgotten
    /// override cannot hide the real status forever.
    pub expires_at: DateTime<Utc>,
}

/// What the override file says at `now`.
#[derive(Debug, Clone, PartialEq)]
pub enum OverrideState {
    /// No file: the normal state between incidents.
    Absent,
    Active(Override),
    Expired(DateTime<Utc>),
    /// Unreadable, not a valid override, or expiring too far ahead; the reason names the
    /// field. The run is degraded (exit 3) and the real status is published.
    Invalid(String),
}

impl OverrideState {
    /// Judges what reading the override file gave, at `now`: a missing file is no override.
    /// (The caller reads the file; the document layer does no I/O.)
    pub fn from_read(
        read: std::io::Result<Vec<u8>>,
        now: DateTime<Utc>,
        max_ttl: Duration,
    ) -> OverrideState {
        match read {
            Ok(bytes) => OverrideState::judge(&bytes, now, max_ttl),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => OverrideState::Absent,
            Err(err) => OverrideState::Invalid(format!("cannot read it: {err}")),
        }
    }

    /// The override file's bytes, judged at `now`. One that expires more than `max_ttl`
    /// (`STATUS_OVERRIDE_MAX_TTL`) ahead is refused: a forgotten override must not hide the
    /// real status for months.
    pub fn judge(bytes: &[u8], now: DateTime<Utc>, max_ttl: Duration) -> OverrideState {
        let manual = match parse_json::<Override>(bytes) {
            Ok(manual) => manual,
            Err(reason) => return OverrideState::Invalid(reason),
        };
        if manual.expires_at <= now {
            return OverrideState::Expired(manual.expires_at);
        }
        // The TTL is a validated setting (at most 10 years): no overflow.
        if manual.expires_at > now + max_ttl {
            return OverrideState::Invalid(format!(
                "field `expires_at`: {} is more than STATUS_OVERRIDE_MAX_TTL ({}) ahead; set an earlier time (renew it while the incident lasts)",
                manual
                    .expires_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                format_age(max_ttl)
            ));
        }
        OverrideState::Active(manual)
    }

    pub fn active(&self) -> Option<&Override> {
        match self {
            OverrideState::Active(manual) => Some(manual),
            _ => None,
        }
    }
}
