//! An HTTP CONNECT proxy, as corporate networks run (squid and the like): it opens a tunnel to
//! the host a CONNECT names, answers 200 and then copies bytes both ways. It records each
//! tunnel's target and Proxy-Authorization header, for the tests of `HTTPS_PROXY`/`HTTP_PROXY`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One tunnel the proxy opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    /// `host:port` from the CONNECT line.
    pub target: String,
    pub authorization: Option<String>,
}

pub struct ConnectProxy {
    addr: SocketAddr,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&tunnels);
        // The thread ends with the test binary; one connection at a time is plenty for a run.
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                // A failed tunnel shows as a failed request on the client's side.
                std::thread::spawn(move || tunnel(client, &log));
            }
        });
        ConnectProxy { addr, tunnels }
    }

    /// `http://127.0.0.1:<port>`, with `user:password@` when given.
    pub fn url(&self, credentials: Option<&str>) -> String {
        match credentials {
            Some(credentials) => format!("http://{credentials}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().unwrap().clone()
    }
}

fn tunnel(client: TcpStream, log: &Mutex<Vec<Tunnel>>) -> io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("proxy-authorization")
        {
            authorization = Some(value.trim().to_string());
        }
    }
    let mut to_client = client.try_clone()?;
    let target = match request_line.split_whitespace().collect::<Vec<_>>()[..] {
        ["CONNECT", target, _] => target.to_string(),
        _ => {
            to_client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")?;
            return Ok(());
        }
    };
    log.lock().unwrap().push(Tunnel {
        target: target.clone(),
        authorization,
    });
    let server = TcpStream::connect(&target)?;
    to_client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    let (mut from_server, mut to_server) = (server.try_clone()?, server);
    let upstream = std::thread::spawn(move || {
        // What the client sent after the CONNECT is already in `reader`'s buffer.
        let _ = io::copy(&mut reader, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let _ = io::copy(&mut from_server, &mut to_client);
    let _ = to_client.shutdown(Shutdown::Write);
    let _ = upstream.join();
    Ok(())
}
