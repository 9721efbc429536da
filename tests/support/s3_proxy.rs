//! A recording proxy in front of moto: the binary under test gets it as `SPACES_ENDPOINT`, and
//! the test reads every S3 request the binary sent (method, path, query, headers, body). A
//! test may answer some requests itself instead of moto (a strict server's error, a failed
//! HEAD).
//!
//! ```ignore
//! let proxy = RecordingProxy::start(moto, |request| {
//!     (request.method == "HEAD").then(|| Reply::new(403))   // None: moto answers
//! });
//! run(dir, &["upload"], &proxy.env(&bucket));
//! proxy.requests();            // every request, in arrival order
//! ```

use std::sync::{Arc, Mutex};

use super::http_server::{Reply, Request, TestServer};
use super::moto::Moto;

pub struct RecordingProxy {
    server: TestServer,
    log: Arc<Mutex<Vec<Request>>>,
}

impl RecordingProxy {
    /// Forwards every request to moto, except those `answer` answers itself.
    pub fn start(
        moto: &Moto,
        answer: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static,
    ) -> RecordingProxy {
        let log = Arc::new(Mutex::new(Vec::new()));
        let (seen, upstream) = (log.clone(), moto.endpoint().to_string());
        let server = TestServer::start(move |request| {
            seen.lock().unwrap().push(request.clone());
            answer(request).unwrap_or_else(|| Reply::forward(&upstream))
        });
        RecordingProxy { server, log }
    }

    /// A proxy that forwards everything.
    pub fn transparent(moto: &Moto) -> RecordingProxy {
        RecordingProxy::start(moto, |_| None)
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// moto's settings for the binary, with this proxy as `SPACES_ENDPOINT`, `bucket` as
    /// `STATUS_BUCKET` and the public read-back off.
    pub fn env(&self, moto: &Moto, bucket: &str) -> Vec<(&'static str, String)> {
        let mut env: Vec<_> = moto
            .env()
            .into_iter()
            .filter(|(key, _)| *key != "SPACES_ENDPOINT")
            .collect();
        env.push(("SPACES_ENDPOINT", self.url()));
        env.push(("STATUS_BUCKET", bucket.to_string()));
        // Only S3 requests here: the public read-back is an anonymous GET (tests/public_copy.rs
        // covers it), and its HeadObject of the replaced copy would come before the upload.
        env.push(("STATUS_PUBLIC_URL", "off".to_string()));
        env
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}
