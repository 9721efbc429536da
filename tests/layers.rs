//! The module tree is layered (docs/architecture.md): a module imports only the layers below
//! it, and the two sources never import each other. This test reads every `crate::` path in
//! src/ and fails on one that points up or sideways.

use std::fs;
use std::path::Path;

/// Each top-level module's layer, lowest first. A module may use its own layer's other files
/// only where it is the same module; otherwise only lower layers.
const LAYERS: &[(&str, u8)] = &[
    ("config", 0),
    ("files", 0),
    ("units", 0),
    ("output", 0),
    ("logging", 1),
    ("http", 1),
    ("s3", 2),
    ("sources", 3),
    ("document", 4),
    ("publish", 5),
    ("run", 6),
    ("cli", 7),
    ("commands", 8),
];

fn layer(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
        .unwrap_or_else(|| panic!("module `{module}` has no layer in tests/layers.rs"))
}

/// The `crate::a::b` paths a file names (in `use` lines and inline), as `[a, b]`.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (index, _) in text.match_indices("crate::") {
        let rest = &text[index + "crate::".len()..];
        let path: Vec<String> = rest
            .split("::")
            .map(|part| {
                part.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take(2)
            .collect();
        paths.push(path);
    }
    paths
}

/// `src/sources/kuma/fetch.rs` -> ("sources", Some("kuma")).
fn module_of(src: &Path, file: &Path) -> (String, Option<String>) {
    let relative = file.strip_prefix(src).unwrap();
    let mut parts = relative.iter().map(|p| p.to_string_lossy().into_owned());
    let top = parts.next().unwrap().trim_end_matches(".rs").to_string();
    let second = parts.next().map(|p| p.trim_end_matches(".rs").to_string());
    (top, second)
}

#[test]
fn every_import_points_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    crate::support::rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let (module, submodule) = module_of(&src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = fs::read_to_string(file).unwrap();
        for path in crate_paths(&text) {
            let target = &path[0];
            let shown = format!("{}: crate::{}", file.display(), path.join("::"));
            if *target == module {
                // Within sources/, kuma and backups never import each other.
                if module == "sources" && path.get(1) != submodule.as_ref() {
                    violations.push(format!("{shown} (one source imports another)"));
                }
            } else if layer(target) >= layer(&module) {
                violations.push(format!("{shown} ({module} may not import {target})"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the layer order:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation() {
    let paths = crate_paths(
        "use crate::commands::settings::Settings;\nlet x = crate::run::deadline::Budget::start(t);",
    );
    assert_eq!(paths[0], ["commands", "settings"]);
    assert_eq!(paths[1], ["run", "deadline"]);
    assert!(layer("commands") > layer("document"));
}
