//! Reading an OpenAPI 3.1 document: its JSON value is rewritten into the 3.0 form the
//! `openapiv3` structs hold, keeping the meaning; what 3.1 says that 3.0 cannot is a located
//! warning, never a silent loss of a field's type. Runs after bundling, before
//! [`crate::normalize`] (which reads `type: [T, "null"]`, `type: "null"` and numeric exclusive
//! bounds in any document).
//!
//! | 3.1 | read as |
//! |---|---|
//! | `anyOf`/`oneOf` with a `{type: "null"}` alternative | the other alternatives, `nullable: true` |
//! | `enum` listing `null` | the other values, `nullable: true` |
//! | `$ref` with sibling keywords (`description`, `default`...) | `allOf: [{$ref}]` with the siblings |
//! | `const: v` | `enum: [v]` (with the type of `v`) |
//! | `examples: [a, ...]` in a schema | `example: a` |
//! | `contentEncoding: base64` | `format: byte` |
//! | `contentMediaType` on a string | `format: binary` |
//! | `$recursiveRef`/`$dynamicRef: "#"` | `$ref` to the enclosing component |
//! | `patternProperties`, `unevaluatedProperties` | `additionalProperties` |
//! | the schemas `true` and `false` | `{}`, and no such property/alternative |
//! | `$ref` to `components/pathItems` | the path item itself |
//! | `webhooks` | kept for [`crate::load::Document::webhooks`] |
//! | `jsonSchemaDialect`, `mutualTLS` security | dropped, with a warning |
//! | `prefixItems`, `if`/`then`/`else`, `dependent*`, `contains`, `propertyNames`, `$id` | dropped, with a warning: not checked |

use serde_json::{Map, Value};

use crate::error::{pointer_segment, Diagnostic};
use crate::spec_json::{walk_objects, Kind, Place};

/// The dialect a 3.1 document has unless it says otherwise.
const DEFAULT_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// Keywords that only validate, which the generated types do not check.
const UNCHECKED: &[&str] = &[
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "unevaluatedItems",
    "$id",
];

/// Keywords with no bearing on types or documentation, dropped quietly.
const QUIET: &[&str] = &[
    "$schema",
    "$comment",
    "$anchor",
    "$dynamicAnchor",
    "$recursiveAnchor",
    "$vocabulary",
];

/// Whether the document at `root` says it is OpenAPI 3.1.
pub fn is_three_one(root: &Value) -> bool {
    root.get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3.1"))
}

/// Rewrites a 3.1 document in place; the warnings say what had no 3.0 form, where.
pub fn to_three_zero(file: &str, root: &mut Value) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let mut warn = |pointer: &str, message: String| {
        warnings.push(Diagnostic::at(file, pointer.to_owned(), message));
    };
    let Some(object) = root.as_object_mut() else {
        return warnings;
    };
    if let Some(dialect) = object.remove("jsonSchemaDialect") {
        if dialect.as_str() != Some(DEFAULT_DIALECT) {
            warn(
                "/jsonSchemaDialect",
                format!("schemas are read as OpenAPI's own dialect, not {dialect}"),
            );
        }
    }
    // A 3.1 document may have only webhooks.
    object
        .entry("paths")
        .or_insert_with(|| Value::Object(Map::new()));
    inline_path_items(object);
    if let Some(Value::Object(schemes)) = object
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
    {
        schemes.retain(|name, scheme| {
            let mutual = scheme.get("type").and_then(Value::as_str) == Some("mutualTLS");
            if mutual {
                warn(
                    &format!("/components/securitySchemes/{}", pointer_segment(name)),
                    "mutual TLS is set up outside the generated client; the scheme is dropped"
                        .to_owned(),
                );
            }
            !mutual
        });
    }
    walk_objects(
        root,
        &mut String::new(),
        Place::Root,
        &mut |map, at, kind| {
            if kind == Kind::Schema {
                schema(map, at, &mut warn);
            }
        },
    );
    warnings
}

/// `{$ref: "#/components/pathItems/x"}` in `paths` and `webhooks` → that path item (the 3.0
/// structs have no `pathItems` section).
fn inline_path_items(object: &mut Map<String, Value>) {
    let Some(items) = object
        .get("components")
        .and_then(|c| c.get("pathItems"))
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    for section in ["paths", "webhooks"] {
        let Some(Value::Object(entries)) = object.get_mut(section) else {
            continue;
        };
        for entry in entries.values_mut() {
            // Chains of references end; a loop stops at the number of items.
            for _ in 0..=items.len() {
                let Some(name) = entry
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/pathItems/"))
                else {
                    break;
                };
                match items.get(&crate::error::unescape_segment(name)) {
                    Some(item) => *entry = item.clone(),
                    None => break,
                }
            }
        }
    }
}

fn schema(map: &mut Map<String, Value>, at: &str, warn: &mut dyn FnMut(&str, String)) {
    for key in QUIET {
        map.remove(*key);
    }
    recursive_ref(map, at, warn);
    boolean_schemas(map, at, warn);
    null_alternatives(map);
    ref_siblings(map);
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        let before = values.len();
        values.retain(|v| !v.is_null());
        if values.len() != before {
            map.insert("nullable".to_owned(), Value::Bool(true));
        }
    }
    if let Some(value) = map.remove("const") {
        constant(map, value);
    }
    if let Some(Value::Array(examples)) = map.remove("examples") {
        if let Some(first) = examples.into_iter().next() {
            map.entry("example").or_insert(first);
        }
    }
    content_keywords(map);
    properties_by_pattern(map, at, warn);
    for key in UNCHECKED {
        if map.remove(*key).is_some() {
            warn(
                &format!("{at}/{}", pointer_segment(key)),
                format!("`{key}` has no OpenAPI 3.0 form; the generated types do not check it"),
            );
        }
    }
    if let Some(items) = map.remove("prefixItems") {
        let count = items.as_array().map_or(0, Vec::len);
        map.entry("items")
            .or_insert_with(|| Value::Object(Map::new()));
        warn(
            &format!("{at}/prefixItems"),
            format!(
                "a tuple ({count} positions) has no OpenAPI 3.0 form; read as a list of any values"
            ),
        );
    }
}

/// `$recursiveRef: "#"` (2019-09) and `$dynamicRef: "#..."` (2020-12) point back at the
/// schema resource they sit in: here, the component.
fn recursive_ref(map: &mut Map<String, Value>, at: &str, warn: &mut dyn FnMut(&str, String)) {
    for key in ["$recursiveRef", "$dynamicRef"] {
        let Some(target) = map.remove(key) else {
            continue;
        };
        let component: Vec<&str> = at.split('/').take(4).collect();
        let in_component =
            component.len() == 4 && component[1] == "components" && component[2] == "schemas";
        if target.as_str().is_some_and(|t| t.starts_with('#')) && in_component {
            map.insert(
                "$ref".to_owned(),
                Value::String(format!("#{}", component.join("/"))),
            );
        } else {
            warn(
                &format!("{at}/{}", pointer_segment(key)),
                format!("`{key}` to {target} cannot be followed; read as any value"),
            );
        }
    }
}

/// The schemas `true` (anything) and `false` (nothing) where a keyword holds schemas.
fn boolean_schemas(map: &mut Map<String, Value>, at: &str, warn: &mut dyn FnMut(&str, String)) {
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        let never: Vec<String> = properties
            .iter()
            .filter(|(_, v)| **v == Value::Bool(false))
            .map(|(k, _)| k.clone())
            .collect();
        for name in never {
            properties.remove(&name);
            warn(
                &format!("{at}/properties/{}", pointer_segment(&name)),
                "a property whose schema is `false` can never be sent; left out".to_owned(),
            );
        }
        for value in properties.values_mut() {
            if *value == Value::Bool(true) {
                *value = Value::Object(Map::new());
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(parts)) = map.get_mut(key) {
            parts.retain(|part| *part != Value::Bool(false) || key == "allOf");
            for part in parts.iter_mut() {
                if *part == Value::Bool(true) {
                    *part = Value::Object(Map::new());
                }
            }
        }
    }
    for key in ["items", "not"] {
        if let Some(value @ Value::Bool(_)) = map.get_mut(key) {
            if *value == Value::Bool(false) && key == "items" {
                warn(
                    &format!("{at}/items"),
                    "`items: false` (no items beyond a tuple) is read as any items".to_owned(),
                );
            }
            *value = Value::Object(Map::new());
        }
    }
}

/// Whether an alternative only says "null".
fn is_null_schema(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    let type_null = match map.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(types)) => types.iter().all(|t| t == "null"),
        _ => false,
    };
    let const_null = map.get("const") == Some(&Value::Null)
        || map
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().all(Value::is_null) && !e.is_empty());
    (type_null || const_null)
        && map.keys().all(|k| {
            matches!(
                k.as_str(),
                "type" | "const" | "enum" | "description" | "title"
            ) || k.starts_with("x-")
        })
}

/// `anyOf: [X, {type: "null"}]`: X, nullable. One alternative left is merged into the
/// schema (a `$ref` as an `allOf` part, which keeps the schema's own keywords).
fn null_alternatives(map: &mut Map<String, Value>) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(alternatives)) = map.get(key) else {
            continue;
        };
        if !alternatives.iter().any(is_null_schema) {
            continue;
        }
        let rest: Vec<Value> = alternatives
            .iter()
            .filter(|a| !is_null_schema(a))
            .cloned()
            .collect();
        map.insert("nullable".to_owned(), Value::Bool(true));
        match <[Value; 1]>::try_from(rest) {
            Ok([only]) => {
                map.remove(key);
                merge(map, only);
            }
            Err(rest) if rest.is_empty() => {
                map.remove(key);
            }
            Err(rest) => {
                map.insert(key.to_owned(), Value::Array(rest));
            }
        }
    }
}

/// Merges one schema into another that says "and also this": keywords the outer schema has
/// win (its description is about this use); a reference becomes an `allOf` part.
fn merge(map: &mut Map<String, Value>, inner: Value) {
    let Value::Object(inner) = inner else {
        return;
    };
    if inner.contains_key("$ref") || map.contains_key("allOf") {
        match map.get_mut("allOf") {
            Some(Value::Array(parts)) => parts.push(Value::Object(inner)),
            _ => {
                map.insert("allOf".to_owned(), Value::Array(vec![Value::Object(inner)]));
            }
        }
        return;
    }
    for (key, value) in inner {
        map.entry(key).or_insert(value);
    }
}

/// `{$ref, description, ...}`: in 3.0 the siblings of a `$ref` are ignored, in 3.1 they
/// apply: the reference becomes an `allOf` part so that they still do.
fn ref_siblings(map: &mut Map<String, Value>) {
    if !map.contains_key("$ref") || map.len() == 1 {
        return;
    }
    if map.keys().all(|k| k == "$ref" || k.starts_with("x-")) {
        return;
    }
    let Some(reference) = map.remove("$ref") else {
        return;
    };
    let mut part = Map::new();
    part.insert("$ref".to_owned(), reference);
    merge(map, Value::Object(part));
}

/// `const: v` → a one-value enum, typed by the value when the schema has no type.
fn constant(map: &mut Map<String, Value>, value: Value) {
    if value.is_null() {
        map.insert("nullable".to_owned(), Value::Bool(true));
        return;
    }
    if !map.contains_key("type") {
        let ty = match &value {
            Value::String(_) => Some("string"),
            Value::Bool(_) => Some("boolean"),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
            Value::Number(_) => Some("number"),
            _ => None,
        };
        if let Some(ty) = ty {
            map.insert("type".to_owned(), Value::String(ty.to_owned()));
        }
    }
    map.entry("enum")
        .or_insert_with(|| Value::Array(vec![value]));
}

/// `contentEncoding`/`contentMediaType` on a string: encoded bytes or raw bytes.
fn content_keywords(map: &mut Map<String, Value>) {
    let encoding = map.remove("contentEncoding");
    let media = map.remove("contentMediaType");
    let is_string = map.get("type").and_then(Value::as_str) == Some("string");
    if !is_string || map.contains_key("format") {
        return;
    }
    let format = match (encoding.as_ref().and_then(Value::as_str), media) {
        (Some("base64" | "base64url"), _) => "byte",
        (None, Some(_)) => "binary",
        _ => return,
    };
    map.insert("format".to_owned(), Value::String(format.to_owned()));
}

/// `patternProperties`/`unevaluatedProperties` as the map value schema 3.0 can say.
fn properties_by_pattern(
    map: &mut Map<String, Value>,
    at: &str,
    warn: &mut dyn FnMut(&str, String),
) {
    if let Some(unevaluated) = map.remove("unevaluatedProperties") {
        map.entry("additionalProperties").or_insert(unevaluated);
    }
    let Some(Value::Object(patterns)) = map.remove("patternProperties") else {
        return;
    };
    let pointer = format!("{at}/patternProperties");
    let mut values = patterns.into_iter();
    let value = match (values.next(), values.next()) {
        (Some((pattern, schema)), None) => {
            warn(
                &pointer,
                format!("keys are not checked against the pattern `{pattern}`"),
            );
            schema
        }
        _ => {
            warn(
                &pointer,
                "several key patterns have no OpenAPI 3.0 form; values read as any value"
                    .to_owned(),
            );
            Value::Object(Map::new())
        }
    };
    if !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lowered(mut value: Value) -> (Value, Vec<String>) {
        let warnings = to_three_zero("spec.yaml", &mut value);
        (value, warnings.iter().map(|w| w.to_string()).collect())
    }

    fn schemas(value: &Value) -> &Value {
        &value["components"]["schemas"]
    }

    #[test]
    fn null_alternatives_make_the_rest_nullable() {
        let (value, warnings) = lowered(json!({"openapi": "3.1.0", "components": {"schemas": {
            "a": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "A."},
            "b": {"anyOf": [{"$ref": "#/components/schemas/a"}, {"type": "null"}], "description": "B."},
            "c": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
            "d": {"type": ["string", "null"], "enum": ["x", null]}
        }}}));
        let s = schemas(&value);
        assert_eq!(
            s["a"],
            json!({"type": "string", "nullable": true, "description": "A."})
        );
        assert_eq!(
            s["b"],
            json!({"allOf": [{"$ref": "#/components/schemas/a"}], "nullable": true, "description": "B."})
        );
        assert_eq!(
            s["c"],
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
        assert_eq!(s["d"]["enum"], json!(["x"]));
        assert_eq!(s["d"]["nullable"], json!(true));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn ref_siblings_const_examples_and_content_keep_their_meaning() {
        let (value, warnings) = lowered(json!({"openapi": "3.1.0", "components": {"schemas": {
            "a": {"type": "object", "properties": {
                "kind": {"const": "thing"},
                "owner": {"$ref": "#/components/schemas/b", "description": "Who."},
                "plain": {"$ref": "#/components/schemas/b"},
                "count": {"type": "integer", "examples": [3, 4]},
                "blob": {"type": "string", "contentMediaType": "image/png"},
                "packed": {"type": "string", "contentEncoding": "base64"},
                "any": true,
                "never": false
            }},
            "b": {"type": "object"}
        }}}));
        let p = &schemas(&value)["a"]["properties"];
        assert_eq!(p["kind"], json!({"type": "string", "enum": ["thing"]}));
        assert_eq!(
            p["owner"],
            json!({"allOf": [{"$ref": "#/components/schemas/b"}], "description": "Who."})
        );
        assert_eq!(p["plain"], json!({"$ref": "#/components/schemas/b"}));
        assert_eq!(p["count"], json!({"type": "integer", "example": 3}));
        assert_eq!(p["blob"], json!({"type": "string", "format": "binary"}));
        assert_eq!(p["packed"], json!({"type": "string", "format": "byte"}));
        assert_eq!(p["any"], json!({}));
        assert!(p.get("never").is_none());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("#/components/schemas/a/properties/never"),
            "{warnings:?}"
        );
    }

    #[test]
    fn recursion_path_items_and_what_has_no_three_zero_form() {
        let (value, warnings) = lowered(json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "webhooks": {"ping": {"$ref": "#/components/pathItems/ping"}},
            "components": {
                "pathItems": {"ping": {"post": {"responses": {"200": {"description": "ok"}}}}},
                "securitySchemes": {"tls": {"type": "mutualTLS"}, "key": {"type": "http", "scheme": "bearer"}},
                "schemas": {
                    "tree": {"$recursiveAnchor": true, "type": "object", "properties": {
                        "children": {"type": "array", "items": {"$recursiveRef": "#"}},
                        "tags": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"},
                                 "patternProperties": {"^[a-z]+$": {"type": "string"}}},
                        "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
                    }}
                }
            }
        }));
        assert_eq!(value["paths"], json!({}));
        assert_eq!(
            value["webhooks"]["ping"]["post"]["responses"]["200"]["description"],
            "ok"
        );
        assert!(value["components"]["securitySchemes"].get("tls").is_none());
        let tree = &schemas(&value)["tree"];
        assert!(tree.get("$recursiveAnchor").is_none());
        assert_eq!(
            tree["properties"]["children"]["items"],
            json!({"$ref": "#/components/schemas/tree"})
        );
        assert_eq!(
            tree["properties"]["tags"],
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
        assert_eq!(
            tree["properties"]["pair"],
            json!({"type": "array", "items": {}})
        );
        let at = |pointer: &str| warnings.iter().any(|w| w.contains(pointer));
        assert!(at("#/jsonSchemaDialect"), "{warnings:?}");
        assert!(at("#/components/securitySchemes/tls"), "{warnings:?}");
        assert!(
            at("#/components/schemas/tree/properties/tags/propertyNames"),
            "{warnings:?}"
        );
        assert!(
            at("#/components/schemas/tree/properties/tags/patternProperties"),
            "{warnings:?}"
        );
        assert!(
            at("#/components/schemas/tree/properties/pair/prefixItems"),
            "{warnings:?}"
        );
        assert_eq!(warnings.len(), 5, "{warnings:?}");
    }
}
