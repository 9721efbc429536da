//! The fake Uptime Kuma: the synthetic 2.5.3 bodies for N monitors, rendered once, routed
//! like Kuma routes them, served by the kuma tests' server (`tests/support/http_server.rs`)
//! with a fixed latency on every response.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;

use crate::critical_path::Exchange;
use crate::http_server::{Reply, Request, TestServer};
use crate::synthetic_kuma::{self, BadgeWindow};

pub const SLUG: &str = "main";

/// What Kuma answers one request with.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
}

pub struct FakeKuma {
    status_page: Bytes,
    heartbeats: Bytes,
    metrics: Bytes,
    /// Basic credentials /metrics accepts: empty user, the API key as password.
    metrics_authorization: String,
    badges_168h: Vec<Bytes>,
    badges_30d: Vec<Bytes>,
}

const JSON: &str = "application/json; charset=utf-8";
const SVG: &str = "image/svg+xml; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

impl FakeKuma {
    pub fn new(monitors: u64, api_key: &str, now: chrono::DateTime<chrono::Utc>) -> FakeKuma {
        let badges = |window| {
            (1..=monitors)
                .map(|id| Bytes::from(synthetic_kuma::uptime_badge(id, window)))
                .collect()
        };
        FakeKuma {
            status_page: synthetic_kuma::status_page(monitors).into(),
            heartbeats: synthetic_kuma::heartbeats(
                monitors,
                synthetic_kuma::BEATS_PER_MONITOR,
                now,
            )
            .into(),
            metrics: synthetic_kuma::metrics(monitors).into(),
            metrics_authorization: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!(":{api_key}"))
            ),
            badges_168h: badges(BadgeWindow::Hours168),
            badges_30d: badges(BadgeWindow::Days30),
        }
    }

    /// Kuma's answer to `GET path_and_query`. Anything the real client should never ask for
    /// is a 404, which the harness reports.
    pub fn answer(&self, path_and_query: &str, authorization: Option<&str>) -> Answer {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        if path == "/metrics" {
            let authorised = authorization == Some(self.metrics_authorization.as_str());
            return match (authorised, query) {
                (false, _) => Answer {
                    status: 401,
                    content_type: HTML,
                    body: Bytes::new(),
                },
                (true, None) => ok("text/plain; version=0.0.4; charset=utf-8", &self.metrics),
                // Kuma's metrics route matches the whole URL: with a query it serves the SPA.
                (true, Some(_)) => ok(
                    HTML,
                    &Bytes::from_static(synthetic_kuma::SPA_PAGE.as_bytes()),
                ),
            };
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["api", "status-page", slug] if *slug == SLUG => ok(JSON, &self.status_page),
            ["api", "status-page", "heartbeat", slug] if *slug == SLUG => {
                ok(JSON, &self.heartbeats)
            }
            ["api", "badge", id, "uptime", window] => {
                let badges = match *window {
                    "168" => &self.badges_168h,
                    "30d" => &self.badges_30d,
                    _ => return not_found(),
                };
                match id.parse::<usize>() {
                    Ok(id) if (1..=badges.len()).contains(&id) => ok(SVG, &badges[id - 1]),
                    Ok(_) => ok(
                        SVG,
                        &Bytes::from_static(synthetic_kuma::BADGE_NOT_AVAILABLE.as_bytes()),
                    ),
                    Err(_) => Answer {
                        status: 403,
                        content_type: JSON,
                        body: Bytes::from_static(
                            br#"{"status":"fail","msg":"Invalid monitor ID"}"#,
                        ),
                    },
                }
            }
            _ => not_found(),
        }
    }
}

fn ok(content_type: &'static str, body: &Bytes) -> Answer {
    Answer {
        status: 200,
        content_type,
        body: body.clone(),
    }
}

fn not_found() -> Answer {
    Answer {
        status: 404,
        content_type: JSON,
        body: Bytes::from_static(br#"{"status":"fail","msg":"Not Found"}"#),
    }
}

/// What the fake Kuma saw during one run.
pub struct KumaTraffic {
    /// Each request from its arrival to the end of its fixed latency, when the answer goes out.
    pub exchanges: Vec<Exchange>,
    pub connections: usize,
    /// Requests answered with a 4xx: the client asked for something it should not.
    pub refused: usize,
    /// The most requests being answered at once.
    pub peak_in_flight: usize,
}

/// A fake Kuma listening on 127.0.0.1, answering every request after `latency`.
pub struct KumaServer {
    server: TestServer,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    refused: Arc<Mutex<usize>>,
}

impl KumaServer {
    pub fn start(kuma: Arc<FakeKuma>, latency: Duration) -> KumaServer {
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(0));
        let (log, refusals) = (Arc::clone(&exchanges), Arc::clone(&refused));
        let server = TestServer::start(move |request: &Request| {
            // The server calls the handler as a request arrives and answers `latency` later.
            let started = Instant::now();
            log.lock().unwrap().push(Exchange {
                started,
                finished: started + latency,
            });
            let answer = kuma.answer(&request.path_and_query(), request.header("authorization"));
            if answer.status >= 400 {
                *refusals.lock().unwrap() += 1;
            }
            Reply::text(answer.status, answer.content_type, answer.body).latency(latency)
        });
        KumaServer {
            server,
            exchanges,
            refused,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Everything seen so far.
    pub fn traffic(&self) -> KumaTraffic {
        KumaTraffic {
            exchanges: self.exchanges.lock().unwrap().clone(),
            connections: self.server.connections(),
            refused: *self.refused.lock().unwrap(),
            peak_in_flight: self.server.peak_in_flight(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn kuma() -> FakeKuma {
        FakeKuma::new(3, "uk1_secret", Utc::now())
    }

    #[test]
    fn routes_like_kuma() {
        let kuma = kuma();
        assert_eq!(kuma.answer("/api/status-page/main?_=1", None).status, 200);
        assert_eq!(
            kuma.answer("/api/status-page/heartbeat/main?_=1", None)
                .status,
            200
        );
        let badge = kuma.answer("/api/badge/2/uptime/168?_=1", None);
        assert_eq!((badge.status, badge.content_type), (200, SVG));
        assert!(String::from_utf8_lossy(&badge.body).contains("Uptime (168h)"));
        let not_public = kuma.answer("/api/badge/4/uptime/30d", None);
        assert!(String::from_utf8_lossy(&not_public.body).contains("N/A"));
        assert_eq!(kuma.answer("/api/badge/2/uptime/720", None).status, 404);
        assert_eq!(kuma.answer("/api/badge/x/uptime/168", None).status, 403);
    }

    #[test]
    fn metrics_need_the_key_and_no_query() {
        let kuma = kuma();
        // base64(":uk1_secret")
        let auth = "Basic OnVrMV9zZWNyZXQ=";
        assert_eq!(kuma.answer("/metrics", Some(auth)).status, 200);
        assert_eq!(kuma.answer("/metrics", None).status, 401);
        assert_eq!(kuma.answer("/metrics?_=1", Some(auth)).content_type, HTML);
        assert_eq!(kuma.answer("/metrics", Some("Basic Og==")).status, 401);
    }
}
