//! A counting TCP proxy in front of moto (which counts nothing itself): it forwards bytes
//! unchanged, so request signatures stay valid, and follows just enough HTTP/1.1 framing
//! (Content-Length, chunked, HEAD, 1xx) to time each request from its first byte to the last
//! byte of its response.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::critical_path::Exchange;

/// One forwarded request: its method and path (for the list-request count) and its timing.
#[derive(Debug, Clone)]
pub struct ProxiedRequest {
    pub method: String,
    pub target: String,
    pub exchange: Exchange,
}

pub struct CountingProxy {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<ProxiedRequest>>>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl CountingProxy {
    pub async fn start(upstream: SocketAddr) -> anyhow::Result<CountingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let accept_log = Arc::clone(&log);
        let accept_loop = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let log = Arc::clone(&accept_log);
                tokio::spawn(async move {
                    if let Err(err) = forward(client, upstream, &log).await {
                        eprintln!("scale: S3 proxy: {err:#}");
                    }
                });
            }
        });
        Ok(CountingProxy {
            addr,
            log,
            accept_loop,
        })
    }

    /// The requests completed since the last call.
    pub fn take(&self) -> Vec<ProxiedRequest> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    log: &Mutex<Vec<ProxiedRequest>>,
) -> anyhow::Result<()> {
    let server = TcpStream::connect(upstream)
        .await
        .with_context(|| format!("cannot reach moto at {upstream}"))?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (client_read, mut client_write) = client.into_split();
    let (server_read, mut server_write) = server.into_split();
    // Requests in flight on this connection, in order (HTTP/1.1 answers in request order).
    let (in_flight, mut answered) = mpsc::unbounded_channel::<(String, String, Instant)>();
    let requests = async move {
        let mut reader = BufReader::new(client_read);
        while let Some(head) = read_head(&mut reader).await? {
            let started = Instant::now();
            let (method, target) = request_line(&head)?;
            let body = body_framing(&head, false)?;
            server_write.write_all(head.as_bytes()).await?;
            copy_body(&mut reader, &mut server_write, body).await?;
            if in_flight.send((method, target, started)).is_err() {
                break;
            }
        }
        anyhow::Ok(())
    };
    let responses = async move {
        let mut reader = BufReader::new(server_read);
        while let Some((method, target, started)) = answered.recv().await {
            loop {
                let head = read_head(&mut reader)
                    .await?
                    .context("moto closed the connection before answering")?;
                let status = response_status(&head)?;
                let body = body_framing(&head, method == "HEAD" || status == 204 || status == 304)?;
                client_write.write_all(head.as_bytes()).await?;
                copy_body(&mut reader, &mut client_write, body).await?;
                // 1xx (100 Continue) is an interim answer: the real one follows.
                if status >= 200 {
                    break;
                }
            }
            log.lock().unwrap().push(ProxiedRequest {
                method,
                target,
                exchange: Exchange {
                    started,
                    finished: Instant::now(),
                },
            });
        }
        anyhow::Ok(())
    };
    let (sent, received) = tokio::join!(requests, responses);
    sent.and(received)
}

/// Reads a request or response head up to and including the blank line; `None` at a clean
/// end of stream.
async fn read_head(reader: &mut (impl AsyncBufRead + Unpin)) -> anyhow::Result<Option<String>> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            if head.is_empty() {
                return Ok(None);
            }
            bail!("connection closed inside an HTTP head");
        }
        head.push_str(&line);
        if line == "\r\n" || line == "\n" {
            return Ok(Some(head));
        }
    }
}

fn request_line(head: &str) -> anyhow::Result<(String, String)> {
    let mut parts = head.split_ascii_whitespace();
    match (parts.next(), parts.next()) {
        (Some(method), Some(target)) => Ok((method.to_string(), target.to_string())),
        _ => bail!("malformed request line: {:?}", head.lines().next()),
    }
}

fn response_status(head: &str) -> anyhow::Result<u16> {
    head.split_ascii_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("malformed status line: {:?}", head.lines().next()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Length(u64),
    Chunked,
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn body_framing(head: &str, no_body: bool) -> anyhow::Result<Body> {
    if no_body {
        return Ok(Body::Length(0));
    }
    if header(head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return Ok(Body::Chunked);
    }
    match header(head, "content-length") {
        Some(len) => Ok(Body::Length(len.parse().context("bad Content-Length")?)),
        None => Ok(Body::Length(0)),
    }
}

async fn copy_body(
    reader: &mut (impl AsyncBufRead + Unpin),
    writer: &mut (impl AsyncWrite + Unpin),
    body: Body,
) -> anyhow::Result<()> {
    match body {
        Body::Length(len) => copy_exact(reader, writer, len).await,
        Body::Chunked => loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line).await?;
            writer.write_all(size_line.as_bytes()).await?;
            let size_hex = size_line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size_hex, 16)
                .with_context(|| format!("bad chunk size {size_hex:?}"))?;
            if size == 0 {
                // Trailers, then the blank line.
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).await?;
                    writer.write_all(line.as_bytes()).await?;
                    if line == "\r\n" || line.is_empty() {
                        return Ok(());
                    }
                }
            }
            copy_exact(reader, writer, size + 2).await?;
        },
    }
}

async fn copy_exact(
    reader: &mut (impl AsyncBufRead + Unpin),
    writer: &mut (impl AsyncWrite + Unpin),
    len: u64,
) -> anyhow::Result<()> {
    let copied = tokio::io::copy(&mut reader.take(len), writer).await?;
    if copied != len {
        bail!("connection closed after {copied} of {len} body bytes");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_follows_the_headers() {
        let put = "PUT /b/k HTTP/1.1\r\nHost: x\r\ncontent-length: 12\r\n\r\n";
        assert_eq!(body_framing(put, false).unwrap(), Body::Length(12));
        assert_eq!(request_line(put).unwrap(), ("PUT".into(), "/b/k".into()));
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(body_framing(chunked, false).unwrap(), Body::Chunked);
        assert_eq!(response_status(chunked).unwrap(), 200);
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";
        assert_eq!(body_framing(head, true).unwrap(), Body::Length(0));
    }

    #[tokio::test]
    async fn chunked_bodies_are_copied_whole() {
        let wire = b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\nNEXT";
        let mut reader = BufReader::new(&wire[..]);
        let mut out = Vec::new();
        copy_body(&mut reader, &mut out, Body::Chunked)
            .await
            .unwrap();
        assert_eq!(out, b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n");
    }
}
