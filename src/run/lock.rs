//! The run lock: two overlapping runs (a slow run and the next cron tick) never interleave
//! their writes and uploads. An exclusive, non-blocking advisory lock (`File::try_lock`, flock
//! on Unix) that the kernel releases when the process ends, however it ends; so the lock file
//! is never deleted and a crashed run never leaves a stale lock behind.
//!
//! The lock file holds the holder's pid and nothing else. It is opened without following a
//! symbolic link, and a file that is not a regular file holding a pid (or nothing) is refused:
//! `STATUS_LOCK_FILE` pointing at something else must never have that overwritten.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

use crate::config::ConfigError;
use crate::files;

/// The most a lock file of this program holds: a pid and a newline.
const MAX_LOCK_CONTENT: u64 = 32;

/// Held for the whole run; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Another run holds the lock: this run did nothing (and reports nothing to the push monitor,
/// since the run holding the lock will).
#[derive(Debug)]
pub struct LockBusy {
    path: PathBuf,
    holder: Option<String>,
}

impl fmt::Display for LockBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "another status run")?;
        if let Some(pid) = &self.holder {
            write!(f, " (pid {pid})")?;
        }
        write!(
            f,
            " holds the lock {} (STATUS_LOCK_FILE); this run did nothing. If runs keep overlapping, lower --timeout below the cron interval",
            self.path.display()
        )
    }
}

impl std::error::Error for LockBusy {}

/// Takes the lock at `path` without waiting; [`LockBusy`] when another process holds it.
pub fn acquire(path: &Path) -> anyhow::Result<RunLock> {
    let (mut file, content) = open(path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = Some(content.trim().to_string()).filter(|pid| !pid.is_empty());
            return Err(LockBusy {
                path: path.to_path_buf(),
                holder,
            }
            .into());
        }
        Err(std::fs::TryLockError::Error(err)) => {
            return Err(err)
                .with_context(|| format!("STATUS_LOCK_FILE: cannot lock {}", path.display()));
        }
    }
    // The holder's pid, for the message a second run prints. Best effort: the lock is what
    // matters, not this note.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(RunLock { _file: file })
}

/// What `status check` says of the lock: it is opened for writing exactly as a run opens it
/// (neither locked nor written). A missing lock file is not created, since a check run as
/// root would leave a file the service user cannot open: its directory is tried instead.
pub fn check(path: &Path) -> anyhow::Result<String> {
    match std::fs::symlink_metadata(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let dir = crate::publish::write::directory_of(path);
            let probe = dir.join(format!(".status-check.{}.tmp", std::process::id()));
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&probe)
                .and_then(|_| std::fs::remove_file(&probe))
                .map_err(|err| {
                    anyhow!(
                        "STATUS_LOCK_FILE: cannot create {}: {err}; its directory must exist and be writable",
                        path.display()
                    )
                })?;
            Ok(format!("{} (created by the first run)", path.display()))
        }
        _ => {
            open(path)?;
            Ok(format!("{} writable", path.display()))
        }
    }
}

/// Opens the lock file for reading and writing, creating it when missing, and returns what it
/// holds. Refused: a symbolic link or anything else that is not a regular file, and a file
/// whose content is not a pid (a file this program did not create).
fn open(path: &Path) -> anyhow::Result<(File, String)> {
    let created = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path);
    match created {
        Ok(file) => return Ok((file, String::new())),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
        Err(err) => {
            return Err(err).with_context(|| {
                format!(
                    "STATUS_LOCK_FILE: cannot create {}; its directory must exist and be writable",
                    path.display()
                )
            });
        }
    }
    let refuse = |what: &str| {
        ConfigError::new(format!(
            "STATUS_LOCK_FILE: {} is {what}; the lock must be a regular file that status creates and that holds a pid. Point STATUS_LOCK_FILE at another path, or remove what is there",
            path.display()
        ))
    };
    let mut file = files::open_regular(path, true).map_err(|err| match err.kind() {
        io::ErrorKind::InvalidInput => anyhow::Error::new(refuse(&err.to_string())),
        io::ErrorKind::PermissionDenied => not_writable(path, err),
        _ => anyhow::Error::new(err)
            .context(format!("STATUS_LOCK_FILE: cannot open {}", path.display())),
    })?;
    let mut content = String::new();
    let read = (&mut file)
        .take(MAX_LOCK_CONTENT + 1)
        .read_to_string(&mut content);
    let is_pid = |text: &str| text.trim_end().bytes().all(|b| b.is_ascii_digit());
    if read.is_err() || content.len() as u64 > MAX_LOCK_CONTENT || !is_pid(&content) {
        return Err(refuse(
            "a file that is not a status lock file (it should hold a pid or nothing)",
        )
        .into());
    }
    Ok((file, content))
}

/// The lock file exists but this user cannot write it: typically one run as root (`sudo`)
/// created it, and every later run as the service user fails here.
fn not_writable(path: &Path, err: io::Error) -> anyhow::Error {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return anyhow::Error::new(err).context(format!(
            "STATUS_LOCK_FILE: cannot open {} for writing",
            path.display()
        ));
    };
    anyhow!(
        "STATUS_LOCK_FILE: cannot open {} for writing ({err}): it belongs to {} and this run is {}. Remove it (the next run creates it again) or run status as {}",
        path.display(),
        files::describe_owner(&meta),
        files::describe_user(files::effective_uid()),
        files::describe_user(meta.uid())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json.lock");
        let first = acquire(&path).unwrap();
        // A second open file description of the same file conflicts, as a second process would.
        let err = acquire(&path).unwrap_err();
        let busy = err.downcast_ref::<LockBusy>().expect("LockBusy");
        assert_eq!(busy.holder, Some(std::process::id().to_string()));
        assert!(err.to_string().contains("holds the lock"), "{err}");
        drop(first);
        acquire(&path).unwrap();
    }

    #[test]
    fn a_missing_directory_names_the_setting() {
        let err = acquire(Path::new("/nonexistent-dir/status.json.lock")).unwrap_err();
        assert!(
            format!("{err:#}").starts_with("STATUS_LOCK_FILE: cannot create /nonexistent-dir/"),
            "{err:#}"
        );
        assert!(check(Path::new("/nonexistent-dir/status.json.lock")).is_err());
    }

    #[test]
    fn a_link_or_a_file_of_someone_else_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let precious = dir.path().join("precious");
        std::fs::write(&precious, b"do not overwrite\n").unwrap();
        let link = dir.path().join("link.lock");
        std::os::unix::fs::symlink(&precious, &link).unwrap();
        for (path, what) in [
            (&link, "a symbolic link"),
            (&precious, "a file that is not a status lock file"),
        ] {
            let err = acquire(path).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("STATUS_LOCK_FILE: {} is {what}", path.display())),
                "{err}"
            );
            assert!(err.is::<ConfigError>());
            assert!(check(path).is_err());
        }
        assert_eq!(std::fs::read(&precious).unwrap(), b"do not overwrite\n");
        // Its own format (a pid, or nothing) is taken over, as after a crash.
        let own = dir.path().join("own.lock");
        std::fs::write(&own, b"4242\n").unwrap();
        assert!(check(&own).unwrap().ends_with("writable"));
        drop(acquire(&own).unwrap());
        assert_eq!(
            std::fs::read_to_string(&own).unwrap(),
            format!("{}\n", std::process::id())
        );
    }

    #[test]
    fn check_creates_no_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json.lock");
        assert!(check(&path).unwrap().contains("created by the first run"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
