//! `cargo xtask diff`: counts on the two official Stripe specs, the classification of each
//! kind of change on a small pair of specs, the formats and `--fail-on`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn shared(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/specs/stripe")
        .join(name)
        .display()
        .to_string()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn the_two_stripe_versions_give_the_published_counts() {
    let output = xtask(&[
        "diff",
        &shared("spec3-2022-04-12.json"),
        &shared("spec3-2023-09-12.yaml"),
        "--format",
        "json",
    ]);
    assert!(output.status.success());
    let report = json(&output);
    let counts = &report["counts"];
    for (key, expected) in [
        ("paths_added", 86),
        ("paths_removed", 29),
        ("operations_added", 102),
        ("operations_removed", 51),
        ("schemas_added", 279),
        ("schemas_removed", 21),
        ("schemas_shared", 540),
        ("schemas_changed", 171),
    ] {
        assert_eq!(counts[key], expected, "{key}");
    }
    let changes = report["changes"].as_array().unwrap();
    let has = |subject: &str, change: &str, wire: &str, rust: &str| {
        changes.iter().any(|c| {
            c["subject"] == subject
                && c["change"].as_str().unwrap().contains(change)
                && c["wire"] == wire
                && c["rust"] == rust
        })
    };
    assert!(has(
        "schema charge",
        "property `order` removed",
        "breaking",
        "breaking"
    ));
    assert!(has(
        "schema charge",
        "property `radar_options` added",
        "compatible",
        "compatible"
    ));
    assert!(has(
        "operation DELETE /v1/account",
        "operation removed",
        "breaking",
        "breaking"
    ));

    let markdown = xtask(&[
        "diff",
        &shared("spec3-2022-04-12.json"),
        &shared("spec3-2023-09-12.yaml"),
    ]);
    let text = String::from_utf8_lossy(&markdown.stdout);
    assert!(text.starts_with("## API changes"), "{text}");
    assert!(
        text.contains("| schemas | 279 | 21 | 171 of 540 |"),
        "{text}"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apigen-diff-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

const OLD: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /v1/things:
    post:
      operationId: CreateThing
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                name: {type: string}
                color: {type: string}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/thing"}
  /v1/things/{id}:
    get:
      operationId: GetThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/thing"}
        "404":
          description: missing
components:
  schemas:
    thing:
      type: object
      required: [id, size]
      properties:
        id: {type: string}
        size: {type: integer}
        status: {type: string, enum: [new, old]}
        note: {type: string}
"##;

const NEW: &str = r##"
openapi: 3.0.3
info: {title: t, version: "2"}
paths:
  /v1/things:
    post:
      operationId: CreateThing
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [kind]
              properties:
                name: {type: string}
                kind: {type: string}
                tags: {type: array, items: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/thing"}
  /v1/things/{id}:
    get:
      operationId: GetThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/thing"}
components:
  schemas:
    thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
        size: {type: string}
        status: {type: string, enum: [new, shiny]}
        label: {type: string}
"##;

#[test]
fn each_kind_of_change_is_classified() {
    let dir = tempdir("kinds");
    let old = write(&dir, "old.yaml", OLD);
    let new = write(&dir, "new.yaml", NEW);
    let output = xtask(&["diff", &old, &new, "--format", "json"]);
    let report = json(&output);
    let changes: Vec<(String, String, String)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().to_owned(),
                c["wire"].as_str().unwrap().to_owned(),
                c["rust"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |change: &str, wire: &str, rust: &str| {
        assert!(
            changes
                .iter()
                .any(|(c, w, r)| c.contains(change) && w == wire && r == rust),
            "{change}: {wire}/{rust} not in {changes:#?}"
        );
    };
    expect(
        "body property `kind` added, required",
        "breaking",
        "breaking",
    );
    expect(
        "body property `tags` added, optional",
        "compatible",
        "compatible",
    );
    expect("body property `color` removed", "breaking", "breaking");
    expect("response 404 removed", "compatible", "breaking");
    expect(
        "property `size` type changed: `i64` → `String`",
        "breaking",
        "breaking",
    );
    expect("property `size` now optional", "breaking", "breaking");
    expect("value `shiny` added", "compatible", "compatible");
    expect("value `old` removed", "compatible", "breaking");
    expect("property `label` added", "compatible", "compatible");
    expect("property `note` removed", "breaking", "breaking");
    assert_eq!(report["counts"]["schemas_changed"], 1);
    assert_eq!(report["counts"]["operations_changed"], 2);

    assert!(xtask(&["diff", &old, &new]).status.success());
    let failed = xtask(&["diff", &old, &new, "--fail-on", "breaking"]);
    assert!(!failed.status.success());
    // No change, nothing breaks.
    assert!(xtask(&["diff", &old, &old, "--fail-on", "breaking"])
        .status
        .success());
}

#[test]
fn base_compares_spec_dir_at_a_revision() {
    // The working tree against HEAD: whatever the state, the command runs and reports every
    // spec of spec/ as a comparison or a note.
    let output = xtask(&["diff", "--base", "HEAD", "--format", "json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert!(report.get("reports").is_some() || report.get("counts").is_some());
    let bad = xtask(&["diff", "--base", "no-such-revision"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no-such-revision"));
}
