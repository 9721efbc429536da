//! A real S3-compatible server for the tests: moto's `moto_server` (PyPI `moto[server]`).
//!
//! ```ignore
//! let moto = Moto::shared();                     // started once per test binary
//! let bucket = moto.create_bucket("backups").await; // a fresh, uniquely named bucket
//! moto.put_objects(&bucket, objects).await;      // many objects, in bounded parallel
//! let modified = moto.put_object(&bucket, "db/a.sql.gz", body).await; // its LastModified
//! status_command(dir).envs(moto.env())           // SPACES_* for the binary under test
//! status::sources::backups::check(&settings, &moto.spaces(), now)  // or the library, same server
//! moto.client()                                  // a plain SDK client for anything else
//! let big = PreloadedMoto::start("big", objects); // its own server, objects already stored
//! ```
//!
//! - One server per test binary, on a free 127.0.0.1 port, shared by its tests (each test makes
//!   its own bucket). It is started on first use and counts as ready when `GET /moto-api/`
//!   answers 200.
//! - The binary is `$STATUS_TEST_MOTO_SERVER`, else `.venv-test/bin/moto_server` in the repo
//!   (what `scripts/test` installs), else `moto_server` on `PATH`. If it cannot be started,
//!   every test that asks for it fails with one line saying why; nothing is skipped.
//! - Stopping: Rust never drops statics, so an `atexit` handler closes the server's stdin pipe
//!   and waits for it to exit. The server runs under a small `sh` wrapper that stops it when
//!   that pipe closes, which also happens when the test process is killed: no orphan survives.
//! - Clock: moto stamps `LastModified` with its own wall clock at put time, in whole seconds,
//!   and has no API to set it (moto 5 has no `/moto-api/time/...` endpoint: it answers 404).
//!   Tests that need ages control the *other* side of the subtraction: they call the library
//!   with a `now` derived from the `LastModified` moto reports (`put_object` returns it), or use
//!   age thresholds of hours, far from the seconds a test takes. For "newer than" ordering,
//!   `put_object_newer_than` re-puts until moto's clock has moved past the given time.
//! - Thousands of objects: PUT through moto costs milliseconds each, one at a time (most of a
//!   minute for a few thousand). `PreloadedMoto` starts a server of its own with the objects
//!   (any keys, LastModified and sizes) written into moto's backend before it serves
//!   (`moto_preload.py`), in about a second.
//! - Region: `REGION` is not us-east-1, so CreateBucket needs (and gets) a LocationConstraint,
//!   as it does on Spaces.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use chrono::{DateTime, Utc};

/// The region the tests sign for and create buckets in.
pub const REGION: &str = "eu-west-1";
/// moto accepts any credentials; these are what the tests and the binary under test send.
pub const ACCESS_KEY: &str = "test-access-key";
pub const SECRET_KEY: &str = "test-secret-key";

/// Objects put at once by `put_objects`: enough to load thousands in seconds, few enough for
/// moto's threaded development server.
const PUT_CONCURRENCY: usize = 16;
/// moto imports hundreds of modules before it answers: allow for a slow, shared machine.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Stops the server when its stdin closes (test process exit, even SIGKILL); exits itself, with
/// the server's status, when the server exits on its own (e.g. the port was taken).
const WRAPPER: &str = r#"
exec 3<&0
"$1" -H 127.0.0.1 -p "$2" </dev/null & server=$!
{ read -r _ <&3; kill "$server" 2>/dev/null; } & watcher=$!
wait "$server"; status=$?
kill "$watcher" 2>/dev/null
exit "$status"
"#;

pub struct Moto {
    endpoint: String,
}

static SERVER: OnceLock<Result<Moto, String>> = OnceLock::new();
static PROCESS: Mutex<Option<Child>> = Mutex::new(None);
static BUCKETS: AtomicU32 = AtomicU32::new(0);

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

impl Moto {
    /// The server of this test binary, started on first use. Panics with one line (failing the
    /// test) when it cannot be started.
    pub fn shared() -> &'static Moto {
        match SERVER.get_or_init(start) {
            Ok(moto) => moto,
            Err(why) => panic!("moto S3 test server: {why}"),
        }
    }

    /// `http://127.0.0.1:<port>`
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The settings a `status` binary under test needs to reach this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SPACES_ENDPOINT", self.endpoint.clone()),
            ("SPACES_REGION", REGION.to_string()),
            ("SPACES_KEY", ACCESS_KEY.to_string()),
            ("SPACES_SECRET", SECRET_KEY.to_string()),
            ("SPACES_PATH_STYLE", "true".to_string()),
        ]
    }

    /// The same settings, for calling the library directly.
    pub fn spaces(&self) -> status::s3::SpacesSettings {
        status::s3::SpacesSettings {
            endpoint: Some(self.endpoint.parse().expect("the endpoint is a valid URL")),
            ..Moto::shared_settings()
        }
    }

    /// Region, credentials and path style of every test server, with no endpoint.
    fn shared_settings() -> status::s3::SpacesSettings {
        status::s3::SpacesSettings {
            endpoint: None,
            region: REGION.to_string(),
            key: Some(status::config::Secret::new(ACCESS_KEY)),
            secret: Some(status::config::Secret::new(SECRET_KEY)),
            path_style: true,
        }
    }

    /// A plain SDK client (not the one under test) for setting up and inspecting buckets.
    /// Build one per test: a client belongs to the tokio runtime it was first used on.
    pub fn client(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "moto"))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Creates a new bucket named after `hint` (unique within this server) and returns its name.
    pub async fn create_bucket(&self, hint: &str) -> String {
        let name = format!("{hint}-{}", BUCKETS.fetch_add(1, Ordering::Relaxed));
        let mut request = self.client().create_bucket().bucket(&name);
        if REGION != "us-east-1" {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(REGION))
                    .build(),
            );
        }
        request
            .send()
            .await
            .unwrap_or_else(|err| panic!("create bucket {name}: {err:?}"));
        name
    }

    /// Puts one object and returns the LastModified moto gave it.
    pub async fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) -> DateTime<Utc> {
        put(&self.client(), bucket, key, body).await;
        self.last_modified(bucket, key).await
    }

    /// Puts one object, again and again if needed, until its LastModified is later than `than`
    /// (moto keeps whole seconds); returns that LastModified.
    pub async fn put_object_newer_than(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        than: DateTime<Utc>,
    ) -> DateTime<Utc> {
        for _ in 0..50 {
            let modified = self.put_object(bucket, key, body.clone()).await;
            if modified > than {
                return modified;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto's clock did not pass {than} within 5s");
    }

    /// Puts many objects, `PUT_CONCURRENCY` at a time.
    pub async fn put_objects(&self, bucket: &str, objects: Vec<(String, Vec<u8>)>) {
        let client = self.client();
        let permits = Arc::new(tokio::sync::Semaphore::new(PUT_CONCURRENCY));
        let mut puts = tokio::task::JoinSet::new();
        for (key, body) in objects {
            let permit = permits.clone().acquire_owned().await.unwrap();
            let (client, bucket) = (client.clone(), bucket.to_string());
            puts.spawn(async move {
                put(&client, &bucket, &key, body).await;
                drop(permit);
            });
        }
        while let Some(done) = puts.join_next().await {
            done.unwrap();
        }
    }

    pub async fn last_modified(&self, bucket: &str, key: &str) -> DateTime<Utc> {
        let head = self
            .client()
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|err| panic!("head {bucket}/{key}: {err:?}"));
        let modified = head.last_modified().expect("moto sends Last-Modified");
        DateTime::from_timestamp(modified.secs(), modified.subsec_nanos()).unwrap()
    }
}

async fn put(client: &aws_sdk_s3::Client, bucket: &str, key: &str, body: Vec<u8>) {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body))
        .send()
        .await
        .unwrap_or_else(|err| panic!("put {bucket}/{key}: {err:?}"));
}

fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("STATUS_TEST_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-test/bin/moto_server");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("moto_server")
    }
}

fn log_path() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{}.log", std::process::id()))
}

fn start() -> Result<Moto, String> {
    let binary = server_binary();
    let log = log_path();
    // A port found free may be taken before moto binds it: try a few.
    let mut why = String::new();
    for _ in 0..3 {
        let port = free_port().map_err(|err| format!("cannot find a free port: {err}"))?;
        match start_on(&binary, port, &log) {
            Ok(moto) => return Ok(moto),
            Err(err) if err.contains("Address already in use") => why = err,
            Err(err) => return Err(err),
        }
    }
    Err(why)
}

fn start_on(binary: &Path, port: u16, log: &Path) -> Result<Moto, String> {
    let output = std::fs::File::create(log)
        .map_err(|err| format!("cannot create its log {}: {err}", log.display()))?;
    let errors = output.try_clone().map_err(|err| err.to_string())?;
    let mut child = Command::new("sh")
        .args(["-c", WRAPPER, "sh"])
        .arg(binary)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(output)
        .stderr(errors)
        .spawn()
        .map_err(|err| format!("cannot run sh to start {}: {err}", binary.display()))?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if answers_moto_api(address) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "{} exited ({status}) before answering: {}; run scripts/test (it installs moto into .venv-test) or set STATUS_TEST_MOTO_SERVER",
                binary.display(),
                last_line(log)
            ));
        }
        if Instant::now() > deadline {
            stop(child);
            return Err(format!(
                "{} did not answer GET /moto-api/ on {address} within {READY_TIMEOUT:?}: {}",
                binary.display(),
                last_line(log)
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    *PROCESS.lock().unwrap_or_else(PoisonError::into_inner) = Some(child);
    // SAFETY: registers a plain function that takes no arguments; atexit only stores the pointer.
    unsafe {
        atexit(stop_at_exit);
    }
    Ok(Moto {
        endpoint: format!("http://{address}"),
    })
}

extern "C" fn stop_at_exit() {
    // Must not panic: unwinding out of an `extern "C"` function aborts.
    let child = PROCESS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(child) = child {
        stop(child);
        let _ = std::fs::remove_file(log_path());
    }
}

/// Closing stdin tells the wrapper to stop the server; waiting makes the stop synchronous.
fn stop(mut child: Child) {
    drop(child.stdin.take());
    let _ = child.wait();
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

fn answers_moto_api(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /moto-api/ HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status_line = [0u8; 12];
    stream.read_exact(&mut status_line).is_ok()
        && status_line.starts_with(b"HTTP/1.")
        && &status_line[9..12] == b"200"
}

/// The last non-empty line of moto's log: the reason it died, usually.
fn last_line(log: &Path) -> String {
    std::fs::read_to_string(log)
        .ok()
        .and_then(|text| {
            text.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "no output".to_string())
}

const PRELOAD: &str = include_str!("moto_preload.py");

/// A moto server of its own holding one bucket with the given objects from the start. Stops
/// when dropped (or, like the shared one, when the test process exits: its stdin closes).
pub struct PreloadedMoto {
    pub bucket: String,
    endpoint: String,
    child: Child,
}

impl PreloadedMoto {
    /// `objects`: key (no tab or newline), LastModified, size.
    pub fn start(bucket: &str, objects: &[(String, DateTime<Utc>, u64)]) -> PreloadedMoto {
        let python = server_binary().with_file_name("python");
        let mut list = tempfile::NamedTempFile::new().unwrap();
        for (key, modified, size) in objects {
            writeln!(list, "{key}\t{}\t{size}", modified.timestamp()).unwrap();
        }
        let mut child = Command::new(&python)
            .args(["-c", PRELOAD, bucket, REGION])
            .arg(list.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", python.display()));
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
        let port = line
            .strip_prefix("READY ")
            .and_then(|port| port.trim().parse::<u16>().ok())
            .unwrap_or_else(|| panic!("preloaded moto did not start: {line:?}"));
        PreloadedMoto {
            bucket: bucket.to_string(),
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// The settings for calling the library against this server.
    pub fn spaces(&self) -> status::s3::SpacesSettings {
        status::s3::SpacesSettings {
            endpoint: Some(self.endpoint.parse().expect("the endpoint is a valid URL")),
            ..Moto::shared_settings()
        }
    }
}

impl Drop for PreloadedMoto {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
