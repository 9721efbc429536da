//! An HTTP proxy in front of moto for the publishing tests, playing the S3 endpoints moto is
//! not: one that holds PutObject back (a slow run), one that ignores the conditional headers
//! (it strips them), one that refuses them (501 Not Implemented), one that fails PutObject
//! with 503 a few times (retries).
//!
//! ```ignore
//! let proxy = S3Proxy::holding_puts(moto.endpoint(), Conditional::Forward);
//! env.push(("SPACES_ENDPOINT", proxy.url()));   // the binary under test goes through it
//! proxy.wait_until_held(1);                      // its PutObject has arrived and waits
//! proxy.release();                               // ... and goes on to moto
//! proxy.requests();                              // method, path, conditional headers, status
//! ```
//!
//! Requests are forwarded as they came (moto checks no signature), one at a time per
//! connection, on a thread and runtime of the proxy's own (`http_server::Serving`), so sync
//! tests can use it.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use tokio::sync::watch;

use super::http_server::Serving;

/// What the endpoint does with `If-Match` and `If-None-Match` on PutObject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conditional {
    /// Passes them to moto, which honours them.
    Forward,
    /// Drops them: an endpoint that ignores conditional writes.
    Strip,
    /// Answers 501 NotImplemented: an endpoint that rejects them.
    Refuse,
}

/// One request as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxiedRequest {
    pub method: String,
    pub path: String,
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    /// The status the client got.
    pub status: u16,
}

struct State {
    upstream: String,
    conditional: Conditional,
    hold_puts: bool,
    /// PutObject requests answered 503 before the others go through.
    failing_puts: AtomicUsize,
    released: watch::Sender<bool>,
    held: AtomicUsize,
    log: Mutex<Vec<ProxiedRequest>>,
    client: reqwest::Client,
}

pub struct S3Proxy {
    serving: Serving,
    state: Arc<State>,
}

impl S3Proxy {
    /// A proxy to `upstream` (`http://127.0.0.1:PORT`) that lets every request through.
    pub fn start(upstream: &str, conditional: Conditional) -> S3Proxy {
        S3Proxy::with(upstream, conditional, false, 0)
    }

    /// A proxy that holds every PutObject until [`S3Proxy::release`].
    pub fn holding_puts(upstream: &str, conditional: Conditional) -> S3Proxy {
        S3Proxy::with(upstream, conditional, true, 0)
    }

    /// A proxy that answers the first `count` PutObject requests 503 SlowDown.
    pub fn failing_puts(upstream: &str, count: usize) -> S3Proxy {
        S3Proxy::with(upstream, Conditional::Forward, false, count)
    }

    fn with(upstream: &str, conditional: Conditional, hold_puts: bool, failing: usize) -> S3Proxy {
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_string(),
            conditional,
            hold_puts,
            failing_puts: AtomicUsize::new(failing),
            released: watch::channel(false).0,
            held: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            client: reqwest::Client::builder()
                .no_gzip()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("forwarding client"),
        });
        let forwarding = state.clone();
        let serving = Serving::start(
            || {},
            move |request| Box::pin(forward(forwarding.clone(), request)),
        );
        S3Proxy { serving, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.serving.addr())
    }

    /// Waits (up to 60 s: the binary under test may be slow to start on a busy machine) until
    /// `count` PutObject requests are held.
    pub fn wait_until_held(&self, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.state.held.load(Ordering::SeqCst) < count {
            assert!(
                Instant::now() < deadline,
                "no PutObject reached the proxy within 60 s: {:?}",
                self.requests()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Lets the held PutObject requests (and any later ones) go on.
    pub fn release(&self) {
        self.state.released.send_replace(true);
    }

    /// Every request answered so far, in the order the answers went out.
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        self.state.log.lock().unwrap().clone()
    }
}

impl Drop for S3Proxy {
    fn drop(&mut self) {
        // Held requests would keep the runtime's connections open: let them finish before
        // `serving` stops.
        self.release();
    }
}

const CONDITIONAL_HEADERS: [&str; 2] = ["if-match", "if-none-match"];
/// Hop-by-hop headers, and the ones the forwarding client sets itself.
const NOT_FORWARDED: [&str; 5] = [
    "host",
    "connection",
    "transfer-encoding",
    "content-length",
    "expect",
];

async fn forward(
    state: Arc<State>,
    request: hyper::Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let is_put = parts.method == hyper::Method::PUT;
    let conditional = CONDITIONAL_HEADERS.iter().any(|h| header(h).is_some());
    if is_put && state.hold_puts {
        state.held.fetch_add(1, Ordering::SeqCst);
        let mut released = state.released.subscribe();
        let _ = released.wait_for(|released| *released).await;
    }
    let reply = if is_put
        && state
            .failing_puts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        error_reply(503, "SlowDown", "Please reduce your request rate.")
    } else if is_put && conditional && state.conditional == Conditional::Refuse {
        error_reply(
            501,
            "NotImplemented",
            "A header you provided implies functionality that is not implemented.",
        )
    } else {
        let strip = state.conditional == Conditional::Strip;
        pass_on(&state, &parts, body, strip).await
    };
    state.log.lock().unwrap().push(ProxiedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        if_match: header("if-match"),
        if_none_match: header("if-none-match"),
        status: reply.status().as_u16(),
    });
    Ok(reply)
}

/// Sends the request on to moto and its answer back, headers and all (a HEAD's Content-Length
/// included: it is the object's size).
async fn pass_on(
    state: &State,
    parts: &hyper::http::request::Parts,
    body: Bytes,
    strip_conditions: bool,
) -> Response<Full<Bytes>> {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
    let mut request = state
        .client
        .request(method, format!("{}{path}", state.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        let name = name.as_str();
        if NOT_FORWARDED.contains(&name)
            || (strip_conditions && CONDITIONAL_HEADERS.contains(&name))
        {
            continue;
        }
        request = request.header(name, value.as_bytes());
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(err) => return error_reply(502, "BadGateway", &err.to_string()),
    };
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    let mut response = Response::new(Full::new(bytes));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    for (name, value) in &headers {
        if name == "connection" || name == "transfer-encoding" {
            continue;
        }
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    response
}

/// An S3 error answer.
fn error_reply(status: u16, code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}
