//! An Uptime Kuma made of the captured responses in `tests/fixtures/uptime-kuma/<version>/`,
//! served over a real socket by `http_server::TestServer`, plus the dashboard truth captured
//! with them.
//!
//! ```ignore
//! let server = KumaFixture::new(KumaVersion::V2_5_3).start();    // as captured
//! let server = KumaFixture::new(KumaVersion::V1_23)
//!     .with_beats_shifted_to_now()                                // for the real binary's clock
//!     .with_year_badges()                                         // `365d` badges (2.x)
//!     .with_reply("/api/badge/3/uptime/168", Reply::new(503))     // one response replaced
//!     .with_handler(|request| None)                               // or any request, first say
//!     .with_path_prefix("/uptime")                                // behind a reverse proxy
//!     .start();
//! let truth = DashboardTruth::load(KumaVersion::V2_5_3);          // what the dashboard showed
//! ```
//!
//! Routing follows the MANIFEST's Files table (`_responses.json` is that table in JSON: path,
//! file, status and content type of every capture):
//! - a captured path (query ignored) answers its file with its status and content type;
//! - `/metrics` checks the API key as the basic-auth password: no query string, `metrics.txt`;
//!   with a query string the web app page (Kuma's pitfall); no or a wrong key, 401 empty body;
//! - `/api/status-page/<unknown slug>`: 2.x 404 JSON; 1.23 never answers (as captured);
//! - `/api/status-page/heartbeat/<unknown slug>`: 200 with empty lists;
//! - `/api/badge/<unknown id>/...`: the grey N/A badge of monitor 999;
//! - `/api/push/<unknown token>`: 404 JSON;
//! - anything else: Kuma's catch-all, the web app page (200 text/html) — so a client that asks
//!   1.23 for `uptime/30d` or 2.x for a path never captured gets HTML, not a plausible number.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::http_server::{Reply, Request, TestServer};

pub use super::dashboard_truth::{DashboardTruth, TruthMonitor, four_significant_digits};

/// A captured server version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KumaVersion {
    V2_5_3,
    V1_23,
}

impl KumaVersion {
    pub const ALL: [KumaVersion; 2] = [KumaVersion::V2_5_3, KumaVersion::V1_23];

    pub fn dir(self) -> PathBuf {
        fixtures_root().join(match self {
            KumaVersion::V2_5_3 => "2.5.3",
            KumaVersion::V1_23 => "1.23.x",
        })
    }

    /// The API key the capture created (MANIFEST "Server setup"; a throwaway loopback key).
    pub fn api_key(self) -> &'static str {
        match self {
            KumaVersion::V2_5_3 => "uk1_tOLMJoJAnlQNYpdTbAbD0yB6tJ2jbCrlfdd5xAVn",
            KumaVersion::V1_23 => "uk1_t21AyqdEsZWVurYUdZGHQfncS6Ri05kvuIKACGos",
        }
    }

    pub fn is_v2(self) -> bool {
        self == KumaVersion::V2_5_3
    }

    /// `2.x` or `1.x`, as `KumaReport::kuma_version` says it.
    pub fn label(self) -> &'static str {
        if self.is_v2() { "2.x" } else { "1.x" }
    }
}

/// `$CARGO_MANIFEST_DIR/tests/fixtures/uptime-kuma`: the captures the tests use, kept in the repository.
pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uptime-kuma")
}

/// One captured response.
#[derive(Debug, Clone)]
struct Captured {
    file: String,
    status: u16,
    content_type: String,
}

type Override = dyn Fn(&Request) -> Option<Reply> + Send + Sync + 'static;

/// A fixture server being set up.
pub struct KumaFixture {
    version: KumaVersion,
    overrides: Vec<Box<Override>>,
    /// How long before the request the capture seems to have been made, when beats are moved.
    beats_age: Option<Duration>,
    latency: Duration,
    path_prefix: String,
}

impl KumaFixture {
    pub fn new(version: KumaVersion) -> KumaFixture {
        KumaFixture {
            version,
            overrides: Vec::new(),
            beats_age: None,
            latency: Duration::ZERO,
            path_prefix: String::new(),
        }
    }

    pub fn version(&self) -> KumaVersion {
        self.version
    }

    /// Answers `path` (without query) with `reply` instead of the captured response.
    pub fn with_reply(self, path: &str, reply: Reply) -> KumaFixture {
        let path = path.to_string();
        self.with_handler(move |request| (request.path == path).then(|| reply.clone()))
    }

    /// Asks `handler` first for every request; `None` falls through to the captures.
    pub fn with_handler(
        mut self,
        handler: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static,
    ) -> KumaFixture {
        self.overrides.push(Box::new(handler));
        self
    }

    /// Serves heartbeat lists with every `time` moved by (now - capture time), at each request,
    /// so the real binary (wall clock) sees the beats as fresh as the capture saw them.
    pub fn with_beats_shifted_to_now(self) -> KumaFixture {
        self.with_beats_aged(Duration::ZERO)
    }

    /// Serves heartbeat lists as if the capture was made `age` before each request (every beat
    /// `age` older than with `with_beats_shifted_to_now`): a Kuma whose monitors stopped.
    pub fn with_beats_aged(mut self, age: Duration) -> KumaFixture {
        self.beats_age = Some(age);
        self
    }

    /// Answers `/api/badge/<id>/uptime/365d` for every monitor the dashboard gave a 1-year value
    /// (2.x). A live 2.5.3 serves that badge as it serves `30d` (issue 9 measured 99.48 against
    /// the dashboard's 99.4841), but the capture holds none; so each is the monitor's captured
    /// `30d` badge carrying the dashboard's 1-year value at a badge's four significant digits
    /// ([`year_badge_percent`]).
    pub fn with_year_badges(self) -> KumaFixture {
        let version = self.version;
        let badges: HashMap<String, Vec<u8>> = DashboardTruth::load(version)
            .monitors()
            .iter()
            .filter_map(|monitor| {
                let year = year_badge_percent(monitor)?;
                let file = format!("badge_{}_uptime_30d.svg", monitor.id);
                let svg = String::from_utf8(read_fixture(version, &file)).unwrap();
                let title = svg.split("<title>Uptime (30h): ").nth(1)?;
                let thirty = &title[..title.find("%</title>")?];
                let svg = svg
                    .replace(&format!("{thirty}%"), &format!("{year}%"))
                    .replace("(30h)", "(365h)");
                let path = format!("/api/badge/{}/uptime/365d", monitor.id);
                Some((path, svg.into_bytes()))
            })
            .collect();
        self.with_handler(move |request| {
            let svg = badges.get(&request.path)?;
            Some(Reply::text(
                200,
                "image/svg+xml; charset=utf-8",
                svg.clone(),
            ))
        })
    }

    /// Delays every captured response (not overrides) by `latency`.
    pub fn with_latency(mut self, latency: Duration) -> KumaFixture {
        self.latency = latency;
        self
    }

    /// Serves Kuma under `prefix` (e.g. `/uptime`), as behind a reverse proxy; other paths 404.
    pub fn with_path_prefix(mut self, prefix: &str) -> KumaFixture {
        self.path_prefix = prefix.trim_end_matches('/').to_string();
        self
    }

    /// The bytes of a fixture file of this version.
    pub fn file(&self, name: &str) -> Vec<u8> {
        read_fixture(self.version, name)
    }

    /// A fixture file of this version as JSON.
    pub fn json(&self, name: &str) -> Value {
        serde_json::from_slice(&self.file(name)).unwrap_or_else(|err| panic!("{name}: {err}"))
    }

    pub fn start(self) -> TestServer {
        let captures = Arc::new(Captures::load(self.version));
        let captured_at = DashboardTruth::load(self.version).captured_at();
        let KumaFixture {
            version,
            overrides,
            beats_age,
            latency,
            path_prefix,
        } = self;
        TestServer::start(move |request| {
            let Some(path) = request.path.strip_prefix(path_prefix.as_str()) else {
                return Reply::new(404);
            };
            let request = &Request {
                path: path.to_string(),
                ..request.clone()
            };
            if let Some(reply) = overrides.iter().find_map(|handler| handler(request)) {
                return reply;
            }
            let reply = captures.answer(version, request);
            let reply = match beats_age {
                Some(age) if request.path.starts_with("/api/status-page/heartbeat/") => {
                    shift_beat_times(reply, captured_at, age)
                }
                _ => reply,
            };
            reply.latency(latency)
        })
    }
}

pub(super) fn read_fixture(version: KumaVersion, name: &str) -> Vec<u8> {
    let path = version.dir().join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// The captured responses of one version, by path.
struct Captures {
    by_path: HashMap<String, Captured>,
    files: HashMap<String, Vec<u8>>,
}

impl Captures {
    fn load(version: KumaVersion) -> Captures {
        let table: Value = serde_json::from_slice(&read_fixture(version, "_responses.json"))
            .expect("_responses.json");
        let mut by_path = HashMap::new();
        let mut files = HashMap::new();
        for entry in table.as_array().expect("_responses.json is a list") {
            let (Some(file), Some(path), Some(status)) = (
                entry["file"].as_str(),
                entry["path"].as_str(),
                entry["status"].as_u64(),
            ) else {
                continue; // no response was captured (1.23's unknown slug)
            };
            files.insert(file.to_string(), read_fixture(version, file));
            // /metrics is answered by the key check, not by path.
            if path.starts_with("/metrics") {
                continue;
            }
            let path = path.split_once('?').map_or(path, |(path, _)| path);
            by_path.insert(
                path.to_string(),
                Captured {
                    file: file.to_string(),
                    status: status as u16,
                    content_type: entry["content_type"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                },
            );
        }
        Captures { by_path, files }
    }

    fn reply(&self, captured: &Captured) -> Reply {
        Reply::text(
            captured.status,
            &captured.content_type,
            self.files[&captured.file].clone(),
        )
        .header("cache-control", "no-cache")
    }

    fn file_reply(&self, status: u16, content_type: &str, file: &str) -> Reply {
        Reply::text(status, content_type, self.files[file].clone())
    }

    /// The web app page Kuma's catch-all route serves.
    fn web_app(&self) -> Reply {
        self.file_reply(
            200,
            "text/html; charset=utf-8",
            "metrics_cachebust-param.html",
        )
    }

    fn answer(&self, version: KumaVersion, request: &Request) -> Reply {
        let path = request.path.as_str();
        if path == "/metrics" {
            let authorized = request.basic_auth_password().as_deref() == Some(version.api_key());
            return match (authorized, &request.query) {
                (false, _) => Reply::new(401)
                    .header("www-authenticate", "Basic")
                    .header("content-type", "text/html; charset=utf-8"),
                (true, Some(_)) => self.web_app(),
                (true, None) => self.file_reply(
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    "metrics.txt",
                ),
            };
        }
        if let Some(captured) = self.by_path.get(path) {
            return self.reply(captured);
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["api", "status-page", "heartbeat", _] => {
                self.reply(&self.by_path["/api/status-page/heartbeat/nonexistent"])
            }
            ["api", "status-page", _] => match version {
                KumaVersion::V2_5_3 => self.reply(&self.by_path["/api/status-page/nonexistent"]),
                KumaVersion::V1_23 => Reply::never(),
            },
            ["api", "badge", id, rest @ ..] if id.parse::<u64>().is_ok() => {
                let unknown = format!("/api/badge/999/{}", rest.join("/"));
                self.by_path
                    .get(&unknown)
                    .map_or_else(|| self.web_app(), |captured| self.reply(captured))
            }
            ["api", "push", _] => {
                self.file_reply(404, "application/json; charset=utf-8", "push_badtoken.json")
            }
            _ => self.web_app(),
        }
    }
}

/// `reply` (a heartbeat list) with every beat's `time` moved by (now - age - captured_at).
fn shift_beat_times(reply: Reply, captured_at: DateTime<Utc>, age: Duration) -> Reply {
    let shift = Utc::now() - chrono::Duration::from_std(age).unwrap() - captured_at;
    let Ok(mut value) = serde_json::from_slice::<Value>(reply.body_bytes()) else {
        return reply;
    };
    if let Some(lists) = value["heartbeatList"].as_object_mut() {
        for beat in lists.values_mut().filter_map(Value::as_array_mut).flatten() {
            let Some(time) = beat["time"].as_str() else {
                continue;
            };
            let parsed = chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S%.f")
                .expect("fixture beat time")
                .and_utc();
            beat["time"] =
                Value::from((parsed + shift).format("%Y-%m-%d %H:%M:%S%.3f").to_string());
        }
    }
    reply.body(value.to_string())
}

/// The 1-year value of a `365d` badge of [`KumaFixture::with_year_badges`]: the dashboard's
/// 1-year ratio as a badge prints it; `None` where the dashboard shows none (1.23).
pub fn year_badge_percent(monitor: &TruthMonitor) -> Option<String> {
    let year = monitor.ui_uptime.get("1y")?;
    Some(four_significant_digits(year * 100.0))
}
