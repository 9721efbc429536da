//! What the binary sends to S3, read through a recording proxy in front of moto: request shapes
//! every S3-compatible service accepts (Content-MD5, no flexible checksums), and settings that
//! come from `SPACES_*` alone, whatever `~/.aws` holds.

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine as _;
use md5::{Digest, Md5};

use crate::support::connect_proxy::ConnectProxy;
use crate::support::http_server::Request;
use crate::support::moto::{self, Moto};
use crate::support::run;
use crate::support::s3_proxy::RecordingProxy;
use crate::support::tls_proxy::{self, TlsProxy};

/// The S3 operation a request is, told from its method, path and query (path-style).
fn operation(request: &Request) -> String {
    let object = request.path.trim_matches('/').contains('/');
    let query = request.query.as_deref().unwrap_or_default();
    let name = match (request.method.as_str(), object) {
        ("PUT", false) if query.starts_with("cors") => "put_bucket_cors",
        ("GET", false) if query.starts_with("cors") => "get_bucket_cors",
        ("GET", false) if query.contains("list-type=2") => "list_objects_v2",
        ("HEAD", false) => "head_bucket",
        ("PUT", true) => "put_object",
        ("HEAD", true) => "head_object",
        _ => "unknown",
    };
    format!("{name} ({} {})", request.method, request.path_and_query())
}

fn name_of(operation: &str) -> &str {
    operation
        .split_once(' ')
        .map_or(operation, |(name, _)| name)
}

/// Every S3 operation src/ calls: each `.<operation>()` right before `.bucket(`.
fn operations_in_source() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            for (at, _) in text.match_indices("().bucket(") {
                let before = &text[..at];
                let start = before.rfind('.').unwrap() + 1;
                found.insert(before[start..].to_string());
            }
        }
    }
    found
}

fn content_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

/// A new bucket named after `hint` holding one backup, `db/a.sql.gz`.
async fn bucket_with_a_backup(moto: &Moto, hint: &str) -> String {
    let bucket = moto.create_bucket(hint).await;
    moto.put_object(&bucket, "db/a.sql.gz", vec![b'x'; 100])
        .await;
    bucket
}

#[tokio::test]
async fn every_operation_sends_content_md5_and_no_flexible_checksums() {
    let moto = Moto::shared();
    let bucket = bucket_with_a_backup(moto, "shapes").await;
    let proxy = RecordingProxy::transparent(moto);
    let dir = tempfile::tempdir().unwrap();
    let mut env = proxy.env(moto, &bucket);
    env.extend([
        ("BACKUP_BUCKET", bucket.clone()),
        ("BACKUP_PREFIX", "db/".to_string()),
    ]);
    let runs: [&[&str]; 4] = [
        &["generate", "--upload"],
        &["upload"],
        &["check"],
        &["bucket-setup", "--cors-origin", "https://www.example.com"],
    ];
    for args in runs {
        let (code, stdout, stderr) = run(dir.path(), args, &env).into_text();
        assert_eq!(code, 0, "{args:?}: {stdout}\n{stderr}");
    }

    let requests = proxy.requests();
    let seen: BTreeSet<String> = requests
        .iter()
        .map(|request| name_of(&operation(request)).to_string())
        .collect();
    assert_eq!(
        seen,
        operations_in_source(),
        "the runs above must send every S3 operation the binary uses"
    );
    for request in &requests {
        let operation = operation(request);
        let flexible: Vec<&str> = request
            .headers
            .keys()
            .map(|name| name.as_str())
            .filter(|name| status::s3::checksum::is_flexible_checksum_header(name))
            .collect();
        assert!(flexible.is_empty(), "{operation} sends {flexible:?}");
        assert_ne!(
            request.header("content-encoding"),
            Some("aws-chunked"),
            "{operation}"
        );
        if request.method == "PUT" {
            assert_eq!(
                request.header("content-md5"),
                Some(content_md5(&request.body).as_str()),
                "{operation}"
            );
        }
    }
}

/// A HOME whose `~/.aws` would break or redirect every request if it were read: FIPS and
/// dual-stack endpoints (which cannot be combined with a custom endpoint), another region and
/// endpoint, and keys of its own; `AWS_PROFILE` selects it, and `AWS_*` variables say the same.
fn hostile_aws_env(home: &tempfile::TempDir) -> Vec<(&'static str, String)> {
    vec![
        ("HOME", home.path().display().to_string()),
        ("AWS_PROFILE", "bogus".to_string()),
        ("AWS_USE_FIPS_ENDPOINT", "true".to_string()),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_string()),
        ("AWS_REGION", "mars-east-1".to_string()),
    ]
}

fn hostile_aws_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir(&aws).unwrap();
    let profile = "use_fips_endpoint = true\nuse_dualstack_endpoint = true\nregion = mars-east-1\nendpoint_url = http://127.0.0.1:9\n";
    std::fs::write(
        aws.join("config"),
        format!("[default]\n{profile}\n[profile bogus]\n{profile}"),
    )
    .unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[bogus]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = profile-secret\n",
    )
    .unwrap();
    home
}

/// The access key and region a request was signed with (`Credential=<key>/<date>/<region>/`).
fn signed_with(request: &Request) -> (String, String) {
    let authorization = request.header("authorization").unwrap_or_default();
    let credential = authorization
        .split("Credential=")
        .nth(1)
        .unwrap_or_else(|| panic!("not SigV4: {authorization:?}"));
    let parts: Vec<&str> = credential.split('/').collect();
    (parts[0].to_string(), parts[2].to_string())
}

/// Runs `generate --upload` in `dir` with `env` (S3 through `proxy`): it succeeds, and every
/// request it sent is signed with `key` for moto's region.
fn assert_every_request_signed_with(
    dir: &Path,
    env: &[(&'static str, String)],
    proxy: &RecordingProxy,
    key: &str,
) {
    let (code, _, stderr) = run(dir, &["generate", "--upload"], env).into_text();
    assert_eq!(code, 0, "{stderr}");
    let requests = proxy.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            signed_with(request),
            (key.to_string(), moto::REGION.to_string()),
            "{} {}",
            request.method,
            request.path
        );
    }
}

#[tokio::test]
async fn with_spaces_keys_the_shared_aws_config_and_profile_are_not_read() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("isolated").await;
    let proxy = RecordingProxy::transparent(moto);
    let home = hostile_aws_home();
    let dir = tempfile::tempdir().unwrap();
    let mut env = proxy.env(moto, &bucket);
    env.extend(hostile_aws_env(&home));
    env.extend([
        ("AWS_ACCESS_KEY_ID", "ENVKEY".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "env-secret".to_string()),
    ]);
    assert_every_request_signed_with(dir.path(), &env, &proxy, moto::ACCESS_KEY);
}

#[tokio::test]
async fn without_spaces_keys_the_standard_chain_gives_only_the_credentials() {
    let moto = Moto::shared();
    let bucket = moto.create_bucket("chain").await;
    let proxy = RecordingProxy::transparent(moto);
    let home = hostile_aws_home();
    let dir = tempfile::tempdir().unwrap();
    let env: Vec<_> = proxy
        .env(moto, &bucket)
        .into_iter()
        .filter(|(key, _)| !matches!(*key, "SPACES_KEY" | "SPACES_SECRET"))
        .chain(hostile_aws_env(&home))
        .collect();
    // The profile's keys; SPACES_ENDPOINT and SPACES_REGION still decide where and how.
    assert_every_request_signed_with(dir.path(), &env, &proxy, "PROFILEKEY");
}

/// The proxy an operator's environment names carries every S3 request (a CONNECT tunnel, with
/// the proxy URL's credentials), and `NO_PROXY` sends them straight to the endpoint.
#[tokio::test]
async fn the_proxy_named_by_the_environment_carries_every_request() {
    let moto = Moto::shared();
    let bucket = bucket_with_a_backup(moto, "proxied").await;
    let proxy = ConnectProxy::start();
    let dir = tempfile::tempdir().unwrap();
    let mut env = moto.env();
    env.extend([
        ("BACKUP_BUCKET", bucket.clone()),
        ("BACKUP_PREFIX", "db/".to_string()),
        ("STATUS_BUCKET", bucket.clone()),
        ("STATUS_PUBLIC_URL", "off".to_string()),
        ("http_proxy", proxy.url(Some("ops:pr0xy"))),
    ]);
    let (code, stdout, stderr) = run(dir.path(), &["generate", "--upload"], &env).into_text();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty(), "no request went through the proxy");
    for tunnel in &tunnels {
        assert_eq!(tunnel.target, moto.addr().to_string());
        // base64("ops:pr0xy")
        assert_eq!(tunnel.authorization.as_deref(), Some("Basic b3BzOnByMHh5"));
    }
    assert!(
        !stderr.contains("pr0xy"),
        "the proxy password is logged: {stderr}"
    );

    env.push(("NO_PROXY", "127.0.0.1".to_string()));
    let (code, stdout, stderr) = run(dir.path(), &["backups"], &env).into_text();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(
        proxy.tunnels().len(),
        tunnels.len(),
        "NO_PROXY was not honoured"
    );
}

/// An `https` endpoint is reached over TLS and its certificate checked against the system's
/// roots, where `SSL_CERT_FILE` adds a private CA; a certificate no root vouches for is refused,
/// and the error says so.
#[tokio::test]
async fn an_https_endpoint_is_checked_against_the_system_roots() {
    let moto = Moto::shared();
    let bucket = bucket_with_a_backup(moto, "tls").await;
    let tls = TlsProxy::start(moto.addr());
    let dir = tempfile::tempdir().unwrap();
    let mut env: Vec<(&'static str, String)> = moto
        .env()
        .into_iter()
        .filter(|(name, _)| *name != "SPACES_ENDPOINT")
        .collect();
    env.extend([
        ("SPACES_ENDPOINT", tls.url()),
        ("BACKUP_BUCKET", bucket.clone()),
        ("BACKUP_PREFIX", "db/".to_string()),
    ]);
    let trusting = [
        env.clone(),
        vec![(
            "SSL_CERT_FILE",
            tls_proxy::fixture("ca.pem").display().to_string(),
        )],
    ]
    .concat();
    let (code, stdout, stderr) = run(dir.path(), &["backups"], &trusting).into_text();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("db/a.sql.gz"), "{stdout}");

    let (code, stdout, stderr) = run(dir.path(), &["backups"], &env).into_text();
    assert_ne!(code, 0, "an untrusted certificate was accepted: {stdout}");
    assert!(stderr.contains("invalid peer certificate"), "{stderr}");
}
