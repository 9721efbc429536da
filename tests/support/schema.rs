//! The published contract, `config/status.schema.json`, applied to what the binary produced:
//! every document a test sees goes through [`valid_document`].

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/status.schema.json");
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let schema: Value = serde_json::from_slice(&text).expect("the schema is JSON");
        jsonschema::draft202012::new(&schema).expect("the schema is valid draft 2020-12")
    })
}

/// Parses `bytes` as JSON and asserts that the document matches the schema; returns it.
pub fn valid_document(bytes: &[u8]) -> Value {
    let text = String::from_utf8_lossy(bytes);
    let document: Value =
        serde_json::from_slice(bytes).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"));
    let errors: Vec<String> = validator()
        .iter_errors(&document)
        .map(|err| format!("{}: {err}", err.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not schema-valid: {errors:?}\n{text}");
    document
}
