//! The HTTP client under the S3 client: hyper 1 over rustls (aws-lc, the system's roots), as
//! the SDK's default client is, with two changes that keep the parallel backup listing's
//! memory flat (docs/benchmarks.md has the figures):
//!
//! - Each connection's read buffer is capped at [`READ_BUFFER_LIMIT`]. hyper grows it to fit
//!   what one read returned, up to about 400 KiB, and keeps it for the life of the connection;
//!   a list page of 1,000 keys is about 250 KB, so each of the listing's connections (one per
//!   request in flight) held one of that size (massif showed them as most of the heap at the
//!   peak). The SDK's client does not expose hyper's builder. Response headers must fit in the
//!   cap (S3's are about 1 KiB).
//! - Responses are received and decoded one at a time ([`Sender::receiving`]).
//!
//! Proxies are read from the environment as the SDK's client reads them (`HTTPS_PROXY`,
//! `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, in either case); every proxied connection is an
//! HTTP CONNECT tunnel, with the proxy URL's user and password as Basic credentials.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use http::Uri;
use hyper_rustls::{HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_service::Service;

type BoxError = Box<dyn StdError + Send + Sync>;

/// The most one connection buffers per read: the most one TLS record carries.
const READ_BUFFER_LIMIT: usize = 16 * 1024;

/// How long an answer waits for its turn before it is received anyway: one that stalls mid-way
/// must not hold up every other request for the SDK's attempt timeout.
const TURN_WAIT: Duration = Duration::from_secs(1);

/// The client handed to the SDK. One pool of connections for every request of the run.
pub struct CappedClient {
    connector: SharedHttpConnector,
}

impl CappedClient {
    /// `connect_timeout` bounds connecting: TCP, the proxy's CONNECT and the TLS handshake.
    pub fn new(connect_timeout: Duration) -> CappedClient {
        let connect = Connect {
            tcp: tcp_connector(),
            tls: Arc::new(OnceLock::new()),
            proxies: Arc::new(Matcher::from_env()),
            timeout: connect_timeout,
        };
        let mut builder = HyperClient::builder(TokioExecutor::new());
        builder
            .pool_timer(TokioTimer::new())
            .http1_max_buf_size(READ_BUFFER_LIMIT);
        CappedClient {
            connector: SharedHttpConnector::new(Sender {
                client: builder.build(connect),
                receiving: Arc::new(Semaphore::new(1)),
            }),
        }
    }
}

impl fmt::Debug for CappedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CappedClient")
    }
}

impl HttpClient for CappedClient {
    /// The same connector for every request. The SDK's settings are not read: the connect
    /// timeout is the client's own (`s3::client` leaves it out of the SDK's timeout config),
    /// and the attempt and operation timeouts are enforced above the connector.
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.connector.clone()
    }
}

/// TCP with Nagle off (a request is one small write), any scheme (TLS is layered above it).
fn tcp_connector() -> TcpConnector {
    let mut tcp = TcpConnector::new();
    tcp.set_nodelay(true);
    tcp.enforce_http(false);
    tcp
}

/// rustls with aws-lc and the system's root certificates (`SSL_CERT_FILE` and `SSL_CERT_DIR`
/// are honoured). Certificates that do not parse are skipped, as the SDK's client does; with
/// none at all an HTTPS endpoint fails naming the certificate.
fn tls_config() -> Result<Arc<ClientConfig>, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

/// Opens connections: straight to the endpoint, or through the proxy the environment names
/// for it; TLS for `https`.
#[derive(Clone)]
struct Connect {
    tcp: TcpConnector,
    /// Made at the first `https` connection: reading the system's certificates cost over
    /// 1 MiB of peak RSS in a debug build, which a plain-HTTP endpoint never needs.
    tls: Arc<OnceLock<Result<Arc<ClientConfig>, rustls::Error>>>,
    proxies: Arc<Matcher>,
    timeout: Duration,
}

type Stream = MaybeHttpsStream<TokioIo<TcpStream>>;

impl Service<Uri> for Connect {
    type Response = Stream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, endpoint: Uri) -> Self::Future {
        let proxy = self.proxies.intercept(&endpoint);
        let (tcp, tls, timeout) = (self.tcp.clone(), self.tls.clone(), self.timeout);
        Box::pin(async move {
            let connecting = async move {
                match proxy {
                    None => open(tcp, endpoint, &tls).await,
                    Some(proxy) => {
                        let mut tunnel = Tunnel::new(proxy.uri().clone(), tcp);
                        if let Some(credentials) = proxy.basic_auth() {
                            tunnel = tunnel.with_auth(credentials.clone());
                        }
                        open(tunnel, endpoint, &tls).await
                    }
                }
            };
            tokio::time::timeout(timeout, connecting)
                .await
                .map_err(|_| BoxError::from(ConnectTimedOut(timeout)))?
        })
    }
}

/// A connection to `endpoint` through `inner` (TCP, or a proxy's tunnel), with TLS over it for
/// `https`.
async fn open<C>(
    inner: C,
    endpoint: Uri,
    tls: &OnceLock<Result<Arc<ClientConfig>, rustls::Error>>,
) -> Result<Stream, BoxError>
where
    C: Service<Uri, Response = TokioIo<TcpStream>> + Send + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    if endpoint.scheme() != Some(&http::uri::Scheme::HTTPS) {
        return Ok(MaybeHttpsStream::Http(ready(inner, endpoint).await?));
    }
    let tls = tls.get_or_init(tls_config).clone()?;
    let secured = HttpsConnectorBuilder::new()
        .with_tls_config((*tls).clone())
        .https_only()
        .enable_http1()
        .wrap_connector(inner);
    ready(secured, endpoint).await
}

/// Calls `connector` once it is ready.
async fn ready<C>(mut connector: C, endpoint: Uri) -> Result<C::Response, BoxError>
where
    C: Service<Uri>,
    C::Error: Into<BoxError>,
{
    std::future::poll_fn(|cx| connector.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    connector.call(endpoint).await.map_err(Into::into)
}

/// Connecting took longer than the client's connect timeout.
#[derive(Debug)]
struct ConnectTimedOut(Duration);

impl fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no connection within {}s", self.0.as_secs())
    }
}

impl StdError for ConnectTimedOut {}

/// Sends the SDK's requests through the hyper client.
struct Sender {
    client: HyperClient<Connect, SdkBody>,
    /// The turn to receive and decode a response: one at a time, from its headers until the
    /// SDK drops it. A list page is about 250 KB, read in pieces that the SDK gathers, copies
    /// and decodes into objects; with sixteen pages arriving at once that was several MiB more
    /// at the peak. One at a time, the listing's memory hardly grows with
    /// `BACKUP_LIST_CONCURRENCY` (docs/benchmarks.md); the other bodies wait in the kernel's
    /// socket buffers.
    receiving: Arc<Semaphore>,
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sender")
    }
}

impl HttpConnector for Sender {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(err) => return HttpConnectorFuture::ready(Err(ConnectorError::user(err.into()))),
        };
        // Only a successful GET brings a body worth a turn (a list page); the others are empty
        // or small, and an error keeps its response for as long as the caller keeps the error.
        let gets = request.method() == http::Method::GET;
        let answer = self.client.request(request);
        let receiving = Arc::clone(&self.receiving);
        HttpConnectorFuture::new(async move {
            let response = answer.await.map_err(|err| connector_error(err.into()))?;
            let turn = match gets && response.status().is_success() {
                // The semaphore is never closed; an answer that waited `TURN_WAIT` goes without.
                true => tokio::time::timeout(TURN_WAIT, receiving.acquire_owned())
                    .await
                    .ok()
                    .and_then(Result::ok),
                false => None,
            };
            let mut response = HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|err| ConnectorError::other(err.into(), None))?;
            if let Some(turn) = turn {
                response.add_extension(Turn {
                    _permit: Arc::new(turn),
                });
            }
            Ok(response)
        })
    }
}

/// A response's turn (a permit of [`Sender::receiving`]), kept in the response's extensions:
/// the SDK holds the response until it has read and decoded it, and drops it then (or when
/// the attempt fails). `Clone`, as extensions must be; the permit goes with the last clone.
#[derive(Clone)]
struct Turn {
    _permit: Arc<OwnedSemaphorePermit>,
}

/// The kind the SDK's retry rules and `s3::fault` go by: a timeout, an I/O failure (refused,
/// reset, DNS: retried, and shown as unreachable), a request the client could not send, or
/// other. As the SDK's own client classifies hyper's errors.
fn connector_error(err: BoxError) -> ConnectorError {
    if find::<ConnectTimedOut>(err.as_ref()).is_some() {
        return ConnectorError::timeout(err);
    }
    if let Some(hyper_error) = find::<hyper::Error>(err.as_ref()) {
        if hyper_error.is_timeout() {
            return ConnectorError::timeout(err);
        }
        if hyper_error.is_user() {
            return ConnectorError::user(err);
        }
        if hyper_error.is_closed()
            || hyper_error.is_canceled()
            || find::<std::io::Error>(hyper_error).is_some()
        {
            return ConnectorError::io(err);
        }
        // S3 sometimes closes a kept-alive connection as a request starts on it.
        if hyper_error.is_incomplete_message() {
            return ConnectorError::other(err, Some(ErrorKind::TransientError));
        }
        return ConnectorError::other(err, None);
    }
    let connecting = find::<hyper_util::client::legacy::Error>(err.as_ref())
        .is_some_and(|failure| failure.is_connect());
    if connecting || find::<std::io::Error>(err.as_ref()).is_some() {
        return ConnectorError::io(err);
    }
    ConnectorError::other(err, None)
}

/// The first error of type `E` in `err`'s source chain, `err` included.
fn find<'e, E: StdError + 'static>(err: &'e (dyn StdError + 'static)) -> Option<&'e E> {
    let mut next = Some(err);
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<E>() {
            return Some(found);
        }
        next = current.source();
    }
    None
}
