//! The operator override: judged at a given time, and winning over Kuma while active.

use super::*;

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
