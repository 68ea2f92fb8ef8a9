//! Reading a spec file: bytes → JSON value (YAML or JSON) → `openapiv3::OpenAPI`.

use std::path::Path;

use openapiv3::OpenAPI;
use serde_json::{Map, Number, Value};

use crate::error::{pointer_segment, Diagnostic, Errors};

/// A loaded spec and the name its diagnostics use.
pub struct Document {
    /// The file it was read from (as given).
    pub file: String,
    /// The parsed document.
    pub api: OpenAPI,
    /// What normalisation rewrote, where (see [`crate::normalize`]).
    pub warnings: Vec<Diagnostic>,
    /// OpenAPI 3.1 `webhooks`: the requests the API sends, by name, in document order.
    pub webhooks: Vec<(String, openapiv3::PathItem)>,
}

/// Reads and parses the spec at `path`, with the files its `$ref`s name.
pub fn load_file(path: &Path) -> Result<Document, Errors> {
    let file = path.display().to_string();
    let prepared = || -> Result<(Value, Vec<Diagnostic>), Errors> {
        let mut value = read_value(path)?;
        check_version(&file, &value)?;
        crate::bundle::bundle(path, &file, &mut value)?;
        let warnings = prepare(&file, &mut value);
        Ok((value, warnings))
    };
    let (value, warnings) = prepared()?;
    Ok(from_value(&file, value, warnings, || {
        prepared().ok().map(|(value, _)| value)
    })?)
}

/// The value in the form the typed parse reads: 3.1 as 3.0, deep references hoisted,
/// normalised. Returns what was read not as written.
fn prepare(file: &str, value: &mut Value) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    if crate::three_one::is_three_one(value) {
        warnings = crate::three_one::to_three_zero(file, value);
    }
    crate::bundle::hoist_local_refs(value);
    warnings.extend(crate::normalize::normalize(file, value));
    warnings
}

/// Reads a JSON or YAML file (by its extension) as a JSON value, OpenAPI or not.
pub fn read_value(path: &Path) -> Result<Value, Diagnostic> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|error| Diagnostic::at(&file, "", format!("cannot read the file: {error}")))?;
    let is_json = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    parse_text(&file, &bytes, is_json)
}

/// Parses spec text, JSON when `is_json`, YAML otherwise. `$ref`s to other files are left
/// as they are (and reported as dangling later): use [`load_file`] for multi-file specs.
pub fn load_bytes(file: &str, bytes: &[u8], is_json: bool) -> Result<Document, Diagnostic> {
    let prepared = || -> Result<(Value, Vec<Diagnostic>), Diagnostic> {
        let mut value = parse_value(file, bytes, is_json)?;
        let warnings = prepare(file, &mut value);
        Ok((value, warnings))
    };
    let (value, warnings) = prepared()?;
    from_value(file, value, warnings, || {
        prepared().ok().map(|(value, _)| value)
    })
}

/// Text → JSON value of an OpenAPI 3.0 or 3.1 document (not yet checked beyond its version).
fn parse_value(file: &str, bytes: &[u8], is_json: bool) -> Result<Value, Diagnostic> {
    let value = parse_text(file, bytes, is_json)?;
    check_version(file, &value)?;
    Ok(value)
}

/// Text → JSON value, JSON when `is_json`, YAML otherwise.
fn parse_text(file: &str, bytes: &[u8], is_json: bool) -> Result<Value, Diagnostic> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        Diagnostic::at(
            file,
            "",
            format!("the spec is not UTF-8 text (byte {})", error.valid_up_to()),
        )
    })?;
    if text.trim().is_empty() {
        return Err(Diagnostic::at(file, "", "the spec file is empty"));
    }
    let value = if is_json {
        parse_json(file, text)?
    } else {
        parse_yaml(file, text)?
    };
    Ok(value)
}

/// The typed document from its prepared value, which it consumes (its strings move into
/// the document instead of being copied). `again` makes the value anew, to locate a failure.
fn from_value(
    file: &str,
    value: Value,
    warnings: Vec<Diagnostic>,
    again: impl FnOnce() -> Option<Value>,
) -> Result<Document, Diagnostic> {
    let webhooks = webhooks(file, &value)?;
    // Plain serde: the failure is located by `locate`, not by a tracked path (tracking the
    // path of every node cost a third of this step on the official spec).
    let api = typed(value).map_err(|error| {
        let Some(value) = again() else {
            return Diagnostic::at(file, "", format!("not a valid OpenAPI document: {error}"));
        };
        let (pointer, message) = locate(&value, String::new(), Part::Root);
        let place = if pointer.is_empty() {
            " (in the top-level object)"
        } else {
            ""
        };
        Diagnostic::at(
            file,
            pointer,
            format!("not a valid OpenAPI document: {message}{place}"),
        )
    })?;
    Ok(Document {
        file: file.to_owned(),
        api,
        warnings,
        webhooks,
    })
}

/// The typed document, its paths and its components deserialized on two threads (they are
/// nearly all of a big spec): most of the paths on one, the rest with the components and the
/// rest of the document on the other (paths took about four times the components' time on
/// the official spec).
fn typed(mut value: Value) -> Result<OpenAPI, serde_json::Error> {
    use serde::Deserialize;
    let Some(object) = value.as_object_mut() else {
        return OpenAPI::deserialize(value);
    };
    // An empty object in the paths' place: their absence stays an error of the document.
    let paths = object
        .get_mut("paths")
        .map(|paths| std::mem::replace(paths, Value::Object(Default::default())));
    let components = object.remove("components").filter(|c| !c.is_null());
    // The paths in two runs of entries, in order (each typed as `Paths` on its own).
    let (first_paths, rest_paths) = match paths {
        Some(Value::Object(entries)) => {
            let cut = entries.len() * 3 / 5;
            let mut first = serde_json::Map::new();
            let mut rest = serde_json::Map::new();
            for (index, (key, entry)) in entries.into_iter().enumerate() {
                if index < cut { &mut first } else { &mut rest }.insert(key, entry);
            }
            (Some(Value::Object(first)), Some(Value::Object(rest)))
        }
        other => (other, None),
    };
    let typed_paths = |paths: Option<Value>| paths.map(openapiv3::Paths::deserialize).transpose();
    let (api, first_paths, rest_paths, components) = std::thread::scope(|scope| {
        let first_paths = scope.spawn(|| typed_paths(first_paths));
        let rest_paths = typed_paths(rest_paths);
        let components = components
            .map(openapiv3::Components::deserialize)
            .transpose();
        let api = OpenAPI::deserialize(value);
        let first_paths = first_paths
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (api, first_paths, rest_paths, components)
    });
    let mut api = api?;
    if let Some(mut paths) = first_paths? {
        if let Some(rest) = rest_paths? {
            paths.paths.extend(rest.paths);
            paths.extensions.extend(rest.extensions);
        }
        api.paths = paths;
    }
    api.components = components?;
    Ok(api)
}

/// The `webhooks` section, parsed as path items (the 3.0 structs have no place for it).
fn webhooks(file: &str, value: &Value) -> Result<Vec<(String, openapiv3::PathItem)>, Diagnostic> {
    let Some(entries) = value.get("webhooks").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(entries.len());
    for (name, entry) in entries {
        let pointer = format!("/webhooks/{}", pointer_segment(name));
        let item =
            serde_path_to_error::deserialize::<_, openapiv3::PathItem>(entry).map_err(|e| {
                Diagnostic::at(
                    file,
                    format!("{pointer}{}", path_to_pointer(e.path())),
                    format!("not a valid webhook: {}", e.inner()),
                )
            })?;
        out.push((name.clone(), item));
    }
    Ok(out)
}

/// The kinds of OpenAPI objects [`locate`] descends through.
#[derive(Clone, Copy)]
enum Part {
    Root,
    Paths,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Components,
    Schema,
}

impl Part {
    /// Whether `value` deserializes as this part; the error with its inner path if not.
    fn check(self, value: &Value) -> Result<(), (String, String)> {
        use openapiv3::*;
        fn try_as<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), (String, String)> {
            serde_path_to_error::deserialize::<_, T>(value)
                .map(drop)
                .map_err(|e| (path_to_pointer(e.path()), e.inner().to_string()))
        }
        match self {
            Part::Root => try_as::<OpenAPI>(value),
            Part::Paths => try_as::<Paths>(value),
            Part::PathItem => try_as::<ReferenceOr<PathItem>>(value),
            Part::Operation => try_as::<openapiv3::Operation>(value),
            Part::Parameter => try_as::<ReferenceOr<Parameter>>(value),
            Part::RequestBody => try_as::<ReferenceOr<RequestBody>>(value),
            Part::Response => try_as::<ReferenceOr<Response>>(value),
            Part::Components => try_as::<Components>(value),
            Part::Schema => try_as::<ReferenceOr<Schema>>(value),
        }
    }

    /// The parts directly inside `value`, with their pointers relative to it.
    fn children(self, value: &Value) -> Vec<(String, &Value, Part)> {
        let mut out = Vec::new();
        let mut each =
            |path: &[&str], part: Part| collect(value, path, String::new(), part, &mut out);
        match self {
            Part::Root => {
                each(&["paths"], Part::Paths);
                each(&["components"], Part::Components);
            }
            Part::Paths => each(&["*"], Part::PathItem),
            Part::PathItem => {
                for method in [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ] {
                    each(&[method], Part::Operation);
                }
                each(&["parameters", "*"], Part::Parameter);
            }
            Part::Operation => {
                each(&["parameters", "*"], Part::Parameter);
                each(&["requestBody"], Part::RequestBody);
                each(&["responses", "*"], Part::Response);
            }
            Part::Parameter => each(&["schema"], Part::Schema),
            Part::RequestBody | Part::Response => each(&["content", "*", "schema"], Part::Schema),
            Part::Components => {
                each(&["schemas", "*"], Part::Schema);
                each(&["parameters", "*"], Part::Parameter);
                each(&["requestBodies", "*"], Part::RequestBody);
                each(&["responses", "*"], Part::Response);
            }
            Part::Schema => {
                each(&["properties", "*"], Part::Schema);
                each(&["items"], Part::Schema);
                each(&["additionalProperties"], Part::Schema);
                each(&["not"], Part::Schema);
                for keyword in ["anyOf", "oneOf", "allOf"] {
                    each(&[keyword, "*"], Part::Schema);
                }
            }
        }
        out
    }
}

fn collect<'v>(
    value: &'v Value,
    path: &[&str],
    pointer: String,
    part: Part,
    out: &mut Vec<(String, &'v Value, Part)>,
) {
    let Some((first, rest)) = path.split_first() else {
        out.push((pointer, value, part));
        return;
    };
    let children: Vec<(String, &Value)> = match (*first, value) {
        ("*", Value::Object(map)) => map.iter().map(|(k, v)| (pointer_segment(k), v)).collect(),
        ("*", Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        (key, Value::Object(map)) => map
            .get(key)
            .map(|v| (key.to_owned(), v))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    for (segment, child) in children {
        collect(child, rest, format!("{pointer}/{segment}"), part, out);
    }
}

/// The deepest part that fails to deserialize, as (JSON pointer, message): serde's own path
/// stops at the flattened and untagged types `openapiv3` uses at every level.
fn locate(value: &Value, pointer: String, part: Part) -> (String, String) {
    for (segment, child, child_part) in part.children(value) {
        if child_part.check(child).is_err() {
            return locate(child, format!("{pointer}{segment}"), child_part);
        }
    }
    match part.check(value) {
        Err((inner, message)) => (format!("{pointer}{inner}"), message),
        Ok(()) => (pointer, "invalid document".to_owned()),
    }
}

fn parse_json(file: &str, text: &str) -> Result<Value, Diagnostic> {
    serde_json::from_str(text).map_err(|error| Diagnostic {
        line: Some(error.line()),
        column: Some(error.column()),
        ..Diagnostic::at(file, "", format!("invalid JSON: {error}"))
    })
}

/// The one place that uses `serde_yaml` (deprecated upstream): swap the parser here. YAML is
/// read straight into a JSON value ([`YamlAsJson`]), without `serde_yaml::Value` in between,
/// so integers beyond 64 bits (`maximum: 18446744073709552000`) become JSON numbers (floats)
/// instead of a refusal; normalisation deals with them later.
fn parse_yaml(file: &str, text: &str) -> Result<Value, Diagnostic> {
    let YamlAsJson(value) = serde_yaml::from_str(text).map_err(|error| {
        let location = error.location();
        Diagnostic {
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            ..Diagnostic::at(file, "", format!("invalid YAML: {error}"))
        }
    })?;
    Ok(value)
}

/// A YAML document as a JSON value. YAML allows non-string keys (`200:` for a status code);
/// OpenAPI means them as strings. Tags (`!foo value`) are dropped, keeping the value.
struct YamlAsJson(Value);

impl<'de> serde::Deserialize<'de> for YamlAsJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor).map(YamlAsJson)
    }
}

struct YamlVisitor;

impl<'de> serde::de::Visitor<'de> for YamlVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_i128<E: serde::de::Error>(self, n: i128) -> Result<Value, E> {
        self.visit_f64(n as f64)
    }

    fn visit_u128<E: serde::de::Error>(self, n: u128) -> Result<Value, E> {
        self.visit_f64(n as f64)
    }

    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Value, E> {
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("the number {f} has no JSON form")))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, inner: D) -> Result<Value, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(YamlAsJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(YamlKey(key)) = map.next_key()? {
            let YamlAsJson(value) = map.next_value()?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;
        let (_tag, variant): (serde::de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant::<YamlAsJson>().map(|v| v.0)
    }
}

/// A mapping key: any scalar, as text.
struct YamlKey(String);

impl<'de> serde::Deserialize<'de> for YamlKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = match YamlAsJson::deserialize(deserializer)?.0 {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".to_owned(),
            Value::Array(_) | Value::Object(_) => {
                return Err(serde::de::Error::custom("a mapping key must be a scalar"))
            }
        };
        Ok(YamlKey(key))
    }
}

fn check_version(file: &str, value: &Value) -> Result<(), Diagnostic> {
    let Some(object) = value.as_object() else {
        return Err(Diagnostic::at(
            file,
            "",
            "not an OpenAPI document: the top level is not a mapping",
        ));
    };
    if let Some(swagger) = object.get("swagger") {
        return Err(Diagnostic::at(
            file,
            "/swagger",
            format!(
                "Swagger {} (OpenAPI 2.0) is not supported; convert it to OpenAPI 3.0",
                display(swagger)
            ),
        ));
    }
    match object.get("openapi") {
        None => Err(Diagnostic::at(
            file,
            "",
            "not an OpenAPI document: no `openapi` version field",
        )),
        Some(Value::String(version))
            if version.starts_with("3.0") || version.starts_with("3.1") =>
        {
            Ok(())
        }
        Some(version) => Err(Diagnostic::at(
            file,
            "/openapi",
            format!(
                "OpenAPI {} is not supported; OpenAPI 3.0.x and 3.1.x are",
                display(version)
            ),
        )),
    }
}

/// A JSON value as text: a string as it is, anything else as JSON.
pub(crate) fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&pointer_segment(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str, is_json: bool) -> String {
        match load_bytes("spec.yaml", text.as_bytes(), is_json) {
            Ok(_) => panic!("expected an error"),
            Err(diagnostic) => diagnostic.to_string(),
        }
    }

    #[test]
    fn rejects_what_is_not_openapi_3_0() {
        assert!(error("", false).contains("empty"));
        assert!(error("swagger: '2.0'\n", false).contains("Swagger 2.0"));
        assert!(error("openapi: 3.2.0\n", false).contains("OpenAPI 3.2.0 is not supported"));
        assert!(error("- a\n", false).contains("top level is not a mapping"));
        assert!(error("{\"openapi\": ", true).contains("spec.yaml:1:"));
        assert!(error("openapi: 3.0.0\ninfo: [\n", false).contains("invalid YAML"));
    }

    #[test]
    fn names_the_pointer_of_a_structural_error() {
        let text = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n";
        let message = error(text, false);
        assert!(message.contains("#/paths/~1a/get/responses"), "{message}");
        // Paths and components are typed on their own threads: their errors are located
        // the same, and the rest of the document is still checked.
        let text = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {type: object, properties: 7}\n";
        let message = error(text, false);
        assert!(message.contains("#/components/schemas/A"), "{message}");
        let message = error("openapi: 3.0.0\ninfo: {title: t, version: '1'}\n", false);
        assert!(message.contains("paths"), "{message}");
        let message = error("openapi: 3.0.0\ninfo: 7\npaths: {}\n", false);
        assert!(message.contains("info"), "{message}");
        let text = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: null\n";
        assert!(load_bytes("spec.yaml", text.as_bytes(), false).is_ok());
    }

    #[test]
    fn numeric_yaml_keys_become_strings() {
        let text = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n";
        let document = load_bytes("spec.yaml", text.as_bytes(), false).unwrap();
        let operation = document.api.paths.paths["/a"]
            .as_item()
            .unwrap()
            .get
            .as_ref()
            .unwrap();
        assert_eq!(operation.responses.responses.len(), 1);
    }
}
