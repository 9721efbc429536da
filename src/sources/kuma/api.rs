//! Wire formats of Uptime Kuma's public endpoints, 1.23 and 2.x, decoded into plain values.
//! Shapes are those of the captured responses in `tests/fixtures/uptime-kuma/*/`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::Incident;

/// The major version of the server, told from the status page JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KumaVersion {
    V1,
    V2,
}

impl KumaVersion {
    pub fn label(self) -> &'static str {
        match self {
            KumaVersion::V1 => "1.x",
            KumaVersion::V2 => "2.x",
        }
    }
}

/// A monitor listed on the status page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageMonitor {
    pub id: u64,
    pub name: String,
    pub group: Option<String>,
}

/// `GET /api/status-page/{slug}`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusPage {
    pub version: KumaVersion,
    /// In page order; a monitor listed in two groups appears once, in its first group.
    pub monitors: Vec<PageMonitor>,
    pub incidents: Vec<Incident>,
    /// Titles of the maintenances Kuma lists on the page (only active ones are listed).
    pub maintenance: Vec<String>,
}

#[derive(Deserialize)]
struct StatusPageWire {
    #[serde(rename = "publicGroupList")]
    groups: Vec<GroupWire>,
    #[serde(rename = "maintenanceList", default)]
    maintenance: Vec<MaintenanceWire>,
    /// 2.x: pinned and active incidents.
    #[serde(default)]
    incidents: Option<Vec<IncidentWire>>,
    /// 1.x: the pinned incident, or null.
    #[serde(default)]
    incident: Option<IncidentWire>,
}

#[derive(Deserialize)]
struct GroupWire {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "monitorList", default)]
    monitors: Vec<MonitorWire>,
}

#[derive(Deserialize)]
struct MonitorWire {
    id: u64,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct MaintenanceWire {
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct IncidentWire {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    style: Option<String>,
    #[serde(rename = "createdDate", default)]
    created: Option<String>,
    #[serde(rename = "lastUpdatedDate", default)]
    updated: Option<String>,
}

impl StatusPage {
    /// Decodes the status page; `Err` is one line on what is wrong with the shape.
    pub fn from_json(value: Value) -> Result<StatusPage, String> {
        let Some(object) = value.as_object() else {
            return Err("expected a JSON object".into());
        };
        // The version tell: 2.x has an `incidents` list, 1.x a single `incident` key.
        let version = if object.contains_key("incidents") {
            KumaVersion::V2
        } else if object.contains_key("incident") {
            KumaVersion::V1
        } else {
            return Err("neither `incidents` (2.x) nor `incident` (1.x) is present".into());
        };
        let wire: StatusPageWire = serde_json::from_value(value).map_err(|err| err.to_string())?;
        let mut monitors: Vec<PageMonitor> = Vec::new();
        for group in wire.groups {
            for monitor in group.monitors {
                if monitors.iter().any(|known| known.id == monitor.id) {
                    continue;
                }
                monitors.push(PageMonitor {
                    id: monitor.id,
                    name: monitor
                        .name
                        .unwrap_or_else(|| format!("Monitor {}", monitor.id)),
                    group: group.name.clone(),
                });
            }
        }
        let incidents = match version {
            KumaVersion::V2 => wire.incidents.unwrap_or_default(),
            KumaVersion::V1 => wire.incident.into_iter().collect(),
        };
        Ok(StatusPage {
            version,
            monitors,
            incidents: incidents
                .into_iter()
                .map(IncidentWire::into_incident)
                .collect(),
            maintenance: wire
                .maintenance
                .into_iter()
                .map(|m| m.title.unwrap_or_else(|| "Maintenance".into()))
                .collect(),
        })
    }
}

impl IncidentWire {
    fn into_incident(self) -> Incident {
        Incident {
            title: self.title.unwrap_or_default(),
            style: self.style.unwrap_or_default(),
            content: self.content.unwrap_or_default(),
            created_at: self.created.as_deref().and_then(parse_kuma_time),
            updated_at: self.updated.as_deref().and_then(parse_kuma_time),
        }
    }
}

/// The newest heartbeat of a monitor, as served.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beat {
    /// 0 down, 1 up, 2 pending, 3 maintenance (other values are reported by the rules).
    pub status: i64,
    pub time: DateTime<Utc>,
}

/// `GET /api/status-page/heartbeat/{slug}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Heartbeats {
    /// Newest beat per monitor id (monitors without beats are absent).
    pub newest: HashMap<u64, Beat>,
    /// The raw `"<id>_24"` values (a 0..1 ratio, or the integer 1), checked by the rules.
    pub uptime_24h: HashMap<u64, Value>,
}

#[derive(Deserialize)]
struct HeartbeatsWire {
    #[serde(rename = "heartbeatList")]
    beats: HashMap<String, LastBeat>,
    #[serde(rename = "uptimeList", default)]
    uptime: HashMap<String, Value>,
}

#[derive(Deserialize)]
struct BeatWire {
    status: i64,
    time: String,
}

/// The last element of a monitor's beat list (oldest first, so the newest beat). Decoded
/// straight from the body, one beat at a time: a large installation's list (1,000 monitors x
/// 100 beats, 6.5 MB) never becomes a JSON tree in memory.
struct LastBeat(Option<BeatWire>);

impl<'de> Deserialize<'de> for LastBeat {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<LastBeat, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = LastBeat;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of heartbeats")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<LastBeat, A::Error> {
                let mut last = None;
                while let Some(beat) = seq.next_element::<BeatWire>()? {
                    last = Some(beat);
                }
                Ok(LastBeat(last))
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

impl Heartbeats {
    /// Decodes the heartbeat endpoint's body. `Err` says whether it is not JSON at all or
    /// JSON of another shape.
    pub fn from_slice(body: &[u8]) -> Result<Heartbeats, String> {
        let wire: HeartbeatsWire =
            serde_json::from_slice(body).map_err(|err| match err.classify() {
                serde_json::error::Category::Data => err.to_string(),
                _ => format!("invalid JSON: {err}"),
            })?;
        let mut newest = HashMap::new();
        for (key, LastBeat(last)) in wire.beats {
            let Ok(id) = key.parse::<u64>() else { continue };
            let Some(last) = last else { continue };
            let time = parse_kuma_time(&last.time).ok_or_else(|| {
                format!(
                    "monitor {id}'s newest heartbeat has time {:?}, expected YYYY-MM-DD HH:MM:SS[.mmm]",
                    last.time
                )
            })?;
            newest.insert(
                id,
                Beat {
                    status: last.status,
                    time,
                },
            );
        }
        let uptime_24h = wire
            .uptime
            .into_iter()
            .filter_map(|(key, value)| {
                let id = key.strip_suffix("_24")?.parse::<u64>().ok()?;
                Some((id, value))
            })
            .collect();
        Ok(Heartbeats { newest, uptime_24h })
    }
}

/// Kuma's timestamps: UTC without a zone marker, `YYYY-MM-DD HH:MM:SS` with or without
/// milliseconds (RFC 3339 is accepted too, should a version switch to it).
pub fn parse_kuma_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f")
        .map(|naive| naive.and_utc())
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|time| time.with_timezone(&Utc))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn parses_kuma_times_with_and_without_milliseconds() {
        assert_eq!(
            parse_kuma_time("2026-11-26 04:05:55.728"),
            Some(
                Utc.with_ymd_and_hms(2026, 11, 26, 4, 5, 55).unwrap()
                    + chrono::Duration::milliseconds(728)
            )
        );
        assert_eq!(
            parse_kuma_time("2026-11-26 03:20:35"),
            Some(Utc.with_ymd_and_hms(2026, 11, 26, 3, 20, 35).unwrap())
        );
        assert_eq!(
            parse_kuma_time("2026-11-26T03:20:35Z"),
            Some(Utc.with_ymd_and_hms(2026, 11, 26, 3, 20, 35).unwrap())
        );
        for bad in [
            "",
            "yesterday",
            "2026-11-26",
            "2026-13-01 00:00:00",
            "26/11/2026 03:20:35",
        ] {
            assert_eq!(parse_kuma_time(bad), None, "{bad:?}");
        }
    }

    fn page(extra: Value) -> Value {
        let mut page = json!({
            "config": {"slug": "main"},
            "publicGroupList": [
                {"name": "Core", "monitorList": [{"id": 1, "name": "Web"}, {"id": 2, "name": "API"}]},
                {"name": "Extras", "monitorList": [{"id": 2, "name": "API"}, {"id": 4}]}
            ],
            "maintenanceList": [{"title": "Upgrade", "status": "under-maintenance"}]
        });
        page.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        page
    }

    #[test]
    fn tells_the_version_and_reads_incidents() {
        let v2 = StatusPage::from_json(page(json!({"incidents": [
            {"title": "Errors", "style": "warning", "content": "Looking", "createdDate": "2026-11-26 03:20:35", "lastUpdatedDate": null}
        ]})))
        .unwrap();
        assert_eq!(v2.version, KumaVersion::V2);
        assert_eq!(v2.incidents.len(), 1);
        assert_eq!(v2.incidents[0].title, "Errors");
        assert_eq!(v2.incidents[0].updated_at, None);
        assert_eq!(v2.maintenance, vec!["Upgrade".to_string()]);

        let v1 = StatusPage::from_json(page(json!({"incident": null}))).unwrap();
        assert_eq!(v1.version, KumaVersion::V1);
        assert!(v1.incidents.is_empty());
        let v1 =
            StatusPage::from_json(page(json!({"incident": {"title": "T", "pin": 1}}))).unwrap();
        assert_eq!(v1.incidents[0].title, "T");

        let neither = StatusPage::from_json(page(json!({}))).unwrap_err();
        assert!(neither.contains("incidents"), "{neither}");
        assert!(StatusPage::from_json(json!([1, 2])).is_err());
        assert!(StatusPage::from_json(json!({"incident": null})).is_err());
    }

    #[test]
    fn lists_each_monitor_once_in_its_first_group() {
        let page = StatusPage::from_json(page(json!({"incidents": []}))).unwrap();
        let ids: Vec<_> = page
            .monitors
            .iter()
            .map(|m| (m.id, m.group.as_deref()))
            .collect();
        assert_eq!(
            ids,
            vec![(1, Some("Core")), (2, Some("Core")), (4, Some("Extras"))]
        );
        assert_eq!(page.monitors[2].name, "Monitor 4");
    }

    #[test]
    fn takes_the_last_beat_as_the_newest() {
        let decode = |value: Value| Heartbeats::from_slice(value.to_string().as_bytes());
        let beats = decode(json!({
            "heartbeatList": {
                "1": [{"status": 0, "time": "2026-11-26 03:00:00.000"}, {"status": 1, "time": "2026-11-26 03:00:20"}],
                "2": [],
                "x": [{"status": 1, "time": "2026-11-26 03:00:00"}]
            },
            "uptimeList": {"1_24": 0.5, "2_24": 1, "1_720": 0.9}
        }))
        .unwrap();
        assert_eq!(beats.newest.len(), 1);
        assert_eq!(beats.newest[&1].status, 1);
        assert_eq!(
            beats.newest[&1].time,
            parse_kuma_time("2026-11-26 03:00:20").unwrap()
        );
        assert_eq!(beats.uptime_24h.len(), 2);
        assert_eq!(beats.uptime_24h[&2], json!(1));

        let bad_time = decode(json!({
            "heartbeatList": {"3": [{"status": 1, "time": "soon"}]}, "uptimeList": {}
        }))
        .unwrap_err();
        assert!(bad_time.contains("monitor 3"), "{bad_time}");
        assert!(decode(json!({"uptimeList": {}})).is_err());
        let truncated =
            Heartbeats::from_slice(br#"{"heartbeatList": {"1": [{"status"#).unwrap_err();
        assert!(truncated.starts_with("invalid JSON: "), "{truncated}");
    }
}
