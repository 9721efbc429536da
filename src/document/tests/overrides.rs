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
        match OverrideState::judge(bytes, now()) {
            OverrideState::Invalid(reason) => {
                assert!(reason.contains(expected), "{reason:?} lacks {expected:?}")
            }
            other => panic!("{} judged {other:?}", String::from_utf8_lossy(bytes)),
        }
    }
}
