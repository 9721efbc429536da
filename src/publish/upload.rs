//! The upload of status.json to the status bucket, with the headers the marketing site relies
//! on, the check of what the bucket stored, and the read-back of the public copy.

use std::fmt;
use std::time::Duration;

use anyhow::{anyhow, bail};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ObjectCannedAcl;
use base64::Engine as _;
use md5::{Digest, Md5};

use super::conditional::{self, Replace, Stored};
use crate::config::{ConfigError, EnvSource};
use crate::document::Timestamp;
use crate::s3::{self, SpacesSettings};

/// The Content-Type status.json is stored with, and verified against.
const CONTENT_TYPE: &str = "application/json";

pub const MISSING_BUCKET: &str =
    "STATUS_BUCKET is not set: status.json cannot be uploaded; name the bucket that serves it";

/// Where and how status.json is published.
#[derive(Debug, Clone)]
pub struct UploadSettings {
    pub bucket: Option<String>,
    pub key: String,
    pub cache_control: String,
    pub acl: ObjectCannedAcl,
    pub public_url: Option<reqwest::Url>,
    /// `upload` refuses a document whose `updated_at` is older than this (unless `--force`).
    pub max_age: Duration,
}

impl UploadSettings {
    pub fn from_env(env: &EnvSource) -> Result<UploadSettings, ConfigError> {
        let key = env
            .string("STATUS_KEY")
            .map(|key| key.trim_start_matches('/').to_string())
            .unwrap_or_else(|| "status.json".to_string());
        if key.is_empty() {
            return Err(ConfigError::new(
                "STATUS_KEY: \"/\" is not an object key; expected e.g. status.json",
            ));
        }
        // Spaces knows only these two canned ACLs.
        let acl = env.choice("STATUS_ACL", &["public-read", "private"], "public-read")?;
        Ok(UploadSettings {
            bucket: env.string("STATUS_BUCKET"),
            key,
            cache_control: env
                .string("STATUS_CACHE_CONTROL")
                .unwrap_or_else(|| "public, max-age=300".to_string()),
            acl: ObjectCannedAcl::from(acl),
            public_url: env.http_url("STATUS_PUBLIC_URL")?,
            max_age: env.duration("STATUS_MAX_AGE", Duration::from_secs(30 * 60))?,
        })
    }
}

/// The status bucket, ready to receive: its settings and the S3 client.
pub struct Target {
    pub(super) client: aws_sdk_s3::Client,
    pub(super) bucket: String,
    pub(super) settings: UploadSettings,
}

impl Target {
    /// A ConfigError when `STATUS_BUCKET` (or the Spaces settings) are missing.
    pub async fn new(upload: &UploadSettings, spaces: &SpacesSettings) -> anyhow::Result<Target> {
        let bucket = upload
            .bucket
            .clone()
            .ok_or_else(|| ConfigError::new(MISSING_BUCKET))?;
        Ok(Target {
            client: s3::client(spaces).await?,
            bucket,
            settings: upload.clone(),
        })
    }

    /// Where the document goes, e.g. `s3://status/status.json`: the label of the upload's
    /// deadline and of its errors.
    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.settings.key)
    }
}

/// How an upload ended: published, or left alone because the bucket holds a newer document.
#[derive(Debug)]
pub enum Upload {
    Published(Published),
    NewerPublished(NewerPublished),
}

impl fmt::Display for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Upload::Published(published) => published.fmt(f),
            Upload::NewerPublished(newer) => newer.fmt(f),
        }
    }
}

/// Another run published a newer document: this one was not uploaded (and that is no failure).
#[derive(Debug)]
pub struct NewerPublished {
    location: String,
    published: Timestamp,
}

impl fmt::Display for NewerPublished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not uploaded: a newer document is already published by another run ({}, updated_at {})",
            self.location, self.published
        )
    }
}

/// What one upload did, for the summary line.
#[derive(Debug)]
pub struct Published {
    location: String,
    bytes: usize,
    etag: String,
    public: Option<PublicCopy>,
}

/// What `STATUS_PUBLIC_URL` served right after the upload.
#[derive(Debug)]
enum PublicCopy {
    Identical(String),
    /// A CDN may still serve the previous copy for up to its cache time: a warning only.
    Differs(String),
    Unreachable(String),
}

impl fmt::Display for Published {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "uploaded {} ({} bytes, ETag {})",
            self.location, self.bytes, self.etag
        )?;
        match &self.public {
            None => Ok(()),
            Some(PublicCopy::Identical(url)) => write!(f, "; {url} serves it"),
            Some(PublicCopy::Differs(url)) => write!(f, "; {url} still serves other bytes"),
            Some(PublicCopy::Unreachable(url)) => write!(f, "; {url} unreachable"),
        }
    }
}

impl Published {
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether `STATUS_PUBLIC_URL` answered with a document; `None` when it is not set.
    pub fn public_copy_readable(&self) -> Option<bool> {
        self.public
            .as_ref()
            .map(|public| !matches!(public, PublicCopy::Unreachable(_)))
    }
}

fn md5_of(body: &[u8]) -> [u8; 16] {
    Md5::digest(body).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Uploads `body` (whose `updated_at` is `updated_at`) unless `replace` keeps a newer published
/// document (publish/conditional.rs), then verifies the stored object and (when configured)
/// the public copy. S3 stores an object whole or not at all, and Content-MD5 makes the bucket
/// refuse a body damaged on the way: a failed or cancelled upload never leaves half a file.
pub async fn publish(
    target: &Target,
    web: &reqwest::Client,
    body: &[u8],
    updated_at: Timestamp,
    replace: Replace,
) -> anyhow::Result<Upload> {
    let request = || put_request(target, body, updated_at);
    if let Stored::NewerPublished(published) =
        conditional::put(target, request, updated_at, replace).await?
    {
        let newer = NewerPublished {
            location: target.location(),
            published,
        };
        tracing::info!("{newer}");
        return Ok(Upload::NewerPublished(newer));
    }
    let etag = verify(target, body, updated_at).await?;
    let public = match &target.settings.public_url {
        Some(url) => Some(check_public_copy(web, url, body).await),
        None => None,
    };
    Ok(Upload::Published(Published {
        location: target.location(),
        bytes: body.len(),
        etag,
        public,
    }))
}

/// PutObject with Content-Type, Cache-Control, ACL, Content-MD5 and the `updated_at` metadata.
fn put_request(
    target: &Target,
    body: &[u8],
    updated_at: Timestamp,
) -> aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder {
    let settings = &target.settings;
    target
        .client
        .put_object()
        .bucket(&target.bucket)
        .key(&settings.key)
        .body(ByteStream::from(body.to_vec()))
        .content_type(CONTENT_TYPE)
        .cache_control(&settings.cache_control)
        .acl(settings.acl.clone())
        .content_md5(base64::engine::general_purpose::STANDARD.encode(md5_of(body)))
        .set_metadata(Some(conditional::metadata(updated_at)))
}

/// HeadObject after the upload: size, ETag (the body's MD5 for a single-part upload),
/// Content-Type and Cache-Control as sent (and the `updated_at` metadata, a warning).
async fn verify(target: &Target, body: &[u8], updated_at: Timestamp) -> anyhow::Result<String> {
    let settings = &target.settings;
    let md5 = md5_of(body);
    let location = target.location();
    let head = target
        .client
        .head_object()
        .bucket(&target.bucket)
        .key(&settings.key)
        .send()
        .await
        .map_err(|err| {
            anyhow!(
                "uploaded {location} but cannot verify it: {}",
                s3::describe_error(&err, &target.bucket)
            )
        })?;
    let etag = head
        .e_tag()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string();
    let mut mismatches = Vec::new();
    if head.content_length() != Some(body.len() as i64) {
        mismatches.push(format!(
            "size {:?}, sent {}",
            head.content_length(),
            body.len()
        ));
    }
    if etag != hex(&md5) {
        mismatches.push(format!("ETag {etag:?}, body MD5 {}", hex(&md5)));
    }
    if head.content_type() != Some(CONTENT_TYPE) {
        mismatches.push(format!(
            "Content-Type {:?}, sent {CONTENT_TYPE}",
            head.content_type()
        ));
    }
    if head.cache_control() != Some(settings.cache_control.as_str()) {
        mismatches.push(format!(
            "Cache-Control {:?}, sent {:?}",
            head.cache_control(),
            settings.cache_control
        ));
    }
    conditional::check_stored_metadata(&location, head.metadata(), updated_at);
    if !mismatches.is_empty() {
        bail!(
            "uploaded {location} but the bucket reports {}; check the endpoint (SPACES_ENDPOINT) is S3-compatible",
            mismatches.join(", ")
        );
    }
    Ok(etag)
}

/// GET the public URL without credentials and compare the bytes. Only a warning on mismatch:
/// the CDN may serve the previous copy until its cache expires.
async fn check_public_copy(web: &reqwest::Client, url: &reqwest::Url, body: &[u8]) -> PublicCopy {
    let shown = crate::http::redact(url);
    let fetched = async {
        let response = web
            .get(url.clone())
            .send()
            .await
            .map_err(|err| crate::http::describe_transport_error(&err))?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        crate::http::read_body_capped(response, crate::http::MAX_BODY_BYTES)
            .await
            .map_err(|err| err.to_string())
    };
    match fetched.await {
        Ok(served) if served == body => PublicCopy::Identical(shown),
        Ok(served) => {
            tracing::warn!(
                "STATUS_PUBLIC_URL {shown} serves {} bytes that differ from the {} uploaded; a CDN may hold the previous copy until its cache expires (STATUS_CACHE_CONTROL)",
                served.len(),
                body.len()
            );
            PublicCopy::Differs(shown)
        }
        Err(err) => {
            tracing::warn!("STATUS_PUBLIC_URL {shown}: cannot read it back: {err}");
            PublicCopy::Unreachable(shown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_is_the_hex_md5_and_content_md5_its_base64() {
        let md5 = md5_of(b"hello\n");
        assert_eq!(hex(&md5), "b1946ac92492d2347c6235b4d2611184");
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(md5),
            "sZRqySSS0jR8YjW00mERhA=="
        );
    }

    #[test]
    fn defaults_and_refused_values() {
        let settings = UploadSettings::from_env(&EnvSource::from_pairs(&[])).unwrap();
        assert_eq!(settings.bucket, None);
        assert_eq!(settings.key, "status.json");
        assert_eq!(settings.cache_control, "public, max-age=300");
        assert_eq!(settings.acl, ObjectCannedAcl::PublicRead);
        assert_eq!(settings.max_age, Duration::from_secs(1800));
        let refused = [
            ("STATUS_ACL", "public-read-write"),
            ("STATUS_KEY", "/"),
            ("STATUS_PUBLIC_URL", "status.example.com"),
            ("STATUS_MAX_AGE", "soon"),
        ];
        for (key, value) in refused {
            let err =
                UploadSettings::from_env(&EnvSource::from_pairs(&[(key, value)])).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{key}: ")), "{err}");
        }
    }
}
