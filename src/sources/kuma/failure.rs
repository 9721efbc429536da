//! An endpoint of Kuma's HTTP API, what can go wrong with a request to it (and whether trying
//! once more may help), and the one line that says so, naming the source and a fix.

use std::fmt;
use std::time::Duration;

/// An endpoint of Kuma's HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `/api/status-page/{slug}`
    StatusPage,
    /// `/api/status-page/heartbeat/{slug}`
    Heartbeats,
    /// `/api/badge/{id}/uptime/{duration}`
    UptimeBadge {
        monitor: u64,
        duration: &'static str,
    },
    /// `/metrics` (2.x, API key as the basic-auth password)
    Metrics,
}

impl Endpoint {
    pub fn label(&self) -> &'static str {
        match self {
            Endpoint::StatusPage => "status page",
            Endpoint::Heartbeats => "heartbeat list",
            Endpoint::UptimeBadge { .. } => "uptime badge",
            Endpoint::Metrics => "metrics",
        }
    }

    fn expected(&self) -> &'static str {
        match self {
            Endpoint::StatusPage | Endpoint::Heartbeats => "Uptime Kuma's JSON",
            Endpoint::UptimeBadge { .. } => "an SVG badge",
            Endpoint::Metrics => "Prometheus metrics",
        }
    }
}

/// What went wrong with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// No complete answer within KUMA_REQUEST_TIMEOUT.
    Timeout(Duration),
    /// Connecting or the transfer failed (refused, DNS, TLS, reset).
    Transport(String),
    /// A redirect out of KUMA_URL's origin (or too many), not followed.
    Redirect(String),
    /// A non-2xx status; `detail` is Kuma's `msg` (quoted) or a description of the body.
    Status { code: u16, detail: String },
    /// An HTML page where JSON, SVG or metrics were expected.
    Html,
    /// The body is over the size cap.
    TooLarge(usize),
    /// The body is not what the endpoint serves (invalid JSON, unknown shape, bad metrics).
    Format(String),
}

impl Problem {
    /// Whether the same GET may well succeed a moment later: no answer in time, a dropped
    /// connection, or a 5xx (Kuma busy, a proxy's upstream restarting). A certificate that is
    /// not trusted, a 4xx or a wrong body will not change.
    pub fn is_transient(&self) -> bool {
        match self {
            Problem::Timeout(_) => true,
            Problem::Transport(cause) => !cause.contains("certificate"),
            Problem::Status { code, .. } => *code >= 500,
            Problem::Redirect(_) | Problem::Html | Problem::TooLarge(_) | Problem::Format(_) => {
                false
            }
        }
    }
}

/// The pause before the one retry: short, so a blip costs little of the run's deadline, and
/// jittered, so many requests that failed together do not return together.
pub fn retry_pause() -> Duration {
    use std::hash::{BuildHasher, Hasher};
    // A fresh RandomState is randomly keyed: a random number without another crate.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    RETRY_PAUSE_MIN + Duration::from_millis(random % RETRY_PAUSE_JITTER_MS)
}

const RETRY_PAUSE_MIN: Duration = Duration::from_millis(200);
const RETRY_PAUSE_JITTER_MS: u64 = 300;

/// A failed request: `Uptime Kuma status page http://kuma/api/status-page/main: HTTP 404
/// "Status Page Not Found"; check KUMA_STATUS_PAGE ...`. The URL is redacted (no
/// credentials, no query) and no header, so never the API key, is ever part of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchError {
    pub endpoint: Endpoint,
    pub url: String,
    pub problem: Problem,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uptime Kuma {} {}: ", self.endpoint.label(), self.url)?;
        match &self.problem {
            Problem::Timeout(limit) => write!(
                f,
                "no answer within {} (KUMA_REQUEST_TIMEOUT)",
                humantime::format_duration(*limit)
            )?,
            Problem::Transport(cause) | Problem::Redirect(cause) => f.write_str(cause)?,
            Problem::Status { code, detail } => write!(f, "HTTP {code} {detail}")?,
            Problem::Html => write!(f, "answered an HTML page, not {}", self.endpoint.expected())?,
            Problem::TooLarge(cap) => write!(f, "response body is over the {cap}-byte limit")?,
            Problem::Format(what) => write!(f, "not {} ({what})", self.endpoint.expected())?,
        }
        write!(f, "; {}", self.fix())
    }
}

impl std::error::Error for FetchError {}

impl FetchError {
    /// What the operator can do about it.
    fn fix(&self) -> &'static str {
        const POINT_AT_KUMA: &str = "check that KUMA_URL points at Uptime Kuma itself (with any path prefix), not a login page or another app";
        match (&self.endpoint, &self.problem) {
            (Endpoint::StatusPage, Problem::Timeout(_)) => {
                "check KUMA_STATUS_PAGE (Uptime Kuma 1.x never answers an unknown slug) and that KUMA_URL answers within KUMA_REQUEST_TIMEOUT"
            }
            (_, Problem::Timeout(_)) => {
                "check that KUMA_URL answers, or raise KUMA_REQUEST_TIMEOUT"
            }
            (_, Problem::Transport(cause)) if cause.contains("certificate") => {
                "if Uptime Kuma's certificate comes from a private CA, set KUMA_CA_CERT to its PEM file"
            }
            (_, Problem::Transport(_)) => "check KUMA_URL and that Uptime Kuma is running",
            (_, Problem::Redirect(_)) => {
                "set KUMA_URL to the address Uptime Kuma answers on itself (redirects are followed only within its origin)"
            }
            (
                Endpoint::Metrics,
                Problem::Status {
                    code: 401 | 403, ..
                },
            ) => "check KUMA_API_KEY (an Uptime Kuma 2.x API key, sent as the basic-auth password)",
            (Endpoint::StatusPage | Endpoint::Heartbeats, Problem::Status { code: 404, .. }) => {
                "check KUMA_STATUS_PAGE (the slug of a published status page)"
            }
            (
                _,
                Problem::Status {
                    code: 401 | 407, ..
                },
            ) => "something in front of Uptime Kuma asks for credentials; point KUMA_URL past it",
            (_, Problem::Status { code: 500.., .. }) => {
                "Uptime Kuma or a proxy in front of it failed; see its logs"
            }
            (Endpoint::StatusPage, Problem::Status { .. }) => "check KUMA_STATUS_PAGE and KUMA_URL",
            (Endpoint::Metrics, Problem::Html) => {
                "check that KUMA_URL points at Uptime Kuma 2.x and carries no query string"
            }
            _ => POINT_AT_KUMA,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_on_the_way_are_retried_after_a_short_jittered_pause() {
        let status = |code| Problem::Status {
            code,
            detail: String::new(),
        };
        assert!(Problem::Timeout(Duration::from_secs(1)).is_transient());
        assert!(Problem::Transport("cannot connect (connection refused)".into()).is_transient());
        assert!(status(500).is_transient());
        assert!(status(503).is_transient());
        assert!(!status(404).is_transient());
        assert!(!status(401).is_transient());
        assert!(
            !Problem::Transport("invalid peer certificate: UnknownIssuer".into()).is_transient()
        );
        assert!(!Problem::Html.is_transient());
        assert!(!Problem::TooLarge(10).is_transient());
        assert!(!Problem::Format("invalid JSON".into()).is_transient());
        for _ in 0..50 {
            let pause = retry_pause();
            assert!(
                (RETRY_PAUSE_MIN..RETRY_PAUSE_MIN + Duration::from_millis(RETRY_PAUSE_JITTER_MS))
                    .contains(&pause)
            );
        }
    }
}
