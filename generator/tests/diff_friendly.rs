//! Generated code changes as little as the spec: one new property is a few lines in at most
//! two files, and the order of schemas and paths in the spec does not matter.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use apigen::CrateOptions;

fn generate(spec: &Path) -> BTreeMap<String, String> {
    let options = CrateOptions {
        name: "stripe".to_owned(),
        runtime_path: "../../runtime".to_owned(),
        standalone: false,
    };
    apigen::generate(spec, &options)
        .unwrap_or_else(|e| panic!("{e}"))
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

fn project_spec() -> serde_yaml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/stripe.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write(name: &str, spec: &serde_yaml::Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apigen-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, serde_yaml::to_string(spec).unwrap()).unwrap();
    path
}

/// Files that differ, and the lines changed in them (removed plus added).
fn changes(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> (Vec<String>, usize) {
    let mut files = Vec::new();
    let mut lines = 0;
    let paths: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for path in paths {
        let a = old.get(path).map(String::as_str).unwrap_or_default();
        let b = new.get(path).map(String::as_str).unwrap_or_default();
        if a != b {
            files.push(path.clone());
            lines += similar::TextDiff::from_lines(a, b)
                .iter_all_changes()
                .filter(|c| c.tag() != similar::ChangeTag::Equal)
                .count();
        }
    }
    (files, lines)
}

fn mapping<'a>(value: &'a mut serde_yaml::Value, path: &[&str]) -> &'a mut serde_yaml::Mapping {
    let mut value = value;
    for key in path {
        value = value.get_mut(*key).unwrap_or_else(|| panic!("no {key}"));
    }
    value.as_mapping_mut().unwrap()
}

#[test]
fn one_new_property_is_a_small_diff() {
    let base = project_spec();
    let mut changed = base.clone();
    mapping(
        &mut changed,
        &["components", "schemas", "charge", "properties"],
    )
    .insert(
        "risk_note".into(),
        serde_yaml::from_str("{type: string, description: A note on the risk., nullable: true}")
            .unwrap(),
    );
    let old = generate(&write("base.yaml", &base));
    let new = generate(&write("changed.yaml", &changed));
    let (files, lines) = changes(&old, &new);
    // The model, and the examples of the operations that answer a charge (one line each).
    assert_eq!(
        files,
        ["src/models/charge.rs", "src/server/mock.rs"],
        "{files:?}"
    );
    assert!(lines <= 20, "{lines} lines changed");

    // A new optional parameter of an operation: its body field, setter and validation.
    let mut changed = base.clone();
    let body = mapping(
        &mut changed,
        &[
            "paths",
            "/v1/charges",
            "post",
            "requestBody",
            "content",
            "application/x-www-form-urlencoded",
            "schema",
            "properties",
        ],
    );
    body.insert(
        "risk_note".into(),
        serde_yaml::from_str("{type: string, description: A note on the risk., maxLength: 500}")
            .unwrap(),
    );
    let new = generate(&write("changed_body.yaml", &changed));
    let (files, lines) = changes(&old, &new);
    assert!(files.len() <= 2, "{files:?}");
    assert!(lines <= 50, "{lines} lines changed in {files:?}");
}

#[test]
fn the_order_of_schemas_and_paths_does_not_matter() {
    let base = project_spec();
    let mut reordered = base.clone();
    for path in [&["components", "schemas"][..], &["paths"][..]] {
        let map = mapping(&mut reordered, path);
        let mut entries: Vec<(serde_yaml::Value, serde_yaml::Value)> =
            std::mem::take(map).into_iter().collect();
        entries.reverse();
        map.extend(entries);
    }
    assert_ne!(
        serde_yaml::to_string(&base).unwrap(),
        serde_yaml::to_string(&reordered).unwrap()
    );
    let old = generate(&write("ordered.yaml", &base));
    let new = generate(&write("reordered.yaml", &reordered));
    assert!(old == new, "reordering changed {:?}", changes(&old, &new).0);
}
