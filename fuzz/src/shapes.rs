//! A spec the fuzzer describes by structure: names from a pool of awkward ones (keywords,
//! collisions, non-ASCII, punctuation) or free text, schemas of every kind the generator
//! lowers (including references that may dangle or loop), operations with parameters, bodies
//! and responses. [`Spec::to_json`] writes it as an OpenAPI 3.0 JSON document.

use arbitrary::Arbitrary;
use serde_json::{json, Map, Value};

/// Names that have broken code generators: Rust keywords, names that collide once cased,
/// names that are not identifiers at all.
const AWKWARD: &[&str] = &[
    "\r",
    "\t",
    "a\nb",
    "\u{0}",
    "std",
    "core",
    "models",
    "schemas",
    "server",
    "operations",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "r#type",
    "1st",
    "",
    "_",
    "__",
    "object",
    "id",
    "data",
    "has_more",
    "url",
    "Option",
    "Result",
    "String",
    "Box",
    "Vec",
    "serde",
    "rt",
    "async",
    "await",
    "dyn",
    "union",
    "match",
    "try",
    "gen",
    "créé",
    "日本",
    "😀",
    "a-b",
    "a.b",
    "a b",
    "A",
    "a",
    "ABC",
    "aBC",
    "a_b_",
    "metadata",
    "expand",
    "Unknown",
    "default",
    "$ref",
    "{id}",
    "/",
    "*/",
    "\"",
    "\\",
    "list",
    "Value",
    "Map",
    "Expandable",
    "deleted",
    "None",
];

#[derive(Arbitrary, Debug)]
pub enum Name {
    Awkward(u8),
    Free(String),
}

impl Name {
    fn text(&self) -> String {
        match self {
            Name::Awkward(index) => AWKWARD[*index as usize % AWKWARD.len()].to_owned(),
            Name::Free(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
pub enum Format {
    UnixTime,
    DateTime,
    Binary,
    Int64,
    Other(String),
}

#[derive(Arbitrary, Debug)]
pub enum Shape {
    String {
        values: Vec<Name>,
        format: Option<Format>,
        max_length: Option<u16>,
    },
    Integer {
        values: Vec<i64>,
        minimum: Option<i64>,
        maximum: Option<i64>,
    },
    Number,
    Boolean {
        values: Vec<bool>,
    },
    Array(Box<Shape>),
    Map(Box<Shape>),
    Object {
        /// The `object` constant that makes it a resource (with an id newtype).
        resource: Option<Name>,
        properties: Vec<(Name, Shape, bool)>,
        additional: Option<Box<Shape>>,
    },
    /// `#/components/schemas/<the n-th schema's name>`, or a dangling one.
    Ref(u8),
    AnyOf(Vec<Shape>),
    OneOf(Vec<Shape>),
    AllOf(Vec<Shape>),
    /// The list envelope of these items.
    List(Box<Shape>),
    /// An id or the object (`x-expansionResources`).
    Expandable(u8),
    /// `anyOf: [value, {enum: [""]}]`: a value or "" to unset it.
    Unsettable(Box<Shape>),
    Empty,
    Nullable(Box<Shape>),
    Described(String, Box<Shape>),
}

#[derive(Arbitrary, Debug)]
pub struct Parameter {
    name: Name,
    location: u8,
    required: bool,
    schema: Shape,
}

#[derive(Arbitrary, Debug)]
pub enum Segment {
    Literal(Name),
    Parameter(Name),
}

#[derive(Arbitrary, Debug)]
pub struct Operation {
    method: u8,
    path: Vec<Segment>,
    operation_id: Option<Name>,
    tag: Option<Name>,
    summary: Option<String>,
    parameters: Vec<Parameter>,
    /// Form-encoded body properties.
    body: Option<Vec<(Name, Shape, bool)>>,
    responses: Vec<(u16, Option<Shape>)>,
}

#[derive(Arbitrary, Debug)]
pub struct Spec {
    title: Name,
    version: Name,
    description: Option<String>,
    server: Option<String>,
    schemas: Vec<(Name, Shape)>,
    operations: Vec<Operation>,
    api_key_in_query: Option<Name>,
}

/// Deeper shapes only cost time: below this they become strings.
const MAX_DEPTH: usize = 6;

impl Spec {
    pub fn to_json(&self) -> String {
        let names: Vec<String> = self.schemas.iter().map(|(n, _)| n.text()).collect();
        let writer = Writer { names: &names };
        let mut schemas = Map::new();
        for (name, shape) in &self.schemas {
            schemas.insert(name.text(), writer.schema(shape, 0));
        }
        let mut paths = Map::new();
        for operation in &self.operations {
            let path = operation
                .path
                .iter()
                .map(|segment| match segment {
                    Segment::Literal(name) => name.text(),
                    Segment::Parameter(name) => format!("{{{}}}", name.text()),
                })
                .collect::<Vec<_>>()
                .join("/");
            let method = ["get", "post", "delete", "put", "patch"][operation.method as usize % 5];
            let item = paths
                .entry(format!("/v1/{path}"))
                .or_insert_with(|| json!({}));
            item[method] = writer.operation(operation);
        }
        let mut security_schemes = json!({"basicAuth": {"type": "http", "scheme": "basic"}});
        if let Some(name) = &self.api_key_in_query {
            security_schemes["queryKey"] =
                json!({"type": "apiKey", "in": "query", "name": name.text()});
        }
        let mut info = json!({"title": self.title.text(), "version": self.version.text()});
        if let Some(description) = &self.description {
            info["description"] = json!(description);
        }
        let mut spec = json!({
            "openapi": "3.0.3",
            "info": info,
            "paths": paths,
            "components": {"schemas": schemas, "securitySchemes": security_schemes},
            "security": [{"basicAuth": []}],
        });
        if let Some(url) = &self.server {
            spec["servers"] = json!([{"url": url}]);
        }
        spec.to_string()
    }
}

struct Writer<'a> {
    names: &'a [String],
}

impl Writer<'_> {
    fn reference(&self, index: u8) -> Value {
        let name = match self.names {
            [] => "missing".to_owned(),
            names => names[index as usize % names.len()]
                .replace('~', "~0")
                .replace('/', "~1"),
        };
        json!({"$ref": format!("#/components/schemas/{name}")})
    }

    fn schema(&self, shape: &Shape, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return json!({"type": "string"});
        }
        let deeper = |shape: &Shape| self.schema(shape, depth + 1);
        let all = |shapes: &[Shape]| shapes.iter().map(deeper).collect::<Vec<_>>();
        match shape {
            Shape::String {
                values,
                format,
                max_length,
            } => {
                let mut schema = json!({"type": "string"});
                if !values.is_empty() {
                    schema["enum"] = values.iter().map(Name::text).collect();
                }
                if let Some(format) = format {
                    schema["format"] = json!(match format {
                        Format::UnixTime => "unix-time".to_owned(),
                        Format::DateTime => "date-time".to_owned(),
                        Format::Binary => "binary".to_owned(),
                        Format::Int64 => "int64".to_owned(),
                        Format::Other(other) => other.clone(),
                    });
                }
                if let Some(max) = max_length {
                    schema["maxLength"] = json!(max);
                }
                schema
            }
            Shape::Integer {
                values,
                minimum,
                maximum,
            } => {
                let mut schema = json!({"type": "integer"});
                if !values.is_empty() {
                    schema["enum"] = json!(values);
                }
                if let Some(minimum) = minimum {
                    schema["minimum"] = json!(minimum);
                }
                if let Some(maximum) = maximum {
                    schema["maximum"] = json!(maximum);
                }
                schema
            }
            Shape::Number => json!({"type": "number"}),
            Shape::Boolean { values } => {
                let mut schema = json!({"type": "boolean"});
                if !values.is_empty() {
                    schema["enum"] = json!(values);
                }
                schema
            }
            Shape::Array(items) => json!({"type": "array", "items": deeper(items)}),
            Shape::Map(values) => json!({"type": "object", "additionalProperties": deeper(values)}),
            Shape::Object {
                resource,
                properties,
                additional,
            } => {
                let mut props = Map::new();
                let mut required = Vec::new();
                if let Some(resource) = resource {
                    props.insert("id".into(), json!({"type": "string"}));
                    props.insert(
                        "object".into(),
                        json!({"type": "string", "enum": [resource.text()]}),
                    );
                    required.extend(["id".to_owned(), "object".to_owned()]);
                }
                for (name, shape, is_required) in properties {
                    props.insert(name.text(), deeper(shape));
                    if *is_required {
                        required.push(name.text());
                    }
                }
                let mut schema = json!({"type": "object", "properties": props});
                if !required.is_empty() {
                    schema["required"] = json!(required);
                }
                if let Some(additional) = additional {
                    schema["additionalProperties"] = deeper(additional);
                }
                schema
            }
            Shape::Ref(index) => self.reference(*index),
            Shape::AnyOf(shapes) => json!({"anyOf": all(shapes)}),
            Shape::OneOf(shapes) => json!({"oneOf": all(shapes)}),
            Shape::AllOf(shapes) => json!({"allOf": all(shapes)}),
            Shape::List(items) => json!({
                "type": "object",
                "required": ["object", "data", "has_more", "url"],
                "properties": {
                    "object": {"type": "string", "enum": ["list"]},
                    "data": {"type": "array", "items": deeper(items)},
                    "has_more": {"type": "boolean"},
                    "url": {"type": "string"},
                },
            }),
            Shape::Expandable(index) => json!({
                "anyOf": [{"type": "string", "maxLength": 5000}, self.reference(*index)],
                "x-expansionResources": {"oneOf": [self.reference(*index)]},
            }),
            Shape::Unsettable(value) => json!({
                "anyOf": [deeper(value), {"type": "string", "enum": [""]}],
            }),
            Shape::Empty => json!({}),
            Shape::Nullable(inner) => {
                let mut schema = deeper(inner);
                if let Value::Object(map) = &mut schema {
                    map.insert("nullable".into(), json!(true));
                }
                schema
            }
            Shape::Described(text, inner) => {
                let mut schema = deeper(inner);
                if let Value::Object(map) = &mut schema {
                    map.insert("description".into(), json!(text));
                }
                schema
            }
        }
    }

    fn operation(&self, operation: &Operation) -> Value {
        let mut value = json!({});
        if let Some(id) = &operation.operation_id {
            value["operationId"] = json!(id.text());
        }
        if let Some(tag) = &operation.tag {
            value["tags"] = json!([tag.text()]);
        }
        if let Some(summary) = &operation.summary {
            value["summary"] = json!(summary);
        }
        let parameters: Vec<Value> = operation
            .parameters
            .iter()
            .map(|p| {
                let location = ["query", "path", "header"][p.location as usize % 3];
                json!({
                    "name": p.name.text(),
                    "in": location,
                    "required": p.required || location == "path",
                    "schema": self.schema(&p.schema, 1),
                })
            })
            .collect();
        if !parameters.is_empty() {
            value["parameters"] = json!(parameters);
        }
        if let Some(body) = &operation.body {
            let mut props = Map::new();
            let mut required = Vec::new();
            for (name, shape, is_required) in body {
                props.insert(name.text(), self.schema(shape, 1));
                if *is_required {
                    required.push(name.text());
                }
            }
            value["requestBody"] = json!({"content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": props, "required": required}
            }}});
        }
        let mut responses = Map::new();
        for (status, shape) in &operation.responses {
            let code = match status % 8 {
                0 => "default".to_owned(),
                n => ["200", "201", "202", "204", "400", "404", "402"][n as usize - 1].to_owned(),
            };
            let mut response = json!({"description": "r"});
            if let Some(shape) = shape {
                response["content"] =
                    json!({"application/json": {"schema": self.schema(shape, 1)}});
            }
            responses.insert(code, response);
        }
        if responses.is_empty() {
            responses.insert("200".into(), json!({"description": "ok"}));
        }
        value["responses"] = Value::Object(responses);
        value
    }
}
