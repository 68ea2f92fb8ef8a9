//! The official Stripe specs in ../shared/specs/stripe generate, and the YAML and JSON forms
//! of one spec generate byte-identical crates. (`cargo xtask test` also compiles and lints the
//! generated crate.)

use std::path::{Path, PathBuf};

use apigen::{CrateOptions, GeneratedFile};

fn shared_spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/specs/stripe")
        .join(name)
}

fn generate(spec: &Path) -> Vec<GeneratedFile> {
    let options = CrateOptions {
        name: "stripe_full".to_owned(),
        runtime_path: "/runtime".to_owned(),
        standalone: true,
    };
    apigen::generate(spec, &options)
        .unwrap_or_else(|e| panic!("{}: {e}", spec.display()))
        .files
}

#[test]
fn yaml_and_json_forms_of_the_official_spec_give_identical_crates() {
    let yaml = shared_spec("spec3-2023-09-12.yaml");
    let value: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&yaml).unwrap()).unwrap();
    let json = std::env::temp_dir().join(format!("apigen-official-{}.json", std::process::id()));
    std::fs::write(&json, serde_json::to_string(&value).unwrap()).unwrap();
    let from_yaml = generate(&yaml);
    let from_json = generate(&json);
    let _ = std::fs::remove_file(&json);
    assert_eq!(from_yaml.len(), from_json.len());
    for (a, b) in from_yaml.iter().zip(&from_json) {
        assert_eq!(a.path, b.path);
        assert!(
            a.contents == b.contents,
            "{} differs between the YAML and the JSON form",
            a.path
        );
    }
    assert!(
        from_yaml.len() > 900,
        "one file per schema: {}",
        from_yaml.len()
    );
}

#[test]
fn the_2022_json_spec_generates_every_operation() {
    let files = generate(&shared_spec("spec3-2022-04-12.json"));
    let server = files
        .iter()
        .find(|f| f.path == "src/server/mod.rs")
        .expect("a server module");
    let methods = server
        .contents
        .matches("-> impl std::future::Future")
        .count();
    assert_eq!(methods, 417, "one trait method per operation");
}
