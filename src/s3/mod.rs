//! The one S3 client (DigitalOcean Spaces or any S3-compatible server), shared by the backup
//! check and the upload; `fault` turns its errors into a line a person can act on, `checksum`
//! keeps its requests to what every S3-compatible service accepts.

pub mod checksum;
mod fault;
mod http_client;
mod requests;

pub use fault::{BucketSetting, S3Fault, describe_error, requested_host};
pub use requests::{RequestCounts, requests_sent};

use std::time::Duration;

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, IdentityCache, Region, RequestChecksumCalculation,
    ResponseChecksumValidation,
};

use crate::config::{EnvSource, Secret};

/// Connecting to the endpoint (TCP, a proxy's tunnel, TLS); a host that does not answer fails
/// fast. Enforced by our HTTP client (`http_client`), not the SDK's timeout config.
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
    /// The Spaces settings; an invalid one is recorded in `env`.
    pub fn from_env(env: &EnvSource) -> SpacesSettings {
        let endpoint = env.http_url("SPACES_ENDPOINT");
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
            env.refuse_setting(
                unset,
                format!(
                    "{unset}: not set, but {set} is; set both (a Spaces access key pair) or neither (the standard AWS credential chain)"
                ),
            );
        }
        SpacesSettings {
            endpoint,
            region,
            key,
            secret,
            path_style: env.bool("SPACES_PATH_STYLE", false),
        }
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

/// Builds the S3 client for `spaces` from these settings alone: region, endpoint and
/// addressing style as given (no probing), our HTTP client (`http_client`), bounded timeouts, the standard retry mode, and
/// checksums only where an operation requires them. With `SPACES_KEY`/`SPACES_SECRET` those
/// are the credentials and nothing else is read: no `AWS_PROFILE`, no shared config or
/// credentials file (a `use_fips_endpoint` there would break every request), no `AWS_*`
/// credential, region or endpoint variable.
/// Without them, the credentials (and only they) come from the standard AWS chain.
pub async fn client(spaces: &SpacesSettings) -> anyhow::Result<Client> {
    let region = Region::new(spaces.region.clone());
    let timeouts = TimeoutConfig::builder()
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http_client::CappedClient::new(CONNECT_TIMEOUT))
        .region(region.clone())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        // Since early 2025 the SDKs send CRC32 checksums and aws-chunked request bodies by
        // default; many S3-compatible services (Spaces is S3-compatible, not S3) reject or
        // silently mangle such uploads. Only compute or check checksums where an operation
        // requires them (and see `checksum` for those).
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .identity_cache(
            IdentityCache::lazy()
                .load_timeout(CREDENTIALS_TIMEOUT)
                .build(),
        )
        .force_path_style(spaces.path_style)
        .interceptor(requests::CountRequests);
    config = match (&spaces.key, &spaces.secret) {
        (Some(key), Some(secret)) => config.credentials_provider(Credentials::new(
            key.expose(),
            secret.expose(),
            None,
            None,
            "SPACES_KEY",
        )),
        _ => config.credentials_provider(standard_credentials_chain(region).await),
    };
    if let Some(endpoint) = &spaces.endpoint {
        config = config.endpoint_url(endpoint.as_str().trim_end_matches('/'));
    }
    Ok(Client::from_conf(config.build()))
}

/// The standard AWS credential chain (`AWS_ACCESS_KEY_ID`..., `AWS_PROFILE` and the shared
/// files, web identity, container and instance metadata), with one quick try at the instance
/// metadata service instead of the default four.
async fn standard_credentials_chain(region: Region) -> DefaultCredentialsChain {
    let imds = aws_config::imds::Client::builder()
        .max_attempts(1)
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(Duration::from_secs(1))
        .build();
    DefaultCredentialsChain::builder()
        .region(region)
        .imds_client(imds)
        .build()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigError;

    /// The settings, or the first error recorded while reading them.
    fn spaces(pairs: &[(&str, &str)]) -> Result<SpacesSettings, ConfigError> {
        let env = EnvSource::from_pairs(pairs);
        let settings = SpacesSettings::from_env(&env);
        env.finish()
            .map(|()| settings)
            .map_err(|errors| errors[0].clone())
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
}
