//! `status bucket-setup --cors-origin URL...`: lets browsers on the marketing site's origins
//! read status.json, by putting a CORS rule (GET and HEAD from those origins) on the status
//! bucket. This replaces the manual step of the old deployment guide.

use anyhow::anyhow;
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};

use crate::cli::BucketSetupArgs;
use crate::commands::settings::Settings;
use crate::config::ConfigError;
use crate::publish::upload::MISSING_BUCKET;
use crate::run::deadline::Deadline;
use crate::run::outcome::Exit;
use crate::s3::{self, BucketSetting};

/// How long browsers may cache the preflight answer.
const MAX_AGE_SECONDS: i32 = 3600;

/// An origin is scheme, host and optional port (`https://www.example.com`), or `*`.
fn parse_origin(raw: &str) -> Result<String, ConfigError> {
    if raw == "*" {
        return Ok(raw.to_string());
    }
    reqwest::Url::parse(raw)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
        .filter(|url| url.path() == "/" && url.query().is_none() && !raw.ends_with('/'))
        .map(|url| url.origin().ascii_serialization())
        .ok_or_else(|| {
            ConfigError::new(format!(
                "--cors-origin: {raw:?} is not an origin; expected scheme and host without a path, e.g. https://www.example.com"
            ))
        })
}

fn rule(origins: Vec<String>) -> anyhow::Result<CorsConfiguration> {
    let rule = CorsRule::builder()
        .set_allowed_origins(Some(origins))
        .allowed_methods("GET")
        .allowed_methods("HEAD")
        .allowed_headers("*")
        .max_age_seconds(MAX_AGE_SECONDS)
        .build()?;
    Ok(CorsConfiguration::builder().cors_rules(rule).build()?)
}

/// Replaces the bucket's CORS configuration with the one rule, then reads it back.
pub async fn command(settings: &Settings, args: &BucketSetupArgs) -> anyhow::Result<Exit> {
    let origins = args
        .cors_origins
        .iter()
        .map(|raw| parse_origin(raw))
        .collect::<Result<Vec<_>, _>>()?;
    let bucket = settings
        .upload
        .bucket
        .as_deref()
        .ok_or_else(|| ConfigError::new(MISSING_BUCKET))?;
    let client = s3::client(&settings.spaces).await?;
    let status_bucket = BucketSetting {
        setting: "STATUS_BUCKET",
        name: bucket,
    };
    let work = async {
        client
            .put_bucket_cors()
            .bucket(bucket)
            .cors_configuration(rule(origins.clone())?)
            .customize()
            .mutate_request(s3::checksum::content_md5_only)
            .send()
            .await
            .map_err(|err| {
                anyhow!(
                    "cannot set CORS: {}",
                    s3::describe_error(&err, status_bucket, &settings.spaces)
                )
            })?;
        let stored = client
            .get_bucket_cors()
            .bucket(bucket)
            .send()
            .await
            .map_err(|err| {
                anyhow!(
                    "set CORS but cannot read it back: {}",
                    s3::describe_error(&err, status_bucket, &settings.spaces)
                )
            })?;
        let allowed: Vec<&str> = stored
            .cors_rules()
            .iter()
            .flat_map(|rule| rule.allowed_origins())
            .map(String::as_str)
            .collect();
        if origins
            .iter()
            .any(|origin| !allowed.contains(&origin.as_str()))
        {
            anyhow::bail!(
                "set CORS on {bucket} but it reads back origins {allowed:?}, not {origins:?}; check that SPACES_ENDPOINT is a service that keeps bucket CORS rules"
            );
        }
        anyhow::Ok(())
    };
    Deadline::after(settings.timeout)
        .run(&format!("bucket-setup on {bucket}"), work)
        .await??;
    tracing::info!(
        "CORS on bucket {bucket}: GET, HEAD allowed from {} (previous CORS rules replaced)",
        origins.join(", ")
    );
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_and_host_only() {
        assert_eq!(
            parse_origin("https://www.example.com").unwrap(),
            "https://www.example.com"
        );
        assert_eq!(
            parse_origin("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(parse_origin("*").unwrap(), "*");
        for bad in [
            "www.example.com",
            "https://www.example.com/",
            "https://x.com/status",
            "ftp://x.com",
        ] {
            let err = parse_origin(bad).unwrap_err();
            assert!(err.to_string().starts_with("--cors-origin: "), "{err}");
        }
    }
}
