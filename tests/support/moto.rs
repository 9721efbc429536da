//! A real S3-compatible server for the tests and the scale harness: moto (PyPI `moto[server]`),
//! run by `moto_server.py` so objects can also be loaded straight into its backend.
//!
//! ```ignore
//! let moto = Moto::shared();                        // the tests' server, started once
//! let bucket = moto.create_bucket("backups").await;  // a fresh, uniquely named bucket
//! let modified = moto.put_object(&bucket, "db/a.sql.gz", body).await; // its LastModified
//! moto.load(&bucket, &Backups { count: 2500, .. });  // thousands of objects in a blink
//! status_command(dir).envs(moto.env())              // SPACES_* for the binary under test
//! status::sources::backups::check(&settings, &moto.spaces(), now)  // or the library
//! moto.client()                                     // a plain SDK client for anything else
//! ```
//!
//! - [`Moto::shared`] is one server per test binary, shared by its tests (each test makes its
//!   own bucket), started on first use; [`Moto::start`] is a server of one's own (the scale
//!   harness), stopped when dropped. Both listen on a port of 127.0.0.1 the system chose.
//! - The Python is the interpreter of `$STATUS_TEST_MOTO_SERVER` (its `#!` line), else of
//!   `.venv-test/bin/moto_server` in the repository (what `scripts/test` installs), else
//!   `python3` on `PATH`. If the server cannot start, every test that asks for it fails with
//!   one line saying why; nothing is skipped.
//! - Stopping: the server exits when its stdin closes. Rust never drops statics, so an
//!   `atexit` handler closes the shared server's stdin and waits; a killed test process closes
//!   it too, so no orphan survives.
//! - Clock: moto stamps `LastModified` with its own wall clock at put time, in whole seconds,
//!   and its HTTP API cannot set it. Tests that need ages either [`load`](Moto::load) objects
//!   with chosen times, or control the other side of the subtraction: they call the library
//!   with a `now` derived from the `LastModified` moto reports (`put_object` returns it). For
//!   "newer than" ordering, `put_object_newer_than` re-puts until moto's clock has moved on.
//! - Region: `REGION` is not us-east-1, so CreateBucket needs (and gets) a LocationConstraint,
//!   as it does on Spaces.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError, mpsc};
use std::time::Duration;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use chrono::{DateTime, Utc};

/// The region the tests sign for and create buckets in.
pub const REGION: &str = "eu-west-1";
/// moto accepts any credentials; these are what the tests and the binary under test send.
pub const ACCESS_KEY: &str = "test-access-key";
pub const SECRET_KEY: &str = "test-secret-key";

/// The server's Python, started with `python -c`.
const SERVER_SCRIPT: &str = include_str!("moto_server.py");
/// moto imports hundreds of modules before it answers: allow for a slow, shared machine.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Objects written straight into moto's backend by [`Moto::load`], newest first: object `i`
/// was last modified `i * spacing` before `newest`.
#[derive(Debug, Clone)]
pub struct Backups {
    pub count: u64,
    /// The newest object's LastModified (moto keeps whole seconds).
    pub newest: DateTime<Utc>,
    pub spacing: Duration,
    /// strftime pattern applied to an object's time (UTC) to make its key.
    pub key_format: &'static str,
    pub size: u64,
}

impl Backups {
    /// The LastModified of object `index` (0 is the newest).
    pub fn time(&self, index: u64) -> DateTime<Utc> {
        let spacing = chrono::TimeDelta::from_std(self.spacing).unwrap();
        self.newest - spacing * i32::try_from(index).unwrap()
    }

    /// The key of object `index`: what moto_server.py names it.
    pub fn key(&self, index: u64) -> String {
        self.time(index).format(self.key_format).to_string()
    }
}

pub struct Moto {
    endpoint: String,
    server: Mutex<Option<Server>>,
}

/// The running Python process and its command pipes.
struct Server {
    child: Child,
    commands: ChildStdin,
    answers: BufReader<ChildStdout>,
    log: PathBuf,
}

static SHARED: OnceLock<Result<Moto, String>> = OnceLock::new();
static BUCKETS: AtomicU32 = AtomicU32::new(0);

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

impl Moto {
    /// The server of this test binary, started on first use. Panics with one line (failing the
    /// test) when it cannot be started.
    pub fn shared() -> &'static Moto {
        let started = SHARED.get_or_init(|| {
            let moto = Moto::start()?;
            // SAFETY: registers a plain function that takes no arguments; atexit only stores
            // the pointer.
            unsafe {
                atexit(stop_shared_at_exit);
            }
            Ok(moto)
        });
        match started {
            Ok(moto) => moto,
            Err(why) => panic!("moto S3 test server: {why}"),
        }
    }

    /// A server of one's own, stopped when dropped.
    pub fn start() -> Result<Moto, String> {
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let python = python()?;
        let log = std::env::temp_dir().join(format!(
            "status-moto-{}-{}.log",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        let errors = std::fs::File::create(&log)
            .map_err(|err| format!("cannot create its log {}: {err}", log.display()))?;
        let mut child = Command::new(&python)
            .args(["-c", SERVER_SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(errors)
            .spawn()
            .map_err(|err| format!("cannot run {}: {err}", python.display()))?;
        let (commands, stdout) = (child.stdin.take(), child.stdout.take());
        let (Some(commands), Some(stdout)) = (commands, stdout) else {
            unreachable!("stdin and stdout were piped above");
        };
        // Read the READY line on a thread, so a server that hangs while importing is a
        // timeout rather than a test that never ends.
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut answers = BufReader::new(stdout);
            let mut line = String::new();
            let read = answers.read_line(&mut line);
            let _ = sender.send((read.map(|_| line), answers));
        });
        let ready = receiver.recv_timeout(READY_TIMEOUT);
        let port = ready.as_ref().ok().and_then(|(line, _)| {
            let line = line.as_ref().ok()?;
            line.trim().strip_prefix("READY ")?.parse::<u16>().ok()
        });
        let (Some(port), Ok((_, answers))) = (port, ready) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{} did not start it within {READY_TIMEOUT:?}: {}; run scripts/test (it installs moto into .venv-test) or set STATUS_TEST_MOTO_SERVER",
                python.display(),
                last_line(&log)
            ));
        };
        Ok(Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            server: Mutex::new(Some(Server {
                child,
                commands,
                answers,
                log,
            })),
        })
    }

    /// `http://127.0.0.1:<port>`
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn addr(&self) -> SocketAddr {
        self.endpoint["http://".len()..]
            .parse()
            .expect("the endpoint holds an address")
    }

    /// Writes `backups` into `bucket` (created when missing) inside the server, without a
    /// request per object; returns the time moto took.
    pub fn load(&self, bucket: &str, backups: &Backups) -> Result<Duration, String> {
        self.load_spec(serde_json::json!({
            "bucket": bucket,
            "region": REGION,
            "count": backups.count,
            "newest": backups.newest.timestamp(),
            "spacing": backups.spacing.as_secs(),
            "key_format": backups.key_format,
            "size": backups.size,
        }))
    }

    /// Loads these objects (key, LastModified, size) into `bucket` the way [`load`](Moto::load)
    /// does: for key names no pattern makes.
    pub fn load_objects(
        &self,
        bucket: &str,
        objects: &[(String, DateTime<Utc>, u64)],
    ) -> Result<Duration, String> {
        let objects: Vec<_> = objects
            .iter()
            .map(|(key, modified, size)| serde_json::json!([key, modified.timestamp(), size]))
            .collect();
        self.load_spec(serde_json::json!({
            "bucket": bucket,
            "region": REGION,
            "objects": objects,
        }))
    }

    fn load_spec(&self, spec: serde_json::Value) -> Result<Duration, String> {
        let bucket = spec["bucket"].as_str().unwrap_or_default().to_string();
        let mut server = self.server.lock().unwrap_or_else(PoisonError::into_inner);
        let server = server.as_mut().ok_or("the server was stopped")?;
        let mut answer = String::new();
        writeln!(server.commands, "LOAD {spec}")
            .and_then(|()| server.answers.read_line(&mut answer).map(|_| ()))
            .map_err(|err| format!("moto server: {err}"))?;
        answer
            .trim()
            .strip_prefix("LOADED ")
            .and_then(|seconds| seconds.parse().ok())
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                format!(
                    "loading {bucket} failed: {answer:?}; {}",
                    last_line(&server.log)
                )
            })
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
        self.client()
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap_or_else(|err| panic!("put {bucket}/{key}: {err:?}"));
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

    /// Closing stdin tells the server to stop; waiting makes the stop synchronous.
    fn stop(&self) {
        let server = self
            .server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Server {
            mut child,
            commands,
            log,
            ..
        }) = server
        {
            drop(commands);
            let _ = child.wait();
            let _ = std::fs::remove_file(log);
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

extern "C" fn stop_shared_at_exit() {
    // Must not panic: unwinding out of an `extern "C"` function aborts.
    if let Some(Ok(moto)) = SHARED.get() {
        moto.stop();
    }
}

/// The Python that has moto (see the module comment).
fn python() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-test/bin/moto_server");
    let server = match std::env::var_os("STATUS_TEST_MOTO_SERVER") {
        Some(path) => PathBuf::from(path),
        None if venv.is_file() => venv,
        None => return Ok(PathBuf::from("python3")),
    };
    let text = std::fs::read_to_string(&server)
        .map_err(|err| format!("cannot read {}: {err}", server.display()))?;
    let shebang = text.lines().next().and_then(|line| line.strip_prefix("#!"));
    let mut words = shebang.unwrap_or("").split_whitespace();
    let program = match words.next() {
        Some(env) if env.ends_with("/env") => words.next(),
        other => other,
    };
    program.map(PathBuf::from).ok_or_else(|| {
        format!(
            "{} has no #! line naming its Python; point STATUS_TEST_MOTO_SERVER at the moto_server that pip installed",
            server.display()
        )
    })
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
