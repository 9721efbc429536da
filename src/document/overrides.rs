//! The operator's manual override: judged here (pure); the caller reads the file.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::parse_json;
use crate::sources::kuma::PlatformStatus;

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
    /// Unreadable or not a valid override; the reason names the field.
    Invalid(String),
}

impl OverrideState {
    /// Judges what reading the override file gave, at `now`: a missing file is no override.
    /// (The caller reads the file; the document layer does no I/O.)
    pub fn from_read(read: std::io::Result<Vec<u8>>, now: DateTime<Utc>) -> OverrideState {
        match read {
            Ok(bytes) => OverrideState::judge(&bytes, now),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => OverrideState::Absent,
            Err(err) => OverrideState::Invalid(format!("cannot read it: {err}")),
        }
    }

    /// The override file's bytes, judged at `now`.
    pub fn judge(bytes: &[u8], now: DateTime<Utc>) -> OverrideState {
        match parse_json::<Override>(bytes) {
            Ok(manual) if manual.expires_at > now => OverrideState::Active(manual),
            Ok(manual) => OverrideState::Expired(manual.expires_at),
            Err(reason) => OverrideState::Invalid(reason),
        }
    }

    pub fn active(&self) -> Option<&Override> {
        match self {
            OverrideState::Active(manual) => Some(manual),
            _ => None,
        }
    }
}
