//! The run lock: two overlapping runs (a slow run and the next cron tick) never interleave
//! their writes and uploads. An exclusive, non-blocking advisory lock (`File::try_lock`, flock
//! on Unix) that the kernel releases when the process ends, however it ends; so the lock file
//! is never deleted and a crashed run never leaves a stale lock behind.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

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
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| {
            format!(
                "STATUS_LOCK_FILE: cannot open {}; its directory must exist and be writable",
                path.display()
            )
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = Some(holder.trim().to_string()).filter(|pid| !pid.is_empty());
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
        assert!(format!("{err:#}").starts_with("STATUS_LOCK_FILE: cannot open /nonexistent-dir/"));
    }
}
