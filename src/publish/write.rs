//! Writing status.json (and the job's metrics file) on the operator's disk: atomically, so a
//! reader sees the old file or the new one and never a mix, and nothing half-written is left
//! behind. Only a status document is ever replaced at `STATUS_OUTPUT`: pointing it at an env
//! file, a symbolic link, a FIFO or a device is refused, so a typo cannot destroy what is there.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;
use serde::de::IgnoredAny;

use crate::config::ConfigError;
use crate::files;

/// What is at `STATUS_OUTPUT` before a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Nothing: the file will be created.
    Nothing,
    /// A regular file holding a status document (of any schema version): it will be replaced.
    StatusDocument,
}

/// Checks that `path` may be written: nothing is there, or a regular file that holds a status
/// document (a JSON object with `updated_at` and `platform_status`, any schema version). Anything
/// else (a symbolic link, a directory, a FIFO, a device, any other file) is a [`ConfigError`]
/// naming the path and what is there. A symbolic link is never followed.
pub fn inspect_output(path: &Path) -> Result<Existing, ConfigError> {
    let refuse = |what: &str| {
        ConfigError::new(format!(
            "STATUS_OUTPUT: {} is {what}; status generate creates or replaces only a regular file that holds a status document. Point STATUS_OUTPUT at another path, or remove what is there",
            path.display()
        ))
    };
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(err) => return Err(refuse(&format!("not readable ({err})"))),
    };
    if !meta.is_file() {
        return Err(refuse(files::kind(&meta)));
    }
    let file = files::open_regular(path, false).map_err(|err| match err.kind() {
        std::io::ErrorKind::InvalidInput => refuse(&err.to_string()),
        _ => refuse(&format!("a file this run cannot read ({err})")),
    })?;
    // Only the top-level keys are kept; every value is skipped while reading, so even a large
    // file costs no memory.
    let keys: Result<HashMap<String, IgnoredAny>, _> =
        serde_json::from_reader(BufReader::new(file));
    match keys {
        Ok(keys) if keys.contains_key("updated_at") && keys.contains_key("platform_status") => {
            Ok(Existing::StatusDocument)
        }
        _ => Err(refuse(
            "a file that does not hold a status document (a JSON object with updated_at and platform_status)",
        )),
    }
}

/// Writes status.json (`STATUS_OUTPUT`) with [`write_file_atomically`]. What is at `path` is checked
/// first ([`inspect_output`]).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    inspect_output(path)?;
    write_file_atomically(path, bytes, "STATUS_OUTPUT")
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a mix: a
/// temporary file created with `O_EXCL` in the same directory, fsync, mode 0644, rename over
/// the target, fsync of the directory. On failure the temporary file is removed and the old
/// file is untouched. Errors name `setting`, the setting that chose `path`. Call it under the
/// run lock (see `remove_leftover_temp_files`).
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
        // create_new is O_CREAT | O_EXCL: it fails on anything already there, a symbolic link
        // included, so the temporary file is always one this run made.
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
/// Only regular files of exactly that name form are touched.
fn remove_leftover_temp_files(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let is_temp_name = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
        if is_temp_name && is_file {
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

    const OLD_DOCUMENT: &[u8] =
        br#"{"updated_at": "2026-11-26T04:00:00Z", "platform_status": "operational"}"#;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn atomic_write_replaces_a_status_document_with_mode_0644() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json");
        fs::write(&path, OLD_DOCUMENT).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        // A crashed run's temporary file (another pid) is cleaned up; a file that only looks
        // a little like one is not.
        fs::write(dir.path().join(".status.json.4242.tmp"), b"{\"half").unwrap();
        fs::write(dir.path().join(".status.json.notes.tmp"), b"mine").unwrap();
        write_atomically(&path, b"{\"new\": true}\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"new\": true}\n");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        assert_eq!(
            names_in(dir.path()),
            [".status.json.notes.tmp", "status.json"],
            "no temporary file of a run left behind"
        );
    }

    #[test]
    fn any_schema_version_of_a_status_document_may_be_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json");
        assert_eq!(inspect_output(&path), Ok(Existing::Nothing));
        let older =
            br#"{"updated_at": "yesterday", "platform_status": "ok", "extra": [1, {"a": 2}]}"#;
        fs::write(&path, older).unwrap();
        assert_eq!(inspect_output(&path), Ok(Existing::StatusDocument));
    }

    #[test]
    fn anything_but_a_status_document_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let env_file = dir.path().join(".env");
        fs::write(&env_file, b"SPACES_SECRET=shh\n").unwrap();
        let json_not_status = dir.path().join("other.json");
        fs::write(&json_not_status, br#"{"updated_at": "x"}"#).unwrap();
        let link = dir.path().join("status.json");
        std::os::unix::fs::symlink(&json_not_status, &link).unwrap();
        let cases = [
            (&env_file, "a file that does not hold a status document"),
            (
                &json_not_status,
                "a file that does not hold a status document",
            ),
            (&link, "a symbolic link"),
        ];
        for (path, what) in cases {
            let before = fs::read(path).unwrap();
            let err = write_atomically(path, b"{}").unwrap_err();
            let message = format!("{err:#}");
            assert!(
                message.starts_with(&format!("STATUS_OUTPUT: {} is {what}", path.display())),
                "{message}"
            );
            assert!(err.is::<ConfigError>(), "exit 2: {message}");
            assert_eq!(fs::read(path).unwrap(), before);
        }
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let err = inspect_output(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory;"), "{err}");
        let err = inspect_output(Path::new("/dev/null")).unwrap_err();
        assert!(err.to_string().contains("is a character device;"), "{err}");
        assert_eq!(
            names_in(dir.path()),
            [".env", "other.json", "status.json"],
            "no temporary file left behind"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_old_target_untouched_and_no_temp_file() {
        // Renaming a file over a non-empty directory fails on every Unix, even for root
        // (which ignores permission bits, so a read-only directory would prove nothing).
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("status.json");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), b"old").unwrap();
        let err = write_file_atomically(&target, b"new", "STATUS_OUTPUT").unwrap_err();
        assert!(
            format!("{err:#}").contains("the previous file is untouched"),
            "{err:#}"
        );
        assert_eq!(fs::read(target.join("keep")).unwrap(), b"old");
        assert_eq!(names_in(dir.path()), ["status.json"]);
    }
}
