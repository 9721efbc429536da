//! Two publishers, one truth: runs on two machines (each its own directory and lock) publish
//! to the same bucket, and the one that finishes last never replaces a newer document. Against
//! moto, which honours `If-Match`/`If-None-Match` on PutObject (moto 5), so the conditional
//! write is tested there; the endpoints that ignore or refuse those headers are played by
//! `S3Proxy` in front of it.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use crate::support::conditional_proxy::{Conditional, ProxiedRequest, S3Proxy};
use crate::support::moto::Moto;
use crate::support::publish::{status_bucket_env, stored_object};
use crate::support::run;

const SKIPPED: &str = "a newer document is already published by another run";

/// A schema-valid document with this `updated_at`, written to `dir/status.json`.
fn write_document(dir: &Path, updated_at: DateTime<Utc>) -> Vec<u8> {
    let body = json!({
        "updated_at": updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "platform_status": "operational",
        "uptime": {"last_24h": 100.0, "last_7d": 99.98, "last_30d": 99.95},
        "backups": {"last_backup_status": "success", "last_backup_time": "2026-11-26T02:00:00Z"}
    })
    .to_string()
    .into_bytes();
    std::fs::write(dir.join("status.json"), &body).unwrap();
    body
}

/// The stored status.json, as text (a failed comparison shows two documents, not two byte
/// lists).
async fn stored(moto: &Moto, bucket: &str) -> Option<String> {
    stored_object(moto, bucket, "status.json")
        .await
        .map(|bytes| String::from_utf8(bytes).unwrap())
}

fn text(body: Vec<u8>) -> Option<String> {
    Some(String::from_utf8(body).unwrap())
}

/// `status -v upload` in `dir` against `endpoint`: exit code and stderr.
fn upload(dir: &Path, moto: &Moto, bucket: &str, endpoint: &str) -> (i32, String) {
    let mut env = status_bucket_env(moto, bucket);
    env.push(("SPACES_ENDPOINT", endpoint.to_string()));
    let (code, _, stderr) = run(dir, &["-v", "upload"], &env).into_text();
    (code, stderr)
}

/// The requests to the object, as `METHOD condition -> status` (a published document is read
/// back at its derived public address, through the proxy too: the last `GET`).
fn exchanges(requests: &[ProxiedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let condition = match (&r.if_match, &r.if_none_match) {
                (Some(etag), _) => format!(" If-Match {etag}"),
                (_, Some(any)) => format!(" If-None-Match {any}"),
                _ => String::new(),
            };
            format!("{}{condition} -> {}", r.method, r.status)
        })
        .collect()
}

/// Two machines: the older document's run is held back by `proxy` after its HeadObject, until
/// the newer one's run (straight to moto) has published. Returns the older run's exit code and
/// stderr, and both bodies.
fn race(moto: &'static Moto, bucket: &str, proxy: &S3Proxy) -> ((i32, String), Vec<u8>, Vec<u8>) {
    let (older_host, newer_host) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let now = Utc::now();
    let older = write_document(older_host.path(), now - chrono::Duration::seconds(60));
    let newer = write_document(newer_host.path(), now);
    let (bucket_name, proxy_url) = (bucket.to_string(), proxy.url());
    let older_run = std::thread::spawn(move || {
        let result = upload(older_host.path(), moto, &bucket_name, &proxy_url);
        drop(older_host);
        result
    });
    proxy.wait_until_held(1);
    let (code, stderr) = upload(newer_host.path(), moto, bucket, moto.endpoint());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("uploaded s3://"), "{stderr}");
    proxy.release();
    (older_run.join().unwrap(), older, newer)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_run_that_finishes_last_with_an_older_document_leaves_the_newer_one() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("race").await;
    let proxy = S3Proxy::holding_puts(moto.endpoint(), Conditional::Forward);
    let ((code, stderr), _, newer) = tokio::task::block_in_place(|| race(moto, &bucket, &proxy));

    assert_eq!(code, 0, "a skip is no failure: {stderr}");
    assert_eq!(stored(moto, &bucket).await, text(newer));
    let skip = stderr
        .lines()
        .find(|line| line.contains(SKIPPED))
        .unwrap_or_else(|| panic!("no skip line: {stderr}"));
    assert!(skip.contains("INFO"), "{skip}");
    let summary = stderr.lines().last().unwrap();
    assert!(
        summary.contains("not uploaded: a newer document") && summary.ends_with("exit 0"),
        "{summary}"
    );
    // It read nothing, wrote with If-None-Match, lost to the newer run (412), read again and
    // found the newer document: the conditional write closed the race.
    assert_eq!(
        exchanges(&proxy.requests()),
        ["HEAD -> 404", "PUT If-None-Match * -> 412", "HEAD -> 200"]
    );
    assert!(
        stderr.contains("changed after it was read"),
        "the 412 is said at debug level: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_ignores_conditional_writes_keeps_only_the_check() {
    let moto = Moto::shared();

    // The check alone: a newer document already published is left alone, and no PutObject
    // goes out at all.
    let bucket = moto.create_bucket("ignored").await;
    let newer_host = tempfile::tempdir().unwrap();
    let newer = write_document(newer_host.path(), Utc::now());
    let (code, stderr) = upload(newer_host.path(), moto, &bucket, moto.endpoint());
    assert_eq!(code, 0, "{stderr}");
    let older_host = tempfile::tempdir().unwrap();
    write_document(
        older_host.path(),
        Utc::now() - chrono::Duration::seconds(60),
    );
    let proxy = S3Proxy::start(moto.endpoint(), Conditional::Strip);
    let (code, stderr) = upload(older_host.path(), moto, &bucket, &proxy.url());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(SKIPPED), "{stderr}");
    assert_eq!(exchanges(&proxy.requests()), ["HEAD -> 200"]);
    assert_eq!(stored(moto, &bucket).await, text(newer));

    // What stays open without conditional writes (docs/multiple-machines.md): a document
    // published between the older run's HeadObject and its PutObject is replaced.
    let bucket = moto.create_bucket("window").await;
    let proxy = S3Proxy::holding_puts(moto.endpoint(), Conditional::Strip);
    let ((code, stderr), older, _) = tokio::task::block_in_place(|| race(moto, &bucket, &proxy));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        exchanges(&proxy.requests()),
        [
            "HEAD -> 404",
            "PUT If-None-Match * -> 200",
            "HEAD -> 200",
            "GET -> 200"
        ],
        "the endpoint dropped the header and stored the older document"
    );
    assert_eq!(stored(moto, &bucket).await, text(older));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_refuses_conditional_writes_gets_the_put_again_without_them() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("refused").await;
    let proxy = S3Proxy::start(moto.endpoint(), Conditional::Refuse);
    let host = tempfile::tempdir().unwrap();
    let body = write_document(host.path(), Utc::now());
    let (code, stderr) = upload(host.path(), moto, &bucket, &proxy.url());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stored(moto, &bucket).await, text(body));
    assert_eq!(
        exchanges(&proxy.requests()),
        [
            "HEAD -> 404",
            "PUT If-None-Match * -> 501",
            "PUT -> 200",
            "HEAD -> 200",
            "GET -> 200"
        ]
    );
    let said: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("refused a conditional PutObject"))
        .collect();
    assert_eq!(said.len(), 1, "said once: {stderr}");
    assert!(said[0].contains("DEBUG"), "{}", said[0]);
    assert!(said[0].contains("relying on the HeadObject check alone"));

    // The check still keeps a newer document.
    let older_host = tempfile::tempdir().unwrap();
    write_document(
        older_host.path(),
        Utc::now() - chrono::Duration::seconds(60),
    );
    let (code, stderr) = upload(older_host.path(), moto, &bucket, &proxy.url());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(SKIPPED), "{stderr}");
}

#[tokio::test]
async fn upload_force_replaces_a_newer_document() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("force").await;
    let host = tempfile::tempdir().unwrap();
    let env = status_bucket_env(moto, &bucket);
    write_document(host.path(), Utc::now());
    let (code, _, stderr) = run(host.path(), &["upload"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    let older = write_document(host.path(), Utc::now() - chrono::Duration::seconds(60));
    let (code, _, stderr) = run(host.path(), &["upload"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(SKIPPED), "{stderr}");
    let (code, _, stderr) = run(host.path(), &["upload", "--force"], &env).into_text();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stored(moto, &bucket).await, text(older));
}
