//! Specs the generator cannot handle give clear errors that name the place, never a panic.

use apigen::load::load_bytes;
use apigen::lower::lower;

fn problems(yaml: &str) -> Vec<String> {
    let document = match load_bytes("bad.yaml", yaml.as_bytes(), false) {
        Ok(document) => document,
        Err(diagnostic) => return vec![diagnostic.to_string()],
    };
    match lower(&document) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
    }
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

#[test]
fn dangling_ref_names_the_ref_and_where_it_is() {
    let spec = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    a:\n      type: object\n      properties:\n        b: {{$ref: '#/components/schemas/missing'}}\n"
    );
    let problems = problems(&spec);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("bad.yaml at #/components/schemas/a/properties/b"),
        "{problems:?}"
    );
    assert!(
        problems[0].contains("dangling $ref `#/components/schemas/missing`"),
        "{problems:?}"
    );
}

#[test]
fn ref_loop_without_a_schema_is_reported() {
    let spec = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    a: {{$ref: '#/components/schemas/b'}}\n    b: {{$ref: '#/components/schemas/a'}}\n    c:\n      type: object\n      properties:\n        x: {{$ref: '#/components/schemas/a'}}\n"
    );
    let problems = problems(&spec);
    assert!(
        problems.iter().any(|p| p.contains("$ref loop")),
        "{problems:?}"
    );
}

#[test]
fn a_schema_made_only_of_itself_is_reported() {
    let spec = format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    a:\n      allOf: [{{$ref: '#/components/schemas/a'}}]\n");
    let problems = problems(&spec);
    assert!(!problems.is_empty(), "expected an error");
}

#[test]
fn several_problems_are_reported_in_one_run() {
    let spec = format!(
        "{HEAD}paths:
  /a/{{id}}:
    get:
      operationId: same
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/nope'}}}}}}}}
  /b:
    get:
      operationId: same
      parameters:
        - {{name: x, in: path, required: true, schema: {{type: string}}}}
      responses:
        '200': {{description: ok}}
"
    );
    let problems = problems(&spec);
    let all = problems.join("\n");
    assert!(
        all.contains("path parameter `id` of `/a/{id}` is not declared"),
        "{all}"
    );
    assert!(all.contains("duplicate operationId `same`"), "{all}");
    assert!(all.contains("`/b` has no `{x}`"), "{all}");
    assert!(
        all.contains("dangling $ref `#/components/schemas/nope`"),
        "{all}"
    );
    assert!(all.contains("#/paths/~1a~1{id}/get"), "{all}");
}

#[test]
fn structural_errors_name_a_json_pointer() {
    let spec =
        format!("{HEAD}paths:\n  /a:\n    get:\n      parameters: 5\n      responses: {{}}\n");
    let problems = problems(&spec);
    assert!(
        problems[0].contains("#/paths/~1a/get/parameters"),
        "{problems:?}"
    );
}

#[test]
fn garbage_is_refused_with_a_located_error_never_a_panic() {
    let inputs = [
        "",
        "   \n",
        "{",
        "openapi: [",
        "openapi: 3.0.0",
        "openapi: 3.0.0\ninfo: 7",
        "openapi: 3.2.0\ninfo: {title: t, version: '1'}\npaths: {}",
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks: {a: 7}",
        "swagger: '2.0'",
        "\u{0}\u{1}",
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {a: {anyOf: []}}}",
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {a: {oneOf: [{$ref: '#/components/schemas/a'}]}}}",
    ];
    for input in inputs {
        let found = problems(input);
        assert!(
            found.iter().any(|p| p.starts_with("bad.yaml")),
            "{input:?} should be refused with a located error: {found:?}"
        );
    }
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("apigen-errors-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Multi-file specs: a `$ref` to a file that is missing, or to a place the file does not
/// have, names the referring file and pointer; nothing is generated.
#[test]
fn broken_refs_to_other_files_name_both_places() {
    let dir = tempdir("multi");
    std::fs::write(
        dir.join("common.yaml"),
        "components:\n  schemas:\n    Thing: {type: string}\n",
    )
    .unwrap();
    let spec = dir.join("spec.yaml");
    std::fs::write(
        &spec,
        format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    a:\n      type: object\n      properties:\n        b: {{$ref: 'missing.yaml#/x'}}\n        c: {{$ref: 'common.yaml#/components/schemas/Nope'}}\n        d: {{$ref: 'common.yaml#/components/schemas/Thing'}}\n"),
    )
    .unwrap();
    let options = apigen::CrateOptions {
        name: "t".to_owned(),
        runtime_path: "r".to_owned(),
        standalone: true,
    };
    let Err(errors) = apigen::generate(&spec, &options) else {
        panic!("broken references were accepted");
    };
    let text = errors.to_string();
    assert_eq!(errors.0.len(), 2, "{text}");
    assert!(
        text.contains("spec.yaml at #/components/schemas/a/properties/b/$ref")
            && text.contains("cannot read")
            && text.contains("missing.yaml"),
        "{text}"
    );
    assert!(
        text.contains("spec.yaml at #/components/schemas/a/properties/c/$ref")
            && text.contains("has nothing at #/components/schemas/Nope"),
        "{text}"
    );
}

/// A file that refers back to the main spec, and two files that refer to each other, load.
#[test]
fn refs_between_files_may_form_cycles() {
    let dir = tempdir("cycle");
    std::fs::write(
        dir.join("a.yaml"),
        "type: object\nproperties:\n  b: {$ref: 'b.yaml'}\n  root: {$ref: 'spec.yaml#/components/schemas/Root'}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.yaml"),
        "type: object\nproperties:\n  a: {$ref: './a.yaml'}\n",
    )
    .unwrap();
    let spec = dir.join("spec.yaml");
    std::fs::write(
        &spec,
        format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Root:\n      type: object\n      properties:\n        a: {{$ref: 'a.yaml'}}\n"),
    )
    .unwrap();
    let document = apigen::load::load_file(&spec).unwrap();
    let schemas = &document.api.components.as_ref().unwrap().schemas;
    let names: Vec<&String> = schemas.keys().collect();
    assert_eq!(names, ["Root", "a", "b"]);
    let api = lower(&document).unwrap();
    assert!(api.types.iter().any(|t| t.name == "A"));
}

/// Absurd nesting is refused by the parsers' depth limits with a located error, never a
/// stack overflow; nesting within the limits generates.
#[test]
fn absurd_nesting_is_an_error_not_a_crash() {
    let open = "{type: array, items: ".repeat(1_000);
    let close = "}".repeat(1_000);
    let yaml = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Deep: {open}{{type: string}}{close}\n"
    );
    let found = problems(&yaml);
    assert!(
        found.len() == 1
            && found[0].contains("bad.yaml:6:")
            && found[0].contains("recursion limit"),
        "{found:?}"
    );
    let json = format!(
        "{{\"openapi\":\"3.0.3\",\"info\":{{\"title\":\"t\",\"version\":\"1\"}},\"paths\":{{}},\"components\":{{\"schemas\":{{\"Deep\":{}{{\"type\":\"string\"}}{}}}}}}}",
        "{\"type\":\"array\",\"items\":".repeat(1_000),
        "}".repeat(1_000)
    );
    let error = apigen::load::load_bytes("bad.json", json.as_bytes(), true)
        .err()
        .expect("refused");
    assert!(error.to_string().contains("recursion limit"), "{error}");

    let nested = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Deep: {}{{type: string}}{}\n",
        "{type: object, properties: {a: ".repeat(50),
        "}}".repeat(50)
    );
    assert!(problems(&nested).is_empty());
}

/// `b: anyOf [c, string]`, `c: oneOf [b, integer]`: decoding `B` would try `C`, which tries
/// `B`... for ever. An object in between (`d`) is fine: its fields end the recursion.
#[test]
fn unions_that_contain_themselves_are_refused() {
    let spec = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:
    b: {{anyOf: [{{$ref: '#/components/schemas/c'}}, {{type: string}}]}}
    c: {{oneOf: [{{$ref: '#/components/schemas/b'}}, {{type: integer}}]}}
    d: {{oneOf: [{{type: object, properties: {{d: {{$ref: '#/components/schemas/d'}}}}}}, {{type: integer}}]}}
    e: {{anyOf: [{{$ref: '#/components/schemas/e'}}, {{type: string}}]}}
"
    );
    let found = problems(&spec);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].contains("at #/components/schemas/b: the union `B` contains itself through `C`"),
        "{found:?}"
    );
    assert!(
        found[1].contains("at #/components/schemas/c: the union `C` contains itself through `B`"),
        "{found:?}"
    );
    assert!(
        found[2]
            .contains("at #/components/schemas/e: the union `E` contains itself with no object"),
        "{found:?}"
    );
}
