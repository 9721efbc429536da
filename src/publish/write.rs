//! Writing status.json (and the job's metrics file) on the operator's disk: atomically, so a
//! reader sees the old file or the new one and never a mix, and nothing half-written is left
//! behind.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;

/// Writes status.json (`STATUS_OUTPUT`) with [`write_file_atomically`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_file_atomically(path, bytes, "STATUS_OUTPUT")
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a mix: a
/// temporary file in the same directory, fsync, mode 0644, rename over the target, fsync of the
/// directory. On failure the temporary file is removed and the old file is untouched. Errors
/// name `setting`, the setting that chose `path`. Call it under the run lock (see
/// `remove_leftover_temp_files`).
pub fn write_file_atomically(path: &Path, bytes: &[u8], setting: &str) -> anyhow::Result<()> {
    let dir = directory_of(path);
    let name = path
        .file_name()
        .with_context(|| format!("{setting}: {} names no file", path.display()))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    remove_leftover_temp_files(dir, &name.to_string_lossy());
    let written = (|| -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&temp)?;
        file.write_all(bytes)?;
        // Explicitly, since the umask may have narrowed the mode given to open.
        file.set_permissions(fs::Permissions::from_mode(0o644))?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(err).with_context(|| {
            format!(
                "cannot write {} ({setting}); the previous file is untouched",
                path.display()
            )
        });
    }
    // The rename is only durable once the directory is on disk; failing that is unusual
    // enough to mention, but the new file is already in place.
    if let Err(err) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(
            "wrote {} but could not fsync {}: {err}",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}

/// The directory a file path is in (`.` for a bare file name).
pub fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Removes `.<name>.<pid>.tmp` files that a crashed run (killed between creating and renaming
/// its temporary file) left behind. Called under the run lock, so none belongs to a live run.
fn remove_leftover_temp_files(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if file_name.starts_with(&prefix) && file_name.ends_with(".tmp") {
            match fs::remove_file(entry.path()) {
                Ok(()) => tracing::info!(
                    "removed {}, left behind by a run that crashed while writing",
                    entry.path().display()
                ),
                Err(err) => tracing::warn!("cannot remove {}: {err}", entry.path().display()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_file_with_mode_0644() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        // A crashed run's temporary file (another pid) is cleaned up.
        fs::write(dir.path().join(".status.json.4242.tmp"), b"{\"half").unwrap();
        write_atomically(&path, b"{\"new\": true}\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"new\": true}\n");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["status.json"], "no temporary file left behind");
    }

    #[test]
    fn a_failed_write_leaves_the_old_target_untouched_and_no_temp_file() {
        // Renaming a file over a non-empty directory fails on every Unix, even for root
        // (which ignores permission bits, so a read-only directory would prove nothing).
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("status.json");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), b"old").unwrap();
        let err = write_atomically(&target, b"new").unwrap_err();
        assert!(
            format!("{err:#}").contains("the previous file is untouched"),
            "{err:#}"
        );
        assert_eq!(fs::read(target.join("keep")).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
