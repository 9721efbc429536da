//! The configuration is documented in two places, `.env.example` and the README table; the code
//! reads settings by name. These tests keep all three in step.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn repo_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

fn is_setting_name(word: &str) -> bool {
    word.len() > 3
        && word.contains('_')
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && word.starts_with(|c: char| c.is_ascii_uppercase())
}

/// `KEY=value` and `# KEY=value` lines of `.env.example`.
fn env_example_keys() -> BTreeSet<String> {
    repo_file(".env.example")
        .lines()
        .filter_map(|line| {
            let line = line.trim_start_matches('#').trim();
            let (key, _) = line.split_once('=')?;
            is_setting_name(key).then(|| key.to_string())
        })
        .collect()
}

/// Rows `| `KEY` | default | meaning |` of the README's configuration table.
fn readme_table_keys() -> BTreeSet<String> {
    repo_file("README.md")
        .lines()
        .filter_map(|line| {
            let cell = line.strip_prefix("| `")?;
            let (key, _) = cell.split_once('`')?;
            is_setting_name(key).then(|| key.to_string())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Setting names the code reads: string literals passed to an `EnvSource` getter
/// (`env.duration("KUMA_STALE_AFTER", ...)`) or to `set_override`.
fn keys_read_by_code() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut keys = BTreeSet::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for (index, _) in text.match_indices("(\"") {
            let before = &text[..index];
            let is_getter = before.rfind("env.").is_some_and(|dot| {
                let call = &before[dot + 4..];
                !call.is_empty() && call.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            });
            if !is_getter {
                continue;
            }
            let rest = &text[index + 2..];
            if let Some(end) = rest.find('"') {
                let key = &rest[..end];
                if is_setting_name(key) {
                    keys.insert(key.to_string());
                }
            }
        }
    }
    keys
}

#[test]
fn env_example_and_readme_table_list_the_same_settings() {
    let example = env_example_keys();
    let readme = readme_table_keys();
    assert!(
        example.len() >= 3,
        "parsed too few keys from .env.example: {example:?}"
    );
    let only_example: Vec<_> = example.difference(&readme).collect();
    let only_readme: Vec<_> = readme.difference(&example).collect();
    assert!(
        only_example.is_empty() && only_readme.is_empty(),
        "README table and .env.example differ: only in .env.example {only_example:?}, only in README {only_readme:?}"
    );
}

#[test]
fn every_setting_the_code_reads_is_documented() {
    let read = keys_read_by_code();
    assert!(read.contains("STATUS_TIMEOUT"), "scanner found {read:?}");
    let example = env_example_keys();
    let undocumented: Vec<_> = read.difference(&example).collect();
    assert!(
        undocumented.is_empty(),
        "settings read by the code but missing from .env.example: {undocumented:?}"
    );
}
