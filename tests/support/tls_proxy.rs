//! A TLS front for a plain-HTTP server (moto), so the binary talks to an `https` endpoint as it
//! does to Spaces. Its certificate (`tests/fixtures/tls/localhost.pem`, for `localhost` and
//! `127.0.0.1`, valid until 2126) is signed by a test CA (`tests/fixtures/tls/ca.pem`) that no
//! system trusts: a test names it with `SSL_CERT_FILE`, as an operator names a private CA. The
//! key is a test fixture and guards nothing.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// A file of `tests/fixtures/tls/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls")).join(name)
}

pub struct TlsProxy {
    addr: SocketAddr,
}

impl TlsProxy {
    /// Ends TLS and passes the bytes on to `upstream`, on a thread and runtime of its own (which
    /// live as long as the test binary).
    pub fn start(upstream: SocketAddr) -> TlsProxy {
        let certificates = CertificateDer::pem_file_iter(fixture("localhost.pem"))
            .expect("test certificate")
            .collect::<Result<Vec<_>, _>>()
            .expect("test certificate");
        let key = PrivateKeyDer::from_pem_file(fixture("localhost.key")).expect("test key");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certificates, key)
            .expect("test certificate and key");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("TLS proxy runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                while let Ok((client, _)) = listener.accept().await {
                    let acceptor = acceptor.clone();
                    // A failed handshake (an untrusted certificate) ends that connection only.
                    tokio::spawn(async move {
                        let Ok(mut client) = acceptor.accept(client).await else {
                            return;
                        };
                        let Ok(mut server) = TcpStream::connect(upstream).await else {
                            return;
                        };
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    });
                }
            });
        });
        TlsProxy { addr }
    }

    /// `https://localhost:<port>`: the name the certificate is for.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }
}
