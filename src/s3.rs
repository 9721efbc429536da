//! The one S3 client (DigitalOcean Spaces or any S3-compatible server), shared by the backup
//! check and the upload, and the one place that turns S3 errors into a line a person can act on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_s3::config::{
    Credentials, IdentityCache, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{BoxError, ProvideErrorMetadata, SdkError};

use crate::config::ConfigError;
use crate::config::{EnvSource, Secret};

/// Connecting to the endpoint; a host that does not answer fails fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One HTTP attempt (a list page of 1,000 keys, or the status.json upload).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// One operation, all retries included. The run's `--timeout` still bounds the whole run.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(45);
/// The SDK's standard retry mode (exponential backoff with jitter, retry quota) with 3 attempts.
const MAX_ATTEMPTS: u32 = 3;
/// Loading credentials from the standard chain. Outside a cloud, the last link (the instance
/// metadata service) never answers: without this bound every run would wait on it for seconds.
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(2);

/// Region used when `SPACES_REGION` is unset and the endpoint is not a Spaces endpoint.
const DEFAULT_REGION: &str = "us-east-1";

#[derive(Debug, Clone)]
pub struct SpacesSettings {
    /// `None`: the SDK's default (AWS S3 for `region`).
    pub endpoint: Option<reqwest::Url>,
    /// Always set, so the SDK never probes the environment or instance metadata for it:
    /// `SPACES_REGION`, else the first host label of a `*.digitaloceanspaces.com` endpoint
    /// (`nyc3`), else `us-east-1`.
    pub region: String,
    pub key: Option<Secret>,
    pub secret: Option<Secret>,
    pub path_style: bool,
}

impl SpacesSettings {
    pub fn from_env(env: &EnvSource) -> Result<SpacesSettings, ConfigError> {
        let endpoint = env.http_url("SPACES_ENDPOINT")?;
        let region = env
            .string("SPACES_REGION")
            .unwrap_or_else(|| default_region(endpoint.as_ref()));
        let key = env.secret("SPACES_KEY");
        let secret = env.secret("SPACES_SECRET");
        if key.is_some() != secret.is_some() {
            let (set, unset) = if key.is_some() {
                ("SPACES_KEY", "SPACES_SECRET")
            } else {
                ("SPACES_SECRET", "SPACES_KEY")
            };
            return Err(ConfigError::new(format!(
                "{unset}: not set, but {set} is; set both (a Spaces access key pair) or neither (the standard AWS credential chain)"
            )));
        }
        Ok(SpacesSettings {
            endpoint,
            region,
            key,
            secret,
            path_style: env.bool("SPACES_PATH_STYLE", false)?,
        })
    }

    /// Where requests go, for messages: the endpoint, or `AWS S3 (<region>)`.
    pub fn describe_endpoint(&self) -> String {
        match &self.endpoint {
            Some(url) => crate::http::redact(url).trim_end_matches('/').to_string(),
            None => format!("AWS S3 ({})", self.region),
        }
    }
}

/// `nyc3` for `https://nyc3.digitaloceanspaces.com`, else `us-east-1`.
fn default_region(endpoint: Option<&reqwest::Url>) -> String {
    endpoint
        .and_then(|url| url.host_str())
        .and_then(|host| host.strip_suffix(".digitaloceanspaces.com"))
        .and_then(|rest| rest.split('.').next())
        .filter(|label| !label.is_empty())
        .unwrap_or(DEFAULT_REGION)
        .to_string()
}

/// Builds the S3 client for `spaces`: explicit region (no probing), static credentials from
/// `SPACES_KEY`/`SPACES_SECRET` or else the standard AWS chain with a short timeout, path-style
/// addressing when asked, bounded timeouts and the standard retry mode.
pub async fn client(spaces: &SpacesSettings) -> anyhow::Result<Client> {
    let region = Region::new(spaces.region.clone());
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region.clone())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        // Since early 2025 the SDKs send CRC32 checksums and aws-chunked request bodies by
        // default; many S3-compatible services (Spaces is S3-compatible, not S3) reject or
        // silently mangle such uploads. Only compute or check checksums where an operation
        // requires them.
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .identity_cache(
            IdentityCache::lazy()
                .load_timeout(CREDENTIALS_TIMEOUT)
                .build(),
        );
    loader = match (&spaces.key, &spaces.secret) {
        (Some(key), Some(secret)) => loader.credentials_provider(Credentials::new(
            key.expose(),
            secret.expose(),
            None,
            None,
            "SPACES_KEY",
        )),
        _ => {
            // One quick try at the instance metadata service instead of the default four.
            let imds = aws_config::imds::Client::builder()
                .max_attempts(1)
                .connect_timeout(Duration::from_secs(1))
                .read_timeout(Duration::from_secs(1))
                .build();
            let chain = DefaultCredentialsChain::builder()
                .region(region)
                .imds_client(imds)
                .build()
                .await;
            loader.credentials_provider(chain)
        }
    };
    if let Some(endpoint) = &spaces.endpoint {
        loader = loader.endpoint_url(endpoint.as_str().trim_end_matches('/'));
    }
    let shared = loader.load().await;
    let config = aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(spaces.path_style)
        .interceptor(CountRequests)
        .build();
    Ok(Client::from_conf(config))
}

/// S3 operations and HTTP attempts of this process, for the job's metrics. Process-wide: the
/// backup check and the upload each build their client deep in their own layer, and a process
/// runs one command.
static OPERATIONS: AtomicU64 = AtomicU64::new(0);
static ATTEMPTS: AtomicU64 = AtomicU64::new(0);

/// The S3 requests this process sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// HTTP requests, retries included.
    pub requests: u64,
    /// Requests that repeated an operation (the SDK's standard retry mode).
    pub retries: u64,
}

pub fn requests_sent() -> RequestCounts {
    let operations = OPERATIONS.load(Ordering::Relaxed);
    let attempts = ATTEMPTS.load(Ordering::Relaxed);
    RequestCounts {
        requests: attempts,
        retries: attempts.saturating_sub(operations),
    }
}

/// Counts each operation once and each of its HTTP attempts.
#[derive(Debug)]
struct CountRequests;

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "CountRequests"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        OPERATIONS.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ATTEMPTS.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// What went wrong with an S3 request, in the terms an operator acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum S3Fault {
    AccessDenied,
    NoSuchBucket,
    NoCredentials,
    /// Connection refused, DNS failure, TLS failure: the innermost cause.
    Unreachable(String),
    Timeout,
    /// Anything else: the service's code and message, or the innermost cause.
    Other(String),
}

impl S3Fault {
    pub fn of<E>(err: &SdkError<E, HttpResponse>) -> S3Fault
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match err {
            SdkError::TimeoutError(_) => S3Fault::Timeout,
            SdkError::DispatchFailure(failure) if failure.is_timeout() => S3Fault::Timeout,
            SdkError::DispatchFailure(failure) if failure.is_io() => {
                S3Fault::Unreachable(innermost_cause(err))
            }
            SdkError::ServiceError(_) | SdkError::ResponseError(_) => {
                let status = err.raw_response().map(|raw| raw.status().as_u16());
                match (err.code(), status) {
                    (Some("NoSuchBucket"), _) | (None, Some(404)) => S3Fault::NoSuchBucket,
                    (Some("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch"), _)
                    | (None, Some(403)) => S3Fault::AccessDenied,
                    (Some(code), _) => S3Fault::Other(match err.message() {
                        Some(message) => format!("{code}: {message}"),
                        None => code.to_string(),
                    }),
                    (None, _) => S3Fault::Other(innermost_cause(err)),
                }
            }
            _ if mentions_credentials(err) => S3Fault::NoCredentials,
            _ => S3Fault::Other(innermost_cause(err)),
        }
    }

    /// One line naming the bucket and the likely fix.
    pub fn describe(&self, bucket: &str) -> String {
        match self {
            S3Fault::AccessDenied => format!(
                "access denied to bucket {bucket}: check SPACES_KEY/SPACES_SECRET and the key's permissions on the bucket"
            ),
            S3Fault::NoSuchBucket => format!(
                "bucket {bucket} does not exist: check the bucket name, SPACES_ENDPOINT and SPACES_REGION"
            ),
            S3Fault::NoCredentials => format!(
                "no S3 credentials for bucket {bucket}: set SPACES_KEY and SPACES_SECRET (or the standard AWS credential settings)"
            ),
            S3Fault::Unreachable(cause) => format!(
                "cannot reach the S3 endpoint for bucket {bucket} ({cause}): check SPACES_ENDPOINT and the network"
            ),
            S3Fault::Timeout => format!(
                "S3 request for bucket {bucket} timed out: check SPACES_ENDPOINT and the network"
            ),
            S3Fault::Other(detail) => format!("S3 request for bucket {bucket} failed: {detail}"),
        }
    }
}

/// One line naming the bucket and the likely fix, for any S3 operation's error.
pub fn describe_error<E>(err: &SdkError<E, HttpResponse>, bucket: &str) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    S3Fault::of(err).describe(bucket)
}

/// The deepest error in the source chain (e.g. `Connection refused (os error 111)`): the SDK's
/// outer layers only say "dispatch failure".
fn innermost_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// Whether loading credentials is what failed. By text, because the SDK's error for a credential
/// load that ran out of time ("identity resolver timed out") is a private type.
fn mentions_credentials(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(current) = cause {
        let text = current.to_string().to_ascii_lowercase();
        if text.contains("credentials") || text.contains("identity resolver") {
            return true;
        }
        cause = current.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spaces(pairs: &[(&str, &str)]) -> Result<SpacesSettings, ConfigError> {
        SpacesSettings::from_env(&EnvSource::from_pairs(pairs))
    }

    #[test]
    fn region_defaults_to_the_spaces_endpoint_label_else_us_east_1() {
        let nyc3 = spaces(&[("SPACES_ENDPOINT", "https://nyc3.digitaloceanspaces.com")]).unwrap();
        assert_eq!(nyc3.region, "nyc3");
        let explicit = spaces(&[
            ("SPACES_ENDPOINT", "https://fra1.digitaloceanspaces.com"),
            ("SPACES_REGION", "eu-west-1"),
        ])
        .unwrap();
        assert_eq!(explicit.region, "eu-west-1");
        let local = spaces(&[("SPACES_ENDPOINT", "http://127.0.0.1:9000")]).unwrap();
        assert_eq!(local.region, "us-east-1");
        assert_eq!(spaces(&[]).unwrap().region, "us-east-1");
    }

    #[test]
    fn half_a_key_pair_is_a_config_error_naming_the_missing_half() {
        let err = spaces(&[("SPACES_KEY", "DO00ABC")]).unwrap_err();
        assert!(
            err.to_string().starts_with("SPACES_SECRET: not set"),
            "{err}"
        );
        let err = spaces(&[("SPACES_SECRET", "shh")]).unwrap_err();
        assert!(err.to_string().starts_with("SPACES_KEY: not set"), "{err}");
        assert!(!err.to_string().contains("shh"));
    }

    type ListError = aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;

    fn service_error(code: Option<&str>, status: u16) -> SdkError<ListError, HttpResponse> {
        let mut meta = aws_sdk_s3::error::ErrorMetadata::builder();
        if let Some(code) = code {
            meta = meta.code(code).message("from the server");
        }
        let raw = HttpResponse::new(
            status.try_into().unwrap(),
            aws_sdk_s3::primitives::SdkBody::empty(),
        );
        SdkError::service_error(ListError::generic(meta.build()), raw)
    }

    #[test]
    fn faults_are_told_from_codes_statuses_and_connector_errors() {
        let of = |err: SdkError<ListError, HttpResponse>| S3Fault::of(&err);
        assert_eq!(
            of(service_error(Some("NoSuchBucket"), 404)),
            S3Fault::NoSuchBucket
        );
        // HEAD responses have no body, so no code: the status must do.
        assert_eq!(of(service_error(None, 404)), S3Fault::NoSuchBucket);
        assert_eq!(
            of(service_error(Some("SignatureDoesNotMatch"), 403)),
            S3Fault::AccessDenied
        );
        assert_eq!(of(service_error(None, 403)), S3Fault::AccessDenied);
        assert_eq!(
            of(service_error(Some("SlowDown"), 503)),
            S3Fault::Other("SlowDown: from the server".into())
        );
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(
            of(SdkError::dispatch_failure(
                aws_sdk_s3::error::ConnectorError::io(Box::new(refused))
            )),
            S3Fault::Unreachable("refused".into())
        );
        assert_eq!(
            of(SdkError::timeout_error("operation timeout")),
            S3Fault::Timeout
        );
        let slow_chain = aws_sdk_s3::error::ConnectorError::other(
            "identity resolver timed out after 2s".into(),
            None,
        );
        assert_eq!(
            of(SdkError::dispatch_failure(slow_chain)),
            S3Fault::NoCredentials
        );
    }

    #[test]
    fn messages_name_the_bucket_and_the_fix() {
        assert_eq!(
            S3Fault::AccessDenied.describe("backups"),
            "access denied to bucket backups: check SPACES_KEY/SPACES_SECRET and the key's permissions on the bucket"
        );
        assert!(
            S3Fault::NoSuchBucket
                .describe("backups")
                .starts_with("bucket backups does not exist")
        );
        let unreachable = S3Fault::Unreachable("Connection refused (os error 111)".into());
        assert!(unreachable.describe("b").contains("check SPACES_ENDPOINT"));
        for fault in [S3Fault::Timeout, S3Fault::NoCredentials, unreachable] {
            assert!(!fault.describe("b").contains('\n'));
        }
    }
}
