//! The files a run writes on the operator's machine, driven through the binary against real
//! files, symbolic links and FIFOs in a temporary directory: `STATUS_OUTPUT` is replaced only
//! when it holds a status document, the lock never writes through anything it did not create,
//! and `STATUS_MAX_SIZE` caps what is written and sent.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::http_server::{Reply, TestServer};
use crate::support::publish::{fresh_kuma, kuma_env};
use crate::support::{Run, run};

fn mkfifo(path: &Path) {
    let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
}

fn is_fifo(path: &Path) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(&std::fs::symlink_metadata(path).unwrap().file_type())
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

/// A refused run: exit 2, the error naming the path and what is there, then the summary line.
fn assert_refused(run: &Run, path: &Path, what: &str) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{} is {what}", path.display())),
        "{what}: {}",
        run.stderr
    );
    let last = run.stderr.lines().last().unwrap();
    assert!(last.ends_with("exit 2"), "{}", run.stderr);
}

#[test]
fn generate_replaces_nothing_but_a_status_document() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("status.env");
    let secrets = "SPACES_KEY=DO00KEY\nSPACES_SECRET=s3cr3t\n";
    std::fs::write(&env_file, secrets).unwrap();
    std::fs::set_permissions(&env_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let precious = dir.path().join("precious.json");
    std::fs::write(&precious, b"{\"not\": \"a status document\"}").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    let fifo = dir.path().join("fifo.json");
    mkfifo(&fifo);
    let subdir = dir.path().join("subdir");
    std::fs::create_dir(&subdir).unwrap();

    // Measured in the issue: STATUS_OUTPUT set to the env file's own path.
    let args = ["--env-file", "status.env", "generate"];
    let env = [("STATUS_OUTPUT", env_file.display().to_string())];
    let refused = run(dir.path(), &args, &env);
    assert_refused(
        &refused,
        &env_file,
        "a file that does not hold a status document",
    );
    assert!(!refused.stderr.contains("s3cr3t"));
    assert_eq!(std::fs::read_to_string(&env_file).unwrap(), secrets);
    let mode = std::fs::metadata(&env_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    for (path, what) in [
        (&precious, "a file that does not hold a status document"),
        (&link, "a symbolic link"),
        (&fifo, "a FIFO (named pipe)"),
    ] {
        let refused = run(
            dir.path(),
            &["generate"],
            &[("STATUS_OUTPUT", path.display().to_string())],
        );
        assert_refused(&refused, path, what);
    }
    assert_eq!(
        std::fs::read(&precious).unwrap(),
        b"{\"not\": \"a status document\"}"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(is_fifo(&fifo));
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );

    // A directory is refused while the settings are read.
    let refused = run(
        dir.path(),
        &["generate"],
        &[("STATUS_OUTPUT", subdir.display().to_string())],
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("is a directory"),
        "{}",
        refused.stderr
    );

    // A status document (of an older schema too) is replaced.
    let older = dir.path().join("status.json");
    std::fs::write(
        &older,
        br#"{"updated_at": "2020-01-01T00:00:00Z", "platform_status": "operational", "schema_version": 0}"#,
    )
    .unwrap();
    let replaced = run(dir.path(), &["generate"], &[]);
    assert_eq!(replaced.code, 0, "{}", replaced.stderr);
    crate::support::schema::valid_document(&std::fs::read(&older).unwrap());
}

#[test]
fn the_lock_never_writes_through_a_link_a_fifo_or_a_foreign_file() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("precious");
    std::fs::write(&precious, b"keep me\n").unwrap();
    let link = dir.path().join("link.lock");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    let fifo = dir.path().join("fifo.lock");
    mkfifo(&fifo);
    for (path, what) in [
        (&link, "a symbolic link"),
        (&fifo, "a FIFO (named pipe)"),
        (&precious, "a file that is not a status lock file"),
    ] {
        let env = [("STATUS_LOCK_FILE", path.display().to_string())];
        let refused = run(dir.path(), &["generate"], &env);
        assert_refused(&refused, path, what);
        assert!(
            refused.stderr.contains("STATUS_LOCK_FILE: "),
            "{}",
            refused.stderr
        );
        // check opens it for writing as a run does, and fails the same way.
        let check = run(dir.path(), &["check"], &env);
        let line = String::from_utf8(check.stdout).unwrap();
        assert!(
            line.lines()
                .any(|l| l.starts_with("FAIL  lock") && l.contains(what)),
            "{line}"
        );
    }
    assert_eq!(std::fs::read(&precious).unwrap(), b"keep me\n");
    assert!(is_fifo(&fifo));
    assert!(!dir.path().join("status.json").exists(), "nothing written");
}

#[test]
fn a_lock_left_by_another_user_names_its_owner_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("status.json.lock");
    std::fs::write(&lock, b"4242\n").unwrap();
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    let owner = if me == 0 {
        // Root left the lock (mode 0644, as a `sudo status generate` leaves it); the service
        // user (here nobody) runs next.
        "root (uid 0), mode 0644".to_string()
    } else {
        // Without root, a lock this user cannot write is one made read-only.
        std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o444)).unwrap();
        format!("(uid {me}), mode 0444")
    };
    // A copy the service user can run: the build directory may be under a home it cannot enter.
    let binary = dir.path().join("status");
    std::fs::copy(env!("CARGO_BIN_EXE_status"), &binary).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_service_user = |subcommand: &str| {
        let mut command = std::process::Command::new(&binary);
        command.env_clear().current_dir(dir.path()).arg(subcommand);
        if me == 0 {
            std::os::unix::process::CommandExt::uid(&mut command, 65534);
        }
        command.output().unwrap()
    };
    let fix = "Remove it (the next run creates it again) or run status as";
    let output = as_service_user("generate");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("STATUS_LOCK_FILE: cannot open status.json.lock for writing")
            && stderr.contains(&owner)
            && stderr.contains(fix),
        "{stderr}"
    );
    // Measured in the issue: check said `ready` while every run failed on the lock.
    let output = as_service_user("check");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("FAIL  lock") && l.contains(&owner) && l.contains(fix)),
        "{stdout}"
    );
    assert_eq!(std::fs::read(&lock).unwrap(), b"4242\n");
}

#[test]
fn generate_refuses_to_write_a_document_over_status_max_size() {
    let kuma = fresh_kuma();
    let dir = tempfile::tempdir().unwrap();
    let mut env = kuma_env(&kuma);
    env.push(("STATUS_PUBLISH_COMPONENTS", "true".into()));
    let fits = run(dir.path(), &["generate"], &env);
    assert_eq!(fits.code, 0, "{}", fits.stderr);
    let size = std::fs::metadata(dir.path().join("status.json"))
        .unwrap()
        .len();
    std::fs::remove_file(dir.path().join("status.json")).unwrap();
    // One byte less than this very document.
    env.push(("STATUS_MAX_SIZE", (size - 1).to_string()));
    let refused = run(dir.path(), &["generate"], &env);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains(&format!("({size} bytes), over STATUS_MAX_SIZE")),
        "{}",
        refused.stderr
    );
    assert!(!dir.path().join("status.json").exists());
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn upload_refuses_a_document_over_status_max_size_before_any_request() {
    let bucket = TestServer::start(|_| Reply::new(500));
    let dir = tempfile::tempdir().unwrap();
    let document = format!(
        "{{\"updated_at\": \"{}\", \"platform_status\": \"operational\"}}{}",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        " ".repeat(2048)
    );
    std::fs::write(dir.path().join("status.json"), &document).unwrap();
    let env = [
        ("SPACES_ENDPOINT", bucket.url()),
        ("SPACES_KEY", "key".to_string()),
        ("SPACES_SECRET", "secret".to_string()),
        ("SPACES_PATH_STYLE", "true".to_string()),
        ("STATUS_BUCKET", "status".to_string()),
        ("STATUS_MAX_SIZE", "2KiB".to_string()),
    ];
    let refused = run(dir.path(), &["upload"], &env);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&format!(
            "status.json is 2.1 KiB ({} bytes), over STATUS_MAX_SIZE (2.0 KiB); nothing was uploaded",
            document.len()
        )),
        "{}",
        refused.stderr
    );
    assert!(bucket.requests().is_empty(), "{:?}", bucket.requests());
}
