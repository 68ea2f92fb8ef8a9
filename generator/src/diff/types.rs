//! Changes of one type: struct properties, enum values, union variants, aliases.

use std::collections::{BTreeMap, BTreeSet};

use super::policy::Kind;
use super::{is_component, label, named, Differ};
use crate::model::*;

impl Differ<'_> {
    /// Compares two versions of one type, reporting under `subject` at `path` (dotted).
    pub(super) fn types(
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
                            Kind::PropertyAdded {
                                breaks_requests: input && required,
                            },
                            format!(
                                "property {} added{}",
                                at(wire),
                                if field.required { ", required" } else { "" }
                            ),
                            format!(
                                "new field `{}.{}` (struct literals need it)",
                                b.name, field.name
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
                            Kind::PropertyRemoved { input },
                            format!("property {} removed", at(wire)),
                            format!("field `{}.{}` is gone", a.name, field.name),
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
                        Kind::AliasChanged,
                        format!("{} is now `{r}` (was `{l}`)", named(path, b)),
                        format!("`{}` is a different type", b.name),
                    );
                }
            }
            _ => self.push(
                subject,
                Kind::TypeKindChanged,
                format!("{} changed kind", named(path, b)),
                format!("`{}` is a different kind of type", b.name),
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
                    Kind::ValueAdded,
                    format!("{named} {what} {wire} added"),
                    format!(
                        "new variant `{}::{variant}` (matches without `_` need it)",
                        b.name
                    ),
                );
            }
        }
        for (wire, variant) in &old {
            if !new.contains_key(wire) {
                self.push(
                    subject,
                    Kind::ValueRemoved { input },
                    format!("{named} {what} {wire} removed"),
                    format!("variant `{}::{variant}` is gone", a.name),
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
                Kind::PropertyTypeChanged,
                format!("property {at} {what}: `{l}` → `{r}`"),
                format!("field `{}.{}` has type `{r}`", new_def.name, new.name),
            );
        } else if let (TypeRef::Named(x), TypeRef::Named(y)) = (&old.ty, &new.ty) {
            if !is_component(self.new, *y) {
                let path = at.trim_matches('`').to_owned();
                self.types(subject, &path, *x, *y, seen);
            }
        }
        let optional = |f: &Field| !f.required || f.nullable;
        let option_changed = optional(old) != optional(new);
        if old.required != new.required {
            self.push(
                subject,
                Kind::PropertyRequired {
                    now_required: new.required,
                    input,
                    option_changed,
                },
                format!(
                    "property {at} now {}",
                    if new.required { "required" } else { "optional" }
                ),
                rust_option(optional(old), new_def, new, optional(new)),
            );
        }
        if old.nullable != new.nullable {
            self.push(
                subject,
                Kind::PropertyNullable {
                    now_nullable: new.nullable,
                    input,
                    option_changed,
                },
                format!(
                    "property {at} {}",
                    if new.nullable {
                        "now nullable"
                    } else {
                        "no longer nullable"
                    }
                ),
                rust_option(optional(old), new_def, new, optional(new)),
            );
        }
    }
}

/// What a field's change of `Option`-ness (`was` → `is`) means for Rust code.
fn rust_option(was: bool, new_def: &TypeDef, field: &Field, is: bool) -> String {
    if was == is {
        format!("`{}.{}` keeps its type", new_def.name, field.name)
    } else if is {
        format!("`{}.{}` becomes an `Option`", new_def.name, field.name)
    } else {
        format!("`{}.{}` is no longer an `Option`", new_def.name, field.name)
    }
}
