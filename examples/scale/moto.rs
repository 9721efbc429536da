//! moto's S3 server, preloaded with M backup objects (see `moto_preload.py` for why it is
//! loaded in-process rather than through PutObject).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

const PRELOAD: &str = include_str!("moto_preload.py");
pub const BACKUP_BUCKET: &str = "backups";
pub const STATUS_BUCKET: &str = "status-site";
/// One backup every 15 minutes, going back as far as M objects reach.
const SPACING_SECONDS: i64 = 15 * 60;
/// The newest backup is an hour old: fresh (the warning threshold is 26 h).
const NEWEST_AGE_SECONDS: i64 = 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `db/backup-<time>.sql.gz`, listed whole (`BACKUP_PREFIX=db/`).
    Flat,
    /// `db/%Y/%m/%d/backup-<time>.sql.gz` (`BACKUP_PREFIX=db/%Y/%m/%d/`).
    Dated,
}

impl Layout {
    pub fn backup_prefix(self) -> &'static str {
        match self {
            Layout::Flat => "db/",
            Layout::Dated => "db/%Y/%m/%d/",
        }
    }
}

pub struct Moto {
    pub addr: SocketAddr,
    /// Time moto took to store the objects.
    pub load: Duration,
    child: Child,
}

/// The Python of the moto virtualenv: next to `$STATUS_TEST_MOTO_SERVER` (scripts/bench sets it).
pub fn python() -> anyhow::Result<PathBuf> {
    let server = std::env::var_os("STATUS_TEST_MOTO_SERVER").context(
        "STATUS_TEST_MOTO_SERVER is not set: run the harness through scripts/bench, which installs moto",
    )?;
    let python = PathBuf::from(server).with_file_name("python");
    if !python.exists() {
        bail!(
            "no python next to STATUS_TEST_MOTO_SERVER ({})",
            python.display()
        );
    }
    Ok(python)
}

impl Moto {
    pub fn start(python: &PathBuf, objects: u64, layout: Layout) -> anyhow::Result<Moto> {
        let newest = chrono::Utc::now().timestamp() - NEWEST_AGE_SECONDS;
        let layout_arg = match layout {
            Layout::Flat => "flat",
            Layout::Dated => "dated",
        };
        let mut child = Command::new(python)
            .args(["-c", PRELOAD, BACKUP_BUCKET, STATUS_BUCKET, layout_arg])
            .args([
                objects.to_string(),
                newest.to_string(),
                SPACING_SECONDS.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", python.display()))?;
        let stdout = child.stdout.take().context("moto's stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let ready = line.strip_prefix("READY ").map(|rest| {
            let mut fields = rest.split_whitespace();
            (
                fields.next().and_then(|p| p.parse::<u16>().ok()),
                fields.next().and_then(|s| s.parse::<f64>().ok()),
            )
        });
        let Some((Some(port), Some(load_seconds))) = ready else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("moto did not start (it printed {line:?}); is moto[server] installed?");
        };
        Ok(Moto {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            load: Duration::from_secs_f64(load_seconds),
            child,
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
