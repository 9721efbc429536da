//! The Dockerfile and config/kubernetes-cronjob.yaml describe one container: the same binary
//! as entrypoint, the same working directory for STATUS_OUTPUT (a volume in the pod, since its
//! root filesystem is read-only), and the same non-root user. No Docker engine runs in the
//! tests, so both files are read as text.

use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined and
/// comments dropped.
fn instructions(dockerfile: &str) -> Vec<(String, String)> {
    let joined = dockerfile.replace("\\\n", " ");
    joined
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (keyword, rest) = line.split_once(' ').unwrap_or((line, ""));
            (keyword.to_ascii_uppercase(), rest.trim().to_string())
        })
        .collect()
}

/// The last stage: the image that runs.
fn final_stage(all: &[(String, String)]) -> &[(String, String)] {
    let start = all
        .iter()
        .rposition(|(keyword, _)| keyword == "FROM")
        .unwrap();
    &all[start..]
}

fn only<'a>(stage: &'a [(String, String)], keyword: &str) -> &'a str {
    let found: Vec<&str> = stage
        .iter()
        .filter(|(k, _)| k == keyword)
        .map(|(_, rest)| rest.as_str())
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {keyword} in the final stage: {found:?}"
    );
    found[0]
}

/// The manifest's `key: value` lines, trimmed, with list dashes and quotes removed.
fn manifest_values(manifest: &str) -> Vec<(String, String)> {
    manifest
        .lines()
        .map(|line| line.split(" #").next().unwrap().trim())
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.trim_start_matches("- "))
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| {
            (
                key.trim().to_string(),
                value.trim().trim_matches('"').to_string(),
            )
        })
        .collect()
}

fn values_of<'a>(values: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    values
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The value of the env entry `name` (`- name: X` then `value: Y`).
fn env_value<'a>(values: &'a [(String, String)], name: &str) -> &'a str {
    let at = values
        .iter()
        .position(|(k, v)| k == "name" && v == name)
        .unwrap_or_else(|| panic!("no env entry {name}"));
    let (key, value) = &values[at + 1];
    assert_eq!(key, "value", "{name} has no literal value");
    value
}

fn directory_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(dir, _)| dir).unwrap()
}

#[test]
fn the_dockerfile_and_the_kubernetes_manifest_agree() {
    let dockerfile = instructions(&read("Dockerfile"));
    let manifest_text = read("config/kubernetes-cronjob.yaml");
    let manifest = manifest_values(&manifest_text);
    let image = final_stage(&dockerfile);

    // A glibc binary runs on the glibc base it was built for: Debian 12 both.
    assert!(dockerfile[0].1.contains("bookworm"), "{:?}", dockerfile[0]);
    assert_eq!(only(image, "FROM"), "gcr.io/distroless/cc-debian12:nonroot");
    assert!(
        !manifest_text.contains("static"),
        "the binary is not static"
    );

    // The user: numeric in the image (runAsNonRoot can only verify a numeric one), the same
    // in the pod.
    let user = only(image, "USER");
    assert_eq!(user, "65532:65532");
    let (uid, gid) = user.split_once(':').unwrap();
    assert_eq!(values_of(&manifest, "runAsUser"), [uid]);
    assert_eq!(values_of(&manifest, "runAsGroup"), [gid]);
    assert_eq!(values_of(&manifest, "runAsNonRoot"), ["true"]);

    // The binary: copied to where the entrypoint runs it; the pod keeps the entrypoint.
    let entrypoint: Vec<String> = serde_json::from_str(only(image, "ENTRYPOINT")).unwrap();
    let binary = entrypoint[0].as_str();
    assert!(
        image
            .iter()
            .any(|(k, rest)| k == "COPY" && rest.ends_with(&format!(" {binary}"))),
        "no COPY to {binary}"
    );
    assert!(
        values_of(&manifest, "command").is_empty(),
        "command overrides {binary}"
    );
    assert!(values_of(&manifest, "args")[0].contains("generate"));

    // STATUS_OUTPUT: in the working directory, owned by the user in the image, and a volume in
    // the pod (its root filesystem is read-only).
    let workdir = only(image, "WORKDIR");
    let image_output = only(image, "ENV")
        .strip_prefix("STATUS_OUTPUT=")
        .expect("ENV STATUS_OUTPUT=...");
    assert_eq!(directory_of(image_output), workdir);
    assert!(
        image.iter().any(|(k, rest)| k == "COPY"
            && rest.contains(&format!("--chown={user}"))
            && rest.ends_with(&format!(" {workdir}"))),
        "{workdir} is not made the user's"
    );
    assert_eq!(env_value(&manifest, "STATUS_OUTPUT"), image_output);
    assert_eq!(values_of(&manifest, "readOnlyRootFilesystem"), ["true"]);
    assert!(
        values_of(&manifest, "mountPath").contains(&workdir),
        "{workdir} is not a volume in the pod"
    );
}

#[test]
fn the_build_context_leaves_out_secrets_and_build_output() {
    let ignored = read(".dockerignore");
    let entries: Vec<&str> = ignored
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    for needed in ["target", ".git", ".venv-test", ".env", "*.env"] {
        assert!(
            entries.contains(&needed),
            "{needed} missing from .dockerignore"
        );
    }
}
