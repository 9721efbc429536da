//! The public document, `status.json`: its types (the public contract, mirrored key for key by
//! `config/status.schema.json`), the merge of the Kuma and backup reports into it, and the
//! operator's manual override.
//!
//! "Schema-valid" and "deserialises into [`StatusDocument`]" are the same thing: every public
//! struct denies unknown keys, enums are strict, uptimes are range- and precision-checked and
//! times must be RFC 3339 UTC `Z` with whole seconds. A test feeds the same valid and invalid
//! examples to the schema and to [`StatusDocument::from_json`] and expects the same verdicts.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sources::backups::BackupStatus;
use crate::sources::kuma::{MonitorState, PlatformStatus};

/// The `schema_version` this binary writes (and the only one it accepts).
pub const SCHEMA_VERSION: u32 = 1;

/// The whole public document. Field order is the output order: the four original keys of the
/// marketing site's contract first, then the optional additions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusDocument {
    pub updated_at: Timestamp,
    pub platform_status: PlatformStatus,
    pub uptime: UptimeDoc,
    pub backups: BackupsDoc,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub schema_version: Option<SchemaVersion>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub maintenance: Option<MaintenanceDoc>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub incidents: Option<Vec<IncidentDoc>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub components: Option<Vec<Component>>,
}

/// Platform uptime in percent per window; `null` when unknown (never 0 or 100 by default).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UptimeDoc {
    #[serde(deserialize_with = "nullable")]
    pub last_24h: Option<Percent>,
    #[serde(deserialize_with = "nullable")]
    pub last_7d: Option<Percent>,
    #[serde(deserialize_with = "nullable")]
    pub last_30d: Option<Percent>,
    /// Only present when known (Kuma 2.x with an API key).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_1y: Option<Percent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupsDoc {
    pub last_backup_status: BackupStatus,
    #[serde(deserialize_with = "nullable")]
    pub last_backup_time: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceDoc {
    pub active: bool,
    /// Titles of the active maintenance windows, as the operator wrote them in Kuma.
    pub titles: Vec<String>,
}

/// An incident posted on the Kuma status page, or the operator's override message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentDoc {
    pub title: String,
    pub style: IncidentStyle,
    pub text: String,
    #[serde(deserialize_with = "nullable")]
    pub created_at: Option<Timestamp>,
    #[serde(deserialize_with = "nullable")]
    pub updated_at: Option<Timestamp>,
}

/// Uptime Kuma's incident styles (the colour of the banner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStyle {
    Info,
    Warning,
    Danger,
    Primary,
    Light,
    Dark,
}

impl IncidentStyle {
    /// Kuma's style name; an unknown one (a newer Kuma) falls back to `info`, so a new style
    /// upstream can never make the document invalid.
    fn from_kuma(style: &str) -> IncidentStyle {
        match style.to_ascii_lowercase().as_str() {
            "warning" => IncidentStyle::Warning,
            "danger" => IncidentStyle::Danger,
            "primary" => IncidentStyle::Primary,
            "light" => IncidentStyle::Light,
            "dark" => IncidentStyle::Dark,
            _ => IncidentStyle::Info,
        }
    }

    fn for_override(status: PlatformStatus) -> IncidentStyle {
        match status {
            PlatformStatus::Outage => IncidentStyle::Danger,
            PlatformStatus::Degraded => IncidentStyle::Warning,
            PlatformStatus::Operational | PlatformStatus::Unknown => IncidentStyle::Info,
        }
    }
}

/// One public monitor (published only with `STATUS_PUBLISH_COMPONENTS=true`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub name: String,
    pub state: ComponentState,
    #[serde(deserialize_with = "nullable")]
    pub uptime_24h: Option<Percent>,
}

/// A monitor's public state; Kuma's internal `stale` (no recent heartbeat) is `unknown` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentState {
    Up,
    Down,
    Pending,
    Maintenance,
    Unknown,
}

impl From<MonitorState> for ComponentState {
    fn from(state: MonitorState) -> ComponentState {
        match state {
            MonitorState::Up => ComponentState::Up,
            MonitorState::Down => ComponentState::Down,
            MonitorState::Pending => ComponentState::Pending,
            MonitorState::Maintenance => ComponentState::Maintenance,
            // Not watched now: its current state is not known.
            MonitorState::Stale | MonitorState::Paused => ComponentState::Unknown,
        }
    }
}

/// A point in time as the document writes it: RFC 3339 UTC with `Z`, whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The time truncated to whole seconds (never rounded up into the future).
    pub fn new(time: DateTime<Utc>) -> Timestamp {
        Timestamp(time.trunc_subsecs(0))
    }

    pub fn time(self) -> DateTime<Utc> {
        self.0
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ` (what the schema's pattern accepts).
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        let expected = "an RFC 3339 UTC time with whole seconds, e.g. 2025-11-10T15:30:00Z";
        let shape_ok = text.len() == 20
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                13 | 16 => b == b':',
                19 => b == b'Z',
                _ => b.is_ascii_digit(),
            });
        let parsed = shape_ok
            .then(|| NaiveDateTime::parse_from_str(&text[..19], "%Y-%m-%dT%H:%M:%S").ok())
            .flatten()
            // chrono reads second 60 as a leap second (a nanosecond overflow); the schema doesn't.
            .filter(|time| time.and_utc().timestamp_subsec_nanos() == 0);
        parsed
            .map(|time| Timestamp(time.and_utc()))
            .ok_or_else(|| format!("{text:?} is not {expected}"))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(D::Error::custom)
    }
}

/// A percentage in 0..=100 with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Percent(f64);

impl Percent {
    /// `value` rounded to two decimals; `None` for NaN or a value outside 0..=100 (such a value
    /// is a bug upstream and must never reach the public document).
    pub fn rounded(value: f64) -> Option<Percent> {
        let rounded = crate::sources::kuma::rules::round_2(value);
        (value.is_finite() && (0.0..=100.0).contains(&rounded)).then_some(Percent(rounded))
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Percent, D::Error> {
        let value = f64::deserialize(deserializer)?;
        match Percent::rounded(value) {
            // Equal after rounding means the value had at most two decimals (the shortest
            // decimal form of an f64 is what JSON carries, as the schema's multipleOf sees it).
            Some(percent) if percent.0 == value => Ok(percent),
            _ => Err(D::Error::custom(format!(
                "{value} is not a percentage from 0 to 100 with at most two decimals"
            ))),
        }
    }
}

/// `schema_version`: always [`SCHEMA_VERSION`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SchemaVersion(u32);

impl SchemaVersion {
    pub const CURRENT: SchemaVersion = SchemaVersion(SCHEMA_VERSION);
}

impl<'de> Deserialize<'de> for SchemaVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SchemaVersion, D::Error> {
        match u32::deserialize(deserializer)? {
            SCHEMA_VERSION => Ok(SchemaVersion::CURRENT),
            other => Err(D::Error::custom(format!(
                "{other} is not supported; this binary reads and writes version {SCHEMA_VERSION}"
            ))),
        }
    }
}

/// A key that must be present but may be `null`. (Serde's default for `Option` fields also
/// accepts a missing key; the schema does not.)
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

/// An optional key that, when present, holds a value and never `null` (the document leaves an
/// unknown optional key out).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Parses JSON into `T`; the error names the offending field (`uptime.last_24h: ...`) or says
/// the text is not JSON at all.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let not_json = |err: serde_json::Error| format!("not valid JSON: {err}");
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            not_json(inner)
        } else if path == "." {
            inner.to_string()
        } else {
            format!("field `{path}`: {inner}")
        }
    })?;
    deserializer.end().map_err(not_json)?;
    Ok(value)
}

impl StatusDocument {
    /// Parses and validates a document: `Ok` exactly when it matches config/status.schema.json.
    pub fn from_json(bytes: &[u8]) -> Result<StatusDocument, String> {
        parse_json(bytes)
    }

    /// Pretty JSON with a trailing newline (humans read it in logs and with curl).
    pub fn to_json(&self) -> Vec<u8> {
        // Cannot fail: every map key is a string and every value is plain data (Percent is
        // finite by construction).
        let mut bytes = serde_json::to_vec_pretty(self).expect("status document serialises");
        bytes.push(b'\n');
        bytes
    }

    /// The document with every field unknown/null: what is published when no source answers.
    #[cfg(test)]
    pub fn unknown(now: DateTime<Utc>) -> StatusDocument {
        build(now, &Sources::default())
    }
}

mod merge;
mod overrides;
#[cfg(test)]
mod tests;

pub use merge::{Sources, build};
pub use overrides::{Override, OverrideState};
