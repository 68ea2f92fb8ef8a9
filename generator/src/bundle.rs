//! Multi-file specs: `$ref`s to other files (`common.yaml#/components/schemas/Error`,
//! `./pet.yaml`) are copied into the main document's `components` and pointed at there, so
//! everything after loading sees one self-contained document.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{pointer_segment, unescape_segment, Diagnostic, Errors};
use crate::naming;
use crate::spec_json::{child_place, element_place, Kind, Place};

/// Deeper than any real spec copies `$ref`s into one another.
const MAX_INLINING: usize = 64;

/// What one imported `(file, pointer)` became in the main document.
struct Import {
    kind: String,
    name: String,
}

struct Bundler<'a> {
    main: PathBuf,
    main_label: &'a str,
    /// Parsed files, by normalized path.
    files: BTreeMap<PathBuf, Value>,
    imports: BTreeMap<(PathBuf, String), Import>,
    /// Names taken per component kind.
    taken: BTreeMap<String, Vec<String>>,
    /// Imported values still to copy in: (file, pointer, section, name, kind).
    pending: Vec<(PathBuf, String, String, String, Kind)>,
    errors: Vec<Diagnostic>,
    /// How many copied-in `$ref`s deep the rewrite is (a loop of them would never end).
    inlining: usize,
}

/// Resolves every `$ref` to another file in `root` (the document at `path`).
pub fn bundle(path: &Path, label: &str, root: &mut Value) -> Result<(), Errors> {
    if !has_external_refs(root, Place::Root) {
        return Ok(());
    }
    let main = normalize(path);
    let mut taken = BTreeMap::new();
    if let Some(components) = root.get("components").and_then(Value::as_object) {
        for (kind, entries) in components {
            if let Some(entries) = entries.as_object() {
                taken.insert(kind.clone(), entries.keys().cloned().collect());
            }
        }
    }
    let mut bundler = Bundler {
        main: main.clone(),
        main_label: label,
        files: BTreeMap::new(),
        imports: BTreeMap::new(),
        taken,
        pending: Vec::new(),
        errors: Vec::new(),
        inlining: 0,
    };
    bundler.rewrite(&main, root, &mut String::new(), Place::Root);
    let mut imported: Vec<(String, String, Value)> = Vec::new();
    while let Some((file, pointer, kind, name, place)) = bundler.pending.pop() {
        let Some(mut value) = bundler.files[&file].pointer(&pointer).cloned() else {
            continue;
        };
        let mut at = pointer.clone();
        bundler.rewrite(&file, &mut value, &mut at, Place::Object(place));
        imported.push((kind, name, value));
    }
    if !bundler.errors.is_empty() {
        return Err(Errors(bundler.errors));
    }
    let Some(object) = root.as_object_mut() else {
        return Ok(());
    };
    let components = object
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    for (kind, name, value) in imported {
        if let Some(components) = components.as_object_mut() {
            if let Some(entries) = components
                .entry(kind)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
            {
                entries.insert(name, value);
            }
        }
    }
    Ok(())
}

fn has_external_refs(value: &Value, place: Place) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, item)| {
            // A map of names written as a `$ref` counts too.
            if matches!(place, Place::Object(_) | Place::Entries(_)) && key == "$ref" {
                return item.as_str().is_some_and(|r| !r.starts_with('#'));
            }
            child_place(place, key).is_some_and(|inner| has_external_refs(item, inner))
        }),
        Value::Array(items) => items
            .iter()
            .any(|item| has_external_refs(item, element_place(place))),
        _ => false,
    }
}

impl Bundler<'_> {
    fn label(&self, file: &Path) -> String {
        if *file == self.main {
            self.main_label.to_owned()
        } else {
            file.display().to_string()
        }
    }

    /// Points every `$ref` in `value` (found in `file`, an object at `place`) into the main
    /// document; path items and operations from other files are copied in where they are
    /// used (`components` has no place for them); examples, defaults and other data are left
    /// as they are.
    fn rewrite(&mut self, file: &Path, value: &mut Value, at: &mut String, place: Place) {
        // A `$ref` to text or a list (`description: {$ref: intro.yml#/text}`) is the value.
        let reference = match &*value {
            Value::Object(map) => map.get("$ref").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        };
        if let Some(scalar) = reference.and_then(|r| self.non_object_target(file, &r)) {
            *value = scalar;
            return;
        }
        match value {
            Value::Object(map) => {
                // Copied in where used: path items and operations (`components` has no
                // place for them) and maps of names written as a `$ref` to a map (seen in
                // real specs: `properties: {$ref: attributes.yml#/droplet_ids}`).
                let inline = match place {
                    Place::Object(kind) => matches!(kind, Kind::PathItem | Kind::Operation),
                    Place::Entries(_) => true,
                    Place::Root | Place::Components => false,
                };
                let mut keys: Vec<String> = map.keys().cloned().collect();
                if let (true, Some(Value::String(reference))) = (inline, map.get("$ref")) {
                    let reference = reference.clone();
                    at.push_str("/$ref");
                    let found = self.locate(file, &reference, at);
                    at.truncate(at.len() - "/$ref".len());
                    let Some((target, pointer)) = found.filter(|(t, _)| *t != self.main) else {
                        return;
                    };
                    let Some(mut inlined) = self.files[&target].pointer(&pointer).cloned() else {
                        return;
                    };
                    if self.inlining >= MAX_INLINING {
                        self.errors.push(Diagnostic::at(
                            &self.label(file),
                            format!("{at}/$ref"),
                            format!(
                                "`$ref: {reference}` loops through objects copied in where used"
                            ),
                        ));
                        return;
                    }
                    self.inlining += 1;
                    self.rewrite(&target, &mut inlined, at, place);
                    self.inlining -= 1;
                    let Value::Object(entries) = inlined else {
                        self.errors.push(Diagnostic::at(
                            &self.label(file),
                            format!("{at}/$ref"),
                            format!("`$ref: {reference}` must name an object here"),
                        ));
                        return;
                    };
                    map.remove("$ref");
                    // What is written next to the `$ref` is kept (and wins); only that is
                    // still to walk, the copied entries are rewritten already.
                    keys.retain(|key| key != "$ref");
                    for (key, entry) in entries {
                        map.entry(key).or_insert(entry);
                    }
                }
                for key in keys {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&pointer_segment(&key));
                    let item = map.get_mut(&key).expect("key listed above");
                    match (place, item) {
                        (Place::Object(kind), Value::String(reference)) if key == "$ref" => {
                            if let Some(local) = self.resolve(file, reference, at, kind) {
                                *reference = local;
                            }
                        }
                        (_, item) => {
                            if let Some(inner) = child_place(place, &key) {
                                self.rewrite(file, item, at, inner);
                            }
                        }
                    }
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{index}"));
                    self.rewrite(file, item, at, element_place(place));
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// The value `reference` (written in `file`) names in another file, when that value is
    /// not an object. Problems are not reported here: resolving the reference reports them.
    fn non_object_target(&mut self, file: &Path, reference: &str) -> Option<Value> {
        let (written, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        if written.contains("://") {
            return None;
        }
        let target = target_file(file, written);
        if target == self.main {
            return None;
        }
        if !self.files.contains_key(&target) {
            let value = crate::load::read_value(&target).ok()?;
            self.files.insert(target.clone(), value);
        }
        match self.files[&target].pointer(pointer)? {
            Value::Object(_) => None,
            other => Some(other.clone()),
        }
    }

    /// The file and pointer `reference` (written in `file`) names, with the file read and the
    /// pointer checked; the located error if not.
    fn locate(&mut self, file: &Path, reference: &str, at: &str) -> Option<(PathBuf, String)> {
        let (written, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        if written.contains("://") {
            self.errors.push(Diagnostic::at(
                &self.label(file),
                at,
                format!("`$ref: {reference}`: references to URLs are not supported; download the file next to the spec"),
            ));
            return None;
        }
        let target = target_file(file, written);
        if target == self.main {
            return Some((target, pointer.to_owned()));
        }
        if !self.files.contains_key(&target) {
            match crate::load::read_value(&target) {
                Ok(value) => {
                    self.files.insert(target.clone(), value);
                }
                Err(problem) => {
                    self.errors.push(Diagnostic::at(
                        &self.label(file),
                        at,
                        format!("`$ref: {reference}`: {problem}"),
                    ));
                    return None;
                }
            }
        }
        if self.files[&target].pointer(pointer).is_none() {
            self.errors.push(Diagnostic::at(
                &self.label(file),
                at,
                format!(
                    "`$ref: {reference}`: {} has nothing at #{pointer}",
                    target.display()
                ),
            ));
            return None;
        }
        Some((target, pointer.to_owned()))
    }

    /// The main document's reference for `reference` written in `file`, in an object of
    /// `kind` (which says the `components` section an imported object goes to).
    fn resolve(&mut self, file: &Path, reference: &str, at: &str, kind: Kind) -> Option<String> {
        let (written, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        if written.is_empty() && *file == self.main {
            return Some(format!("#{pointer}"));
        }
        let (target, pointer) = self.locate(file, reference, at)?;
        if target == self.main {
            return Some(format!("#{pointer}"));
        }
        if let Some(import) = self.imports.get(&(target.clone(), pointer.clone())) {
            return Some(format!(
                "#/components/{}/{}",
                import.kind,
                pointer_segment(&import.name)
            ));
        }
        let segments: Vec<&str> = pointer.split('/').skip(1).collect();
        let (section, base) = match segments.as_slice() {
            ["components", section, name] => ((*section).to_owned(), unescape_segment(name)),
            [.., last] if !last.is_empty() => (kind.section().to_owned(), unescape_segment(last)),
            _ => (
                kind.section().to_owned(),
                target
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "Imported".to_owned()),
            ),
        };
        let stem = target
            .file_stem()
            .map(|s| naming::field_name(&s.to_string_lossy()))
            .unwrap_or_default();
        let taken = self.taken.entry(section.clone()).or_default();
        let mut name = base.clone();
        let mut counter = 1;
        while taken.contains(&name) {
            name = if counter == 1 {
                format!("{stem}_{base}")
            } else {
                format!("{stem}_{base}_{counter}")
            };
            counter += 1;
        }
        taken.push(name.clone());
        self.imports.insert(
            (target.clone(), pointer.clone()),
            Import {
                kind: section.clone(),
                name: name.clone(),
            },
        );
        self.pending
            .push((target, pointer, section.clone(), name.clone(), kind));
        Some(format!("#/components/{section}/{}", pointer_segment(&name)))
    }
}

/// The file a `$ref`'s file part (`../common.yaml`, or empty for the same file) names, from
/// the file it is written in.
fn target_file(file: &Path, written: &str) -> PathBuf {
    if written.is_empty() {
        file.to_path_buf()
    } else {
        normalize(&file.parent().unwrap_or(Path::new("")).join(written))
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (the file may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Local `$ref`s that point anywhere but at a component itself
/// (`#/components/parameters/limit/schema`, `#/components/schemas/a/properties/b`): the value
/// they name is copied into `components` (under a name made from the pointer) and the
/// `$ref` points there, as lowering reads components only. Returns what was copied, as
/// (pointer, component) pairs.
pub fn hoist_local_refs(root: &mut Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    collect_deep_refs(root, Place::Root, &mut found);
    let mut hoisted: BTreeMap<String, String> = BTreeMap::new();
    let mut taken: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(components) = root.get("components").and_then(Value::as_object) {
        for (section, entries) in components {
            if let Some(entries) = entries.as_object() {
                taken.insert(section.clone(), entries.keys().cloned().collect());
            }
        }
    }
    let mut pending: Vec<(String, Kind)> = found;
    let mut copies: Vec<(String, String, Value)> = Vec::new();
    while let Some((pointer, kind)) = pending.pop() {
        if hoisted.contains_key(&pointer) {
            continue;
        }
        let Some(value) = root.pointer(&pointer).cloned() else {
            continue;
        };
        let section = kind.section().to_owned();
        let base = pointer
            .split('/')
            .skip(1)
            .map(unescape_segment)
            .filter(|segment| !IGNORED_SEGMENTS.contains(&segment.as_str()))
            .collect::<Vec<_>>()
            .join("_")
            .replace(
                |c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-',
                "_",
            );
        let taken = taken.entry(section.clone()).or_default();
        let mut name = if base.is_empty() {
            "hoisted".to_owned()
        } else {
            base.clone()
        };
        let mut counter = 2;
        while taken.contains(&name) {
            name = format!("{base}_{counter}");
            counter += 1;
        }
        taken.push(name.clone());
        // What the copy points at deeply is hoisted too.
        collect_deep_refs(&value, Place::Object(kind), &mut pending);
        hoisted.insert(
            pointer.clone(),
            format!("#/components/{section}/{}", pointer_segment(&name)),
        );
        copies.push((section, name, value));
    }
    if hoisted.is_empty() {
        return Vec::new();
    }
    let Some(object) = root.as_object_mut() else {
        return Vec::new();
    };
    let components = object
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    for (section, name, mut value) in copies {
        point_at_hoisted(&mut value, &hoisted);
        if let Some(entries) = components
            .as_object_mut()
            .map(|c| {
                c.entry(section)
                    .or_insert_with(|| Value::Object(Map::new()))
            })
            .and_then(Value::as_object_mut)
        {
            entries.insert(name, value);
        }
    }
    point_at_hoisted(root, &hoisted);
    hoisted.into_iter().collect()
}

/// Keywords left out of a hoisted component's name (`Template_created_by_1`, not
/// `components_schemas_Template_allOf_1_properties_created_by_oneOf_1`).
const IGNORED_SEGMENTS: &[&str] = &[
    "components",
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "properties",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
    "schema",
    "content",
    "paths",
    "additionalProperties",
];

/// The pointers of local `$ref`s in `value` (at `place`) that do not name a component of the
/// section their place needs, with the kind of object they stand for.
fn collect_deep_refs(value: &Value, place: Place, out: &mut Vec<(String, Kind)>) {
    match value {
        Value::Object(map) => {
            if let (Place::Object(kind), Some(Value::String(reference))) = (place, map.get("$ref"))
            {
                if let Some(pointer) = reference.strip_prefix('#') {
                    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
                    let is_component = matches!(segments.as_slice(),
                        ["components", section, _] if *section == kind.section());
                    let hoistable = !matches!(kind, Kind::PathItem | Kind::Operation | Kind::Other);
                    if !is_component && hoistable && !pointer.is_empty() {
                        out.push((pointer.to_owned(), kind));
                    }
                }
            }
            for (key, item) in map {
                if let Some(inner) = child_place(place, key) {
                    collect_deep_refs(item, inner, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_deep_refs(item, element_place(place), out);
            }
        }
        _ => {}
    }
}

/// Rewrites every `$ref` to a hoisted pointer to its component.
fn point_at_hoisted(value: &mut Value, hoisted: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    Value::String(reference) if key == "$ref" => {
                        if let Some(target) = reference
                            .strip_prefix('#')
                            .and_then(|pointer| hoisted.get(pointer))
                        {
                            *reference = target.clone();
                        }
                    }
                    other => point_at_hoisted(other, hoisted),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| point_at_hoisted(item, hoisted)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    /// Writes `files` (name, text) into a fresh directory and loads the first.
    fn load(test: &str, files: &[(&str, &str)]) -> Result<crate::load::Document, crate::Errors> {
        let dir = std::env::temp_dir().join(format!("apigen-bundle-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for (name, text) in files {
            let path = dir.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let loaded = crate::load::load_file(&dir.join(files[0].0));
        let _ = fs::remove_dir_all(&dir);
        loaded
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n";

    #[test]
    fn references_in_examples_are_data() {
        let spec = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    user:\n      type: object\n      example: {{$ref: 'https://example.com/scim'}}\n      properties:\n        owner: {{$ref: 'owner.yaml'}}\n"
        );
        let document = load(
            "examples",
            &[("api.yaml", &spec), ("owner.yaml", "type: string\n")],
        )
        .unwrap();
        let schemas = &document.api.components.unwrap().schemas;
        assert!(schemas.contains_key("owner"), "{:?}", schemas.keys());
    }

    #[test]
    fn operations_maps_and_text_from_other_files_are_copied_where_used() {
        let spec = format!(
            "{HEAD}tags:\n  - name: intro\n    description: {{$ref: 'text.yaml#/intro'}}\npaths:\n  /things:\n    post:\n      $ref: 'ops/create.yaml'\n"
        );
        let create = "operationId: CreateThing
parameters:
  - $ref: 'params.yaml#/thing_id'
requestBody:
  content:
    application/json:
      schema:
        properties:
          $ref: 'attributes.yaml#/thing'
responses:
  '204': {description: done}
";
        let document = load(
            "inline",
            &[
                ("api.yaml", &spec),
                ("text.yaml", "intro: An introduction.\n"),
                ("ops/create.yaml", create),
                (
                    "ops/params.yaml",
                    "thing_id: {name: thing_id, in: query, schema: {type: string}}\n",
                ),
                ("ops/attributes.yaml", "thing:\n  name: {type: string}\n"),
            ],
        )
        .unwrap();
        let api = &document.api;
        assert_eq!(api.tags[0].description.as_deref(), Some("An introduction."));
        let operation = api.paths.paths["/things"]
            .as_item()
            .unwrap()
            .post
            .as_ref()
            .unwrap();
        assert_eq!(operation.operation_id.as_deref(), Some("CreateThing"));
        // A parameter from another file is a parameter component, not a schema.
        let components = api.components.as_ref().unwrap();
        assert!(
            components.parameters.contains_key("thing_id"),
            "{components:?}"
        );
        let lowered = crate::lower::lower(&document).unwrap();
        let body = lowered.operations[0].body.as_ref().unwrap();
        let TypeRef::Named(id) = &body.ty else {
            panic!("a struct body: {:?}", body.ty)
        };
        let crate::model::TypeKind::Struct(s) = &lowered.ty(*id).kind else {
            panic!("a struct")
        };
        assert_eq!(s.fields[0].wire, "name");
    }

    #[test]
    fn a_loop_of_maps_copied_in_is_a_located_error() {
        let spec = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    a:\n      type: object\n      properties:\n        $ref: 'b.yaml#/x'\n"
        );
        let errors = load(
            "loop",
            &[("api.yaml", &spec), ("b.yaml", "x:\n  $ref: '#/x'\n")],
        )
        .err()
        .expect("a loop is an error")
        .to_string();
        assert!(
            errors.contains("loops through objects copied in"),
            "{errors}"
        );
    }

    #[test]
    fn references_into_other_objects_become_components() {
        let mut value = serde_json::json!({
            "components": {
                "parameters": {"kind": {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}}},
                "schemas": {
                    "template": {"type": "object", "properties": {"owner": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}},
                    "record": {"type": "object", "properties": {
                        "kind": {"$ref": "#/components/parameters/kind/schema"},
                        "owner": {"$ref": "#/components/schemas/template/properties/owner"}
                    }}
                }
            }
        });
        let hoisted = super::hoist_local_refs(&mut value);
        assert_eq!(hoisted.len(), 2, "{hoisted:?}");
        let record = &value["components"]["schemas"]["record"]["properties"];
        assert_eq!(record["kind"]["$ref"], "#/components/schemas/kind");
        assert_eq!(
            record["owner"]["$ref"],
            "#/components/schemas/template_owner"
        );
        assert_eq!(
            value["components"]["schemas"]["kind"]["enum"],
            serde_json::json!(["a", "b"])
        );
    }

    use crate::model::TypeRef;
}
