//! The local directory source: regular files directly in `BACKUP_DIR` (subdirectories are not
//! descended into), by modification time.

use std::path::Path;

use chrono::{DateTime, Utc};
use globset::GlobMatcher;

use super::newest::NewestTwo;
use super::{BackupObject, Listing};

/// Reads `dir` (blocking: call it off the async runtime), trusting files modified up to
/// `trusted_until`. Only failing to read the directory itself is an error: a file that
/// vanishes while it is read (rotation) is passed over.
pub fn list(
    dir: &Path,
    matcher: Option<&GlobMatcher>,
    trusted_until: DateTime<Utc>,
) -> std::io::Result<Listing> {
    let mut found = NewestTwo::trusting_until(trusted_until);
    let mut objects_scanned = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        objects_scanned += 1;
        let name = entry.file_name().to_string_lossy().into_owned();
        if matcher.is_some_and(|glob| !glob.is_match(&name)) {
            continue;
        }
        // Follows symlinks: a link to a backup file counts as that file.
        let Ok(meta) = std::fs::metadata(entry.path()) else {
            continue;
        };
        let Ok(modified) = meta.modified() else {
            continue;
        };
        if meta.is_file() {
            found.offer(BackupObject {
                key: name,
                last_modified: DateTime::<Utc>::from(modified),
                size: meta.len(),
            });
        }
    }
    let (newest, previous, future) = found.finish();
    Ok(Listing {
        newest,
        previous,
        future,
        objects_scanned,
        list_requests: 0,
    })
}
