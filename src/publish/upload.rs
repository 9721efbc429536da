//! The upload of status.json to the status bucket, with the headers the marketing site relies
//! on, never over a newer document (conditional.rs), the check of what the bucket stored, and
//! the read-back of the public copy (public_url.rs, public_copy.rs).

use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::head_object::{HeadObjectError, HeadObjectOutput};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ObjectCannedAcl;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};

use super::conditional::{self, Put, Replace};
pub use super::outcome::{NewerPublished, Published, Unverified, Upload};
use super::public_copy::{PreviousCopy, ReadBack, cache_time, check_public_copy};
use super::public_url::{PublicCheck, PublicUrl};
use crate::config::{ConfigError, EnvSource};
use crate::document::Timestamp;
use crate::s3::{self, BucketSetting, SpacesSettings};

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
    pub public_url: PublicUrl,
    /// `upload` refuses a document whose `updated_at` is older than this (unless `--force`).
    pub max_age: Duration,
}

impl UploadSettings {
    /// The upload settings; an invalid one is recorded in `env`.
    pub fn from_env(env: &EnvSource) -> UploadSettings {
        let key = env
            .string_or("STATUS_KEY", "status.json")
            .trim_start_matches('/')
            .to_string();
        if key.is_empty() {
            env.refuse_setting(
                "STATUS_KEY",
                "STATUS_KEY: \"/\" is not an object key; expected e.g. status.json",
            );
        }
        // Spaces knows only these two canned ACLs.
        let acl = env.choice("STATUS_ACL", &["public-read", "private"], "public-read");
        UploadSettings {
            bucket: env.string("STATUS_BUCKET"),
            key,
            cache_control: env.string_or("STATUS_CACHE_CONTROL", "public, max-age=300"),
            acl: ObjectCannedAcl::from(acl),
            public_url: PublicUrl::from_env(env),
            max_age: env.duration("STATUS_MAX_AGE", Duration::from_secs(30 * 60)),
        }
    }
}

/// The status bucket, ready to receive: its settings, the S3 client and where the public
/// copy is read back.
pub struct Target {
    pub(super) client: aws_sdk_s3::Client,
    pub(super) bucket: String,
    pub(super) settings: UploadSettings,
    spaces: SpacesSettings,
    public: PublicCheck,
}

impl Target {
    /// A ConfigError when `STATUS_BUCKET` (or the Spaces settings) are missing, or when no
    /// public address can be derived.
    pub async fn new(upload: &UploadSettings, spaces: &SpacesSettings) -> anyhow::Result<Target> {
        let bucket = upload
            .bucket
            .clone()
            .ok_or_else(|| ConfigError::new(MISSING_BUCKET))?;
        let public = PublicCheck::new(
            &upload.public_url,
            &upload.acl,
            spaces,
            &bucket,
            &upload.key,
        )?;
        Ok(Target {
            client: s3::client(spaces).await?,
            bucket,
            settings: upload.clone(),
            spaces: spaces.clone(),
            public,
        })
    }

    /// Where the document goes, e.g. `s3://status/status.json`: the label of the upload's
    /// deadline and of its errors.
    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.settings.key)
    }

    /// HeadObject of the document's key: what the bucket holds there now.
    pub(super) async fn head(
        &self,
    ) -> Result<HeadObjectOutput, SdkError<HeadObjectError, HttpResponse>> {
        self.client
            .head_object()
            .bucket(&self.bucket)
            .key(&self.settings.key)
            .send()
            .await
    }

    pub(super) fn describe<E>(&self, err: &SdkError<E, HttpResponse>) -> String
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let bucket = BucketSetting {
            setting: "STATUS_BUCKET",
            name: &self.bucket,
        };
        s3::describe_error(err, bucket, &self.spaces)
    }
}

/// An object the bucket accepted, not yet verified, and what the checks need: its
/// `updated_at` (stored as metadata), the copy it replaced (what a cache may still serve) and
/// when it was sent.
#[derive(Debug)]
pub struct Stored {
    md5: [u8; 16],
    updated_at: Timestamp,
    previous: Option<PreviousCopy>,
    uploaded_at: DateTime<Utc>,
}

/// How [`store`] ended.
#[derive(Debug)]
pub enum Store {
    Stored(Stored),
    /// Not stored: the bucket holds a newer document.
    NewerPublished(NewerPublished),
}

pub(super) fn md5_of(body: &[u8]) -> [u8; 16] {
    Md5::digest(body).into()
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// PutObject with Content-Type, Cache-Control, ACL, Content-MD5 and the `updated_at`
/// metadata, unless `replace` keeps a newer published document (conditional.rs). The HeadObject
/// before it also gives the read-back the copy it replaces. S3 stores an object whole or not at
/// all, and Content-MD5 makes the bucket refuse a body damaged on the way: a failed or
/// cancelled upload never leaves half a file.
pub async fn store(
    target: &Target,
    body: &[u8],
    updated_at: Timestamp,
    replace: Replace,
) -> anyhow::Result<Store> {
    let md5 = md5_of(body);
    // Only the read-back needs the replaced copy: what a cache may still serve.
    let wants_previous = match &target.public {
        PublicCheck::Read(_) => true,
        PublicCheck::Skip(why) => {
            tracing::info!("{why}");
            false
        }
    };
    let uploaded_at = Utc::now();
    let request = || put_request(target, body, md5, updated_at);
    let previous =
        match conditional::put(target, request, updated_at, replace, wants_previous).await? {
            Put::Stored { replaced } => replaced,
            Put::NewerPublished(published) => {
                let newer = NewerPublished {
                    location: target.location(),
                    published,
                };
                tracing::info!("{newer}");
                return Ok(Store::NewerPublished(newer));
            }
        };
    Ok(Store::Stored(Stored {
        md5,
        updated_at,
        previous,
        uploaded_at,
    }))
}

/// PutObject with every header but the conditional ones.
fn put_request(
    target: &Target,
    body: &[u8],
    md5: [u8; 16],
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
        .content_md5(base64::engine::general_purpose::STANDARD.encode(md5))
        .set_metadata(Some(conditional::metadata(updated_at)))
}

/// Checks what the bucket stored (HeadObject) and reads the public copy back (unless that is
/// off).
pub async fn verify(
    target: &Target,
    web: &reqwest::Client,
    body: &[u8],
    stored: Stored,
) -> Result<Published, Unverified> {
    let etag = check_stored(target, body, &stored)
        .await
        .map_err(|reason| Unverified { reason })?;
    let public = match &target.public {
        PublicCheck::Read(url) => {
            let read_back = ReadBack {
                previous: stored.previous.as_ref(),
                cache_time: cache_time(&target.settings.cache_control),
                uploaded_at: stored.uploaded_at,
            };
            Some(check_public_copy(web, url, body, &read_back).await)
        }
        PublicCheck::Skip(_) => None,
    };
    Ok(Published {
        location: target.location(),
        bytes: body.len(),
        etag,
        public,
    })
}

/// HeadObject: size, ETag (the body's MD5 for a single-part upload), Content-Type and
/// Cache-Control as sent (and the `updated_at` metadata, a warning). `Err`: why the stored
/// object cannot be vouched for.
async fn check_stored(target: &Target, body: &[u8], stored: &Stored) -> Result<String, String> {
    let settings = &target.settings;
    let location = target.location();
    let head = target
        .head()
        .await
        .map_err(|err| format!("cannot read back {location}: {}", target.describe(&err)))?;
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
    if etag != hex(&stored.md5) {
        mismatches.push(format!("ETag {etag:?}, body MD5 {}", hex(&stored.md5)));
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
    conditional::check_stored_metadata(&location, head.metadata(), stored.updated_at);
    if !mismatches.is_empty() {
        return Err(format!(
            "the bucket reports {location} with {}; check the endpoint (SPACES_ENDPOINT) is S3-compatible",
            mismatches.join(", ")
        ));
    }
    Ok(etag)
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
        let settings = UploadSettings::from_env(&EnvSource::from_pairs(&[]));
        assert_eq!(settings.bucket, None);
        assert_eq!(settings.key, "status.json");
        assert_eq!(settings.cache_control, "public, max-age=300");
        assert_eq!(settings.acl, ObjectCannedAcl::PublicRead);
        assert_eq!(settings.max_age, Duration::from_secs(1800));
        assert_eq!(settings.public_url, PublicUrl::Derived);
        // In the order they are read.
        let refused = [
            ("STATUS_KEY", "/"),
            ("STATUS_ACL", "public-read-write"),
            ("STATUS_PUBLIC_URL", "status.example.com"),
            ("STATUS_MAX_AGE", "soon"),
        ];
        let env = EnvSource::from_pairs(&refused);
        UploadSettings::from_env(&env);
        let errors = env.finish().unwrap_err();
        assert_eq!(errors.len(), refused.len(), "{errors:?}");
        for (error, (key, _)) in errors.iter().zip(refused) {
            assert!(
                error.to_string().starts_with(&format!("{key}: ")),
                "{error}"
            );
        }
    }
}
