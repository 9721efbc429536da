//! The document's parser against the schema file: the same verdict on every example.

use super::*;

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
        serde_json::from_str(include_str!("../../../config/status.schema.json")).unwrap();
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
