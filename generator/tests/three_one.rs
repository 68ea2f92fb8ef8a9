//! The same API written in OpenAPI 3.0 and in 3.1 gives the same crate, byte for byte: each
//! spec here is converted to 3.1 the way a person (or a converter such as openapi-format)
//! writes it (`nullable` as a `"null"` type or alternative, numeric exclusive bounds,
//! `examples`, `contentMediaType`/`contentEncoding` for bytes), then generated both ways.

use std::path::{Path, PathBuf};
use std::time::Duration;

use apigen::CrateOptions;
use serde_json::{json, Map, Value};

/// Keywords that describe a schema rather than constrain it: they stay outside the
/// alternatives a nullable schema becomes.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "default",
    "example",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
];

/// A 3.0 schema in its 3.1 form.
fn schema_to_three_one(map: &mut Map<String, Value>) {
    if map.contains_key("$ref") {
        // 3.0 ignores a reference's siblings; 3.1 would apply them.
        map.retain(|k, _| k == "$ref" || k.starts_with("x-"));
        return;
    }
    for (bound, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        match map.remove(exclusive) {
            Some(Value::Bool(true)) => {
                if let Some(value) = map.remove(bound) {
                    map.insert(exclusive.to_owned(), value);
                }
            }
            Some(Value::Bool(false)) | None => {}
            Some(other) => {
                map.insert(exclusive.to_owned(), other);
            }
        }
    }
    if let Some(example) = map.remove("example") {
        map.insert("examples".to_owned(), json!([example]));
    }
    if map.get("type") == Some(&json!("string")) {
        match map.get("format").and_then(Value::as_str) {
            Some("binary") => {
                map.remove("format");
                map.insert(
                    "contentMediaType".to_owned(),
                    json!("application/octet-stream"),
                );
            }
            Some("byte") => {
                map.remove("format");
                map.insert("contentEncoding".to_owned(), json!("base64"));
            }
            _ => {}
        }
    }
    if map.remove("nullable") != Some(Value::Bool(true)) {
        return;
    }
    match map.get("type").and_then(Value::as_str).map(str::to_owned) {
        Some(ty) => {
            map.insert("type".to_owned(), json!([ty, "null"]));
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                if !values.contains(&Value::Null) {
                    values.push(Value::Null);
                }
            }
        }
        None => {
            let rest: Map<String, Value> = std::mem::take(map)
                .into_iter()
                .filter_map(|(k, v)| {
                    if ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-") {
                        map.insert(k, v);
                        None
                    } else {
                        Some((k, v))
                    }
                })
                .collect();
            map.insert(
                "anyOf".to_owned(),
                json!([Value::Object(rest), {"type": "null"}]),
            );
        }
    }
}

/// Converts every schema of a document, found by where it sits.
fn walk(value: &mut Value, is_schema: bool) {
    match value {
        Value::Object(map) => {
            if is_schema {
                schema_to_three_one(map);
            }
            for (key, child) in map.iter_mut() {
                if key.starts_with("x-") {
                    continue;
                }
                match (is_schema, key.as_str()) {
                    (_, "example" | "examples" | "default" | "enum" | "const") => {}
                    (true, "properties") | (false, "schemas") => {
                        if let Value::Object(entries) = child {
                            for entry in entries.values_mut() {
                                walk(entry, true);
                            }
                        }
                    }
                    (true, "items" | "additionalProperties" | "not") | (false, "schema") => {
                        walk(child, true)
                    }
                    (true, "allOf" | "anyOf" | "oneOf") => {
                        if let Value::Array(parts) = child {
                            for part in parts {
                                walk(part, true);
                            }
                        }
                    }
                    (true, _) => {}
                    (false, _) => walk(child, false),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, false);
            }
        }
        _ => {}
    }
}

fn options() -> CrateOptions {
    CrateOptions {
        name: "same".to_owned(),
        runtime_path: "../runtime".to_owned(),
        standalone: false,
    }
}

/// The files generated from a spec as written and from its 3.1 form, and how many 3.1
/// forms the conversion wrote.
type Both = (
    Vec<apigen::GeneratedFile>,
    Vec<apigen::GeneratedFile>,
    usize,
);

/// The crate of `spec` as written (3.0), and of its 3.1 form.
fn both(spec: &Path) -> Both {
    let label = spec.display().to_string();
    let written = apigen::generate(spec, &options()).unwrap_or_else(|e| panic!("{e}"));
    let mut value = apigen::load::read_value(spec).unwrap();
    apigen::bundle::bundle(spec, &label, &mut value).unwrap();
    assert!(value["openapi"].as_str().unwrap().starts_with("3.0"));
    value["openapi"] = json!("3.1.0");
    walk(&mut value, false);
    let text = serde_json::to_vec(&value).unwrap();
    // How many 3.1 forms the conversion wrote: a test that converts nothing proves nothing.
    let forms = [
        "\"null\"",
        "\"examples\":[",
        "\"exclusiveM",
        "\"contentMediaType\"",
    ]
    .iter()
    .map(|form| String::from_utf8_lossy(&text).matches(form).count())
    .sum();
    let document = apigen::load::load_bytes(&label, &text, true).unwrap_or_else(|e| panic!("{e}"));
    let converted = apigen::generate_from(document, &options(), Duration::ZERO, &|_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    (written.files, converted.files, forms)
}

fn specs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut specs = vec![
        root.join("spec/stripe.yaml"),
        root.join("spec/doselect.yaml"),
        root.join("tests/corpus/twilio_api_v2010.json"),
    ];
    let focused = root.join("generator/tests/specs");
    let mut more: Vec<PathBuf> = std::fs::read_dir(&focused)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    more.sort();
    specs.extend(more);
    specs
}

#[test]
fn a_spec_and_its_three_one_form_give_the_same_crate() {
    let mut differ = Vec::new();
    let mut forms = 0;
    for spec in specs() {
        let (written, converted, written_forms) = both(&spec);
        forms += written_forms;
        assert!(!written.is_empty());
        let paths = |files: &[apigen::GeneratedFile]| -> Vec<String> {
            files.iter().map(|f| f.path.clone()).collect()
        };
        assert_eq!(paths(&written), paths(&converted), "{}", spec.display());
        for (a, b) in written.iter().zip(&converted) {
            if a.contents != b.contents {
                let line = a
                    .contents
                    .lines()
                    .zip(b.contents.lines())
                    .position(|(x, y)| x != y)
                    .unwrap_or(0);
                differ.push(format!(
                    "{}: {} differs from line {}:\n  3.0: {}\n  3.1: {}",
                    spec.display(),
                    a.path,
                    line + 1,
                    a.contents.lines().nth(line).unwrap_or_default(),
                    b.contents.lines().nth(line).unwrap_or_default(),
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(forms > 500, "only {forms} 3.1 forms written");
    println!("{forms} 3.1 forms");
}

#[test]
fn the_conversion_writes_three_one_forms() {
    let mut value = json!({"components": {"schemas": {
        "a": {"type": "string", "nullable": true, "enum": ["x"], "example": "x"},
        "b": {"allOf": [{"$ref": "#/components/schemas/a"}], "nullable": true, "description": "B."},
        "c": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
        "d": {"type": "string", "format": "binary"}
    }}});
    walk(&mut value, false);
    let s = &value["components"]["schemas"];
    assert_eq!(
        s["a"],
        json!({"type": ["string", "null"], "enum": ["x", null], "examples": ["x"]})
    );
    assert_eq!(
        s["b"],
        json!({"description": "B.", "anyOf": [{"allOf": [{"$ref": "#/components/schemas/a"}]}, {"type": "null"}]})
    );
    assert_eq!(s["c"], json!({"type": "integer", "exclusiveMinimum": 0}));
    assert_eq!(
        s["d"],
        json!({"type": "string", "contentMediaType": "application/octet-stream"})
    );
}
