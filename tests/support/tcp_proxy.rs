//! A TCP proxy in front of a server (moto), for what the server cannot do itself: time each
//! request (the scale harness counts and times S3 requests with it), or cut a request's body
//! short (S3 going away in the middle of an upload).
//!
//! It forwards bytes unchanged, so request signatures stay valid, and follows just enough
//! HTTP/1.1 framing (Content-Length, chunked, HEAD, 1xx) to tell where each request and answer
//! ends. Each connection gets a thread per direction, so the proxy works the same beside a
//! test's current-thread runtime, a blocking test or the harness.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

/// One forwarded request: its method and target, from its first byte to the last byte of its
/// answer.
#[derive(Debug, Clone)]
pub struct ProxiedRequest {
    pub method: String,
    pub target: String,
    pub started: Instant,
    pub finished: Instant,
}

pub struct TcpProxy {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<ProxiedRequest>>>,
    stopped: Arc<AtomicBool>,
}

impl TcpProxy {
    /// Forwards every request and answer whole, and logs each exchange.
    pub fn start(upstream: SocketAddr) -> TcpProxy {
        TcpProxy::listen(upstream, None)
    }

    /// Forwards each request whole while its body is at most `body_bytes` long; of a longer
    /// body only the first `body_bytes` bytes, and then closes both connections.
    pub fn cutting(upstream: SocketAddr, body_bytes: u64) -> TcpProxy {
        TcpProxy::listen(upstream, Some(body_bytes))
    }

    fn listen(upstream: SocketAddr, cut: Option<u64>) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (accept_log, accept_stopped) = (Arc::clone(&log), Arc::clone(&stopped));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if accept_stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = client else { continue };
                let log = Arc::clone(&accept_log);
                // A failed connection shows as a failed request on the client's side.
                std::thread::spawn(move || forward(client, upstream, cut, &log));
            }
        });
        TcpProxy { addr, log, stopped }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests answered since the last call.
    pub fn take(&self) -> Vec<ProxiedRequest> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    cut: Option<u64>,
    log: &Arc<Mutex<Vec<ProxiedRequest>>>,
) -> io::Result<()> {
    let server = TcpStream::connect(upstream)?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    // Requests in flight on this connection, in order (HTTP/1.1 answers in request order).
    let (in_flight, answered) = mpsc::channel::<(String, String, Instant)>();
    let mut answers = BufReader::new(server.try_clone()?);
    let mut to_client = client.try_clone()?;
    let answer_log = Arc::clone(log);
    let responses = std::thread::spawn(move || -> io::Result<()> {
        for (method, target, started) in answered {
            loop {
                let head = read_head(&mut answers)?.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::UnexpectedEof, "closed before answering")
                })?;
                let status = response_status(&head)?;
                let no_body = method == "HEAD" || status == 204 || status == 304;
                let body = body_framing(&head, no_body)?;
                to_client.write_all(head.as_bytes())?;
                copy_body(&mut answers, &mut to_client, body)?;
                // 1xx (100 Continue) is an interim answer: the real one follows.
                if status >= 200 {
                    break;
                }
            }
            let finished = Instant::now();
            answer_log.lock().unwrap().push(ProxiedRequest {
                method,
                target,
                started,
                finished,
            });
        }
        Ok(())
    });
    let mut requests = BufReader::new(client.try_clone()?);
    let mut to_server = server.try_clone()?;
    while let Some(head) = read_head(&mut requests)? {
        let started = Instant::now();
        let (method, target) = request_line(&head)?;
        let body = body_framing(&head, false)?;
        to_server.write_all(head.as_bytes())?;
        if let Some(limit) = cut.filter(|limit| body > Body::Length(*limit)) {
            io::copy(&mut (&mut requests).take(limit), &mut to_server)?;
            // The request stays incomplete: the server sees its connection go away.
            let _ = server.shutdown(Shutdown::Both);
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        copy_body(&mut requests, &mut to_server, body)?;
        if in_flight.send((method, target, started)).is_err() {
            break;
        }
    }
    drop(in_flight);
    let _ = server.shutdown(Shutdown::Write);
    responses.join().unwrap_or(Ok(()))
}

/// Reads a request or response head up to and including the blank line; `None` at a clean
/// end of stream.
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            if head.is_empty() {
                return Ok(None);
            }
            return Err(malformed("connection closed inside an HTTP head"));
        }
        head.push_str(&line);
        if line == "\r\n" || line == "\n" {
            return Ok(Some(head));
        }
    }
}

fn malformed(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

fn request_line(head: &str) -> io::Result<(String, String)> {
    let mut parts = head.split_ascii_whitespace();
    match (parts.next(), parts.next()) {
        (Some(method), Some(target)) => Ok((method.to_string(), target.to_string())),
        _ => Err(malformed(format!(
            "malformed request line: {:?}",
            head.lines().next()
        ))),
    }
}

fn response_status(head: &str) -> io::Result<u16> {
    head.split_ascii_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| malformed(format!("malformed status line: {:?}", head.lines().next())))
}

/// How a message's body ends. Chunked orders after every length: it has no length to stay
/// within.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

fn body_framing(head: &str, no_body: bool) -> io::Result<Body> {
    if no_body {
        return Ok(Body::Length(0));
    }
    if header(head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return Ok(Body::Chunked);
    }
    match header(head, "content-length") {
        Some(len) => len
            .parse()
            .map(Body::Length)
            .map_err(|_| malformed(format!("bad Content-Length {len:?}"))),
        None => Ok(Body::Length(0)),
    }
}

fn copy_body(reader: &mut impl BufRead, writer: &mut impl Write, body: Body) -> io::Result<()> {
    match body {
        Body::Length(len) => copy_exact(reader, writer, len),
        Body::Chunked => loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            writer.write_all(size_line.as_bytes())?;
            let size_hex = size_line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size_hex, 16)
                .map_err(|_| malformed(format!("bad chunk size {size_hex:?}")))?;
            if size == 0 {
                // Trailers, then the blank line.
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line)?;
                    writer.write_all(line.as_bytes())?;
                    if line == "\r\n" || line.is_empty() {
                        return Ok(());
                    }
                }
            }
            copy_exact(reader, writer, size + 2)?;
        },
    }
}

fn copy_exact(reader: &mut impl BufRead, writer: &mut impl Write, len: u64) -> io::Result<()> {
    let copied = io::copy(&mut reader.take(len), writer)?;
    if copied != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("connection closed after {copied} of {len} body bytes"),
        ));
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

    #[test]
    fn chunked_bodies_are_copied_whole() {
        let wire = b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\nNEXT";
        let mut reader = BufReader::new(&wire[..]);
        let mut out = Vec::new();
        copy_body(&mut reader, &mut out, Body::Chunked).unwrap();
        assert_eq!(out, b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n");
    }
}
