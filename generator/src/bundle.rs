//! Multi-file specs: `$ref`s to other files (`common.yaml#/components/schemas/Error`,
//! `./pet.yaml`) are copied into the main document's `components` and pointed at there, so
//! everything after loading sees one self-contained document.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{pointer_segment, unescape_segment, Diagnostic, Errors};
use crate::naming;

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
    /// Imported values still to copy in: (file, pointer, kind, name).
    pending: Vec<(PathBuf, String, String, String)>,
    errors: Vec<Diagnostic>,
}

/// Resolves every `$ref` to another file in `root` (the document at `path`).
pub fn bundle(path: &Path, label: &str, root: &mut Value) -> Result<(), Errors> {
    if !has_external_refs(root) {
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
    };
    bundler.rewrite(&main, root, &mut String::new());
    let mut imported: Vec<(String, String, Value)> = Vec::new();
    while let Some((file, pointer, kind, name)) = bundler.pending.pop() {
        let Some(mut value) = bundler.files[&file].pointer(&pointer).cloned() else {
            continue;
        };
        let mut at = pointer.clone();
        bundler.rewrite(&file, &mut value, &mut at);
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

fn has_external_refs(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, item)| {
            (key == "$ref" && item.as_str().is_some_and(|r| !r.starts_with('#')))
                || has_external_refs(item)
        }),
        Value::Array(items) => items.iter().any(has_external_refs),
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

    /// Points every `$ref` in `value` (found in `file`) into the main document.
    fn rewrite(&mut self, file: &Path, value: &mut Value, at: &mut String) {
        match value {
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&pointer_segment(&key));
                    let item = map.get_mut(&key).expect("key listed above");
                    match item {
                        Value::String(reference) if key == "$ref" => {
                            if let Some(local) = self.resolve(file, reference, at) {
                                *reference = local;
                            }
                        }
                        _ => self.rewrite(file, item, at),
                    }
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{index}"));
                    self.rewrite(file, item, at);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// The main document's reference for `reference` written in `file`.
    fn resolve(&mut self, file: &Path, reference: &str, at: &str) -> Option<String> {
        let (target, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let target = if target.is_empty() {
            file.to_path_buf()
        } else {
            if target.contains("://") {
                self.errors.push(Diagnostic::at(
                    &self.label(file),
                    at,
                    format!("`$ref: {reference}`: references to URLs are not supported; download the file next to the spec"),
                ));
                return None;
            }
            normalize(&file.parent().unwrap_or(Path::new("")).join(target))
        };
        if target == self.main {
            return Some(format!("#{pointer}"));
        }
        if let Some(import) = self.imports.get(&(target.clone(), pointer.to_owned())) {
            return Some(format!(
                "#/components/{}/{}",
                import.kind,
                pointer_segment(&import.name)
            ));
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
        let segments: Vec<&str> = pointer.split('/').skip(1).collect();
        let (kind, base) = match segments.as_slice() {
            ["components", kind, name] => ((*kind).to_owned(), unescape_segment(name)),
            [.., last] if !last.is_empty() => ("schemas".to_owned(), unescape_segment(last)),
            _ => (
                "schemas".to_owned(),
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
        let taken = self.taken.entry(kind.clone()).or_default();
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
            (target.clone(), pointer.to_owned()),
            Import {
                kind: kind.clone(),
                name: name.clone(),
            },
        );
        self.pending
            .push((target, pointer.to_owned(), kind.clone(), name.clone()));
        Some(format!("#/components/{kind}/{}", pointer_segment(&name)))
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
