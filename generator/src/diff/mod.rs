//! Spec change review: what a change between two versions of a spec means, for HTTP clients
//! on the wire and for Rust code using the generated crate. Counts come from the documents
//! (paths, operations, component schemas as written); details from the two lowered models,
//! so that types compare by their generated names.
//!
//! `policy.rs` is the table of verdicts (a kind of change → wire and Rust impact and the
//! wire reason); `operations.rs` and `types.rs` find the changes; `markdown.rs` renders.

mod markdown;
mod operations;
mod policy;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::load::Document;
use crate::model::*;
pub use markdown::markdown;
use policy::Kind;

/// Whether a change breaks something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Nothing breaks.
    Compatible,
    /// Something breaks.
    Breaking,
}

/// One change, classified twice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// `operation POST /v1/charges` or `schema charge`.
    pub subject: String,
    /// What changed, in words.
    pub change: String,
    /// For HTTP clients of the API.
    pub wire: Impact,
    /// Why the wire verdict.
    pub wire_reason: String,
    /// For Rust code using the generated crate: does it still compile.
    pub rust: Impact,
    /// Why the Rust verdict, naming the generated items.
    pub rust_reason: String,
}

/// How much changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Paths only the new spec has.
    pub paths_added: usize,
    /// Paths only the old spec has.
    pub paths_removed: usize,
    /// Operations only the new spec has.
    pub operations_added: usize,
    /// Operations only the old spec has.
    pub operations_removed: usize,
    /// Operations in both with at least one reported change.
    pub operations_changed: usize,
    /// Component schemas only the new spec has.
    pub schemas_added: usize,
    /// Component schemas only the old spec has.
    pub schemas_removed: usize,
    /// Component schemas both have.
    pub schemas_shared: usize,
    /// Shared component schemas whose definition differs in any way.
    pub schemas_changed: usize,
    /// Changes that break HTTP clients.
    pub wire_breaking: usize,
    /// Changes that break Rust code using the generated crate.
    pub rust_breaking: usize,
}

/// The comparison of two versions of a spec.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The old spec's file.
    pub old: String,
    /// The new spec's file.
    pub new: String,
    /// How much changed.
    pub counts: Counts,
    /// Every change, classified.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether any change breaks what `on` names.
    pub fn is_breaking(&self, on: FailOn) -> bool {
        self.changes.iter().any(|c| match on {
            FailOn::Wire => c.wire == Impact::Breaking,
            FailOn::Rust => c.rust == Impact::Breaking,
            FailOn::Breaking => c.wire == Impact::Breaking || c.rust == Impact::Breaking,
        })
    }
}

/// What `--fail-on` fails on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// Anything that breaks HTTP clients or Rust code.
    Breaking,
    /// Anything that breaks HTTP clients.
    Wire,
    /// Anything that breaks Rust code.
    Rust,
}

impl std::str::FromStr for FailOn {
    type Err = String;

    /// `breaking`, `wire` or `rust`, as `--fail-on` takes it.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "breaking" => Ok(FailOn::Breaking),
            "wire" => Ok(FailOn::Wire),
            "rust" => Ok(FailOn::Rust),
            other => Err(format!(
                "`{other}` is not one of `breaking`, `wire`, `rust`"
            )),
        }
    }
}

/// One side of the comparison: the document and its model.
pub struct Side<'a> {
    /// The loaded document (for counts).
    pub document: &'a Document,
    /// Its model (for details).
    pub api: &'a Api,
}

/// Compares two versions of a spec.
pub fn compare(old: Side, new: Side) -> Report {
    let mut counts = Counts::default();
    let old_paths: BTreeSet<&String> = old.document.api.paths.paths.keys().collect();
    let new_paths: BTreeSet<&String> = new.document.api.paths.paths.keys().collect();
    counts.paths_added = new_paths.difference(&old_paths).count();
    counts.paths_removed = old_paths.difference(&new_paths).count();
    let old_schemas = raw_schemas(old.document);
    let new_schemas = raw_schemas(new.document);
    counts.schemas_added = new_schemas
        .keys()
        .filter(|k| !old_schemas.contains_key(*k))
        .count();
    counts.schemas_removed = old_schemas
        .keys()
        .filter(|k| !new_schemas.contains_key(*k))
        .count();
    let changed_schemas: Vec<&String> = old_schemas
        .iter()
        .filter_map(|(name, value)| match new_schemas.get(name) {
            Some(other) => {
                counts.schemas_shared += 1;
                (other != value).then_some(name)
            }
            None => None,
        })
        .collect();
    counts.schemas_changed = changed_schemas.len();

    let mut differ = Differ {
        old: old.api,
        new: new.api,
        old_inputs: inputs(old.api),
        new_inputs: inputs(new.api),
        changes: Vec::new(),
    };
    let old_ops = operations(old.api);
    let new_ops = operations(new.api);
    for (key, op) in &new_ops {
        if !old_ops.contains_key(key) {
            counts.operations_added += 1;
            differ.push(
                &op_subject(op),
                Kind::OperationAdded,
                format!("operation added (`{}`)", op.name),
                format!("new builder `{}` and `Server::{}`", op.name, op.handler),
            );
        }
    }
    for (key, op) in &old_ops {
        match new_ops.get(key) {
            None => {
                counts.operations_removed += 1;
                differ.push(
                    &op_subject(op),
                    Kind::OperationRemoved,
                    format!("operation removed (`{}`)", op.name),
                    format!(
                        "builder `{}` and `Server::{}` are gone",
                        op.name, op.handler
                    ),
                );
            }
            Some(new_op) => {
                let before = differ.changes.len();
                differ.operation(op, new_op);
                if differ.changes.len() > before {
                    counts.operations_changed += 1;
                }
            }
        }
    }
    let old_types = component_types(old.api);
    let new_types = component_types(new.api);
    for (name, &id) in &new_types {
        if !old_schemas.contains_key(name) {
            differ.push(
                &format!("schema {name}"),
                Kind::SchemaAdded,
                format!("schema added (`{}`)", new.api.ty(id).name),
                "a new type".to_owned(),
            );
        }
    }
    for (name, &id) in &old_types {
        if !new_schemas.contains_key(name) {
            differ.push(
                &format!("schema {name}"),
                Kind::SchemaRemoved,
                format!("schema removed (`{}`)", old.api.ty(id).name),
                format!("type `{}` is gone", old.api.ty(id).name),
            );
        }
    }
    for name in changed_schemas {
        let subject = format!("schema {name}");
        let before = differ.changes.len();
        if let (Some(&a), Some(&b)) = (old_types.get(name.as_str()), new_types.get(name.as_str())) {
            differ.types(&subject, "", a, b, &mut BTreeSet::new());
        }
        if differ.changes.len() == before {
            differ.push(
                &subject,
                Kind::SchemaDetailsChanged,
                "descriptions, examples or limits changed".to_owned(),
                "same Rust types".to_owned(),
            );
        }
    }
    counts.wire_breaking = differ
        .changes
        .iter()
        .filter(|c| c.wire == Impact::Breaking)
        .count();
    counts.rust_breaking = differ
        .changes
        .iter()
        .filter(|c| c.rust == Impact::Breaking)
        .count();
    Report {
        old: old.document.file.clone(),
        new: new.document.file.clone(),
        counts,
        changes: differ.changes,
    }
}

fn raw_schemas(document: &Document) -> BTreeMap<String, serde_json::Value> {
    document
        .api
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .map(|(name, schema)| {
            (
                name.clone(),
                serde_json::to_value(schema).unwrap_or(serde_json::Value::Null),
            )
        })
        .collect()
}

fn operations(api: &Api) -> BTreeMap<(String, String), &Operation> {
    api.operations
        .iter()
        .map(|op| ((op.path.clone(), op.method.to_string()), op))
        .collect()
}

pub(super) fn op_subject(op: &Operation) -> String {
    format!("operation {} {}", op.method, op.path)
}

/// Component schemas by name, as types of the model (the schema's own type: the first of
/// the types that carry its name).
fn component_types(api: &Api) -> BTreeMap<String, TypeId> {
    let mut out = BTreeMap::new();
    for (index, def) in api.types.iter().enumerate() {
        if let Some(name) = def.component_schema() {
            out.entry(name).or_insert(TypeId(index));
        }
    }
    out
}

/// Types that appear in requests (parameters and bodies), where a new requirement breaks
/// callers.
fn inputs(api: &Api) -> BTreeSet<TypeId> {
    let mut roots = Vec::new();
    for op in &api.operations {
        for param in &op.params {
            param.ty.named_types(&mut roots);
        }
        if let Some(body) = &op.body {
            body.ty.named_types(&mut roots);
        }
    }
    api.reachable(roots)
}

/// How a type reads in generated Rust (`Vec<Charge>`, `rt::Expandable<Customer>`).
pub fn label(api: &Api, ty: &TypeRef) -> String {
    crate::emit::rust_type_text(api, ty)
}

/// How a report names a type: its dotted place inside the subject, or its Rust name.
pub(super) fn named(path: &str, new: &TypeDef) -> String {
    if path.is_empty() {
        format!("`{}`", new.name)
    } else {
        format!("`{path}`")
    }
}

/// Whether a type is a component schema's (compared under its own name) rather than inline.
pub(super) fn is_component(api: &Api, id: TypeId) -> bool {
    api.ty(id).component_schema().is_some()
}

/// The comparison under way: both models, their request types, the changes found.
struct Differ<'a> {
    old: &'a Api,
    new: &'a Api,
    old_inputs: BTreeSet<TypeId>,
    new_inputs: BTreeSet<TypeId>,
    changes: Vec<Change>,
}

impl Differ<'_> {
    /// Records a change of `kind`, classified by the policy table.
    fn push(&mut self, subject: &str, kind: Kind, change: String, rust_reason: String) {
        let verdict = policy::verdict(kind);
        self.changes.push(Change {
            subject: subject.to_owned(),
            change,
            wire: verdict.wire,
            wire_reason: verdict.wire_reason.to_owned(),
            rust: verdict.rust,
            rust_reason,
        });
    }
}
