//! Lowering: the only module that reads OpenAPI. It resolves every `$ref`, recognises Stripe's
//! patterns (list envelope, expandable field, "empty string unsets", error envelope, object
//! ids), names every type, and marks the fields that close a cycle.
//!
//! One pass a file, each an `impl Lowerer` block:
//!
//! | file | pass |
//! |---|---|
//! | `components.rs` | component slots, `$ref` resolution, list and error envelopes |
//! | `schemas.rs` | primitives, enums, objects, constants, constraints |
//! | `unions.rs` | `anyOf`/`oneOf`, unsettable values, expandable fields |
//! | `all_of.rs` | `allOf` merging |
//! | `operations/` | paths and methods: naming and grouping, parameters, body, responses |
//! | `passes.rs` | id newtypes, union tagging, expandable targets, expand enums, the [`Api`] |
//! | `events.rs` | the event object's typed `data.object` and `type` |
//! | `builder.rs` | the request-builder plan each operation hands the client emitter |
//! | `cycles.rs` | self-containment errors and boxing of recursive fields |
//! | `security.rs` | security schemes |
//! | `conventions.rs` | the API's conventions profile (Stripe's headers and key modes) |
//! | `docs.rs` | HTML descriptions as Markdown |

mod all_of;
mod builder;
mod components;
mod conventions;
mod cycles;
mod docs;
mod events;
mod operations;
mod passes;
mod schemas;
mod security;
mod unions;

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema};

use crate::error::{pointer_segment, Diagnostic, Errors};
use crate::load::Document;
use crate::model::*;
use crate::naming::{self, Names};

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Lowers a loaded document to the model, or reports every problem found.
pub fn lower(document: &Document) -> Result<Api, Errors> {
    lower_with_warnings(document).map(|lowered| lowered.api)
}

/// The model and the warnings of loading and lowering: what was read not as written (a
/// fallback to a simpler type, a normalised value), each located.
pub struct Lowered {
    /// The model.
    pub api: Api,
    /// The document's warnings, then lowering's.
    pub warnings: Vec<Diagnostic>,
}

/// [`lower`], keeping the warnings.
pub fn lower_with_warnings(document: &Document) -> Result<Lowered, Errors> {
    let mut lowerer = Lowerer::new(&document.file, &document.api);
    lowerer.components();
    let operations = lowerer.operations();
    let (api, warnings) = lowerer.finish(operations)?;
    let mut all = document.warnings.clone();
    all.extend(warnings);
    Ok(Lowered { api, warnings: all })
}

#[derive(Clone)]
enum Slot {
    /// A component that becomes a named type.
    Type(TypeId),
    /// A component that is only a `$ref` to another.
    Alias(String),
    /// A component that is the list envelope.
    List,
    /// A component that is the error envelope.
    ErrorEnvelope,
}

#[derive(Clone)]
struct Ctx {
    /// Candidate name for an inline type made here.
    name: String,
    module: Module,
    pointer: String,
}

impl Ctx {
    fn child(&self, name_part: &str, pointer_part: &str) -> Ctx {
        Ctx {
            name: naming::join_type_name(&self.name, name_part),
            module: self.module.clone(),
            pointer: format!("{}/{}", self.pointer, pointer_segment(pointer_part)),
        }
    }

    fn at(&self, pointer_part: &str) -> Ctx {
        Ctx {
            pointer: format!("{}/{}", self.pointer, pointer_segment(pointer_part)),
            ..self.clone()
        }
    }
}

struct Lowerer<'a> {
    file: &'a str,
    spec: &'a OpenAPI,
    types: Vec<TypeDef>,
    slots: BTreeMap<String, Slot>,
    resolved: BTreeMap<String, TypeRef>,
    resolving: BTreeSet<String>,
    ref_unions: BTreeMap<Vec<TypeRef>, TypeId>,
    type_names: Names,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// The `allOf` `$ref`s whose properties are being merged, innermost last.
    merging: Vec<String>,
    /// Where the properties of the `allOf` being merged were written, for the next
    /// [`Lowerer::object`] (a merged struct's fields point into their parts).
    merged_origins: Option<BTreeMap<String, String>>,
    /// How many schemas deep lowering is (inline schemas recurse).
    depth: usize,
}

/// The scheme and host of a server URL (`https`, `api.stripe.com`); without a scheme, the
/// URL up to its path is the host.
fn scheme_and_host(url: &str) -> (Option<&str>, &str) {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    (
        scheme,
        rest.split(['/', ':', '?']).next().unwrap_or_default(),
    )
}

/// Deeper than any spec the parsers accept (their limit is 128 levels), so only reached when
/// something expands without end; a located error, not a stack overflow.
const MAX_SCHEMA_DEPTH: usize = 256;

impl<'a> Lowerer<'a> {
    fn new(file: &'a str, spec: &'a OpenAPI) -> Self {
        Self {
            file,
            spec,
            types: Vec::new(),
            slots: BTreeMap::new(),
            resolved: BTreeMap::new(),
            resolving: BTreeSet::new(),
            ref_unions: BTreeMap::new(),
            type_names: Names::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            merging: Vec::new(),
            merged_origins: None,
            depth: 0,
        }
    }

    /// Something lowered not as written (a fallback), located; generation goes on.
    fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings
            .push(Diagnostic::at(self.file, pointer, message));
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors
            .push(Diagnostic::at(self.file, pointer, message));
    }

    fn schemas(&self) -> BTreeMap<&'a str, &'a ReferenceOr<Schema>> {
        let spec: &'a OpenAPI = self.spec;
        spec.components
            .iter()
            .flat_map(|c| c.schemas.iter())
            .map(|(k, v)| (k.as_str(), v))
            .collect()
    }
}

trait AsSchema {
    fn as_schema(&self) -> &Schema;
}

impl AsSchema for Schema {
    fn as_schema(&self) -> &Schema {
        self
    }
}

impl AsSchema for Box<Schema> {
    fn as_schema(&self) -> &Schema {
        self
    }
}

/// Lowering of small specs written inline, for the passes' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A 3.0 document with these `paths` and `components.schemas` (YAML, indented as the
    /// bodies of those keys), lowered.
    pub fn lower_yaml(paths: &str, schemas: &str) -> Result<Api, Errors> {
        let indent = |text: &str, by: &str| {
            text.lines()
                .map(|line| format!("{by}{line}\n"))
                .collect::<String>()
        };
        let yaml = format!(
            "openapi: 3.0.3\ninfo: {{title: T, version: '1'}}\npaths:\n{}components:\n  schemas:\n{}",
            if paths.trim().is_empty() { "  {}\n".to_owned() } else { indent(paths, "  ") },
            if schemas.trim().is_empty() { "    {}\n".to_owned() } else { indent(schemas, "    ") },
        );
        let document = crate::load::load_bytes("t.yaml", yaml.as_bytes(), false)
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        lower(&document)
    }

    /// [`lower_yaml`] that must succeed.
    pub fn api(paths: &str, schemas: &str) -> Api {
        lower_yaml(paths, schemas).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The type named `name`.
    pub fn named<'a>(api: &'a Api, name: &str) -> &'a TypeDef {
        api.types
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "no type {name}: {:?}",
                    api.types.iter().map(|t| &t.name).collect::<Vec<_>>()
                )
            })
    }
}
