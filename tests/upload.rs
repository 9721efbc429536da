//! Publishing to the status bucket: `status generate --upload` and `status upload`, against the
//! real moto S3 server (what is stored, with which headers and ACL, and what an anonymous
//! browser gets) and against endpoints that must never be reached.

use crate::support::http_server::{Reply, TestServer};
use crate::support::moto::Moto;
use crate::support::publish::{
    anonymous_get, fresh_kuma, kuma_env, push_env, push_receiver, pushed, status_bucket_env,
    stored_object, written,
};
use crate::support::run;
use crate::support::schema::valid_document;
use crate::support::tcp_proxy::TcpProxy;
use chrono::{SecondsFormat, Utc};
use md5::{Digest, Md5};
use serde_json::json;

fn hex_md5(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A schema-valid document whose `updated_at` is `age` ago.
fn document_aged(age: chrono::Duration) -> String {
    json!({
        "updated_at": (Utc::now() - age).to_rfc3339_opts(SecondsFormat::Secs, true),
        "platform_status": "operational",
        "uptime": {"last_24h": 100.0, "last_7d": 99.98, "last_30d": 99.95},
        "backups": {"last_backup_status": "success", "last_backup_time": "2026-11-26T02:00:00Z"}
    })
    .to_string()
}

#[tokio::test]
async fn generate_upload_stores_the_exact_bytes_with_headers_and_public_read() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("e2e").await;
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let public_url = format!("{}/{bucket}/status.json", moto.endpoint());
    let mut env = kuma_env(&kuma);
    env.extend(status_bucket_env(moto, &bucket));
    env.push(("STATUS_PUBLIC_URL", public_url.clone()));
    let (code, _, stderr) = run(dir.path(), &["generate", "--upload"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");

    let local = std::fs::read(dir.path().join("status.json")).unwrap();
    let updated_at = valid_document(&local)["updated_at"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await.as_ref(),
        Some(&local)
    );
    let head = moto
        .client()
        .head_object()
        .bucket(&bucket)
        .key("status.json")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("application/json"));
    assert_eq!(head.cache_control(), Some("public, max-age=300"));
    // What a run on another machine reads to tell which document is newer.
    assert_eq!(
        head.metadata().and_then(|m| m.get("status-updated-at")),
        Some(&updated_at)
    );
    assert_eq!(
        head.e_tag(),
        Some(format!("\"{}\"", hex_md5(&local)).as_str())
    );
    let acl = moto
        .client()
        .get_object_acl()
        .bucket(&bucket)
        .key("status.json")
        .send()
        .await
        .unwrap();
    let everyone_reads = acl.grants().iter().any(|grant| {
        grant.permission().map(|p| p.as_str()) == Some("READ")
            && grant.grantee().and_then(|g| g.uri())
                == Some("http://acs.amazonaws.com/groups/global/AllUsers")
    });
    assert!(everyone_reads, "{acl:?}");
    assert_eq!(
        anonymous_get(moto, &bucket, "status.json").await,
        (200, local.clone())
    );

    let summary = stderr.lines().last().unwrap();
    let expected = format!(
        "uploaded s3://{bucket}/status.json ({} bytes, ETag {}); {public_url} serves it",
        local.len(),
        hex_md5(&local)
    );
    assert!(
        summary.contains(&expected),
        "{summary}\nexpected: {expected}"
    );
    assert!(summary.ends_with("exit 0"), "{summary}");
}

#[tokio::test]
async fn a_private_object_is_refused_to_anonymous_readers() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("private").await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = status_bucket_env(moto, &bucket);
    env.extend([
        ("STATUS_ACL", "private".to_string()),
        ("STATUS_KEY", "public/status.json".to_string()),
        ("STATUS_CACHE_CONTROL", "no-cache".to_string()),
    ]);
    let (code, _, stderr) = run(dir.path(), &["generate", "--upload"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    let local = std::fs::read(dir.path().join("status.json")).unwrap();
    assert_eq!(
        stored_object(moto, &bucket, "public/status.json").await,
        Some(local)
    );
    let (status, _) = anonymous_get(moto, &bucket, "public/status.json").await;
    assert_eq!(status, 403);
    // Nobody can read it, so there is no public address to derive and check: said once.
    assert!(
        stderr.lines().any(|line| line.contains(" INFO ")
            && line.ends_with("STATUS_ACL=private: the public copy is not read back; set STATUS_PUBLIC_URL to the address visitors use (a CDN or a bucket policy) to check it")),
        "{stderr}"
    );
}

#[test]
fn invalid_documents_are_refused_before_any_request() {
    // Any request at all would show as a connection here.
    let endpoint = TestServer::start(|_| Reply::new(500));
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("SPACES_ENDPOINT", endpoint.url()),
        ("SPACES_KEY", "key".to_string()),
        ("SPACES_SECRET", "secret".to_string()),
        ("SPACES_PATH_STYLE", "true".to_string()),
        ("STATUS_BUCKET", "status".to_string()),
    ];
    let mut schema_invalid: serde_json::Value =
        serde_json::from_str(&document_aged(chrono::Duration::zero())).unwrap();
    schema_invalid["uptime"]["last_7d"] = json!(100.5);
    let mut extra_key: serde_json::Value = schema_invalid.clone();
    extra_key["uptime"]["last_7d"] = json!(99.5);
    extra_key["db_host"] = json!("db1.internal");
    let cases = [
        (
            "broken.json",
            "{\"updated_at\": \"2026-".to_string(),
            "not valid JSON",
        ),
        (
            "html.json",
            "<html>login</html>".to_string(),
            "not valid JSON",
        ),
        (
            "range.json",
            schema_invalid.to_string(),
            "field `uptime.last_7d`: 100.5 is not a percentage",
        ),
        (
            "extra.json",
            extra_key.to_string(),
            "field `db_host`: unknown field `db_host`",
        ),
    ];
    for (name, text, reason) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let (code, _, stderr) = run(dir.path(), &["upload", name], &env).into_text();
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name} is not a valid status document: {reason}")),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was uploaded"), "{stderr}");
    }
    assert_eq!(
        endpoint.connections(),
        0,
        "a request was sent: {:?}",
        endpoint.requests()
    );
}

#[tokio::test]
async fn a_stale_document_is_refused_unless_forced() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("stale").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("status.json"),
        document_aged(chrono::Duration::hours(2)),
    )
    .unwrap();
    let env = status_bucket_env(moto, &bucket);
    let (code, _, stderr) = run(dir.path(), &["upload"], &env).into_text();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("status.json is stale"), "{stderr}");
    assert!(stderr.contains("over STATUS_MAX_AGE (30m)"), "{stderr}");
    assert!(
        stderr.contains("is 2h old"),
        "whole minutes, not seconds: {stderr}"
    );
    let last = stderr.lines().last().unwrap();
    assert!(
        last.contains("INFO") && last.contains("nothing published;") && last.ends_with("exit 1"),
        "the summary line ends every run: {stderr}"
    );
    assert_eq!(stored_object(moto, &bucket, "status.json").await, None);

    let raised = [("STATUS_MAX_AGE", "3h".to_string())];
    let (code, _, stderr) = run(
        dir.path(),
        &["upload"],
        &[env.clone(), raised.to_vec()].concat(),
    )
    .into_text();
    assert_eq!(code, 0, "{stderr}");

    // --force replaces anything, a newer document included.
    let other = dir.path().join("older.json");
    std::fs::write(&other, document_aged(chrono::Duration::days(3))).unwrap();
    let (code, stdout, stderr) =
        run(dir.path(), &["-v", "upload", "--force", "older.json"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(&other).unwrap();
    assert_eq!(stdout.as_bytes(), bytes, "-v prints the uploaded content");
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await,
        Some(bytes)
    );
}

#[tokio::test]
async fn a_document_dated_in_the_future_is_refused_unless_forced() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("future").await;
    let dir = tempfile::tempdir().unwrap();
    let months_ahead = document_aged(-chrono::Duration::days(90));
    std::fs::write(dir.path().join("status.json"), &months_ahead).unwrap();
    let receiver = push_receiver();
    let mut env = status_bucket_env(moto, &bucket);
    env.push(push_env(&receiver));
    let (code, _, stderr) = run(dir.path(), &["upload"], &env).into_text();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("status.json is dated in the future: updated_at ")
            && stderr.contains("ahead of this clock, over 5m; nothing was uploaded"),
        "{stderr}"
    );
    let (status, msg) = pushed(&receiver);
    assert_eq!(status, "down");
    assert!(
        msg.starts_with("status.json is dated in the future"),
        "{msg}"
    );
    assert!(
        stderr.lines().last().unwrap().ends_with("exit 1"),
        "{stderr}"
    );
    assert_eq!(stored_object(moto, &bucket, "status.json").await, None);

    // A few seconds ahead (clocks differ a little) is fine; --force uploads the far one.
    let near = dir.path().join("near.json");
    std::fs::write(&near, document_aged(-chrono::Duration::minutes(4))).unwrap();
    let (code, _, stderr) = run(dir.path(), &["upload", "near.json"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(dir.path(), &["upload", "--force"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stored_object(moto, &bucket, "status.json").await,
        Some(months_ahead.into_bytes())
    );
}

#[tokio::test]
async fn a_public_url_serving_bytes_never_uploaded_is_a_warning() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("cdn").await;
    let cdn = TestServer::start(|_| Reply::json(200, &json!({"updated_at": "an older copy"})));
    let dir = tempfile::tempdir().unwrap();
    let mut env = status_bucket_env(moto, &bucket);
    env.push(("STATUS_PUBLIC_URL", format!("{}/status.json", cdn.url())));
    let (code, _, stderr) = run(dir.path(), &["generate", "--upload"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    // The bucket held no earlier copy, so no cache can excuse other bytes.
    assert!(
        stderr.contains("WARN")
            && stderr.contains("past the time any cache may hold an older copy"),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .last()
            .unwrap()
            .contains("serves other bytes"),
        "{stderr}"
    );
    let requests = cdn.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        !requests[0].authorized,
        "the public URL must be read without credentials"
    );
}

#[tokio::test]
async fn an_upload_cut_off_mid_body_leaves_no_object_and_the_local_file_written() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("cut").await;
    // S3 going away after 10 bytes of the document.
    let proxy = TcpProxy::cutting(moto.addr(), 10);
    let dir = tempfile::tempdir().unwrap();
    let mut env = status_bucket_env(moto, &bucket);
    env.push(("SPACES_ENDPOINT", proxy.url()));
    // The HeadObject before the upload has no body and goes through whole; the PutObject is cut.
    env.push(("STATUS_PUBLIC_URL", "off".to_string()));
    let (code, _, stderr) = run(dir.path(), &["generate", "--upload"], &env).into_text();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("upload to s3://{bucket}/status.json failed")),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "INFO status::publish::upload: STATUS_PUBLIC_URL=off: the public copy is not read back"
        ),
        "{stderr}"
    );
    written(dir.path());
    assert_eq!(stored_object(moto, &bucket, "status.json").await, None);
}
