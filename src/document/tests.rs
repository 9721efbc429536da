//! The document's unit tests: schema agreement, merge, rounding, override.

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
fn a_published_backup_time_is_never_in_the_future() {
    // Dated 2 minutes ahead, within BACKUP_CLOCK_SKEW: trusted, published as now.
    let mut backups = backup_report();
    backups.newest.as_mut().unwrap().last_modified = now() + chrono::TimeDelta::minutes(2);
    let sources = Sources {
        backups: Some(&backups),
        ..Sources::default()
    };
    let doc = build(now(), &sources);
    assert_eq!(
        doc.backups.last_backup_time.map(|t| t.to_string()),
        Some("2026-11-26T04:06:02Z".to_string())
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

/// `STATUS_OVERRIDE_MAX_TTL`'s default.
const WEEK: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

#[test]
fn an_override_expiring_past_the_max_ttl_is_refused() {
    let expires =
        |at: &str| format!(r#"{{"platform_status": "outage", "expires_at": "{at}"}}"#).into_bytes();
    // now() is 2026-11-26T04:06:02.900Z: a week later is the last time accepted.
    let week_later = expires("2026-12-03T04:06:02Z");
    assert!(matches!(
        OverrideState::judge(&week_later, now(), WEEK),
        OverrideState::Active(_)
    ));
    assert_eq!(
        OverrideState::judge(&expires("2099-01-01T00:00:00Z"), now(), WEEK),
        OverrideState::Invalid(
            "field `expires_at`: 2099-01-01T00:00:00Z is more than STATUS_OVERRIDE_MAX_TTL (7d) ahead; set an earlier time (renew it while the incident lasts)".into()
        )
    );
    let just_past = expires("2026-12-03T04:06:03Z");
    assert!(matches!(
        OverrideState::judge(&just_past, now(), WEEK),
        OverrideState::Invalid(_)
    ));
    // A shorter limit refuses a day ahead.
    let day_later = expires("2026-11-27T04:06:02Z");
    let hour = std::time::Duration::from_secs(3600);
    assert!(matches!(
        OverrideState::judge(&day_later, now(), hour),
        OverrideState::Invalid(reason) if reason.contains("STATUS_OVERRIDE_MAX_TTL (1h)")
    ));
}

#[test]
fn override_file_is_judged_at_the_given_time() {
    let file = br#"{"platform_status": "outage", "expires_at": "2026-11-26T06:00:00+01:00"}"#;
    let expires = Utc.with_ymd_and_hms(2026, 11, 26, 5, 0, 0).unwrap();
    assert_eq!(
        OverrideState::judge(file, at("2026-11-26T04:59:59Z"), WEEK),
        OverrideState::Active(Override {
            platform_status: PlatformStatus::Outage,
            message: None,
            expires_at: expires,
        })
    );
    assert_eq!(
        OverrideState::judge(file, expires, WEEK),
        OverrideState::Expired(expires)
    );
    let invalid = [
        (
            &br#"{"platform_status": "down", "expires_at": "2026-11-26T06:00:00Z"}"#[..],
            "field `platform_status`",
        ),
        (
            br#"{"platform_status": "outage"}"#,
            "missing field `expires_at`",
        ),
        (
            br#"{"platform_status": "outage", "expires_at": "soon"}"#,
            "field `expires_at`",
        ),
        (
            br#"{"platform_status": "outage", "expires_at": "2026-11-26T06:00:00Z", "msg": "x"}"#,
            "unknown field `msg`",
        ),
        (b"platform_status=outage", "not valid JSON"),
    ];
    for (bytes, expected) in invalid {
        match OverrideState::judge(bytes, now(), WEEK) {
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
        serde_json::from_str(include_str!("../../config/status.schema.json")).unwrap();
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
            |d| d["components"] = json!([{"name": "API", "state": "stale", "uptime_24h": null}]),
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
