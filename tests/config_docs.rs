//! The configuration is documented in two places, `.env.example` and the settings tables of
//! docs/configuration.md; the code reads settings by name. These tests keep all three in step.

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

/// Rows `| `KEY` | default | meaning |` of the settings tables in docs/configuration.md: key and
/// default cell.
fn documented_rows() -> Vec<(String, String)> {
    repo_file("docs/configuration.md")
        .lines()
        .filter_map(|line| {
            let cell = line.strip_prefix("| `")?;
            let (key, rest) = cell.split_once('`')?;
            let default = rest.trim_start().strip_prefix('|')?.split(" | ").next()?;
            is_setting_name(key).then(|| (key.to_string(), default.trim().to_string()))
        })
        .collect()
}

fn documented_keys() -> BTreeSet<String> {
    documented_rows().into_iter().map(|(key, _)| key).collect()
}

/// For each setting of `.env.example`, the comment lines directly above it (its "why").
fn env_example_comments() -> Vec<(String, String)> {
    let mut comments = Vec::new();
    let mut block = String::new();
    for line in repo_file(".env.example").lines() {
        let body = line.trim_start_matches('#').trim();
        match body.split_once('=') {
            Some((key, _)) if is_setting_name(key) => {
                comments.push((key.to_string(), std::mem::take(&mut block)));
            }
            _ if line.starts_with('#') => {
                block.push_str(body);
                block.push(' ');
            }
            _ => block.clear(),
        }
    }
    comments
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
fn env_example_and_configuration_tables_list_the_same_settings() {
    let example = env_example_keys();
    let documented = documented_keys();
    assert!(
        example.len() >= 3,
        "parsed too few keys from .env.example: {example:?}"
    );
    let only_example: Vec<_> = example.difference(&documented).collect();
    let only_documented: Vec<_> = documented.difference(&example).collect();
    assert!(
        only_example.is_empty() && only_documented.is_empty(),
        "docs/configuration.md tables and .env.example differ: only in .env.example {only_example:?}, only in docs/configuration.md {only_documented:?}"
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

#[test]
fn every_setting_states_its_default_and_the_configuration_doc_agrees() {
    let documented_defaults: std::collections::BTreeMap<String, String> =
        documented_rows().into_iter().collect();
    let mut compared = 0;
    for (key, comment) in env_example_comments() {
        let Some((_, stated)) = comment.split_once("Default: ") else {
            panic!(".env.example: the comment above {key} states no \"Default: ...\": {comment:?}");
        };
        // Where the documented default is one literal value, the file must state the same one.
        let cell = &documented_defaults[&key];
        let literal = cell
            .strip_prefix('`')
            .and_then(|rest| rest.strip_suffix('`'))
            .filter(|value| !value.contains('`'));
        if let Some(value) = literal {
            let after = stated.strip_prefix(value).unwrap_or_else(|| {
                panic!("{key}: docs/configuration.md default `{value}`, .env.example says \"Default: {stated}\"")
            });
            assert!(
                after.is_empty() || after.starts_with([' ', '.', ',', '(']),
                "{key}: docs/configuration.md default `{value}`, .env.example says \"Default: {stated}\""
            );
            compared += 1;
        }
    }
    assert!(compared >= 15, "only {compared} literal defaults compared");
}

#[test]
fn the_list_of_known_settings_is_the_documented_one() {
    // The list that typo warnings compare names against (config/names.rs).
    let known: BTreeSet<String> = status::config::SETTINGS
        .iter()
        .map(|name| name.to_string())
        .collect();
    let example = env_example_keys();
    let missing: Vec<_> = example.difference(&known).collect();
    let extra: Vec<_> = known.difference(&example).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "config::SETTINGS and .env.example differ: missing from SETTINGS {missing:?}, not in .env.example {extra:?}"
    );
}
