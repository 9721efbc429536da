//! The public document, `status.json`: its types (the public contract, mirrored key for key by
//! `config/status.schema.json`), the merge of the Kuma and backup reports into it, and the
//! operator's manual override.
//!
//! "Schema-valid" and "deserialises into [`StatusDocument`]" are the same thing: every public
//! struct denies unknown keys, enums are strict, uptimes are range- and precision-checked and
//! times must be RFC 3339 UTC `Z` with whole seconds. A test feeds the same valid and invalid
//! examples to the schema and to [`StatusDocument::from_json`] and expects the same verdicts.

use std::path::Path;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::backups::{BackupReport, BackupStatus};
use crate::kuma::{KumaReport, MonitorState, PlatformStatus};

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
            MonitorState::Stale => ComponentState::Unknown,
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
    fn parse(text: &str) -> Result<Timestamp, String> {
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
        let rounded = crate::kuma::rules::round_2(value);
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

/// The name a value has in the document (`operational`, `success`), for log lines.
pub fn wire_name(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => format!("{other:?}"),
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
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
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

/// What the run has to merge: each source's report when it was read.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sources<'a> {
    pub kuma: Option<&'a KumaReport>,
    pub backups: Option<&'a BackupReport>,
    pub active_override: Option<&'a Override>,
    /// `STATUS_PUBLISH_COMPONENTS`: publish the status page's monitor names.
    pub publish_components: bool,
}

/// Merges the sources into the public document. Only public facts cross over: states, rounded
/// uptimes, times, the operator-written titles of incidents and maintenance. Never URLs,
/// hostnames, backup keys or error text.
pub fn build(now: DateTime<Utc>, sources: &Sources<'_>) -> StatusDocument {
    let kuma = sources.kuma;
    let percent = |value: Option<f64>| value.and_then(Percent::rounded);
    let uptime = match kuma {
        Some(report) => UptimeDoc {
            last_24h: percent(report.uptime.last_24h),
            last_7d: percent(report.uptime.last_7d),
            last_30d: percent(report.uptime.last_30d),
            last_1y: percent(report.uptime.last_1y),
        },
        None => UptimeDoc {
            last_24h: None,
            last_7d: None,
            last_30d: None,
            last_1y: None,
        },
    };
    let backups = match sources.backups {
        Some(report) => BackupsDoc {
            last_backup_status: report.status,
            last_backup_time: report
                .newest
                .as_ref()
                .map(|newest| Timestamp::new(newest.last_modified)),
        },
        None => BackupsDoc {
            last_backup_status: BackupStatus::Unknown,
            last_backup_time: None,
        },
    };
    let mut incidents = kuma.map(|report| {
        report
            .incidents
            .iter()
            .map(|incident| IncidentDoc {
                title: incident.title.clone(),
                style: IncidentStyle::from_kuma(&incident.style),
                text: incident.content.clone(),
                created_at: incident.created_at.map(Timestamp::new),
                updated_at: incident.updated_at.map(Timestamp::new),
            })
            .collect::<Vec<_>>()
    });
    let mut platform_status = kuma.map_or(PlatformStatus::Unknown, |r| r.platform_status);
    if let Some(manual) = sources.active_override {
        platform_status = manual.platform_status;
        if let Some(message) = &manual.message {
            let notice = IncidentDoc {
                title: message.clone(),
                style: IncidentStyle::for_override(manual.platform_status),
                text: String::new(),
                created_at: None,
                updated_at: None,
            };
            incidents.get_or_insert_with(Vec::new).insert(0, notice);
        }
    }
    StatusDocument {
        updated_at: Timestamp::new(now),
        platform_status,
        uptime,
        backups,
        schema_version: Some(SchemaVersion::CURRENT),
        maintenance: kuma.map(|report| MaintenanceDoc {
            active: report.maintenance.active,
            titles: report.maintenance.titles.clone(),
        }),
        incidents,
        components: kuma.filter(|_| sources.publish_components).map(|report| {
            report
                .monitors
                .iter()
                // Only monitors shown on the public status page; one known only from
                // /metrics may have an internal name.
                .filter(|monitor| monitor.on_status_page)
                .map(|monitor| Component {
                    name: monitor.name.clone(),
                    state: monitor.state.into(),
                    uptime_24h: percent(monitor.uptime.last_24h),
                })
                .collect()
        }),
    }
}

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
    /// Reads the override file at `path` and judges it at `now`.
    pub fn load(path: &Path, now: DateTime<Utc>) -> OverrideState {
        match std::fs::read(path) {
            Ok(bytes) => OverrideState::judge(&bytes, now),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => OverrideState::Absent,
            Err(err) => OverrideState::Invalid(format!("cannot read it: {err}")),
        }
    }

    /// The pure part of [`OverrideState::load`].
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backups::BackupObject;
    use crate::kuma::{Incident, Maintenance, MonitorReport, Uptime};
    use chrono::TimeZone;
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn monitor(id: u64, name: &str, state: MonitorState, public: bool) -> MonitorReport {
        MonitorReport {
            id,
            name: name.into(),
            group: public.then(|| "Core".into()),
            on_status_page: public,
            state,
            last_beat_at: Some(at("2026-11-26T04:05:00Z")),
            uptime: Uptime {
                last_24h: Some(99.5412),
                ..Uptime::default()
            },
            counted: true,
            critical: false,
        }
    }

    fn kuma_report() -> KumaReport {
        KumaReport {
            kuma_version: "2.x".into(),
            checked_at: at("2026-11-26T04:06:01.517Z"),
            platform_status: PlatformStatus::Degraded,
            uptime: Uptime {
                last_24h: Some(99.12499),
                last_7d: Some(99.4),
                last_30d: Some(100.0),
                last_1y: Some(99.955),
            },
            maintenance: Maintenance {
                active: true,
                titles: vec!["Search cluster upgrade".into()],
            },
            incidents: vec![Incident {
                title: "Investigating elevated errors".into(),
                style: "warning".into(),
                content: "We are looking into it.".into(),
                created_at: Some(at("2026-11-26T03:50:12.700Z")),
                updated_at: None,
            }],
            monitors: vec![
                monitor(1, "Web Frontend", MonitorState::Up, true),
                monitor(5, "Legacy Reports", MonitorState::Stale, true),
                monitor(7, "Internal Admin Panel", MonitorState::Up, false),
            ],
            warnings: vec!["badge of monitor 7 is N/A at http://10.0.0.5:3001".into()],
            requests: 21,
        }
    }

    fn backup_report() -> BackupReport {
        BackupReport {
            source: "s3://backups/db/".into(),
            checked_at: at("2026-11-26T04:06:00Z"),
            status: BackupStatus::Success,
            reason: "newest backup is 2h old".into(),
            newest: Some(BackupObject {
                key: "db/2026-11-26-0200.sql.gz".into(),
                last_modified: at("2026-11-26T02:00:00.999Z"),
                size: 1234,
            }),
            previous: None,
            age_seconds: Some(7200),
            objects_scanned: 10,
            list_requests: 1,
        }
    }

    fn now() -> DateTime<Utc> {
        at("2026-11-26T04:06:02.900Z")
    }

    #[test]
    fn merges_both_reports_into_the_public_shape() {
        let kuma = kuma_report();
        let backups = backup_report();
        let sources = Sources {
            kuma: Some(&kuma),
            backups: Some(&backups),
            ..Sources::default()
        };
        let doc = serde_json::to_value(build(now(), &sources)).unwrap();
        assert_eq!(
            doc,
            json!({
                "updated_at": "2026-11-26T04:06:02Z",
                "platform_status": "degraded",
                "uptime": {"last_24h": 99.12, "last_7d": 99.4, "last_30d": 100.0, "last_1y": 99.96},
                "backups": {"last_backup_status": "success", "last_backup_time": "2026-11-26T02:00:00Z"},
                "schema_version": 1,
                "maintenance": {"active": true, "titles": ["Search cluster upgrade"]},
                "incidents": [{
                    "title": "Investigating elevated errors", "style": "warning",
                    "text": "We are looking into it.",
                    "created_at": "2026-11-26T03:50:12Z", "updated_at": null
                }]
            })
        );
    }

    #[test]
    fn no_internal_detail_crosses_over() {
        let kuma = kuma_report();
        let backups = backup_report();
        let sources = Sources {
            kuma: Some(&kuma),
            backups: Some(&backups),
            publish_components: true,
            ..Sources::default()
        };
        let text = String::from_utf8(build(now(), &sources).to_json()).unwrap();
        for internal in [
            "db/2026",
            "s3://",
            "Internal Admin Panel",
            "2h old",
            "Core",
            "10.0.0.5",
        ] {
            assert!(!text.contains(internal), "{internal:?} leaked into {text}");
        }
    }

    #[test]
    fn components_only_when_asked_and_only_public_monitors() {
        let kuma = kuma_report();
        let mut sources = Sources {
            kuma: Some(&kuma),
            ..Sources::default()
        };
        assert_eq!(build(now(), &sources).components, None);
        sources.publish_components = true;
        let components = build(now(), &sources).components.unwrap();
        let expected = [
            ("Web Frontend", ComponentState::Up),
            ("Legacy Reports", ComponentState::Unknown),
        ];
        assert_eq!(components.len(), expected.len());
        for (component, (name, state)) in components.iter().zip(expected) {
            assert_eq!((component.name.as_str(), component.state), (name, state));
            assert_eq!(component.uptime_24h, Percent::rounded(99.54));
        }
    }

    #[test]
    fn every_source_failed_is_all_unknown_and_null() {
        let doc = serde_json::to_value(StatusDocument::unknown(now())).unwrap();
        assert_eq!(
            doc,
            json!({
                "updated_at": "2026-11-26T04:06:02Z",
                "platform_status": "unknown",
                "uptime": {"last_24h": null, "last_7d": null, "last_30d": null},
                "backups": {"last_backup_status": "unknown", "last_backup_time": null},
                "schema_version": 1
            })
        );
    }

    #[test]
    fn out_of_range_uptimes_become_null_never_a_public_number() {
        let mut kuma = kuma_report();
        kuma.uptime.last_24h = Some(f64::NAN);
        kuma.uptime.last_7d = Some(100.01);
        kuma.uptime.last_30d = Some(-0.001);
        let doc = build(
            now(),
            &Sources {
                kuma: Some(&kuma),
                ..Sources::default()
            },
        );
        assert_eq!(doc.uptime.last_24h, None);
        assert_eq!(doc.uptime.last_7d, None);
        // -0.001 rounds to 0.00: a real (if dreadful) value, written as 0.0, never -0.0.
        assert_eq!(
            doc.uptime.last_30d.map(|p| p.value().to_string()),
            Some("0".into())
        );
    }

    #[test]
    fn rounding_is_to_two_decimals_half_away_from_zero() {
        let cases = [
            (99.994999, 99.99),
            (99.995, 100.0),
            (0.005, 0.01),
            (99.125, 99.13),
            (100.0, 100.0),
        ];
        for (raw, expected) in cases {
            assert_eq!(Percent::rounded(raw).unwrap().value(), expected, "{raw}");
        }
        assert_eq!(Percent::rounded(100.004).unwrap().value(), 100.0);
        assert_eq!(Percent::rounded(100.005), None);
    }

    #[test]
    fn documents_round_trip_through_their_own_parser() {
        let kuma = kuma_report();
        let backups = backup_report();
        let manual = Override {
            platform_status: PlatformStatus::Outage,
            message: Some("Database failover".into()),
            expires_at: at("2026-11-26T05:00:00Z"),
        };
        let doc = build(
            now(),
            &Sources {
                kuma: Some(&kuma),
                backups: Some(&backups),
                active_override: Some(&manual),
                publish_components: true,
            },
        );
        assert_eq!(StatusDocument::from_json(&doc.to_json()), Ok(doc));
    }

    #[test]
    fn an_active_override_sets_the_status_and_leads_the_incidents() {
        let kuma = kuma_report();
        let manual = Override {
            platform_status: PlatformStatus::Outage,
            message: Some("Database failover in progress".into()),
            expires_at: at("2026-11-26T05:00:00Z"),
        };
        for kuma in [Some(&kuma), None] {
            let doc = build(
                now(),
                &Sources {
                    kuma,
                    active_override: Some(&manual),
                    ..Sources::default()
                },
            );
            assert_eq!(doc.platform_status, PlatformStatus::Outage);
            let first = &doc.incidents.as_ref().unwrap()[0];
            assert_eq!(first.title, "Database failover in progress");
            assert_eq!(first.style, IncidentStyle::Danger);
        }
    }

    #[test]
    fn override_file_is_judged_at_the_given_time() {
        let file = br#"{"platform_status": "outage", "expires_at": "2026-11-26T06:00:00+01:00"}"#;
        let expires = Utc.with_ymd_and_hms(2026, 11, 26, 5, 0, 0).unwrap();
        assert_eq!(
            OverrideState::judge(file, at("2026-11-26T04:59:59Z")),
            OverrideState::Active(Override {
                platform_status: PlatformStatus::Outage,
                message: None,
                expires_at: expires,
            })
        );
        assert_eq!(
            OverrideState::judge(file, expires),
            OverrideState::Expired(expires)
        );
        let invalid = [
            (&br#"{"platform_status": "down", "expires_at": "2026-11-26T06:00:00Z"}"#[..], "field `platform_status`"),
            (br#"{"platform_status": "outage"}"#, "missing field `expires_at`"),
            (br#"{"platform_status": "outage", "expires_at": "soon"}"#, "field `expires_at`"),
            (br#"{"platform_status": "outage", "expires_at": "2026-11-26T06:00:00Z", "msg": "x"}"#, "unknown field `msg`"),
            (b"platform_status=outage", "not valid JSON"),
        ];
        for (bytes, expected) in invalid {
            match OverrideState::judge(bytes, now()) {
                OverrideState::Invalid(reason) => {
                    assert!(reason.contains(expected), "{reason:?} lacks {expected:?}")
                }
                other => panic!("{} judged {other:?}", String::from_utf8_lossy(bytes)),
            }
        }
    }

    #[test]
    fn parse_errors_name_the_field() {
        let mut doc = serde_json::to_value(StatusDocument::unknown(now())).unwrap();
        doc["uptime"]["last_7d"] = json!(100.5);
        let err = StatusDocument::from_json(doc.to_string().as_bytes()).unwrap_err();
        assert!(
            err.starts_with("field `uptime.last_7d`: 100.5 is not a percentage"),
            "{err}"
        );
        let err = StatusDocument::from_json(b"{\"updated_at\": ").unwrap_err();
        assert!(err.starts_with("not valid JSON: EOF"), "{err}");
        let mut trailing = StatusDocument::unknown(now()).to_json();
        trailing.extend_from_slice(b"{}");
        let err = StatusDocument::from_json(&trailing).unwrap_err();
        assert!(
            err.starts_with("not valid JSON: trailing characters"),
            "{err}"
        );
        let err = StatusDocument::from_json(b"{}").unwrap_err();
        assert!(err.starts_with("missing field `updated_at`"), "{err}");
    }

    /// The schema file and the struct must give the same verdict on every example.
    #[test]
    fn schema_and_struct_agree() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../config/status.schema.json")).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let kuma = kuma_report();
        let backups = backup_report();
        let manual = Override {
            platform_status: PlatformStatus::Outage,
            message: Some("Failover".into()),
            expires_at: at("2026-11-26T05:00:00Z"),
        };
        let full = serde_json::to_value(build(
            now(),
            &Sources {
                kuma: Some(&kuma),
                backups: Some(&backups),
                active_override: Some(&manual),
                publish_components: true,
            },
        ))
        .unwrap();
        let empty = serde_json::to_value(StatusDocument::unknown(now())).unwrap();
        let issue_example = json!({
            "updated_at": "2025-11-10T15:30:00Z",
            "platform_status": "operational",
            "uptime": { "last_24h": 100.0, "last_7d": 99.98, "last_30d": 99.95 },
            "backups": { "last_backup_status": "success", "last_backup_time": "2025-11-10T02:00:00Z" }
        });
        let valid = [full.clone(), empty.clone(), issue_example.clone()];
        type Edit = fn(&mut serde_json::Value);
        let mutations: [(&str, Edit); 31] = [
            ("integer uptime", |d| d["uptime"]["last_24h"] = json!(100)),
            ("zero uptime", |d| d["uptime"]["last_24h"] = json!(0)),
            ("one decimal", |d| d["uptime"]["last_24h"] = json!(99.9)),
            ("three decimals", |d| {
                d["uptime"]["last_24h"] = json!(99.999)
            }),
            ("over 100", |d| d["uptime"]["last_24h"] = json!(100.01)),
            ("negative", |d| d["uptime"]["last_7d"] = json!(-1)),
            ("tiny", |d| d["uptime"]["last_7d"] = json!(0.001)),
            ("string uptime", |d| d["uptime"]["last_30d"] = json!("99.9")),
            ("missing uptime", |d| {
                d["uptime"].as_object_mut().unwrap().remove("last_30d");
            }),
            ("null 1y", |d| d["uptime"]["last_1y"] = json!(null)),
            ("extra uptime key", |d| {
                d["uptime"]["last_90d"] = json!(99.0)
            }),
            ("extra top key", |d| d["hostname"] = json!("db1.internal")),
            ("missing updated_at", |d| {
                d.as_object_mut().unwrap().remove("updated_at");
            }),
            ("fractional seconds", |d| {
                d["updated_at"] = json!("2025-11-10T15:30:00.5Z")
            }),
            ("offset", |d| {
                d["updated_at"] = json!("2025-11-10T15:30:00+00:00")
            }),
            ("lowercase z", |d| {
                d["updated_at"] = json!("2025-11-10T15:30:00z")
            }),
            ("month 13", |d| {
                d["updated_at"] = json!("2025-13-10T15:30:00Z")
            }),
            ("leap second", |d| {
                d["updated_at"] = json!("2025-12-31T23:59:60Z")
            }),
            ("null updated_at", |d| d["updated_at"] = json!(null)),
            ("capitalised status", |d| {
                d["platform_status"] = json!("Operational")
            }),
            ("unknown status", |d| d["platform_status"] = json!("down")),
            ("backup status", |d| {
                d["backups"]["last_backup_status"] = json!("ok")
            }),
            ("backup time null", |d| {
                d["backups"]["last_backup_time"] = json!(null)
            }),
            ("backup time number", |d| {
                d["backups"]["last_backup_time"] = json!(1762740000)
            }),
            ("schema version 2", |d| d["schema_version"] = json!(2)),
            ("maintenance null", |d| d["maintenance"] = json!(null)),
            ("maintenance extra", |d| {
                d["maintenance"] = json!({"active": false, "titles": [], "ids": [6]})
            }),
            (
                "incident style",
                |d| d["incidents"] = json!([{"title": "t", "style": "blink", "text": "", "created_at": null, "updated_at": null}]),
            ),
            ("incident missing time", |d| {
                d["incidents"] = json!([{"title": "t", "style": "info", "text": ""}])
            }),
            (
                "component url",
                |d| d["components"] = json!([{"name": "API", "state": "up", "uptime_24h": 99.0, "url": "http://10.0.0.5"}]),
            ),
            (
                "component stale",
                |d| {
                    d["components"] = json!([{"name": "API", "state": "stale", "uptime_24h": null}])
                },
            ),
        ];
        let mut examples: Vec<(String, serde_json::Value)> = valid
            .iter()
            .enumerate()
            .map(|(i, doc)| (format!("valid #{i}"), doc.clone()))
            .collect();
        for (name, edit) in mutations {
            for (i, base) in [&full, &issue_example].into_iter().enumerate() {
                let mut doc = base.clone();
                edit(&mut doc);
                examples.push((format!("{name} on #{i}"), doc));
            }
        }
        let mut verdicts = (0, 0);
        for (name, doc) in examples {
            let by_schema = validator.is_valid(&doc);
            let by_struct = StatusDocument::from_json(doc.to_string().as_bytes());
            assert_eq!(
                by_schema,
                by_struct.is_ok(),
                "{name}: schema says {by_schema}, struct says {by_struct:?}"
            );
            if by_schema {
                verdicts.0 += 1;
            } else {
                verdicts.1 += 1;
            }
        }
        // Both verdicts occur, so neither side can pass by accepting or refusing everything.
        assert!(verdicts.0 >= 10 && verdicts.1 >= 40, "{verdicts:?}");
    }
}
