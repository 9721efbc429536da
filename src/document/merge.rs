//! The merge of the Kuma and backup reports into the public document (pure).

use chrono::{DateTime, Utc};

use super::*;
use crate::sources::backups::{BackupReport, BackupStatus};
use crate::sources::kuma::{KumaReport, PlatformStatus};

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
            // A trusted backup may be dated up to BACKUP_CLOCK_SKEW ahead; the page never
            // shows a time that has not come yet.
            last_backup_time: report
                .newest
                .as_ref()
                .map(|newest| Timestamp::new(newest.last_modified.min(now))),
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
