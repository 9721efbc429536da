//! S3 failures through the binary: each names the setting to fix and the HTTP status, and a
//! run whose object went live but could not be verified says so. The failures come from moto
//! behind the recording proxy (which answers some requests itself, as a strict server would),
//! from servers that are not S3 at all, and from a host that does not resolve.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use crate::support::http_server::{Reply, Request, TestServer};
use crate::support::moto::Moto;
use crate::support::publish::stored_object;
use crate::support::run;
use crate::support::s3_proxy::RecordingProxy;

const PUSH_PATH: &str = "/api/push/push-token";

fn s3_error(status: u16, code: &str) -> Reply {
    Reply::text(
        status,
        "application/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>refused by the test</Message></Error>"
        ),
    )
}

/// `status backups --json` for `bucket` with `env`: exit code, the report's reason and count of
/// list requests, and stderr.
fn backups(env: &[(&'static str, String)], bucket: &str) -> (i32, String, u64, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env.to_vec();
    env.push(("BACKUP_BUCKET", bucket.to_string()));
    let (code, stdout, stderr) = run(dir.path(), &["backups", "--json"], &env).into_text();
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    let reason = report["reason"].as_str().unwrap().to_string();
    (
        code,
        reason,
        report["list_requests"].as_u64().unwrap(),
        stderr,
    )
}

/// `status upload` of a fresh document to `STATUS_BUCKET` with `env`: exit code and stderr.
fn upload(env: &[(&'static str, String)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(dir.path(), &["generate"], &[]).into_text();
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(dir.path(), &["upload"], env).into_text();
    (code, stderr)
}

/// Whether a request is the HeadObject right after a PutObject (the check of the stored object),
/// not the one before it.
fn after_a_put() -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    let put_sent = AtomicBool::new(false);
    move |request| match request.method.as_str() {
        "PUT" => {
            put_sent.store(true, Ordering::SeqCst);
            false
        }
        "HEAD" => put_sent.swap(false, Ordering::SeqCst),
        _ => false,
    }
}

fn assert_names(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
}

#[tokio::test]
async fn a_refused_signature_points_to_the_key_pair_with_its_status() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("signature").await;
    // HeadObject answers have no body, so no error code: the HeadObject before the upload (is a
    // newer document published?) goes to moto, and the PutObject gets the strict server's error.
    let proxy = RecordingProxy::start(moto, |request| {
        (request.method != "HEAD").then(|| s3_error(403, "SignatureDoesNotMatch"))
    });
    let env = proxy.env(moto, &bucket);
    let (code, reason, list_requests, _) = backups(&env, &bucket);
    assert_eq!(code, 1);
    assert_names(
        &reason,
        &[
            "HTTP 403 SignatureDoesNotMatch",
            "SPACES_KEY and SPACES_SECRET",
        ],
    );
    assert_eq!(list_requests, 1, "the one request sent, though it failed");
    let (code, stderr) = upload(&env);
    assert_eq!(code, 1);
    assert_names(
        &stderr,
        &[
            "HTTP 403 SignatureDoesNotMatch",
            "SPACES_KEY and SPACES_SECRET",
        ],
    );
    assert!(!stderr.contains(crate::support::moto::SECRET_KEY));
}

#[tokio::test]
async fn bucket_errors_name_the_bucket_setting_of_the_caller() {
    let moto = Moto::shared();
    // As above: the HeadObject before the upload goes to moto.
    let proxy = RecordingProxy::start(moto, |request| {
        (request.method != "HEAD").then(|| s3_error(400, "InvalidBucketName"))
    });
    let env = proxy.env(moto, "Bad_Bucket");
    let (_, reason, _, _) = backups(&env, "Bad_Bucket");
    assert_names(
        &reason,
        &["HTTP 400 InvalidBucketName", "check BACKUP_BUCKET"],
    );
    let (code, stderr) = upload(&env);
    assert_eq!(code, 1);
    assert_names(
        &stderr,
        &["HTTP 400 InvalidBucketName", "check STATUS_BUCKET"],
    );

    // Missing buckets, on moto itself.
    let env = moto
        .env()
        .into_iter()
        .chain([("STATUS_BUCKET", "never-made".to_string())])
        .collect::<Vec<_>>();
    let (code, reason, list_requests, _) = backups(&env, "never-made");
    assert_eq!(code, 1);
    assert_names(
        &reason,
        &["does not exist (HTTP 404)", "check BACKUP_BUCKET"],
    );
    assert_eq!(list_requests, 1);
    let (code, stderr) = upload(&env);
    assert_eq!(code, 1);
    assert_names(
        &stderr,
        &["does not exist (HTTP 404)", "check STATUS_BUCKET"],
    );
}

#[test]
fn an_endpoint_that_is_not_s3_points_to_the_endpoint_and_path_style() {
    let website =
        TestServer::start(|_| Reply::text(200, "text/html", "<!DOCTYPE html><h1>Our website</h1>"));
    // A virtual-host request that reached the service root: a listing of buckets, not of
    // objects (the SDK's "This is likely a bug in the SDK").
    let root = TestServer::start(|_| {
        Reply::text(
            200,
            "application/xml",
            "<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>",
        )
    });
    for (server, what) in [(&website, "an HTML page"), (&root, "not this operation's")] {
        let env = [
            ("SPACES_ENDPOINT", server.url()),
            ("SPACES_KEY", "key".to_string()),
            ("SPACES_SECRET", "secret".to_string()),
        ];
        let (code, reason, list_requests, _) = backups(&env, "backups");
        assert_eq!(code, 1);
        assert_names(
            &reason,
            &[
                "HTTP 200",
                what,
                "SPACES_ENDPOINT",
                "SPACES_PATH_STYLE (false",
            ],
        );
        assert!(!reason.contains("bug in the SDK"), "{reason}");
        assert_eq!(list_requests, 1);
    }
}

#[test]
fn a_host_that_does_not_resolve_is_named_with_path_style() {
    let env = [
        ("SPACES_ENDPOINT", "http://spaces.invalid:9000".to_string()),
        ("SPACES_KEY", "key".to_string()),
        ("SPACES_SECRET", "secret".to_string()),
    ];
    let (code, reason, _, _) = backups(&env, "backups");
    assert_eq!(code, 1);
    assert_names(
        &reason,
        &[
            "cannot resolve backups.spaces.invalid",
            "SPACES_ENDPOINT and SPACES_PATH_STYLE",
        ],
    );
}

#[tokio::test]
async fn a_stored_object_that_cannot_be_verified_is_reported_published_and_failed() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("unverified").await;
    // The HeadObject that checks the stored object (the one right after a PutObject) is
    // refused; the one before the upload, which decides whether to replace, is answered.
    let after_put = after_a_put();
    let proxy = RecordingProxy::start(moto, move |request| {
        after_put(request).then(|| Reply::new(403))
    });
    let push = TestServer::start(|_| Reply::json(200, &serde_json::json!({"ok": true})));
    let mut env = proxy.env(moto, &bucket);
    env.push(("KUMA_PUSH_URL", format!("{}{PUSH_PATH}", push.url())));
    let dir = tempfile::tempdir().unwrap();
    for args in [&["generate", "--upload"][..], &["upload"]] {
        let (code, _, stderr) = run(dir.path(), args, &env).into_text();
        assert_eq!(code, 1, "{args:?}: {stderr}");
        let summary = stderr.lines().last().unwrap();
        let expected = format!(
            "published, but verification failed: cannot read back s3://{bucket}/status.json: access denied to bucket {bucket} (HTTP 403)"
        );
        assert!(summary.contains(&expected), "{args:?}: {summary}");
        assert!(!summary.contains("nothing published") && !summary.contains("upload FAILED"));
        assert!(summary.ends_with("exit 1"), "{summary}");
        let local = std::fs::read(dir.path().join("status.json")).unwrap();
        assert_eq!(
            stored_object(moto, &bucket, "status.json").await,
            Some(local),
            "the object is live"
        );
    }
    let pings: Vec<String> = push
        .requests()
        .iter()
        .map(|ping| ping.query().unwrap_or_default().to_string())
        .collect();
    assert_eq!(pings.len(), 2, "{pings:?}");
    for ping in pings {
        assert!(
            ping.starts_with("status=down&msg=published%2C+but+verification+failed"),
            "{ping}"
        );
    }
}

#[tokio::test]
async fn a_check_that_runs_out_of_time_after_the_upload_is_reported_published() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("slowhead").await;
    let after_put = after_a_put();
    let proxy = RecordingProxy::start(moto, move |request| after_put(request).then(Reply::never));
    let dir = tempfile::tempdir().unwrap();
    let env = proxy.env(moto, &bucket);
    let (code, _, stderr) = run(
        dir.path(),
        &["--timeout", "3s", "generate", "--upload"],
        &env,
    )
    .into_text();
    assert_eq!(code, 1, "{stderr}");
    let summary = stderr.lines().last().unwrap();
    let expected = format!(
        "published, but verification failed: verifying s3://{bucket}/status.json: no answer within 2s 700ms"
    );
    assert!(summary.contains(&expected), "{summary}");
    assert!(stored_object(moto, &bucket, "status.json").await.is_some());
}
