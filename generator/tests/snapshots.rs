//! Snapshot tests: each small spec in `tests/specs/` generates the files concatenated in
//! `tests/snapshots/<spec>.snap`. Run with `UPDATE_SNAPSHOTS=1` to accept a change, then
//! review the diff.

use std::path::{Path, PathBuf};

use apigen::CrateOptions;

fn snapshot_of(spec: &Path) -> String {
    let options = CrateOptions {
        name: "snapshot".to_owned(),
        runtime_path: "../../runtime".to_owned(),
        standalone: false,
    };
    let generated =
        apigen::generate(spec, &options).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
    let mut out = String::new();
    for file in &generated.files {
        out.push_str(&format!("==> {} <==\n{}\n", file.path, file.contents));
    }
    out
}

fn specs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    specs
}

#[test]
fn generated_code_matches_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for spec in specs() {
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(format!("{name}.snap"));
        let actual = snapshot_of(&spec);
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if actual != expected {
            if update {
                std::fs::write(&path, &actual).unwrap();
            } else {
                let diff = similar::TextDiff::from_lines(&expected, &actual)
                    .unified_diff()
                    .header("expected", "actual")
                    .to_string();
                stale.push(format!("{name}:\n{diff}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots differ (UPDATE_SNAPSHOTS=1 to accept):\n{}",
        stale.join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    for spec in specs() {
        assert_eq!(snapshot_of(&spec), snapshot_of(&spec), "{}", spec.display());
    }
}

#[test]
fn yaml_and_json_forms_give_identical_output() {
    let dir = tempdir("json-form");
    // The files multi-file specs refer to, at the same relative place.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/shared");
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    for entry in std::fs::read_dir(shared).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("shared").join(entry.file_name())).unwrap();
    }
    for spec in specs() {
        let text = std::fs::read_to_string(&spec).unwrap();
        let value: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        let json = dir.join(format!(
            "{}.json",
            spec.file_stem().unwrap().to_string_lossy()
        ));
        std::fs::write(&json, serde_json::to_string_pretty(&value).unwrap()).unwrap();
        assert_eq!(snapshot_of(&spec), snapshot_of(&json), "{}", spec.display());
    }
}

pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apigen-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
