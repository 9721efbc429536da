//! The operator's override (`STATUS_OVERRIDE_FILE`), through `status generate` against the Kuma
//! fixture server, with a local push receiver: an active override wins until it expires; a
//! malformed one, or one expiring more than `STATUS_OVERRIDE_MAX_TTL` ahead, is a failure of
//! the run (exit 3, push down) while the real status is published; `check` says FAIL.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::support::publish::{fresh_kuma, kuma_env, push_env, push_receiver, pushed, written};
use crate::support::run;

/// An override file forcing an outage until `expires_at`.
fn outage_until(expires_at: DateTime<Utc>) -> String {
    json!({
        "platform_status": "outage",
        "message": "Database failover in progress",
        "expires_at": expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    })
    .to_string()
}

/// One `status generate` with the override file in `dir`: exit code, stderr, the written
/// document and the push (status, msg).
fn generate(dir: &Path, env: &[(&'static str, String)]) -> (i32, String, Value, (String, String)) {
    let receiver = push_receiver();
    let mut env = env.to_vec();
    env.push(push_env(&receiver));
    let (code, _, stderr) = run(dir, &["generate"], &env).into_text();
    let document = written(dir);
    (code, stderr, document, pushed(&receiver))
}

#[test]
fn an_override_applies_until_it_expires() {
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let override_file = dir.path().join("override.json");
    let mut env = kuma_env(&kuma);
    env.push(("STATUS_OVERRIDE_FILE", override_file.display().to_string()));
    let up = ("up".to_string(), "OK".to_string());

    let (code, stderr, document, push) = generate(dir.path(), &env);
    assert_eq!((code, &push), (0, &up), "{stderr}");
    let kuma_says = document["platform_status"].clone();
    assert_ne!(kuma_says, "outage");

    std::fs::write(
        &override_file,
        outage_until(Utc::now() + TimeDelta::hours(1)),
    )
    .unwrap();
    let (code, stderr, document, push) = generate(dir.path(), &env);
    assert_eq!((code, &push), (0, &up), "{stderr}");
    assert_eq!(document["platform_status"], "outage");
    assert_eq!(
        document["incidents"][0]["title"],
        "Database failover in progress"
    );
    assert_eq!(document["incidents"][0]["style"], "danger");
    assert_eq!(
        document["incidents"][1]["title"],
        "Investigating elevated errors"
    );

    // Expired: ignored with a warning; a forgotten file is not a failure of the run.
    std::fs::write(
        &override_file,
        outage_until(Utc::now() - TimeDelta::seconds(1)),
    )
    .unwrap();
    let (code, stderr, document, push) = generate(dir.path(), &env);
    assert_eq!((code, &push), (0, &up), "{stderr}");
    assert_eq!(document["platform_status"], kuma_says);
    assert_eq!(
        document["incidents"][0]["title"],
        "Investigating elevated errors"
    );
    assert!(
        stderr.contains(" WARN ") && stderr.contains("expired at"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_or_too_long_override_fails_the_run_and_publishes_the_real_status() {
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let override_file = dir.path().join("override.json");
    let mut env = kuma_env(&kuma);
    env.push(("STATUS_OVERRIDE_FILE", override_file.display().to_string()));
    let (code, stderr, document, _) = generate(dir.path(), &env);
    assert_eq!(code, 0, "{stderr}");
    let kuma_says = document["platform_status"].clone();
    assert_ne!(kuma_says, "outage");

    let until_2099 = "2099-01-01T00:00:00Z".parse().unwrap();
    let cases = [
        (
            r#"{"platform_status": "down", "expires_at": "2099-01-01T00:00:00Z"}"#.to_string(),
            "field `platform_status`",
        ),
        (
            outage_until(until_2099),
            "field `expires_at`: 2099-01-01T00:00:00Z is more than STATUS_OVERRIDE_MAX_TTL (7d) ahead",
        ),
        (
            outage_until(Utc::now() + TimeDelta::days(8)),
            "is more than STATUS_OVERRIDE_MAX_TTL (7d) ahead",
        ),
    ];
    let refused = format!("STATUS_OVERRIDE_FILE {} ignored: ", override_file.display());
    for (file, why) in cases {
        std::fs::write(&override_file, &file).unwrap();
        let (code, stderr, document, (status, msg)) = generate(dir.path(), &env);
        assert_eq!(code, 3, "{file}: {stderr}");
        assert_eq!(document["platform_status"], kuma_says, "{file}");
        assert_ne!(
            document["incidents"][0]["title"], "Database failover in progress",
            "{file}"
        );
        assert!(
            stderr.lines().any(|line| line.contains(" WARN ")
                && line.contains(&refused)
                && line.contains(why)
                && line.contains("the real status is published")),
            "{file}: {stderr}"
        );
        assert_eq!(status, "down", "{file}");
        assert!(msg.starts_with(&format!("degraded: {refused}")), "{msg}");
        let last = stderr.lines().last().unwrap();
        assert!(
            last.contains(&format!("degraded: {refused}")) && last.ends_with("exit 3"),
            "{last}"
        );

        // `check` says FAIL on the override line.
        let check = run(dir.path(), &["check"], &env);
        let stdout = String::from_utf8(check.stdout).unwrap();
        assert_eq!(check.code, 1, "{stdout}");
        let line = stdout
            .lines()
            .find(|line| line.contains("override"))
            .unwrap_or_else(|| panic!("{stdout}"));
        assert!(line.starts_with("FAIL") && line.contains(why), "{line}");
    }

    // A longer STATUS_OVERRIDE_MAX_TTL allows the eight days.
    std::fs::write(
        &override_file,
        outage_until(Utc::now() + TimeDelta::days(8)),
    )
    .unwrap();
    env.push(("STATUS_OVERRIDE_MAX_TTL", "14d".to_string()));
    let (code, stderr, document, (status, _)) = generate(dir.path(), &env);
    assert_eq!((code, status.as_str()), (0, "up"), "{stderr}");
    assert_eq!(document["platform_status"], "outage");
}
