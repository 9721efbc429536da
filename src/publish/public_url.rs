//! Where visitors read status.json: `STATUS_PUBLIC_URL`, or the address derived from the
//! endpoint, bucket and key the way the S3 client addresses the object. The read-back itself is
//! in public_copy.rs.

use aws_sdk_s3::types::ObjectCannedAcl;

use crate::config::{ConfigError, EnvSource};
use crate::s3::SpacesSettings;

/// `STATUS_PUBLIC_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicUrl {
    /// Unset: derived from `SPACES_ENDPOINT`, the bucket and the key.
    Derived,
    /// `off`: the public copy is not read back.
    Off,
    Given(reqwest::Url),
}

impl PublicUrl {
    /// The setting; an invalid one is recorded in `env` (and the derived address is used).
    pub fn from_env(env: &EnvSource) -> PublicUrl {
        let given = env.checked("STATUS_PUBLIC_URL", |raw| {
            if raw.eq_ignore_ascii_case("off") {
                return Ok(PublicUrl::Off);
            }
            reqwest::Url::parse(raw)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
                .map(PublicUrl::Given)
                .ok_or_else(|| "is not an http(s) URL, or off".to_string())
        });
        given.unwrap_or(PublicUrl::Derived)
    }
}

/// Whether and where an upload reads its public copy back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicCheck {
    Read(reqwest::Url),
    /// Not read back; the info line that says why.
    Skip(&'static str),
}

impl PublicCheck {
    /// Decides the check for `bucket`/`key`. A private object has no public address to derive:
    /// it is skipped with an info line (a CDN or bucket policy that serves it publicly is named
    /// with `STATUS_PUBLIC_URL`). An address that cannot be derived is a configuration error.
    pub fn new(
        setting: &PublicUrl,
        acl: &ObjectCannedAcl,
        spaces: &SpacesSettings,
        bucket: &str,
        key: &str,
    ) -> Result<PublicCheck, ConfigError> {
        match setting {
            PublicUrl::Given(url) => Ok(PublicCheck::Read(url.clone())),
            PublicUrl::Off => Ok(PublicCheck::Skip(
                "STATUS_PUBLIC_URL=off: the public copy is not read back",
            )),
            PublicUrl::Derived if *acl == ObjectCannedAcl::Private => Ok(PublicCheck::Skip(
                "STATUS_ACL=private: the public copy is not read back; set STATUS_PUBLIC_URL to the address visitors use (a CDN or a bucket policy) to check it",
            )),
            PublicUrl::Derived => derived_url(spaces, bucket, key)
                .map(PublicCheck::Read)
                .ok_or_else(|| {
                    ConfigError::new(format!(
                        "STATUS_PUBLIC_URL: unset, and no public address can be made from SPACES_ENDPOINT and bucket {bucket:?}; set the address visitors use, or off"
                    ))
                }),
        }
    }
}

/// The object's public address in the client's addressing style: `ENDPOINT/BUCKET/KEY` with
/// `SPACES_PATH_STYLE=true`, else the bucket as a host label before the endpoint's host
/// (`https://BUCKET.nyc3.digitaloceanspaces.com/KEY`); AWS S3 when no endpoint is set.
pub fn derived_url(spaces: &SpacesSettings, bucket: &str, key: &str) -> Option<reqwest::Url> {
    let endpoint = match &spaces.endpoint {
        Some(endpoint) => endpoint.clone(),
        None => reqwest::Url::parse(&format!("https://s3.{}.amazonaws.com", spaces.region)).ok()?,
    };
    let mut url = endpoint;
    if !spaces.path_style {
        let host = url.host_str()?.to_string();
        url.set_host(Some(&format!("{bucket}.{host}"))).ok()?;
    }
    {
        let mut path = url.path_segments_mut().ok()?;
        path.pop_if_empty();
        if spaces.path_style {
            path.push(bucket);
        }
        path.extend(key.split('/'));
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spaces(endpoint: Option<&str>, path_style: bool) -> SpacesSettings {
        SpacesSettings {
            endpoint: endpoint.map(|url| url.parse().unwrap()),
            region: "nyc3".into(),
            key: None,
            secret: None,
            path_style,
        }
    }

    fn derived(endpoint: Option<&str>, path_style: bool, key: &str) -> String {
        derived_url(&spaces(endpoint, path_style), "acme-status", key)
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_public_address_follows_the_clients_addressing_style() {
        let spaces_endpoint = Some("https://nyc3.digitaloceanspaces.com");
        assert_eq!(
            derived(spaces_endpoint, false, "status.json"),
            "https://acme-status.nyc3.digitaloceanspaces.com/status.json"
        );
        assert_eq!(
            derived(spaces_endpoint, true, "public/status.json"),
            "https://nyc3.digitaloceanspaces.com/acme-status/public/status.json"
        );
        assert_eq!(
            derived(Some("http://127.0.0.1:9000"), true, "status.json"),
            "http://127.0.0.1:9000/acme-status/status.json"
        );
        assert_eq!(
            derived(None, false, "status.json"),
            "https://acme-status.s3.nyc3.amazonaws.com/status.json"
        );
        // Key characters are percent-encoded per segment; the slashes stay.
        assert_eq!(
            derived(spaces_endpoint, false, "site/status page.json"),
            "https://acme-status.nyc3.digitaloceanspaces.com/site/status%20page.json"
        );
    }

    #[test]
    fn the_setting_is_unset_off_or_a_url() {
        // The setting, or the error recorded while reading it.
        let read = |value: &str| {
            let env = EnvSource::from_pairs(&[("STATUS_PUBLIC_URL", value)]);
            let url = PublicUrl::from_env(&env);
            env.finish()
                .map(|()| url)
                .map_err(|errors| errors[0].clone())
        };
        assert_eq!(read(""), Ok(PublicUrl::Derived));
        assert_eq!(read("OFF"), Ok(PublicUrl::Off));
        assert_eq!(
            read("https://status.example.com/status.json"),
            Ok(PublicUrl::Given(
                "https://status.example.com/status.json".parse().unwrap()
            ))
        );
        assert_eq!(
            read("status.example.com").unwrap_err().to_string(),
            r#"STATUS_PUBLIC_URL: "status.example.com" is not an http(s) URL, or off"#
        );
    }

    #[test]
    fn a_private_object_is_not_read_back_unless_an_address_is_given() {
        let spaces = spaces(Some("https://nyc3.digitaloceanspaces.com"), false);
        let check = |setting: &PublicUrl, acl: &ObjectCannedAcl| {
            PublicCheck::new(setting, acl, &spaces, "acme-status", "status.json").unwrap()
        };
        let private = ObjectCannedAcl::Private;
        assert!(matches!(
            check(&PublicUrl::Derived, &private),
            PublicCheck::Skip(why) if why.starts_with("STATUS_ACL=private")
        ));
        let cdn: reqwest::Url = "https://cdn.example.com/status.json".parse().unwrap();
        assert_eq!(
            check(&PublicUrl::Given(cdn.clone()), &private),
            PublicCheck::Read(cdn)
        );
        assert!(matches!(
            check(&PublicUrl::Off, &ObjectCannedAcl::PublicRead),
            PublicCheck::Skip(why) if why.starts_with("STATUS_PUBLIC_URL=off")
        ));
        assert_eq!(
            check(&PublicUrl::Derived, &ObjectCannedAcl::PublicRead),
            PublicCheck::Read(
                "https://acme-status.nyc3.digitaloceanspaces.com/status.json"
                    .parse()
                    .unwrap()
            )
        );
    }
}
