//! The document's unit tests, by subject; the reports they start from are here.

use super::*;
use crate::sources::backups::{BackupObject, BackupReport};
use crate::sources::kuma::{Incident, KumaReport, Maintenance, MonitorReport, Uptime};
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
        degraded: vec![],
        requests: 21,
        retries: 0,
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
        future_dated: Default::default(),
        objects_scanned: 10,
        list_requests: 1,
    }
}

fn now() -> DateTime<Utc> {
    at("2026-11-26T04:06:02.900Z")
}

mod merge;
mod overrides;
mod schema;
