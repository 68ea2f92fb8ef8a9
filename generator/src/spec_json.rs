//! Walking a spec as JSON, before the typed parse (bundling, normalisation): what each object
//! is (a path item, an operation, a parameter, a schema...) from where it sits, which maps
//! hold names (`properties`, `paths`, `responses`...) rather than keywords, and which keyword
//! values are data (`example`, `default`, `enum`, extensions) that is never read as schemas or
//! `$ref`s: a `{"$ref": "https://..."}` inside an example is an example.

use serde_json::{Map, Value};

use crate::error::pointer_segment;
use crate::model::HttpMethod;

/// The kinds of OpenAPI object a walk tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    PathItem,
    Operation,
    Parameter,
    Header,
    RequestBody,
    Response,
    MediaType,
    Encoding,
    Example,
    Link,
    Callback,
    SecurityScheme,
    ServerVariable,
    Schema,
    /// Anything else (the document's root has its own place).
    Other,
}

impl Kind {
    /// The `components` section objects of this kind go to (`schemas` for anything that has
    /// none).
    pub(crate) fn section(self) -> &'static str {
        match self {
            Kind::Parameter => "parameters",
            Kind::Header => "headers",
            Kind::RequestBody => "requestBodies",
            Kind::Response => "responses",
            Kind::Example => "examples",
            Kind::Link => "links",
            Kind::Callback => "callbacks",
            Kind::SecurityScheme => "securitySchemes",
            _ => "schemas",
        }
    }
}

/// Where a value sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// The document itself.
    Root,
    /// The `components` object.
    Components,
    /// A map of names (or a list) whose entries are of this kind.
    Entries(Kind),
    /// An object of this kind: its keys are keywords.
    Object(Kind),
}

/// Keyword values that are data.
const DATA: &[&str] = &[
    "example",
    "default",
    "enum",
    "const",
    "value",
    "externalValue",
];

/// The place of the value under `key` of an object (or map) at `place`; `None` when that
/// value is data (an example, a default, an enum's values, an extension), never walked.
pub(crate) fn child_place(place: Place, key: &str) -> Option<Place> {
    use Kind::*;
    use Place::{Entries, Object};
    let keywords = !matches!(place, Entries(_));
    if keywords && (key.starts_with("x-") || DATA.contains(&key)) {
        return None;
    }
    // A schema's `examples` (OpenAPI 3.1) is a list of values.
    if place == Object(Schema) && key == "examples" {
        return None;
    }
    Some(match (place, key) {
        (Entries(kind), _) => Object(kind),
        (Place::Root, "paths" | "webhooks") => Entries(PathItem),
        (Place::Root, "components") => Place::Components,
        (Place::Components, section) => Entries(match section {
            "schemas" => Schema,
            "parameters" => Parameter,
            "headers" => Header,
            "requestBodies" => RequestBody,
            "responses" => Response,
            "examples" => Example,
            "links" => Link,
            "callbacks" => Callback,
            "securitySchemes" => SecurityScheme,
            "pathItems" => PathItem,
            _ => Other,
        }),
        (Object(PathItem), method) if HttpMethod::ALL.iter().any(|m| m.key() == method) => {
            Object(Operation)
        }
        (Object(PathItem | Operation), "parameters") => Entries(Parameter),
        (Object(Operation), "requestBody") => Object(RequestBody),
        (Object(Operation), "responses") => Entries(Response),
        (Object(Operation), "callbacks") => Entries(Callback),
        // A callback maps runtime expressions to path items.
        (Object(Callback), _) => Object(PathItem),
        (Object(Parameter | Header | MediaType), "schema") => Object(Schema),
        (Object(Parameter | Header | RequestBody | Response), "content") => Entries(MediaType),
        (Object(Parameter | Header | MediaType), "examples") => Entries(Example),
        (Object(Response | Encoding), "headers") => Entries(Header),
        (Object(Response), "links") => Entries(Link),
        (Object(MediaType), "encoding") => Entries(Encoding),
        (
            Object(Schema),
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependentSchemas"
            | "allOf" | "anyOf" | "oneOf" | "prefixItems",
        ) => Entries(Schema),
        (
            Object(Schema),
            "items"
            | "additionalProperties"
            | "not"
            | "contains"
            | "propertyNames"
            | "if"
            | "then"
            | "else"
            | "unevaluatedItems"
            | "unevaluatedProperties",
        ) => Object(Schema),
        (_, "variables") => Entries(ServerVariable),
        _ => Object(Other),
    })
}

/// What [`walk_objects`] calls on each object: the object, its pointer, its kind.
pub(crate) type Visit<'a> = dyn FnMut(&mut Map<String, Value>, &str, Kind) + 'a;

/// Calls `visit` on every object of a known kind in `value` (at `place`), parents before
/// their children, with its JSON pointer; what `visit` leaves in the object is walked next.
pub(crate) fn walk_objects(
    value: &mut Value,
    at: &mut String,
    place: Place,
    visit: &mut Visit<'_>,
) {
    match value {
        Value::Object(map) => {
            if let Place::Object(kind) = place {
                visit(map, at, kind);
            }
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let Some(inner) = child_place(place, &key) else {
                    continue;
                };
                let len = at.len();
                at.push('/');
                at.push_str(&pointer_segment(&key));
                if let Some(item) = map.get_mut(&key) {
                    walk_objects(item, at, inner, visit);
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{index}"));
                walk_objects(item, at, element_place(place), visit);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The place of the elements of a list at `place`.
pub(crate) fn element_place(place: Place) -> Place {
    match place {
        Place::Entries(kind) => Place::Object(kind),
        _ => Place::Object(Kind::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(keys: &[&str]) -> Option<Place> {
        keys.iter()
            .try_fold(Place::Root, |place, key| match key.parse::<usize>() {
                Ok(_) => Some(element_place(place)),
                Err(_) => child_place(place, key),
            })
    }

    #[test]
    fn places_follow_the_document_structure() {
        use Kind::*;
        use Place::Object;
        assert_eq!(walk(&["paths", "/a", "get"]), Some(Object(Operation)));
        assert_eq!(
            walk(&["paths", "/a", "get", "parameters", "0"]),
            Some(Object(Parameter))
        );
        assert_eq!(
            walk(&[
                "paths",
                "/a",
                "get",
                "responses",
                "200",
                "content",
                "application/json",
                "schema"
            ]),
            Some(Object(Schema))
        );
        assert_eq!(
            walk(&["components", "schemas", "a", "allOf", "1"]),
            Some(Object(Schema))
        );
        assert_eq!(
            walk(&["servers", "0", "variables", "region"]),
            Some(Object(ServerVariable))
        );
    }

    #[test]
    fn data_is_data_only_where_keywords_are() {
        assert_eq!(walk(&["components", "schemas", "a", "example"]), None);
        assert_eq!(walk(&["components", "schemas", "a", "x-examples"]), None);
        // A property called `example`, a response called `default`: names, not data.
        assert_eq!(
            walk(&["components", "schemas", "a", "properties", "example"]),
            Some(Place::Object(Kind::Schema))
        );
        assert_eq!(
            walk(&["paths", "/a", "get", "responses", "default"]),
            Some(Place::Object(Kind::Response))
        );
        assert_eq!(walk(&["components", "examples", "e", "value"]), None);
    }
}
