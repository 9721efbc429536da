//! What is at a path, said in words (`a symbolic link`, `a FIFO`), and who owns it: for the
//! messages that refuse to write through something this program did not create.

use std::ffi::CStr;
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// What a path holds, for a message: `a directory`, `a symbolic link`, `a FIFO`, ...
pub fn kind(meta: &Metadata) -> &'static str {
    let file_type = meta.file_type();
    if file_type.is_file() {
        "a regular file"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Opens an existing regular file without ever following a symbolic link at `path` and
/// without blocking on a FIFO or taking a terminal: `O_NOFOLLOW | O_NONBLOCK | O_NOCTTY`.
/// `Err` with [`io::ErrorKind::InvalidInput`] and the kind in words when what is there (now,
/// by `fstat` of the open file) is not a regular file.
pub fn open_regular(path: &Path, write: bool) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(write)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|err| match err.raw_os_error() {
            // O_NOFOLLOW on a symbolic link.
            Some(libc::ELOOP) => not_regular("a symbolic link"),
            _ => err,
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(kind(&meta)));
    }
    Ok(file)
}

fn not_regular(kind: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, kind)
}

/// `root (uid 0)`, or `uid 1234` when no user has that id.
pub fn describe_user(uid: u32) -> String {
    match user_name(uid) {
        Some(name) => format!("{name} (uid {uid})"),
        None => format!("uid {uid}"),
    }
}

/// The user this process runs as (its effective uid).
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The owner of `meta`, and its permission bits: `root (uid 0), mode 0644`.
pub fn describe_owner(meta: &Metadata) -> String {
    format!(
        "{}, mode {:04o}",
        describe_user(meta.uid()),
        meta.mode() & 0o7777
    )
}

/// The login name of `uid`, through the system's user database (NSS: /etc/passwd, LDAP, ...).
fn user_name(uid: u32) -> Option<String> {
    let mut buffer = vec![0u8; 4096];
    loop {
        // SAFETY: all-zero is a valid `passwd` (integers and null pointers); getpwuid_r fills
        // it with pointers into `buffer`, which outlives every use of them below.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the length given; `found` is set to null or to
        // `&mut entry`.
        let code = unsafe {
            libc::getpwuid_r(
                uid,
                &mut entry,
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                &mut found,
            )
        };
        if code == libc::ERANGE && buffer.len() < 1 << 20 {
            buffer.resize(buffer.len() * 2, 0);
            continue;
        }
        if code != 0 || found.is_null() || entry.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success pw_name points to a NUL-terminated string inside `buffer`.
        let name = unsafe { CStr::from_ptr(entry.pw_name) };
        return Some(name.to_string_lossy().into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let meta = |path: &Path| std::fs::symlink_metadata(path).unwrap();
        assert_eq!(kind(&meta(&file)), "a regular file");
        assert_eq!(kind(&meta(&link)), "a symbolic link");
        assert_eq!(kind(&meta(dir.path())), "a directory");
        assert_eq!(kind(&meta(Path::new("/dev/null"))), "a character device");
    }

    #[test]
    fn open_regular_refuses_links_and_devices() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(open_regular(&file, false).is_ok());
        let err = open_regular(&link, false).unwrap_err();
        assert_eq!(err.to_string(), "a symbolic link");
        let err = open_regular(Path::new("/dev/null"), false).unwrap_err();
        assert_eq!(err.to_string(), "a character device");
    }

    #[test]
    fn the_current_user_has_a_name() {
        let me = describe_user(effective_uid());
        assert!(me.ends_with(&format!("(uid {})", effective_uid())), "{me}");
        assert_eq!(describe_user(0), "root (uid 0)");
    }
}
