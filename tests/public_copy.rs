//! The public copy is part of success: after each upload, the address visitors use is read
//! without credentials (derived from the endpoint, bucket and key when `STATUS_PUBLIC_URL` is
//! unset). Over the real moto server, which serves anonymous GETs of public-read objects and
//! refuses private ones, and test servers standing in for a CDN; the push monitor is a local
//! receiver that records what each run told it.

use crate::support::http_server::{Reply, TestServer, refused_url};
use crate::support::moto::Moto;
use crate::support::publish::{push_env, push_receiver, pushed, status_bucket_env, stored_object};
use crate::support::run;
use crate::support::schema::valid_document;

/// `generate --upload` to a fresh bucket with `extra` settings and a push receiver: the exit
/// code, stderr, the written document and the push (status, msg).
async fn publish_with(
    moto: &Moto,
    bucket: &str,
    extra: &[(&'static str, String)],
) -> (i32, String, Vec<u8>, (String, String)) {
    let receiver = push_receiver();
    let dir = tempfile::tempdir().unwrap();
    let mut env = status_bucket_env(moto, bucket);
    env.push(push_env(&receiver));
    env.extend(extra.iter().cloned());
    let (code, _, stderr) = run(dir.path(), &["generate", "--upload"], &env).into_text();
    let written = std::fs::read(dir.path().join("status.json")).unwrap();
    valid_document(&written);
    (code, stderr, written, pushed(&receiver))
}

fn summary(stderr: &str) -> &str {
    stderr.lines().last().unwrap()
}

#[tokio::test]
async fn without_a_public_url_the_derived_address_is_read_back() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("derived").await;
    let (code, stderr, written, push) = publish_with(moto, &bucket, &[]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(push, ("up".to_string(), "OK".to_string()));
    // SPACES_PATH_STYLE=true: ENDPOINT/BUCKET/KEY.
    let derived = format!("{}/{bucket}/status.json", moto.endpoint());
    assert!(
        summary(&stderr).contains(&format!("; {derived} serves it;")),
        "{stderr}"
    );
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await,
        Some(written)
    );
    assert!(!stderr.contains("WARN"), "{stderr}");
}

#[tokio::test]
async fn a_public_copy_nobody_can_read_degrades_the_run() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("forbidden").await;
    // A private object at its real address: moto answers anonymous readers 403, as Spaces does
    // when the ACL is ignored or a bucket policy denies them.
    let address = format!("{}/{bucket}/status.json", moto.endpoint());
    let settings = [
        ("STATUS_ACL", "private".to_string()),
        ("STATUS_PUBLIC_URL", address.clone()),
    ];
    let (code, stderr, written, (status, msg)) = publish_with(moto, &bucket, &settings).await;
    assert_eq!(code, 3, "{stderr}");
    let reason = format!(
        "public copy {address} unreadable (HTTP 403 Forbidden): visitors cannot read status.json; check STATUS_ACL, the bucket policy or the CDN"
    );
    assert!(
        stderr
            .lines()
            .any(|line| line.contains(" WARN ") && line.ends_with(&reason)),
        "{stderr}"
    );
    assert_eq!(status, "down");
    assert!(
        msg.starts_with(&format!(
            "degraded: public copy {address} unreadable (HTTP 403"
        )),
        "{msg}"
    );
    let last = summary(&stderr);
    assert!(
        last.contains(&format!("degraded: {reason}")) && last.ends_with("exit 3"),
        "{last}"
    );
    // The document is still written and uploaded: the bucket holds the truth.
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await,
        Some(written.clone())
    );

    // `status upload` tells the same story.
    let receiver = push_receiver();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("status.json"), &written).unwrap();
    let mut env = status_bucket_env(moto, &bucket);
    env.extend(settings);
    env.push(push_env(&receiver));
    let (code, _, stderr) = run(dir.path(), &["upload"], &env).into_text();
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(pushed(&receiver).0, "down");
    assert!(summary(&stderr).ends_with("exit 3"), "{stderr}");
}

#[tokio::test]
async fn an_error_status_or_no_answer_at_the_public_address_degrades_the_run() {
    let moto = Moto::shared();
    let not_found = TestServer::start(|_| Reply::new(404));
    let failing = TestServer::start(|_| Reply::new(503));
    for (address, why) in [
        (
            format!("{}/status.json", not_found.url()),
            "HTTP 404 Not Found",
        ),
        (
            format!("{}/status.json", failing.url()),
            "HTTP 503 Service Unavailable",
        ),
        (
            format!("{}/status.json", refused_url()),
            "cannot connect: Connection refused",
        ),
    ] {
        let bucket = moto.create_bucket("unreadable").await;
        let settings = [("STATUS_PUBLIC_URL", address.clone())];
        let (code, stderr, written, (status, msg)) = publish_with(moto, &bucket, &settings).await;
        assert_eq!(code, 3, "{address}: {stderr}");
        assert_eq!(status, "down", "{address}");
        assert!(
            msg.starts_with(&format!(
                "degraded: public copy {address} unreadable ({why}"
            )),
            "{msg}"
        );
        assert!(
            stderr.contains("check STATUS_ACL, the bucket policy or the CDN"),
            "{stderr}"
        );
        assert_eq!(
            stored_object(moto, &bucket, "status.json").await,
            Some(written)
        );
    }
}

/// A bucket already holding a copy from an earlier run, and a CDN in front of it that still
/// serves that copy.
async fn bucket_behind_a_stale_cdn(moto: &Moto, hint: &str) -> (String, Vec<u8>, TestServer) {
    let bucket = moto.create_bucket(hint).await;
    let earlier = serde_json::json!({
        "updated_at": "2026-11-26T04:00:00Z",
        "platform_status": "operational",
        "uptime": {"last_24h": 100.0, "last_7d": 100.0, "last_30d": 100.0},
        "backups": {"last_backup_status": "success", "last_backup_time": "2026-11-26T02:00:00Z"}
    })
    .to_string()
    .into_bytes();
    moto.put_object(&bucket, "status.json", earlier.clone())
        .await;
    let served = earlier.clone();
    let cdn = TestServer::start(move |_| Reply::new(200).body(served.clone()));
    (bucket, earlier, cdn)
}

#[tokio::test]
async fn the_replaced_copy_within_its_cache_time_is_an_info_line() {
    let moto = Moto::shared();
    let (bucket, earlier, cdn) = bucket_behind_a_stale_cdn(moto, "cached").await;
    let address = format!("{}/status.json", cdn.url());
    // STATUS_CACHE_CONTROL's default, max-age=300: a cache may serve the replaced copy for
    // five minutes after this upload.
    let settings = [("STATUS_PUBLIC_URL", address.clone())];
    let (code, stderr, written, push) = publish_with(moto, &bucket, &settings).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(push, ("up".to_string(), "OK".to_string()));
    assert!(!stderr.contains("WARN"), "{stderr}");
    assert!(
        stderr.lines().any(|line| line.contains(" INFO ")
            && line.contains(&format!(
                "public copy {address} serves {} bytes",
                earlier.len()
            ))
            && line.contains("a cache may hold an older copy until")),
        "{stderr}"
    );
    assert!(
        summary(&stderr).contains(&format!("{address} serves an older copy, cacheable until ")),
        "{stderr}"
    );
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await,
        Some(written)
    );
    let requests = cdn.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        !requests[0].authorized,
        "the public copy must be read without credentials"
    );
}

#[tokio::test]
async fn other_bytes_past_any_cache_time_are_a_warning() {
    let moto = Moto::shared();
    let (bucket, _, cdn) = bucket_behind_a_stale_cdn(moto, "uncached").await;
    let address = format!("{}/status.json", cdn.url());
    // `no-cache`: no cache may serve the replaced copy at all.
    let settings = [
        ("STATUS_CACHE_CONTROL", "no-cache".to_string()),
        ("STATUS_PUBLIC_URL", address.clone()),
    ];
    let (code, stderr, written, push) = publish_with(moto, &bucket, &settings).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(push, ("up".to_string(), "OK".to_string()));
    assert!(
        stderr.lines().any(|line| line.contains(" WARN ")
            && line.contains(&format!("public copy {address} serves"))
            && line.contains("past the time any cache may hold an older copy")),
        "{stderr}"
    );
    assert!(
        summary(&stderr).contains(&format!("{address} serves other bytes")),
        "{stderr}"
    );
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await,
        Some(written)
    );
}
