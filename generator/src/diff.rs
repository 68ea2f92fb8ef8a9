//! Spec change review: what a change between two versions of a spec means, for HTTP clients
//! on the wire and for Rust code using the generated crate. Counts come from the documents
//! (paths, operations, component schemas as written); details from the two lowered models,
//! so that types compare by their generated names.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::load::Document;
use crate::model::*;

/// Whether a change breaks something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    Compatible,
    Breaking,
}

/// One change, classified twice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// `operation POST /v1/charges` or `schema charge`.
    pub subject: String,
    pub change: String,
    /// For HTTP clients of the API.
    pub wire: Impact,
    pub wire_reason: String,
    /// For Rust code using the generated crate: does it still compile.
    pub rust: Impact,
    pub rust_reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub paths_added: usize,
    pub paths_removed: usize,
    pub operations_added: usize,
    pub operations_removed: usize,
    /// Operations in both with at least one reported change.
    pub operations_changed: usize,
    pub schemas_added: usize,
    pub schemas_removed: usize,
    pub schemas_shared: usize,
    /// Shared component schemas whose definition differs in any way.
    pub schemas_changed: usize,
    pub wire_breaking: usize,
    pub rust_breaking: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub old: String,
    pub new: String,
    pub counts: Counts,
    pub changes: Vec<Change>,
}

impl Report {
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
    Wire,
    Rust,
}

/// One side of the comparison: the document and its model.
pub struct Side<'a> {
    pub document: &'a Document,
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
                format!("operation added (`{}`)", op.name),
                (Impact::Compatible, "a new endpoint".to_owned()),
                (
                    Impact::Compatible,
                    format!("new builder `{}` and `Server::{}`", op.name, op.handler),
                ),
            );
        }
    }
    for (key, op) in &old_ops {
        match new_ops.get(key) {
            None => {
                counts.operations_removed += 1;
                differ.push(
                    &op_subject(op),
                    format!("operation removed (`{}`)", op.name),
                    (Impact::Breaking, "calls to it fail".to_owned()),
                    (
                        Impact::Breaking,
                        format!(
                            "builder `{}` and `Server::{}` are gone",
                            op.name, op.handler
                        ),
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
                format!("schema added (`{}`)", new.api.ty(id).name),
                (Impact::Compatible, "a new type".to_owned()),
                (Impact::Compatible, "a new type".to_owned()),
            );
        }
    }
    for (name, &id) in &old_types {
        if !new_schemas.contains_key(name) {
            differ.push(
                &format!("schema {name}"),
                format!("schema removed (`{}`)", old.api.ty(id).name),
                (Impact::Breaking, "no longer part of the API".to_owned()),
                (
                    Impact::Breaking,
                    format!("type `{}` is gone", old.api.ty(id).name),
                ),
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
                "descriptions, examples or limits changed".to_owned(),
                (
                    Impact::Compatible,
                    "same shape on the wire (review changed limits)".to_owned(),
                ),
                (Impact::Compatible, "same Rust types".to_owned()),
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

fn op_subject(op: &Operation) -> String {
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
fn named(path: &str, new: &TypeDef) -> String {
    if path.is_empty() {
        format!("`{}`", new.name)
    } else {
        format!("`{path}`")
    }
}

/// Whether a type is a component schema's (compared under its own name) rather than inline.
fn is_component(api: &Api, id: TypeId) -> bool {
    api.ty(id).component_schema().is_some()
}

struct Differ<'a> {
    old: &'a Api,
    new: &'a Api,
    old_inputs: BTreeSet<TypeId>,
    new_inputs: BTreeSet<TypeId>,
    changes: Vec<Change>,
}

impl Differ<'_> {
    fn push(
        &mut self,
        subject: &str,
        change: String,
        wire: (Impact, String),
        rust: (Impact, String),
    ) {
        self.changes.push(Change {
            subject: subject.to_owned(),
            change,
            wire: wire.0,
            wire_reason: wire.1,
            rust: rust.0,
            rust_reason: rust.1,
        });
    }

    fn operation(&mut self, old: &Operation, new: &Operation) {
        let subject = op_subject(new);
        // Builder members: parameters and body properties, by where they go and wire name.
        let old_members = members(self.old, old);
        let new_members = members(self.new, new);
        for (key, member) in &new_members {
            let what = format!("{} `{}`", key.0, key.1);
            match old_members.get(key) {
                None if member.required => self.push(
                    &subject,
                    format!("{what} added, required"),
                    (
                        Impact::Breaking,
                        "requests without it are rejected".to_owned(),
                    ),
                    (
                        Impact::Breaking,
                        format!("new argument of `{}::new`", new.name),
                    ),
                ),
                None => self.push(
                    &subject,
                    format!("{what} added, optional"),
                    (Impact::Compatible, "optional".to_owned()),
                    (
                        Impact::Compatible,
                        format!("new setter `{}`", member.setter),
                    ),
                ),
                Some(before) => {
                    let (a, b) = (label(self.old, &before.ty), label(self.new, &member.ty));
                    if a != b {
                        self.push(
                            &subject,
                            format!("{what}: type `{a}` → `{b}`"),
                            (
                                Impact::Breaking,
                                "values of the old type may be rejected".to_owned(),
                            ),
                            (
                                Impact::Breaking,
                                format!("`{}` takes a `{b}`", member.setter),
                            ),
                        );
                    } else if let (TypeRef::Named(x), TypeRef::Named(y)) = (&before.ty, &member.ty)
                    {
                        if !is_component(self.new, *y) {
                            self.types(&subject, &key.1, *x, *y, &mut BTreeSet::new());
                        }
                    }
                    if before.required != member.required {
                        let wire = if member.required {
                            (
                                Impact::Breaking,
                                "requests without it are rejected".to_owned(),
                            )
                        } else {
                            (Impact::Compatible, "it may now be left out".to_owned())
                        };
                        self.push(
                            &subject,
                            format!(
                                "{what} now {}",
                                if member.required {
                                    "required"
                                } else {
                                    "optional"
                                }
                            ),
                            wire,
                            (
                                Impact::Breaking,
                                format!(
                                    "`{}` moves between `new` arguments and setters",
                                    member.setter
                                ),
                            ),
                        );
                    }
                }
            }
        }
        for (key, member) in &old_members {
            if !new_members.contains_key(key) {
                self.push(
                    &subject,
                    format!("{} `{}` removed", key.0, key.1),
                    (
                        Impact::Breaking,
                        "requests that send it are rejected as unknown".to_owned(),
                    ),
                    (
                        Impact::Breaking,
                        format!("`{}` is gone from `{}`", member.setter, old.name),
                    ),
                );
            }
        }
        // Responses.
        let old_status: BTreeMap<&Status, &Response> =
            old.responses.iter().map(|r| (&r.status, r)).collect();
        let new_status: BTreeMap<&Status, &Response> =
            new.responses.iter().map(|r| (&r.status, r)).collect();
        for (status, response) in &new_status {
            if !old_status.contains_key(status) {
                self.push(
                    &subject,
                    format!("response {} added", status_label(status)),
                    (
                        Impact::Compatible,
                        "clients handle statuses they do not know by class".to_owned(),
                    ),
                    (
                        Impact::Compatible,
                        format!("new variant `{}::{}`", new.response_enum, response.variant),
                    ),
                );
            }
        }
        for (status, response) in &old_status {
            if !new_status.contains_key(status) {
                self.push(
                    &subject,
                    format!("response {} removed", status_label(status)),
                    (Impact::Compatible, "clients no longer see it".to_owned()),
                    (
                        Impact::Breaking,
                        format!(
                            "variant `{}::{}` is gone (server code returning it)",
                            old.response_enum, response.variant
                        ),
                    ),
                );
            }
        }
        let (a, b) = (
            output_label(self.old, &old.output),
            output_label(self.new, &new.output),
        );
        if a != b {
            self.push(
                &subject,
                format!("response body `{a}` → `{b}`"),
                (
                    Impact::Breaking,
                    "clients parse a different body".to_owned(),
                ),
                (Impact::Breaking, format!("`{}` returns `{b}`", new.name)),
            );
        }
    }

    /// Compares two versions of one type, reporting under `subject` at `path` (dotted).
    fn types(
        &mut self,
        subject: &str,
        path: &str,
        old: TypeId,
        new: TypeId,
        seen: &mut BTreeSet<(TypeId, TypeId)>,
    ) {
        if !seen.insert((old, new)) {
            return;
        }
        let input = self.new_inputs.contains(&new) || self.old_inputs.contains(&old);
        let (a, b) = (self.old.ty(old), self.new.ty(new));
        let at = |name: &str| {
            if path.is_empty() {
                format!("`{name}`")
            } else {
                format!("`{path}.{name}`")
            }
        };
        match (&a.kind, &b.kind) {
            (TypeKind::Struct(x), TypeKind::Struct(y)) => {
                let old_fields: BTreeMap<&str, &Field> =
                    x.fields.iter().map(|f| (f.wire.as_str(), f)).collect();
                let new_fields: BTreeMap<&str, &Field> =
                    y.fields.iter().map(|f| (f.wire.as_str(), f)).collect();
                for (wire, field) in &new_fields {
                    let Some(before) = old_fields.get(wire) else {
                        let required = field.required && !field.nullable;
                        self.push(
                            subject,
                            format!(
                                "property {} added{}",
                                at(wire),
                                if field.required { ", required" } else { "" }
                            ),
                            if input && required {
                                (
                                    Impact::Breaking,
                                    "requests without it are rejected".to_owned(),
                                )
                            } else {
                                (
                                    Impact::Compatible,
                                    "readers ignore properties they do not know".to_owned(),
                                )
                            },
                            (
                                Impact::Compatible,
                                format!(
                                    "new field `{}.{}` (struct literals need it)",
                                    b.name, field.name
                                ),
                            ),
                        );
                        continue;
                    };
                    self.field(subject, &at(wire), input, before, (b, field), seen);
                }
                for (wire, field) in &old_fields {
                    if !new_fields.contains_key(wire) {
                        self.push(
                            subject,
                            format!("property {} removed", at(wire)),
                            (
                                Impact::Breaking,
                                if input {
                                    "requests that send it are rejected".to_owned()
                                } else {
                                    "readers of it get nothing".to_owned()
                                },
                            ),
                            (
                                Impact::Breaking,
                                format!("field `{}.{}` is gone", a.name, field.name),
                            ),
                        );
                    }
                }
            }
            (TypeKind::Enum(x), TypeKind::Enum(y)) => {
                let values = |e: &Enum| {
                    e.variants
                        .iter()
                        .map(|v| (format!("`{}`", v.wire), v.name.clone()))
                        .collect()
                };
                self.variants(
                    subject,
                    &named(path, b),
                    "enum value",
                    values(x),
                    values(y),
                    input,
                    (a, b),
                );
            }
            (TypeKind::IntEnum(x), TypeKind::IntEnum(y)) => {
                let values = |e: &IntEnum| {
                    e.variants
                        .iter()
                        .map(|v| (format!("`{}`", v.value), v.name.clone()))
                        .collect()
                };
                self.variants(
                    subject,
                    &named(path, b),
                    "enum value",
                    values(x),
                    values(y),
                    input,
                    (a, b),
                );
            }
            (TypeKind::Union(x), TypeKind::Union(y)) => {
                let shapes = |api: &Api, u: &Union| {
                    u.variants
                        .iter()
                        .map(|v| (format!("`{}`", label(api, &v.ty)), v.name.clone()))
                        .collect()
                };
                let (old_shapes, new_shapes) = (shapes(self.old, x), shapes(self.new, y));
                self.variants(
                    subject,
                    &named(path, b),
                    "union variant",
                    old_shapes,
                    new_shapes,
                    input,
                    (a, b),
                );
            }
            (TypeKind::Alias(x), TypeKind::Alias(y)) => {
                let (l, r) = (label(self.old, x), label(self.new, y));
                if l != r {
                    self.push(
                        subject,
                        format!("{} is now `{r}` (was `{l}`)", named(path, b)),
                        (Impact::Breaking, "a different type on the wire".to_owned()),
                        (
                            Impact::Breaking,
                            format!("`{}` is a different type", b.name),
                        ),
                    );
                }
            }
            _ => self.push(
                subject,
                format!("{} changed kind", named(path, b)),
                (Impact::Breaking, "a different shape on the wire".to_owned()),
                (
                    Impact::Breaking,
                    format!("`{}` is a different kind of type", b.name),
                ),
            ),
        }
    }

    /// Values of an enum or variants of a union (wire form → Rust variant) added or removed.
    #[allow(clippy::too_many_arguments)]
    fn variants(
        &mut self,
        subject: &str,
        named: &str,
        what: &str,
        old: BTreeMap<String, String>,
        new: BTreeMap<String, String>,
        input: bool,
        (a, b): (&TypeDef, &TypeDef),
    ) {
        for (wire, variant) in &new {
            if !old.contains_key(wire) {
                self.push(
                    subject,
                    format!("{named} {what} {wire} added"),
                    (
                        Impact::Compatible,
                        "a new value (clients with closed enums must accept it)".to_owned(),
                    ),
                    (
                        Impact::Compatible,
                        format!(
                            "new variant `{}::{variant}` (matches without `_` need it)",
                            b.name
                        ),
                    ),
                );
            }
        }
        for (wire, variant) in &old {
            if !new.contains_key(wire) {
                self.push(
                    subject,
                    format!("{named} {what} {wire} removed"),
                    if input {
                        (
                            Impact::Breaking,
                            "requests that send it are rejected".to_owned(),
                        )
                    } else {
                        (Impact::Compatible, "readers no longer see it".to_owned())
                    },
                    (
                        Impact::Breaking,
                        format!("variant `{}::{variant}` is gone", a.name),
                    ),
                );
            }
        }
    }

    fn field(
        &mut self,
        subject: &str,
        at: &str,
        input: bool,
        old: &Field,
        (new_def, new): (&TypeDef, &Field),
        seen: &mut BTreeSet<(TypeId, TypeId)>,
    ) {
        let (l, r) = (label(self.old, &old.ty), label(self.new, &new.ty));
        let expandable = |t: &TypeRef| matches!(t, TypeRef::Expandable(_));
        if l != r {
            let what = if expandable(&old.ty) != expandable(&new.ty) {
                if expandable(&new.ty) {
                    "now expandable"
                } else {
                    "no longer expandable"
                }
            } else {
                "type changed"
            };
            self.push(
                subject,
                format!("property {at} {what}: `{l}` → `{r}`"),
                (Impact::Breaking, "a different type on the wire".to_owned()),
                (
                    Impact::Breaking,
                    format!("field `{}.{}` has type `{r}`", new_def.name, new.name),
                ),
            );
        } else if let (TypeRef::Named(x), TypeRef::Named(y)) = (&old.ty, &new.ty) {
            if !is_component(self.new, *y) {
                let path = at.trim_matches('`').to_owned();
                self.types(subject, &path, *x, *y, seen);
            }
        }
        let optional = |f: &Field| !f.required || f.nullable;
        if old.required != new.required {
            let wire = match (new.required, input) {
                (true, true) => (Impact::Breaking, "requests without it are rejected"),
                (true, false) => (Impact::Compatible, "always present now"),
                (false, true) => (Impact::Compatible, "may be left out now"),
                (false, false) => (Impact::Breaking, "readers may not get it"),
            };
            self.push(
                subject,
                format!(
                    "property {at} now {}",
                    if new.required { "required" } else { "optional" }
                ),
                (wire.0, wire.1.to_owned()),
                rust_option(optional(old), new_def, new, optional(new)),
            );
        }
        if old.nullable != new.nullable {
            let wire = if new.nullable && !input {
                (Impact::Breaking, "readers may get null")
            } else if !new.nullable && input {
                (Impact::Breaking, "requests sending null are rejected")
            } else {
                (Impact::Compatible, "null handling loosened")
            };
            self.push(
                subject,
                format!(
                    "property {at} {}",
                    if new.nullable {
                        "now nullable"
                    } else {
                        "no longer nullable"
                    }
                ),
                (wire.0, wire.1.to_owned()),
                rust_option(optional(old), new_def, new, optional(new)),
            );
        }
    }
}

fn rust_option(was: bool, new_def: &TypeDef, field: &Field, is: bool) -> (Impact, String) {
    if was == is {
        (
            Impact::Compatible,
            format!("`{}.{}` keeps its type", new_def.name, field.name),
        )
    } else if is {
        (
            Impact::Breaking,
            format!("`{}.{}` becomes an `Option`", new_def.name, field.name),
        )
    } else {
        (
            Impact::Breaking,
            format!("`{}.{}` is no longer an `Option`", new_def.name, field.name),
        )
    }
}

/// A builder member with where it goes on the wire: (`path parameter`|`query parameter`|
/// `header`|`body property`, wire name).
fn members<'a>(api: &'a Api, op: &'a Operation) -> BTreeMap<(&'static str, String), &'a Member> {
    let body_fields: BTreeMap<&str, &str> = match op.body.as_ref().map(|b| api.unalias(&b.ty)) {
        Some(TypeRef::Named(id)) => match &api.ty(*id).kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .map(|f| (f.name.as_str(), f.wire.as_str()))
                .collect(),
            _ => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    };
    let query_fields: BTreeMap<&str, &str> = match op.query.map(|id| &api.ty(id).kind) {
        Some(TypeKind::Struct(s)) => s
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.wire.as_str()))
            .collect(),
        _ => BTreeMap::new(),
    };
    let params: BTreeMap<&str, &Param> = op.params.iter().map(|p| (p.name.as_str(), p)).collect();
    op.members
        .iter()
        .filter_map(|member| {
            let key = match &member.source {
                Source::Own(name) => {
                    let param = params.get(name.as_str())?;
                    let kind = match param.location {
                        ParamLocation::Path => "path parameter",
                        ParamLocation::Header => "header",
                        ParamLocation::Cookie => "cookie",
                        ParamLocation::Query => "query parameter",
                    };
                    (kind, param.wire.clone())
                }
                Source::Query(field) => (
                    "query parameter",
                    query_fields.get(field.as_str())?.to_string(),
                ),
                Source::BodyField(field) => (
                    "body property",
                    body_fields.get(field.as_str())?.to_string(),
                ),
                Source::Body => ("body", String::new()),
            };
            Some((key, member))
        })
        .collect()
}

fn status_label(status: &Status) -> String {
    match status {
        Status::Code(code) => code.to_string(),
        Status::Range(digit) => format!("{digit}XX"),
        Status::Default => "default".to_owned(),
    }
}

fn output_label(api: &Api, output: &Output) -> String {
    match output {
        Output::Empty => "()".to_owned(),
        Output::Json(ty) => label(api, ty),
        Output::Bytes => "bytes".to_owned(),
    }
}

/// The report as Markdown for a pull request comment: counts first, then each change.
pub fn markdown(report: &Report) -> String {
    let c = &report.counts;
    let mut out = format!(
        "## API changes\n\n`{}` → `{}`\n\n| | added | removed | changed |\n| --- | ---: | ---: | ---: |\n| paths | {} | {} | |\n| operations | {} | {} | {} |\n| schemas | {} | {} | {} of {} |\n\n",
        report.old, report.new, c.paths_added, c.paths_removed, c.operations_added, c.operations_removed, c.operations_changed, c.schemas_added, c.schemas_removed, c.schemas_changed, c.schemas_shared
    );
    out.push_str(&format!(
        "**{} of {} changes break HTTP clients; {} break Rust code using the generated crate.**\n",
        c.wire_breaking,
        report.changes.len(),
        c.rust_breaking
    ));
    let mut by_subject: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in &report.changes {
        by_subject.entry(&change.subject).or_default().push(change);
    }
    for (subject, changes) in by_subject {
        out.push_str(&format!(
            "\n### {subject}\n\n| change | wire | Rust |\n| --- | --- | --- |\n"
        ));
        for change in changes {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&change.change),
                cell(&verdict(
                    change.wire,
                    "breaking",
                    "compatible",
                    &change.wire_reason
                )),
                cell(&verdict(
                    change.rust,
                    "breaks",
                    "compiles",
                    &change.rust_reason
                )),
            ));
        }
    }
    out
}

fn verdict(impact: Impact, bad: &str, good: &str, reason: &str) -> String {
    match impact {
        Impact::Breaking => format!("**{bad}**: {reason}"),
        Impact::Compatible => format!("{good}: {reason}"),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
