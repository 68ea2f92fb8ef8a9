//! `allOf`, lowered to the type a person would write by hand:
//!
//! - parts that only annotate (`{description: ...}`, `{nullable: true}`, `{default: ...}`)
//!   say something about the value, not its type: they are left out (the field's doc and
//!   nullability read them);
//! - one part with a type is that type (`allOf: [{$ref: Status}]` is `Status`);
//! - parts that are all objects are merged into one struct, nested `allOf`s included;
//! - parts that are all scalars or enums are the narrowest of them (an enum);
//! - objects mixed with scalars merge the objects, with a warning: no value is both.

use openapiv3::{AnySchema, ObjectType, ReferenceOr, Schema, SchemaData, SchemaKind, Type};

use super::{Ctx, Lowerer};
use crate::model::*;

/// How deep `allOf`s nest in one another before merging gives up (a loop of `$ref`s).
const MAX_NESTING: usize = 32;

impl<'a> Lowerer<'a> {
    pub(super) fn all_of(
        &mut self,
        parts: &[ReferenceOr<Schema>],
        data: &SchemaData,
        ctx: &Ctx,
        slot: Option<TypeId>,
    ) -> TypeRef {
        if parts.is_empty() {
            let pointer = format!("{}/allOf", ctx.pointer);
            self.error(&pointer, "`allOf` must list at least one schema");
            return TypeRef::Json;
        }
        let typed: Vec<(usize, &ReferenceOr<Schema>)> = parts
            .iter()
            .enumerate()
            .filter(|(_, part)| !is_untyped(part))
            .collect();
        if typed.is_empty() {
            return TypeRef::Json;
        }
        if let [(index, only)] = typed[..] {
            // A component that is one object keeps its own struct (a copy of the object's).
            if slot.is_none() || !self.is_object_like(only, 0) {
                return self.part(only, index, ctx, slot);
            }
        }
        let (objects, others): (Vec<_>, Vec<_>) = typed
            .iter()
            .copied()
            .partition(|(_, part)| self.is_object_like(part, 0));
        if objects.is_empty() {
            // Scalars and enums: the narrowest is an enum, else the first.
            let kinds: Vec<Option<&'static str>> =
                others.iter().map(|(_, p)| self.scalar_kind(p)).collect();
            if kinds.iter().any(|k| k.is_some() && *k != kinds[0]) {
                self.warn(
                    &format!("{}/allOf", ctx.pointer),
                    "`allOf` of different types: no value matches them all; the first part's type is used",
                );
                let (index, first) = others[0];
                return self.part(first, index, ctx, slot);
            }
            let (index, chosen) = others
                .iter()
                .copied()
                .find(|(_, part)| self.is_enum(part))
                .unwrap_or(others[0]);
            return self.part(chosen, index, ctx, slot);
        }
        if !others.is_empty() {
            self.warn(
                &format!("{}/allOf/{}", ctx.pointer, others[0].0),
                "`allOf` mixes objects with a part that is not an object; the objects are merged",
            );
        }
        let mut merged = Merged::default();
        let mut merging = Vec::new();
        let (first_index, first) = typed[0];
        for (index, part) in objects {
            let pointer = format!("{}/allOf/{index}", ctx.pointer);
            if let Err(reference) = self.merge(part, &pointer, &mut merged, &mut merging, 0) {
                // Its properties hold, inline, this very `allOf`: merging would copy them for
                // ever. The first part is what a person would write here.
                self.warn(
                    &pointer,
                    format!("`allOf` merges `{reference}` inside its own properties; only its first part is used here"),
                );
                return self.part(first, first_index, ctx, slot);
            }
        }
        let outer = self.merging.len();
        self.merging.extend(merging);
        self.merged_origins = Some(merged.origins);
        let ty = self.object(&merged.object, data, ctx, slot);
        self.merged_origins = None;
        self.merging.truncate(outer);
        ty
    }

    /// One part of an `allOf` as the whole (the component's slot goes to an inline part).
    fn part(
        &mut self,
        part: &ReferenceOr<Schema>,
        index: usize,
        ctx: &Ctx,
        slot: Option<TypeId>,
    ) -> TypeRef {
        let ctx = ctx.at("allOf").at(&index.to_string());
        match part {
            ReferenceOr::Reference { reference } => self.reference(reference, &ctx.pointer),
            ReferenceOr::Item(schema) => self.schema(schema, &ctx, slot),
        }
    }

    /// Adds the properties and requirements of `part` (an object, or an `allOf` of objects)
    /// to `merged`; `Err` with the reference when it is one being merged already.
    fn merge(
        &mut self,
        part: &ReferenceOr<Schema>,
        pointer: &str,
        merged: &mut Merged,
        merging: &mut Vec<String>,
        depth: usize,
    ) -> Result<(), String> {
        // Where the part's own keywords are written.
        let at = pointer;
        let mut pointer = pointer.to_owned();
        let schema = match part {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                if let Some(target) = reference.strip_prefix('#') {
                    pointer = target.to_owned();
                }
                if self.merging.contains(reference) {
                    return Err(reference.clone());
                }
                if merging.contains(reference) {
                    // Merged already by this `allOf` (named twice, or by two of its parts).
                    return Ok(());
                }
                merging.push(reference.clone());
                match self.schema_by_ref(reference) {
                    Some(schema) => schema,
                    None => {
                        self.error(at, format!("dangling $ref `{reference}`: no such schema"));
                        return Ok(());
                    }
                }
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                merged.add(&pointer, &object.properties, &object.required);
                if object.additional_properties.is_some() {
                    merged.object.additional_properties = object.additional_properties.clone();
                }
            }
            SchemaKind::Any(any) => {
                merged.add(&pointer, &any.properties, &any.required);
                if any.additional_properties.is_some() {
                    merged.object.additional_properties = any.additional_properties.clone();
                }
            }
            SchemaKind::AllOf { all_of } if depth < MAX_NESTING => {
                for (index, inner) in all_of.iter().enumerate() {
                    if is_untyped(inner) || !self.is_object_like(inner, depth + 1) {
                        continue;
                    }
                    let inner_pointer = format!("{pointer}/allOf/{index}");
                    self.merge(inner, &inner_pointer, merged, merging, depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether a part is an object (or an `allOf` of objects) whose properties merge.
    fn is_object_like(&self, part: &ReferenceOr<Schema>, depth: usize) -> bool {
        self.is_object_like_seen(part, depth, &mut Vec::new())
    }

    /// [`Self::is_object_like`], each `$ref` followed once (an `allOf` that names itself
    /// twice would otherwise be walked exponentially).
    fn is_object_like_seen<'s>(
        &self,
        part: &'s ReferenceOr<Schema>,
        depth: usize,
        seen: &mut Vec<&'s str>,
    ) -> bool
    where
        'a: 's,
    {
        if let ReferenceOr::Reference { reference } = part {
            if seen.contains(&reference.as_str()) {
                return false;
            }
            seen.push(reference);
        }
        match self.resolved(part).map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::Object(_))) => true,
            // `{required: [total]}` next to an object constrains that object.
            Some(SchemaKind::Any(any)) => {
                !any.properties.is_empty()
                    || any.additional_properties.is_some()
                    || !any.required.is_empty()
                    || any.min_properties.is_some()
                    || any.max_properties.is_some()
            }
            Some(SchemaKind::AllOf { all_of }) if depth < MAX_NESTING => all_of
                .iter()
                .filter(|p| !is_untyped(p))
                .any(|p| self.is_object_like_seen(p, depth + 1, seen)),
            _ => false,
        }
    }

    /// Whether a part is an enum (the narrowest of scalars).
    fn is_enum(&self, part: &ReferenceOr<Schema>) -> bool {
        match self.resolved(part).map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::String(s))) => !s.enumeration.is_empty(),
            Some(SchemaKind::Type(Type::Integer(i))) => !i.enumeration.is_empty(),
            Some(SchemaKind::Type(Type::Number(n))) => !n.enumeration.is_empty(),
            Some(SchemaKind::Any(any)) => !any.enumeration.is_empty(),
            _ => false,
        }
    }

    /// The JSON type of a scalar part, if it declares one.
    fn scalar_kind(&self, part: &ReferenceOr<Schema>) -> Option<&'static str> {
        match self.resolved(part).map(|s| &s.schema_kind)? {
            SchemaKind::Type(Type::String(_)) => Some("string"),
            SchemaKind::Type(Type::Integer(_)) | SchemaKind::Type(Type::Number(_)) => {
                Some("number")
            }
            SchemaKind::Type(Type::Boolean(_)) => Some("boolean"),
            SchemaKind::Type(Type::Array(_)) => Some("array"),
            _ => None,
        }
    }
}

/// The object an `allOf` merges into, and where each property was written.
#[derive(Default)]
struct Merged {
    object: ObjectType,
    origins: std::collections::BTreeMap<String, String>,
}

impl Merged {
    fn add(
        &mut self,
        pointer: &str,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
    ) {
        for (name, property) in properties {
            self.object
                .properties
                .insert(name.clone(), property.clone());
            let origin = format!(
                "{pointer}/properties/{}",
                crate::error::pointer_segment(name)
            );
            self.origins.insert(name.clone(), origin);
        }
        self.object.required.extend(required.iter().cloned());
    }
}

/// Whether an `allOf` part only annotates: no type, no constraint, no composition (a
/// `description`, `nullable`, `default`, `example`, `readOnly`... and nothing else).
pub(super) fn is_annotation(part: &ReferenceOr<Schema>) -> bool {
    match part {
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::Any(any) => *any == AnySchema::default(),
            _ => false,
        },
        ReferenceOr::Reference { .. } => false,
    }
}

/// Whether an `allOf` part says nothing of the value's type: an annotation, or a choice
/// between requirements only (`anyOf: [{required: [inbound_rules]}, {required: [outbound_rules]}]`),
/// which is validation, not a type.
fn is_untyped(part: &ReferenceOr<Schema>) -> bool {
    let constraint_only = |alternative: &ReferenceOr<Schema>| match alternative {
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::Any(any) => {
                let mut rest = any.clone();
                rest.required.clear();
                rest.min_properties = None;
                rest.max_properties = None;
                rest == AnySchema::default()
            }
            _ => false,
        },
        ReferenceOr::Reference { .. } => false,
    };
    match part {
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::AnyOf {
                any_of: alternatives,
            }
            | SchemaKind::OneOf {
                one_of: alternatives,
            } => !alternatives.is_empty() && alternatives.iter().all(constraint_only),
            _ => is_annotation(part),
        },
        ReferenceOr::Reference { .. } => false,
    }
}

/// What the annotating parts of an `allOf` (and its own inline parts) say about the value:
/// its description, and whether it may be null.
pub(super) fn annotations(schema: &Schema) -> (Option<&String>, bool) {
    let SchemaKind::AllOf { all_of } = &schema.schema_kind else {
        return (None, false);
    };
    let items = all_of.iter().filter_map(|part| match part {
        ReferenceOr::Item(schema) => Some(schema),
        ReferenceOr::Reference { .. } => None,
    });
    let description =
        all_of
            .iter()
            .filter(|part| is_annotation(part))
            .find_map(|part| match part {
                ReferenceOr::Item(schema) => schema.schema_data.description.as_ref(),
                ReferenceOr::Reference { .. } => None,
            });
    let nullable = items.clone().any(|s| s.schema_data.nullable);
    (description, nullable)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{api, lower_yaml, named};
    use crate::model::*;

    fn field<'a>(api: &'a Api, ty: &str, wire: &str) -> &'a Field {
        let TypeKind::Struct(s) = &named(api, ty).kind else {
            panic!("{ty} is a struct")
        };
        s.fields.iter().find(|f| f.wire == wire).unwrap()
    }

    fn id(api: &Api, name: &str) -> TypeRef {
        TypeRef::Named(TypeId(
            api.types.iter().position(|t| t.name == name).unwrap(),
        ))
    }

    #[test]
    fn a_reference_wrapped_for_its_description_is_the_referenced_type() {
        let api = api(
            "",
            "status: {type: string, enum: [active, archived]}
task:
  type: object
  properties:
    status:
      description: The task's status.
      allOf: [{$ref: '#/components/schemas/status'}]
    parent:
      allOf:
        - $ref: '#/components/schemas/task'
        - {nullable: true, description: The parent task.}
    sequence:
      allOf:
        - {type: string, nullable: true}
        - {nullable: false}",
        );
        let status = field(&api, "Task", "status");
        assert_eq!(status.ty, id(&api, "Status"));
        assert_eq!(status.doc.as_deref(), Some("The task's status."));
        let parent = field(&api, "Task", "parent");
        assert_eq!(parent.ty, id(&api, "Task"));
        assert!(parent.nullable);
        assert_eq!(parent.doc.as_deref(), Some("The parent task."));
        assert_eq!(field(&api, "Task", "sequence").ty, TypeRef::String);
    }

    #[test]
    fn scalars_and_enums_are_the_narrowest_and_components_alias_it() {
        let api = api(
            "",
            "color: {type: string, enum: [red, blue]}
shade:
  allOf:
    - {type: string, maxLength: 10}
    - {$ref: '#/components/schemas/color'}",
        );
        assert!(
            matches!(&named(&api, "Shade").kind, TypeKind::Alias(ty) if *ty == id(&api, "Color"))
        );
    }

    #[test]
    fn requirement_parts_constrain_the_merged_object() {
        let api = api(
            "",
            "meta: {type: object, properties: {total: {type: integer}}}
page:
  allOf:
    - {$ref: '#/components/schemas/meta'}
    - {required: [total]}
    - anyOf: [{required: [total]}, {required: [other]}]",
        );
        assert!(field(&api, "Page", "total").required);
    }

    #[test]
    fn merging_a_schema_inside_itself_falls_back_to_it_with_a_warning() {
        let document = crate::load::load_bytes(
            "t.yaml",
            b"openapi: 3.0.3
info: {title: T, version: '1'}
paths: {}
components:
  schemas:
    base: {type: object, properties: {gid: {type: string}}}
    full:
      allOf:
        - $ref: '#/components/schemas/base'
        - type: object
          properties:
            parent:
              allOf:
                - $ref: '#/components/schemas/full'
                - {type: object, properties: {extra: {type: string}}}
",
            false,
        )
        .unwrap();
        let lowered = super::super::lower_with_warnings(&document).unwrap();
        assert_eq!(lowered.warnings.len(), 1, "{:?}", lowered.warnings);
        assert!(lowered.warnings[0]
            .pointer
            .starts_with("/components/schemas/full/allOf/1/properties/parent/allOf/0"));
        let parent = field(&lowered.api, "Full", "parent");
        assert_eq!(parent.ty, id(&lowered.api, "Full"));
        assert!(lower_yaml("", "a: {allOf: []}").is_err());
    }

    #[test]
    fn object_parts_merge_into_one_struct() {
        let api = api(
            "",
            "base: {type: object, required: [id], properties: {id: {type: string}}}
full:
  allOf:
    - {$ref: '#/components/schemas/base'}
    - {type: object, properties: {name: {type: string}}}",
        );
        let TypeKind::Struct(full) = &named(&api, "Full").kind else {
            panic!("a struct")
        };
        let fields: Vec<(&str, bool)> = full
            .fields
            .iter()
            .map(|f| (f.wire.as_str(), f.required))
            .collect();
        assert_eq!(fields, [("id", true), ("name", false)]);
    }
}
