//! Requests to Uptime Kuma: URLs (path prefix, cache buster), one retry of a request that
//! failed on the way (`failure` says which), and the request and retry counts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::KumaSettings;
use super::failure::{Endpoint, FetchError, Problem, retry_pause};
use crate::config::Secret;
use crate::http::{self, BodyError};

/// A response body that passed the status check.
struct Body {
    bytes: Vec<u8>,
    content_type: String,
}

impl Body {
    fn is_html(&self) -> bool {
        if self.content_type.starts_with("text/html") {
            return true;
        }
        let start: Vec<u8> = self
            .bytes
            .iter()
            .copied()
            .skip_while(u8::is_ascii_whitespace)
            .take(15)
            .map(|b| b.to_ascii_lowercase())
            .collect();
        start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
    }
}

/// The client for one run: cheap to clone into concurrent tasks.
#[derive(Clone)]
pub struct KumaHttp {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    base: reqwest::Url,
    status_page: String,
    request_timeout: Duration,
    /// Wall-clock milliseconds at the start of the run: with the request number it makes
    /// each URL unique, so Kuma's response cache (5 min, keyed by URL) never answers.
    cache_buster: u128,
    sent: AtomicUsize,
    retried: AtomicUsize,
}

/// Requests to Kuma by this process, for the job's metrics: unlike a run's own count
/// ([`KumaHttp::requests_sent`]), it includes the requests of a read that failed.
static SENT_BY_PROCESS: AtomicU64 = AtomicU64::new(0);

/// The requests this process sent to Kuma. Kuma's requests are never retried: a failed badge is
/// a warning, a failed status page fails the source, and the next run reads again.
pub fn requests_sent_by_process() -> u64 {
    SENT_BY_PROCESS.load(Ordering::Relaxed)
}

/// Error bodies are only read for Kuma's one-line `msg`.
const ERROR_BODY_CAP: usize = 64 * 1024;

impl KumaHttp {
    pub fn new(client: reqwest::Client, settings: &KumaSettings) -> KumaHttp {
        let cache_buster = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        KumaHttp {
            inner: Arc::new(Inner {
                client,
                base: settings.url.clone(),
                status_page: settings.status_page.clone(),
                request_timeout: settings.request_timeout,
                cache_buster,
                sent: AtomicUsize::new(0),
                retried: AtomicUsize::new(0),
            }),
        }
    }

    /// Requests sent so far in this run.
    pub fn requests_sent(&self) -> usize {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// Requests sent a second time so far in this run.
    pub fn retries_made(&self) -> usize {
        self.inner.retried.load(Ordering::Relaxed)
    }

    /// The URL of `endpoint`; `request` (the request's number) makes the cache buster unique.
    fn url(&self, endpoint: &Endpoint, request: usize) -> reqwest::Url {
        let slug = self.inner.status_page.as_str();
        let monitor_id;
        let segments: Vec<&str> = match endpoint {
            Endpoint::StatusPage => vec!["api", "status-page", slug],
            Endpoint::Heartbeats => vec!["api", "status-page", "heartbeat", slug],
            Endpoint::UptimeBadge { monitor, duration } => {
                monitor_id = monitor.to_string();
                vec!["api", "badge", &monitor_id, "uptime", duration]
            }
            Endpoint::Metrics => vec!["metrics"],
        };
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.set_fragment(None);
        if *endpoint == Endpoint::Metrics {
            // /metrics is not cached, and with any query string Kuma answers its web page.
            url.set_query(None);
        } else {
            let buster = format!("{}-{request}", self.inner.cache_buster);
            url.query_pairs_mut().append_pair("_", &buster);
        }
        url
    }

    /// A failure of `endpoint` found after the response arrived (e.g. an unexpected shape).
    pub fn error(&self, endpoint: &Endpoint, problem: Problem) -> FetchError {
        FetchError {
            url: http::redact(&self.url(endpoint, 0)),
            endpoint: endpoint.clone(),
            problem,
        }
    }

    /// GETs a JSON endpoint.
    pub async fn json(&self, endpoint: &Endpoint) -> Result<Value, FetchError> {
        self.decoded(endpoint, |bytes| {
            serde_json::from_slice(bytes).map_err(|err| format!("invalid JSON: {err}"))
        })
        .await
    }

    /// GETs an endpoint and decodes its body with `decode` (whose `Err` says what is wrong
    /// with the body).
    pub async fn decoded<T>(
        &self,
        endpoint: &Endpoint,
        decode: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<T, FetchError> {
        let body = self.get(endpoint, None).await?;
        decode(&body.bytes).map_err(|what| self.error(endpoint, Problem::Format(what)))
    }

    /// GETs an SVG badge as text.
    pub async fn badge(&self, endpoint: &Endpoint) -> Result<String, FetchError> {
        let body = self.get(endpoint, None).await?;
        Ok(String::from_utf8_lossy(&body.bytes).into_owned())
    }

    /// GETs /metrics with the API key as the basic-auth password (empty user).
    pub async fn metrics(&self, api_key: &Secret) -> Result<String, FetchError> {
        let body = self.get(&Endpoint::Metrics, Some(api_key)).await?;
        String::from_utf8(body.bytes)
            .map_err(|_| self.error(&Endpoint::Metrics, Problem::Format("not UTF-8".into())))
    }

    /// GETs `endpoint`, once more after a short pause when the first attempt failed on the way
    /// (every Kuma request is an idempotent GET). The run's deadline bounds both.
    async fn get(&self, endpoint: &Endpoint, api_key: Option<&Secret>) -> Result<Body, FetchError> {
        match self.get_once(endpoint, api_key).await {
            Err(err) if err.problem.is_transient() => {
                let pause = retry_pause();
                tracing::debug!("{err}; retrying once in {} ms", pause.as_millis());
                self.inner.retried.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(pause).await;
                self.get_once(endpoint, api_key).await
            }
            answer => answer,
        }
    }

    async fn get_once(
        &self,
        endpoint: &Endpoint,
        api_key: Option<&Secret>,
    ) -> Result<Body, FetchError> {
        let number = self.inner.sent.fetch_add(1, Ordering::Relaxed);
        SENT_BY_PROCESS.fetch_add(1, Ordering::Relaxed);
        let url = self.url(endpoint, number);
        let shown = http::redact(&url);
        let fail = |problem| FetchError {
            endpoint: endpoint.clone(),
            url: shown.clone(),
            problem,
        };
        let transport = |err: reqwest::Error| {
            if err.is_timeout() {
                Problem::Timeout(self.inner.request_timeout)
            } else if err.is_redirect() {
                Problem::Redirect(http::describe_transport_error(&err))
            } else {
                Problem::Transport(http::describe_transport_error(&err))
            }
        };
        let started = Instant::now();
        let mut request = self.inner.client.get(url);
        if let Some(key) = api_key {
            request = request.basic_auth("", Some(key.expose()));
        }
        let response = request.send().await.map_err(|err| fail(transport(err)))?;
        let status = response.status();
        tracing::debug!(
            "GET {shown} -> {} in {} ms",
            status.as_u16(),
            started.elapsed().as_millis()
        );
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !status.is_success() {
            let bytes = http::read_body_capped(response, ERROR_BODY_CAP)
                .await
                .unwrap_or_default();
            let detail = error_detail(&Body {
                bytes,
                content_type,
            });
            return Err(fail(Problem::Status {
                code: status.as_u16(),
                detail,
            }));
        }
        let bytes = http::read_body_capped(response, http::MAX_BODY_BYTES)
            .await
            .map_err(|err| match err {
                BodyError::TooLarge { cap } => fail(Problem::TooLarge(cap)),
                BodyError::Transport(err) => fail(transport(err)),
            })?;
        let body = Body {
            bytes,
            content_type,
        };
        if body.is_html() {
            return Err(fail(Problem::Html));
        }
        Ok(body)
    }
}

/// Kuma's error bodies are `{"status":"fail","msg":"..."}`: quote the message; otherwise say
/// what the body was, never echo it.
fn error_detail(body: &Body) -> String {
    let msg = serde_json::from_slice::<Value>(&body.bytes)
        .ok()
        .and_then(|value| value.get("msg")?.as_str().map(str::to_owned));
    match msg {
        Some(msg) => format!("{msg:?}"),
        None if body.bytes.iter().all(u8::is_ascii_whitespace) => "(empty body)".into(),
        None if body.is_html() => "(an HTML page)".into(),
        None => format!("({} bytes of {})", body.bytes.len(), body.content_type),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::kuma::UptimeAggregate;

    fn settings(url: &str) -> KumaSettings {
        KumaSettings {
            url: reqwest::Url::parse(url).unwrap(),
            status_page: "main page".into(),
            api_key: None,
            monitor_ids: None,
            critical_ids: vec![],
            concurrency: 8,
            request_timeout: Duration::from_secs(10),
            stale_after: Duration::from_secs(1800),
            ca_cert: None,
            uptime_aggregate: UptimeAggregate::Mean,
        }
    }

    #[test]
    fn urls_keep_the_path_prefix_and_bust_caches_except_metrics() {
        let http = KumaHttp::new(
            reqwest::Client::new(),
            &settings("https://example.com/kuma"),
        );
        let buster = http.inner.cache_buster;
        assert_eq!(
            http.url(&Endpoint::StatusPage, 0).as_str(),
            format!("https://example.com/kuma/api/status-page/main%20page?_={buster}-0")
        );
        assert_eq!(
            http.url(&Endpoint::Heartbeats, 1).as_str(),
            format!("https://example.com/kuma/api/status-page/heartbeat/main%20page?_={buster}-1")
        );
        let badge = Endpoint::UptimeBadge {
            monitor: 7,
            duration: "30d",
        };
        assert_eq!(
            http.url(&badge, 12).as_str(),
            format!("https://example.com/kuma/api/badge/7/uptime/30d?_={buster}-12")
        );
        assert_eq!(
            http.url(&Endpoint::Metrics, 3).as_str(),
            "https://example.com/kuma/metrics"
        );
        let root = KumaHttp::new(reqwest::Client::new(), &settings("http://127.0.0.1:3001"));
        assert_eq!(
            root.url(&Endpoint::Metrics, 0).as_str(),
            "http://127.0.0.1:3001/metrics"
        );
    }

    #[test]
    fn errors_are_one_line_with_a_fix() {
        let http = KumaHttp::new(reqwest::Client::new(), &settings("http://127.0.0.1:3001"));
        let err = http.error(
            &Endpoint::StatusPage,
            Problem::Status {
                code: 404,
                detail: "\"Status Page Not Found\"".into(),
            },
        );
        assert_eq!(
            err.to_string(),
            "Uptime Kuma status page http://127.0.0.1:3001/api/status-page/main%20page: HTTP 404 \"Status Page Not Found\"; check KUMA_STATUS_PAGE (the slug of a published status page)"
        );
        let err = http.error(
            &Endpoint::Metrics,
            Problem::Status {
                code: 401,
                detail: "(empty body)".into(),
            },
        );
        assert!(err.to_string().ends_with("HTTP 401 (empty body); check KUMA_API_KEY (an Uptime Kuma 2.x API key, sent as the basic-auth password)"));
        let err = http.error(
            &Endpoint::StatusPage,
            Problem::Timeout(Duration::from_secs(10)),
        );
        assert!(
            err.to_string()
                .contains("no answer within 10s (KUMA_REQUEST_TIMEOUT); check KUMA_STATUS_PAGE")
        );
    }

    #[test]
    fn error_details_quote_kuma_messages_only() {
        let body = |bytes: &[u8], content_type: &str| Body {
            bytes: bytes.to_vec(),
            content_type: content_type.into(),
        };
        assert_eq!(
            error_detail(&body(
                br#"{"status":"fail","msg":"Invalid monitor ID"}"#,
                "application/json"
            )),
            "\"Invalid monitor ID\""
        );
        assert_eq!(error_detail(&body(b"", "text/html")), "(empty body)");
        assert_eq!(
            error_detail(&body(b"<!DOCTYPE html><p>secret", "")),
            "(an HTML page)"
        );
        assert_eq!(
            error_detail(&body(b"oops", "text/plain")),
            "(4 bytes of text/plain)"
        );
    }
}
