//! The dead-man's switch: each publishing run ends with a GET to an Uptime Kuma push monitor
//! (`KUMA_PUSH_URL`), `status=up` when it published and `status=down` with a short reason when
//! it failed, so Kuma alerts when the job fails or stops running at all.
//!
//! The push URL is a secret (its token is in the path): it is held in [`PushUrl`], whose Debug
//! shows only scheme and host, and errors are stripped of the URL before they are logged.

use std::fmt;
use std::time::Duration;

use crate::config::EnvSource;
use crate::run::deadline::Deadline;

/// Kuma stores the message with the heartbeat; a short one is enough to say what failed.
const MAX_MESSAGE_CHARS: usize = 200;

#[derive(Clone, PartialEq, Eq)]
pub struct PushUrl(reqwest::Url);

impl PushUrl {
    /// `KUMA_PUSH_URL`, when set; an invalid one is recorded in `env`.
    pub fn from_env(env: &EnvSource) -> Option<PushUrl> {
        let raw = env.secret("KUMA_PUSH_URL")?;
        let url = reqwest::Url::parse(raw.expose())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some());
        if url.is_none() {
            env.refuse_setting(
                "KUMA_PUSH_URL",
                "KUMA_PUSH_URL: not an http(s) URL (value not shown: it holds the push token); copy the Push URL of a Kuma push monitor, e.g. https://kuma.example.com/api/push/<token>",
            );
        }
        url.map(PushUrl)
    }

    /// Scheme, host and port only: what may appear in a log line.
    pub fn shown(&self) -> String {
        self.0.origin().ascii_serialization()
    }

    /// The URL to GET for this result. Kuma's own "Push URL" already carries
    /// `?status=up&msg=OK&ping=`; that query is replaced.
    fn for_result(&self, result: &PushResult, run_time: Duration) -> reqwest::Url {
        let mut url = self.0.clone();
        url.set_query(None);
        let (status, message) = match result {
            PushResult::Published => ("up", "OK".to_string()),
            PushResult::Degraded(reasons) => (
                "down",
                format!("degraded: {reasons}")
                    .chars()
                    .take(MAX_MESSAGE_CHARS)
                    .collect(),
            ),
            PushResult::Failed(reason) => {
                ("down", reason.chars().take(MAX_MESSAGE_CHARS).collect())
            }
        };
        url.query_pairs_mut()
            .append_pair("status", status)
            .append_pair("msg", &message)
            .append_pair("ping", &run_time.as_millis().to_string());
        url
    }
}

/// Debug shows only scheme and host, so `{:?}` of the settings cannot leak the token.
impl fmt::Debug for PushUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PushUrl({}/***)", self.shown())
    }
}

/// How the run ended, as the push monitor hears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushResult {
    /// Published, and every source was read: exit 0.
    Published,
    /// Published, but the page shows less than it should (exit 3); the reasons, joined.
    Degraded(String),
    /// Nothing was published; a short reason (the run's one-line error).
    Failed(String),
}

/// Sends the result to the push monitor before `deadline`. A failed ping is a warning only:
/// the run's own result stands.
pub async fn ping(
    client: &reqwest::Client,
    url: &PushUrl,
    result: &PushResult,
    run_time: Duration,
    deadline: Deadline,
) {
    let shown = url.shown();
    let request = client.get(url.for_result(result, run_time)).send();
    let outcome = match deadline.run("the push ping", request).await {
        Err(overrun) => Err(overrun.to_string()),
        // Never reqwest's own text: it carries the URL, and so the token.
        Ok(Err(err)) => Err(crate::http::describe_transport_error(&err)),
        Ok(Ok(response)) => judge_answer(response).await,
    };
    match outcome {
        Ok(()) => tracing::debug!("push monitor at {shown} notified ({result:?})"),
        Err(reason) => tracing::warn!(
            "push monitor at {shown} not notified: {reason}; check KUMA_PUSH_URL (the Push URL of an active Kuma push monitor)"
        ),
    }
}

/// Kuma answers 200 `{"ok":true}`, or e.g. 404 `{"ok":false,"msg":"Monitor not found or not active."}`.
async fn judge_answer(response: reqwest::Response) -> Result<(), String> {
    let status = response.status();
    let body = crate::http::read_body_capped(response, 64 * 1024)
        .await
        .unwrap_or_default();
    let answer: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let ok = answer.as_ref().and_then(|a| a["ok"].as_bool());
    if status.is_success() && ok == Some(true) {
        return Ok(());
    }
    let message = answer
        .as_ref()
        .and_then(|a| a["msg"].as_str())
        .map(|msg| format!(": {msg}"))
        .unwrap_or_default();
    Err(format!("HTTP {status}{message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_url(raw: &str) -> PushUrl {
        PushUrl::from_env(&EnvSource::from_pairs(&[("KUMA_PUSH_URL", raw)])).unwrap()
    }

    #[test]
    fn kumas_own_query_is_replaced_by_the_result() {
        let url = push_url("https://kuma.example.com/api/push/Tok3n?status=up&msg=OK&ping=");
        assert_eq!(
            url.for_result(&PushResult::Published, Duration::from_millis(1234))
                .as_str(),
            "https://kuma.example.com/api/push/Tok3n?status=up&msg=OK&ping=1234"
        );
        let failed = PushResult::Failed(format!("upload failed: {}", "x".repeat(300)));
        let down = url.for_result(&failed, Duration::from_millis(5));
        let pairs: Vec<(String, String)> = down.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("status".into(), "down".into()));
        assert_eq!(pairs[1].1.chars().count(), MAX_MESSAGE_CHARS);
        assert!(pairs[1].1.starts_with("upload failed: xxx"));
        assert_eq!(pairs[2], ("ping".into(), "5".into()));
        let degraded = PushResult::Degraded("Uptime Kuma: HTTP 500".into());
        let pairs: Vec<(String, String)> = url
            .for_result(&degraded, Duration::from_millis(5))
            .query_pairs()
            .into_owned()
            .collect();
        assert_eq!(pairs[0], ("status".into(), "down".into()));
        assert_eq!(pairs[1].1, "degraded: Uptime Kuma: HTTP 500");
    }

    #[test]
    fn the_token_never_prints() {
        let url = push_url("https://kuma.example.com:8443/api/push/Tok3n?status=up");
        assert_eq!(url.shown(), "https://kuma.example.com:8443");
        assert!(!format!("{url:?}").contains("Tok3n"));
        let env = EnvSource::from_pairs(&[("KUMA_PUSH_URL", "Tok3n")]);
        assert_eq!(PushUrl::from_env(&env), None);
        let err = env.finish().unwrap_err().remove(0);
        assert!(!err.to_string().contains("Tok3n"), "{err}");
        assert!(err.to_string().starts_with("KUMA_PUSH_URL: "));
    }
}
