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
fn garbage_never_panics() {
    let inputs = [
        "",
        "   \n",
        "{",
        "openapi: [",
        "openapi: 3.0.0",
        "openapi: 3.0.0\ninfo: 7",
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}",
        "swagger: '2.0'",
        "\u{0}\u{1}",
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {a: {anyOf: []}}}",
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {a: {oneOf: [{$ref: '#/components/schemas/a'}]}}}",
    ];
    for input in inputs {
        let _ = problems(input);
    }
}
