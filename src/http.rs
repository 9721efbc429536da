//! The HTTP clients of a run (Uptime Kuma; the public URL check and the push ping): pooled
//! connections, gzip, a per-request timeout, optional private CA, a redirect rule, and a
//! capped body reader.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::config::ConfigError;

/// Responses larger than this are refused: no Kuma, status page or document is near it, and
/// a runaway body must not grow the process without bound.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub const USER_AGENT: &str = concat!("status/", env!("CARGO_PKG_VERSION"));

/// Redirects in a row before a request fails (reqwest's default).
const MAX_REDIRECTS: usize = 10;

/// Which redirects a client follows.
#[derive(Debug, Clone)]
pub enum Redirects {
    /// Up to [`MAX_REDIRECTS`], to any URL.
    Anywhere,
    /// Only within the origin (scheme, host and port) of the URL in `setting`; a redirect
    /// elsewhere fails the request with [`OffOriginRedirect`]. The configured address is then
    /// the only server that can answer (a login page or another host cannot stand in for it).
    WithinOriginOf {
        url: reqwest::Url,
        setting: &'static str,
    },
}

impl Redirects {
    fn policy(self) -> reqwest::redirect::Policy {
        let (url, setting) = match self {
            Redirects::Anywhere => return reqwest::redirect::Policy::limited(MAX_REDIRECTS),
            Redirects::WithinOriginOf { url, setting } => (url, setting),
        };
        let origin = url.origin();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if attempt.url().origin() == origin {
                attempt.follow()
            } else {
                let error = OffOriginRedirect {
                    to: attempt.url().origin().ascii_serialization(),
                    origin: origin.ascii_serialization(),
                    setting,
                };
                attempt.error(error)
            }
        })
    }
}

/// A redirect out of the configured URL's origin, refused. Only origins are named: a redirect
/// target's path or query may carry a token.
#[derive(Debug)]
pub struct OffOriginRedirect {
    to: String,
    origin: String,
    setting: &'static str,
}

impl fmt::Display for OffOriginRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "redirected to {}, outside the origin of {} ({}), so not followed",
            self.to, self.setting, self.origin
        )
    }
}

impl std::error::Error for OffOriginRedirect {}

/// Builds a client. `ca_cert` is a PEM file whose certificates are trusted in addition to the
/// system roots (there is deliberately no switch to accept any certificate).
pub fn client(
    request_timeout: Duration,
    ca_cert: Option<&Path>,
    ca_setting: &str,
    redirects: Redirects,
) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(request_timeout)
        .connect_timeout(request_timeout.min(Duration::from_secs(10)))
        .pool_idle_timeout(Duration::from_secs(30))
        .redirect(redirects.policy())
        .gzip(true);
    if let Some(path) = ca_cert {
        let pem = std::fs::read(path).map_err(|err| {
            ConfigError::new(format!(
                "{ca_setting}: cannot read {}: {err}; point it at a PEM file",
                path.display()
            ))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|certs| !certs.is_empty())
            .ok_or_else(|| {
                ConfigError::new(format!(
                    "{ca_setting}: {} holds no PEM certificate; expected -----BEGIN CERTIFICATE----- blocks",
                    path.display()
                ))
            })?;
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().context("cannot set up the HTTP client")
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Over the cap (announced by Content-Length or counted while streaming).
    TooLarge { cap: usize },
    /// The connection failed or timed out mid-body.
    Transport(reqwest::Error),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::TooLarge { cap } => {
                write!(f, "response body is over the {cap}-byte limit")
            }
            BodyError::Transport(err) => f.write_str(&describe_transport_error(err)),
        }
    }
}

impl std::error::Error for BodyError {}

/// Reads a response body, refusing one over `cap` bytes (checked while streaming, so a
/// missing or lying Content-Length cannot get past it).
pub async fn read_body_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(BodyError::TooLarge { cap });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| BodyError::Transport(err.without_url()))?
    {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge { cap });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// One line saying why a request failed before a complete answer arrived, without the URL
/// (reqwest's own message carries it, query string included): `timed out`, `cannot connect:
/// Connection refused (os error 111)`, or the innermost cause.
pub fn describe_transport_error(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out".into();
    }
    let mut innermost: &dyn std::error::Error = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let cause = if std::ptr::addr_eq(innermost, err) {
        // No deeper cause: reqwest's own text, minus the URL.
        let mut text = err.to_string();
        if let Some(start) = text.find(" for url (") {
            text.truncate(start);
        }
        text
    } else {
        innermost.to_string()
    };
    if err.is_connect() {
        format!("cannot connect: {cause}")
    } else {
        cause
    }
}

/// The URL without credentials, query or fragment: safe to name in a log line or error.
pub fn redact(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_drops_credentials_and_query() {
        let url =
            reqwest::Url::parse("https://user:pw@kuma.example.com/api/push/TOKEN?status=up#x")
                .unwrap();
        assert_eq!(redact(&url), "https://kuma.example.com/api/push/TOKEN");
    }
}
