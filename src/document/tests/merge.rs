//! `build`: the merge of the sources' reports into the public document, and its rounding.

use super::*;

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
