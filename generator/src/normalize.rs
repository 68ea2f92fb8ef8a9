//! Normalisation of a spec on its JSON value, before the typed parse: what real specs write
//! that the `openapiv3` structs cannot hold is rewritten to what it means, each time with a
//! warning that names the place. Refusals are for specs that are wrong, not unusual.
//!
//! | written | read as |
//! |---|---|
//! | an integer bound beyond 64 bits, or a fraction (`maximum: 18446744073709552000`) | the nearest `i64` inside it |
//! | a numeric `exclusiveMinimum`/`exclusiveMaximum` (the 3.1 form) | the bound with `exclusive...: true` |
//! | a length or count that is a float, negative or huge (`maxLength: 5e3`) | the integer, or dropped |
//! | `type: [T, "null"]` | `type: T` with `nullable: true` |
//! | `type: file` (Swagger 2) | `type: string, format: binary` |
//! | an unknown `type` | no type (any value) |
//! | numbers or booleans in a string enum | their text |
//! | `required: true` inside a schema (Swagger 2) | dropped |
//! | a `discriminator` without `propertyName` | dropped |
//! | a response without `description` | `description: ""` |
//! | a parameter without `schema` or `content` | `schema: {}` (any value) |
//! | a server variable without `default` | its first `enum` value, else `""` |
//! | an operation without `responses` | none documented |
//! | a number as `info.version` or `title` | its text |

use serde_json::{Map, Number, Value};

use crate::error::Diagnostic;
use crate::load::display;
use crate::spec_json::{walk_objects, Kind, Place};

/// Rewrites `root` in place; the warnings say what was rewritten, where.
pub fn normalize(file: &str, root: &mut Value) -> Vec<Diagnostic> {
    let mut normalizer = Normalizer {
        file,
        three_one: root
            .get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("3.1")),
        warnings: Vec::new(),
    };
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        for key in ["version", "title"] {
            if let Some(value) = info.get_mut(key) {
                if !value.is_string() && !value.is_null() {
                    normalizer.warn(
                        &format!("/info/{key}"),
                        format!("`{key}` should be a string; {value} is read as text"),
                    );
                    *value = Value::String(display(value));
                }
            }
        }
    }
    walk_objects(
        root,
        &mut String::new(),
        Place::Root,
        &mut |map, at, kind| normalizer.object(map, at, kind),
    );
    normalizer.warnings
}

struct Normalizer<'a> {
    file: &'a str,
    /// An OpenAPI 3.1 document, where the 3.1 forms are no news.
    three_one: bool,
    warnings: Vec<Diagnostic>,
}

impl Normalizer<'_> {
    fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings
            .push(Diagnostic::at(self.file, pointer.to_owned(), message));
    }

    /// A warning about a 3.1 form, for 3.0 documents only.
    fn warn_form(&mut self, pointer: &str, message: impl Into<String>) {
        if !self.three_one {
            self.warn(pointer, message);
        }
    }

    /// One object of a known kind: a schema, parameter, response, server variable...
    fn object(&mut self, map: &mut Map<String, Value>, at: &str, kind: Kind) {
        if map.contains_key("$ref") {
            return;
        }
        match kind {
            Kind::Response if !map.contains_key("description") => {
                self.warn(at, "a response needs a `description`; read as empty");
                map.insert("description".to_owned(), Value::String(String::new()));
            }
            Kind::Parameter if !map.contains_key("schema") && !map.contains_key("content") => {
                self.warn(
                    at,
                    "a parameter needs a `schema` or `content`; read as any value",
                );
                map.insert("schema".to_owned(), Value::Object(Map::new()));
            }
            Kind::ServerVariable if !map.contains_key("default") => {
                let first = map
                    .get("enum")
                    .and_then(Value::as_array)
                    .and_then(|values| values.first())
                    .map(display)
                    .unwrap_or_default();
                self.warn(
                    at,
                    format!("a server variable needs a `default`; `{first}` is used"),
                );
                map.insert("default".to_owned(), Value::String(first));
            }
            Kind::Operation if !map.contains_key("responses") => {
                self.warn(
                    at,
                    "an operation needs `responses`; read as none documented",
                );
                map.insert("responses".to_owned(), Value::Object(Map::new()));
            }
            Kind::Schema => self.schema(map, at),
            _ => {}
        }
    }

    fn schema(&mut self, map: &mut Map<String, Value>, at: &str) {
        self.schema_type(map, at);
        fold_composition_siblings(map);
        if map.get("required").is_some_and(Value::is_boolean) {
            self.warn(
                &format!("{at}/required"),
                "`required: true` inside a schema is Swagger 2.0; list the property in its object's `required` instead (dropped)",
            );
            map.remove("required");
        }
        if let Some(discriminator) = map.get("discriminator") {
            if discriminator
                .get("propertyName")
                .is_none_or(|p| !p.is_string())
            {
                self.warn(
                    &format!("{at}/discriminator"),
                    "a discriminator needs a `propertyName` (dropped)",
                );
                map.remove("discriminator");
            }
        }
        let ty = map.get("type").and_then(Value::as_str).map(str::to_owned);
        if ty.as_deref() == Some("integer") {
            self.integer_bounds(map, at);
        } else if ty.as_deref() == Some("number") {
            self.number_bounds(map, at);
        }
        if ty.as_deref() == Some("string") || ty.is_none() {
            self.string_enum(map, at, ty.is_some());
        }
        for key in [
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minProperties",
            "maxProperties",
        ] {
            self.count(map, key, at);
        }
    }

    /// `type` as the 3.0 structs hold it: one known name.
    fn schema_type(&mut self, map: &mut Map<String, Value>, at: &str) {
        const KNOWN: &[&str] = &["string", "number", "integer", "boolean", "array", "object"];
        let pointer = format!("{at}/type");
        match map.get("type").cloned() {
            Some(Value::Array(types)) => {
                let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
                let nullable = names.contains(&"null");
                let rest: Vec<&str> = names.iter().copied().filter(|n| *n != "null").collect();
                match rest.as_slice() {
                    [one] => {
                        self.warn_form(
                            &pointer,
                            format!(
                                "a list of types is OpenAPI 3.1; read as `type: {one}`{}",
                                if nullable {
                                    " with `nullable: true`"
                                } else {
                                    ""
                                }
                            ),
                        );
                        map.insert("type".to_owned(), Value::String((*one).to_owned()));
                    }
                    _ => {
                        self.warn(
                            &pointer,
                            format!(
                                "several types ({}) cannot be one Rust type; read as any value",
                                rest.join(", ")
                            ),
                        );
                        map.remove("type");
                    }
                }
                if nullable {
                    map.insert("nullable".to_owned(), Value::Bool(true));
                }
            }
            Some(Value::String(name)) if name == "file" => {
                self.warn(
                    &pointer,
                    "`type: file` is Swagger 2.0; read as `type: string, format: binary`",
                );
                map.insert("type".to_owned(), Value::String("string".to_owned()));
                map.insert("format".to_owned(), Value::String("binary".to_owned()));
            }
            Some(Value::String(name)) if name == "null" => {
                self.warn_form(
                    &pointer,
                    "`type: null` is OpenAPI 3.1; read as a nullable value",
                );
                map.remove("type");
                map.insert("nullable".to_owned(), Value::Bool(true));
            }
            Some(Value::String(name)) if KNOWN.contains(&name.as_str()) => {}
            Some(other) => {
                self.warn(&pointer, format!("unknown type {other}; read as any value"));
                map.remove("type");
            }
            None => {}
        }
    }

    /// Integer bounds as `i64`, exclusive bounds as booleans.
    fn integer_bounds(&mut self, map: &mut Map<String, Value>, at: &str) {
        for (bound, exclusive, up) in [
            ("minimum", "exclusiveMinimum", true),
            ("maximum", "exclusiveMaximum", false),
        ] {
            self.numeric_exclusive(map, bound, exclusive, at);
            let Some(value) = map.get(bound) else {
                continue;
            };
            if value.is_i64() {
                continue;
            }
            let pointer = format!("{at}/{bound}");
            let Some(number) = value.as_f64() else {
                self.warn(&pointer, format!("`{bound}` must be a number (dropped)"));
                map.remove(bound);
                continue;
            };
            // Inward, so that the bound still holds.
            let rounded = if up { number.ceil() } else { number.floor() };
            let clamped = rounded.clamp(i64::MIN as f64, i64::MAX as f64) as i64;
            // `9223372036854776000` is how a YAML writer spells `i64::MAX`: meant as it.
            if rounded != clamped as f64 || number.fract() != 0.0 {
                self.warn(
                    &pointer,
                    format!("integer bound {number} is not an `i64`; {clamped} is used"),
                );
            }
            map.insert(bound.to_owned(), Value::Number(clamped.into()));
        }
    }

    fn number_bounds(&mut self, map: &mut Map<String, Value>, at: &str) {
        for (bound, exclusive) in [
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        ] {
            self.numeric_exclusive(map, bound, exclusive, at);
            if map.get(bound).is_some_and(|v| !v.is_number()) {
                self.warn(
                    &format!("{at}/{bound}"),
                    format!("`{bound}` must be a number (dropped)"),
                );
                map.remove(bound);
            }
        }
    }

    /// `exclusiveMinimum: 5` (3.1) is `minimum: 5, exclusiveMinimum: true` (3.0).
    fn numeric_exclusive(
        &mut self,
        map: &mut Map<String, Value>,
        bound: &str,
        exclusive: &str,
        at: &str,
    ) {
        let Some(value) = map.get(exclusive).cloned() else {
            return;
        };
        if value.is_boolean() {
            return;
        }
        let pointer = format!("{at}/{exclusive}");
        if value.is_number() {
            self.warn_form(
                &pointer,
                format!("a numeric `{exclusive}` is OpenAPI 3.1; read as `{bound}: {value}, {exclusive}: true`"),
            );
            map.insert(bound.to_owned(), value);
            map.insert(exclusive.to_owned(), Value::Bool(true));
        } else {
            self.warn(
                &pointer,
                format!("`{exclusive}` must be a boolean (dropped)"),
            );
            map.remove(exclusive);
        }
    }

    /// A string enum's values as strings (`enum: [1, 2]` on `type: string`). Without a type,
    /// only an enum of strings and other scalars mixed is rewritten.
    fn string_enum(&mut self, map: &mut Map<String, Value>, at: &str, typed: bool) {
        let Some(Value::Array(values)) = map.get_mut("enum") else {
            return;
        };
        let has_string = values.iter().any(Value::is_string);
        let odd = values.iter().any(|v| v.is_number() || v.is_boolean());
        if !odd || !(typed || has_string) {
            return;
        }
        for value in values.iter_mut() {
            if value.is_number() || value.is_boolean() {
                *value = Value::String(display(value));
            }
        }
        self.warn(
            &format!("{at}/enum"),
            "a string enum lists numbers or booleans; read as their text",
        );
    }

    /// A length or count as the structs hold it: a non-negative integer.
    fn count(&mut self, map: &mut Map<String, Value>, key: &str, at: &str) {
        let Some(value) = map.get(key) else {
            return;
        };
        if value.is_u64() {
            return;
        }
        let pointer = format!("{at}/{key}");
        match value.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 => {
                self.warn(
                    &pointer,
                    format!("`{key}` should be an integer; {n} is read as {}", n as u64),
                );
                map.insert(key.to_owned(), Value::Number(Number::from(n as u64)));
            }
            _ => {
                self.warn(
                    &pointer,
                    format!("`{key}` must be a non-negative integer; {value} is dropped"),
                );
                map.remove(key);
            }
        }
    }
}

/// `type: object` or object keywords next to `allOf`/`anyOf`/`oneOf`, which the 3.0 structs
/// cannot hold together (one of them would be lost): the object keywords become a part of
/// an `allOf`, and a bare `type: object` next to a composition goes (the parts say it).
fn fold_composition_siblings(map: &mut Map<String, Value>) {
    const OBJECT: &[&str] = &[
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
    ];
    let composition = ["allOf", "anyOf", "oneOf"]
        .into_iter()
        .find(|key| map.get(*key).is_some_and(Value::is_array));
    let Some(composition) = composition else {
        return;
    };
    let object_keys: Vec<&str> = OBJECT
        .iter()
        .copied()
        .filter(|key| map.contains_key(*key))
        .collect();
    let is_object = map.get("type").and_then(Value::as_str) == Some("object");
    if object_keys.is_empty() {
        if is_object {
            map.remove("type");
        }
        return;
    }
    if map.get("type").is_some_and(|t| !is_object && !t.is_null()) {
        return;
    }
    map.remove("type");
    let mut part = Map::new();
    part.insert("type".to_owned(), Value::String("object".to_owned()));
    for key in object_keys {
        if let Some(value) = map.remove(key) {
            part.insert(key.to_owned(), value);
        }
    }
    let part = Value::Object(part);
    if composition == "allOf" {
        if let Some(Value::Array(parts)) = map.get_mut("allOf") {
            parts.push(part);
        }
    } else if let Some(alternatives) = map.remove(composition) {
        let mut choice = Map::new();
        choice.insert(composition.to_owned(), alternatives);
        map.insert(
            "allOf".to_owned(),
            Value::Array(vec![part, Value::Object(choice)]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn normalized(mut value: Value) -> (Value, Vec<String>) {
        let warnings = normalize("spec.yaml", &mut value);
        (value, warnings.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn bounds_beyond_i64_are_clamped_with_a_located_warning() {
        let (value, warnings) = normalized(json!({
            "components": {"schemas": {"n": {"type": "integer", "maximum": 18446744073709552000.0, "minimum": 0.5}}}
        }));
        let schema = &value["components"]["schemas"]["n"];
        assert_eq!(schema["maximum"], json!(i64::MAX));
        assert_eq!(schema["minimum"], json!(1));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[1].contains("#/components/schemas/n/maximum"),
            "{warnings:?}"
        );
    }

    #[test]
    fn three_one_forms_in_a_three_zero_document_are_read_as_meant() {
        let (value, warnings) = normalized(json!({
            "components": {"schemas": {
                "a": {"type": ["string", "null"], "enum": ["x", 1, true]},
                "b": {"type": "number", "exclusiveMinimum": 0},
                "c": {"type": "file"},
                "d": {"type": "object", "properties": {"p": {"type": "string", "required": true}}}
            }}
        }));
        let schemas = &value["components"]["schemas"];
        assert_eq!(
            schemas["a"],
            json!({"type": "string", "nullable": true, "enum": ["x", "1", "true"]})
        );
        assert_eq!(
            schemas["b"],
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(schemas["c"], json!({"type": "string", "format": "binary"}));
        assert_eq!(schemas["d"]["properties"]["p"], json!({"type": "string"}));
        assert_eq!(warnings.len(), 5, "{warnings:?}");
    }

    #[test]
    fn examples_and_defaults_are_data() {
        let document = json!({
            "components": {"schemas": {"a": {
                "type": "object",
                "example": {"type": ["x", "y"], "maximum": 1.5},
                "default": {"type": "file"},
                "properties": {"example": {"type": "integer", "maximum": 2.5}}
            }}}
        });
        let (value, warnings) = normalized(document.clone());
        assert_eq!(
            value["components"]["schemas"]["a"]["example"],
            document["components"]["schemas"]["a"]["example"]
        );
        assert_eq!(
            value["components"]["schemas"]["a"]["default"],
            json!({"type": "file"})
        );
        // The property named `example` is a schema.
        assert_eq!(
            value["components"]["schemas"]["a"]["properties"]["example"]["maximum"],
            json!(2)
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn responses_parameters_and_variables_get_what_they_must_have() {
        let (value, warnings) = normalized(json!({
            "info": {"title": "t", "version": 2.0},
            "servers": [{"url": "https://{region}.example.com", "variables": {"region": {"enum": ["eu", "us"]}}}],
            "paths": {"/a": {"get": {
                "parameters": [{"name": "q", "in": "query"}],
                "responses": {"200": {"content": {}}}
            }}}
        }));
        assert_eq!(value["info"]["version"], json!("2.0"));
        assert_eq!(
            value["servers"][0]["variables"]["region"]["default"],
            json!("eu")
        );
        assert_eq!(
            value["paths"]["/a"]["get"]["parameters"][0]["schema"],
            json!({})
        );
        assert_eq!(
            value["paths"]["/a"]["get"]["responses"]["200"]["description"],
            json!("")
        );
        assert_eq!(warnings.len(), 4, "{warnings:?}");
    }
}
