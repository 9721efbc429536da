//! A small HTTP/1.1 test server on a real socket (`127.0.0.1:0`), for the integration tests and
//! the benchmarks. It answers from a handler closure, keeps connections alive like a real
//! server, and records what it saw.
//!
//! ```ignore
//! let server = TestServer::start(|request: &Request| match request.path.as_str() {
//!     "/slow" => Reply::new(200).body("late").latency(Duration::from_millis(50)),
//!     "/hang" => Reply::never(),                  // holds the request open, never answers
//!     _ => Reply::json(404, &json!({"msg": "no"})),
//! });
//! server.url();              // "http://127.0.0.1:PORT"
//! server.requests();         // every request: method, path with query, Authorization present?,
//!                            // User-Agent, Accept-Encoding
//! server.connections();      // TCP connections accepted (connection reuse shows here)
//! server.peak_in_flight();   // most requests being answered at once (concurrency bounds)
//! ```
//!
//! - `Request` gives the handler the method, path, query, headers and body;
//!   `basic_auth_password()` decodes a basic-auth password.
//! - `Reply::new(status)` with `.header(name, value)`, `.body(bytes)` and `.latency(duration)`
//!   (a fixed delay before this response); `Reply::json`, `Reply::text` are shorthands;
//!   `body_bytes()` reads a reply's body back (to rewrite it);
//!   `Reply::never()` never answers (like Uptime Kuma 1.23 for an unknown status page).
//! - `Reply::forward(upstream)` passes the request on and answers what `upstream` answers
//!   (`s3_proxy` builds a recording proxy in front of moto on it).
//! - `refused_url()` is a URL on which nothing listens (connection refused).
//!
//! The server runs on its own thread and runtime ([`Serving`], which the conditional proxy
//! shares), so sync tests (assert_cmd) and async tests can both use it. Dropping it stops
//! accepting and closes every connection.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// A request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path without the query, e.g. `/api/badge/1/uptime/168`.
    pub path: String,
    /// The query string without `?`, if any (`Some("")` for a bare `?`).
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    /// `/path?query` as sent.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The password of a `Authorization: Basic` header.
    pub fn basic_auth_password(&self) -> Option<String> {
        let encoded = self.header("authorization")?.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        Some(text.split_once(':')?.1.to_string())
    }
}

/// What the server logged about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// `/path?query` exactly as sent.
    pub path_and_query: String,
    /// Whether an `Authorization` header was present (its value is not kept).
    pub authorized: bool,
    pub user_agent: Option<String>,
    pub accept_encoding: Option<String>,
}

impl LoggedRequest {
    pub fn path(&self) -> &str {
        self.path_and_query
            .split_once('?')
            .map_or(self.path_and_query.as_str(), |(path, _)| path)
    }

    pub fn query(&self) -> Option<&str> {
        self.path_and_query.split_once('?').map(|(_, query)| query)
    }
}

/// The handler's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
    latency: Duration,
    never: bool,
    /// Answer with what this server answers to the same request (a proxy).
    forward_to: Option<String>,
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            latency: Duration::ZERO,
            never: false,
            forward_to: None,
        }
    }

    /// The answer of `upstream` (`http://host:port`) to the same request: method, path,
    /// query, headers (but Host) and body are passed on, and its status, headers and body
    /// passed back.
    pub fn forward(upstream: &str) -> Reply {
        Reply {
            forward_to: Some(upstream.trim_end_matches('/').to_string()),
            ..Reply::new(502)
        }
    }

    /// A reply that never comes: the request stays open until the client gives up.
    pub fn never() -> Reply {
        Reply {
            never: true,
            ..Reply::new(200)
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::text(status, "application/json; charset=utf-8", value.to_string())
    }

    pub fn text(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply::new(status)
            .header("content-type", content_type)
            .body(body)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Reply {
        self.body = body.into();
        self
    }

    /// The body set so far (to rewrite a captured response, say).
    pub fn body_bytes(&self) -> &Bytes {
        &self.body
    }

    /// Wait this long before answering.
    pub fn latency(mut self, latency: Duration) -> Reply {
        self.latency = latency;
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync + 'static;

struct State {
    handler: Box<Handler>,
    log: Mutex<Vec<LoggedRequest>>,
    connections: AtomicUsize,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
}

/// What a served request is answered with.
pub type Answer = Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

/// An HTTP/1.1 server on `127.0.0.1:0`, on a thread and current-thread runtime of its own, so
/// sync tests (assert_cmd) and async tests can both use it; the test server and the
/// conditional proxy are built on it. Dropped, it stops accepting and closes every
/// connection, hung ones included.
pub struct Serving {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Serving {
    /// Calls `connected` for each accepted connection and `answer` for each request.
    pub fn start(
        connected: impl Fn() + Send + 'static,
        answer: impl Fn(hyper::Request<Incoming>) -> Answer + Send + Sync + 'static,
    ) -> Serving {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let answer = Arc::new(answer);
        let (shutdown, mut stop) = oneshot::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test server runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                loop {
                    tokio::select! {
                        _ = &mut stop => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            connected();
                            let answer = answer.clone();
                            tokio::spawn(async move {
                                let service = service_fn(move |request| answer(request));
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                    }
                }
            });
            // Dropping the runtime here closes every open connection, hung ones included.
        });
        Serving {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A running server; dropped, it stops.
pub struct TestServer {
    serving: Serving,
    state: Arc<State>,
}

impl TestServer {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> TestServer {
        let state = Arc::new(State {
            handler: Box::new(handler),
            log: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
        });
        let (counted, answering) = (state.clone(), state.clone());
        let serving = Serving::start(
            move || {
                counted.connections.fetch_add(1, Ordering::SeqCst);
            },
            move |request| Box::pin(answer(answering.clone(), request)),
        );
        TestServer { serving, state }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.serving.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.serving.addr
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state.log.lock().unwrap().clone()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// The most requests that were being answered at the same time.
    pub fn peak_in_flight(&self) -> usize {
        self.state.peak_in_flight.load(Ordering::SeqCst)
    }
}

/// Decrements the in-flight count when an answer is done (or abandoned).
struct InFlight(Arc<State>);

impl InFlight {
    fn enter(state: Arc<State>) -> InFlight {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(state)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn answer(
    state: Arc<State>,
    request: hyper::Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let in_flight = InFlight::enter(state.clone());
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let request = Request {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
    };
    state.log.lock().unwrap().push(LoggedRequest {
        method: request.method.clone(),
        path_and_query: request.path_and_query(),
        authorized: request.headers.contains_key("authorization"),
        user_agent: request.header("user-agent").map(str::to_string),
        accept_encoding: request.header("accept-encoding").map(str::to_string),
    });
    let mut reply = (state.handler)(&request);
    if reply.never {
        std::future::pending::<()>().await;
    }
    if let Some(upstream) = reply.forward_to.take() {
        reply = forwarded(&request, &upstream).await;
    }
    if !reply.latency.is_zero() {
        tokio::time::sleep(reply.latency).await;
    }
    let mut response = Response::new(Full::new(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).expect("valid status code");
    for (name, value) in &reply.headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
            HeaderValue::from_str(value).expect("valid header value"),
        );
    }
    drop(in_flight);
    Ok(response)
}

/// `upstream`'s answer to `request`, as a Reply. Headers that describe this hop's framing are
/// left to each side's HTTP stack; Content-Length is kept (a HEAD answer has no body to
/// count, but its length is what the client reads).
async fn forwarded(request: &Request, upstream: &str) -> Reply {
    let client = reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("forwarding client");
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("a valid method");
    let mut headers = request.headers.clone();
    for hop in [
        "host",
        "content-length",
        "connection",
        "transfer-encoding",
        "expect",
    ] {
        headers.remove(hop);
    }
    let response = client
        .request(method, format!("{upstream}{}", request.path_and_query()))
        .headers(headers)
        .body(request.body.clone())
        .send()
        .await
        .unwrap_or_else(|err| panic!("forwarding to {upstream}: {err}"));
    let mut reply = Reply::new(response.status().as_u16());
    for (name, value) in response.headers() {
        if !["connection", "transfer-encoding"].contains(&name.as_str()) {
            reply = reply.header(name.as_str(), value.to_str().expect("an ASCII header"));
        }
    }
    reply.body(response.bytes().await.expect("the upstream body"))
}

/// A URL on 127.0.0.1 where nothing listens: connecting is refused.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}
