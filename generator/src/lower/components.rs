//! Component schemas: a slot per schema (named type, `$ref` alias, list envelope or error
//! envelope) and `$ref` resolution through those slots.

use openapiv3::{ObjectType, OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

use super::{Ctx, Lowerer, Slot, SCHEMA_PREFIX};
use crate::error::{pointer_segment, unescape_segment};
use crate::model::*;
use crate::naming::{self, Kind};

impl<'a> Lowerer<'a> {
    pub(super) fn components(&mut self) {
        let schemas = self.schemas();
        let mut typeful = Vec::new();
        for (&name, schema) in &schemas {
            let slot = match schema {
                ReferenceOr::Reference { reference } => Slot::Alias(reference.clone()),
                ReferenceOr::Item(schema) if list_item(schema).is_some() => Slot::List,
                ReferenceOr::Item(schema) if self.is_error_envelope(schema) => Slot::ErrorEnvelope,
                ReferenceOr::Item(_) => {
                    typeful.push(name);
                    continue;
                }
            };
            self.slots.insert(name.to_owned(), slot);
        }
        let names = self.type_names.claim_all(Kind::Type, &typeful);
        for (&schema_name, type_name) in typeful.iter().zip(names) {
            let id = TypeId(self.types.len());
            self.types.push(TypeDef {
                module: Module::Model(naming::module_name(&type_name)),
                name: type_name,
                doc: None,
                origin: format!("/components/schemas/{}", pointer_segment(schema_name)),
                kind: TypeKind::Alias(TypeRef::Json),
                object_id: None,
            });
            self.slots.insert(schema_name.to_owned(), Slot::Type(id));
        }
        for &schema_name in &typeful {
            let Some(Slot::Type(id)) = self.slots.get(schema_name).cloned() else {
                continue;
            };
            let Some(ReferenceOr::Item(schema)) = schemas.get(schema_name).copied() else {
                continue;
            };
            let def = &self.types[id.0];
            let ctx = Ctx {
                name: def.name.clone(),
                module: def.module.clone(),
                pointer: def.origin.clone(),
            };
            self.types[id.0].doc = schema.schema_data.description.clone();
            let ty = self.schema(schema, &ctx, Some(id));
            if ty != TypeRef::Named(id) {
                self.types[id.0].kind = TypeKind::Alias(ty);
            } else if matches!(self.types[id.0].kind, TypeKind::Alias(TypeRef::Json)) {
                // Still the placeholder: the schema came down to nothing but itself.
                self.error(&ctx.pointer, "the schema is made only of itself");
            }
        }
        self.self_containment();
        // `$ref`-only schemas are followed where they are used; following each once here
        // also reports the dangling ones and loops that nothing uses.
        for (&name, schema) in &schemas {
            if let ReferenceOr::Reference { reference } = schema {
                let pointer = format!("/components/schemas/{}", pointer_segment(name));
                self.reference(reference, &pointer);
            }
        }
    }

    /// `{error: {type, message, ...}}`, the error envelope, recognised by shape.
    pub(super) fn is_error_envelope(&self, schema: &Schema) -> bool {
        let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
            return false;
        };
        if object.properties.len() != 1 || !object.required.iter().any(|r| r == "error") {
            return false;
        }
        let Some(inner) = object.properties.get("error") else {
            return false;
        };
        let inner = match inner {
            ReferenceOr::Item(schema) => Some(&**schema),
            ReferenceOr::Reference { reference } => self.schema_by_ref(reference),
        };
        match inner.map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::Object(inner))) => {
                let is_string = |name: &str| {
                    matches!(inner.properties.get(name), Some(ReferenceOr::Item(s))
                        if matches!(s.schema_kind, SchemaKind::Type(Type::String(_))))
                };
                is_string("type") && is_string("message")
            }
            _ => false,
        }
    }

    /// The schema a `$ref` names, following `$ref`-only schemas (not loops: those are
    /// reported by [`Self::reference`]).
    pub(super) fn schema_by_ref(&self, reference: &str) -> Option<&'a Schema> {
        let spec: &'a OpenAPI = self.spec;
        let schemas = &spec.components.as_ref()?.schemas;
        let mut reference = reference;
        for _ in 0..=schemas.len() {
            let name = unescape_segment(reference.strip_prefix(SCHEMA_PREFIX)?);
            match schemas.get(&name)? {
                ReferenceOr::Item(schema) => return Some(schema),
                ReferenceOr::Reference { reference: next } => reference = next,
            }
        }
        None
    }

    /// The schema an inline schema or `$ref` stands for, `$ref`s followed.
    pub(super) fn resolved<'s>(&self, schema: &'s ReferenceOr<Schema>) -> Option<&'s Schema>
    where
        'a: 's,
    {
        match schema {
            ReferenceOr::Item(schema) => Some(schema),
            ReferenceOr::Reference { reference } => self.schema_by_ref(reference),
        }
    }

    /// The type a `$ref` to a schema stands for.
    pub(super) fn reference(&mut self, reference: &str, pointer: &str) -> TypeRef {
        if let Some(ty) = self.resolved.get(reference) {
            return ty.clone();
        }
        let Some(escaped) = reference.strip_prefix(SCHEMA_PREFIX) else {
            self.error(pointer, format!("unsupported $ref `{reference}`: only `{SCHEMA_PREFIX}...` refs to schemas are supported here"));
            return TypeRef::Json;
        };
        let name = unescape_segment(escaped);
        let name = name.as_str();
        let Some(slot) = self.slots.get(name).cloned() else {
            self.error(
                pointer,
                format!("dangling $ref `{reference}`: no such schema"),
            );
            return TypeRef::Json;
        };
        if !self.resolving.insert(reference.to_owned()) {
            self.error(
                pointer,
                format!("$ref loop through `{reference}` with no schema in between"),
            );
            return TypeRef::Json;
        }
        let schema_pointer = format!("/components/schemas/{}", pointer_segment(name));
        let ty = match slot {
            Slot::Type(id) => TypeRef::Named(id),
            Slot::Alias(target) => self.reference(&target, &schema_pointer),
            Slot::ErrorEnvelope => TypeRef::ErrorEnvelope,
            Slot::List => {
                let schemas = self.schemas();
                let item = match schemas.get(name) {
                    Some(ReferenceOr::Item(schema)) => list_item(schema),
                    _ => None,
                };
                let type_name = naming::type_name(name);
                let ctx = Ctx {
                    name: naming::join_type_name(&type_name, "item"),
                    module: Module::Model(naming::module_name(&type_name)),
                    pointer: format!("{schema_pointer}/properties/data/items"),
                };
                let envelope = item.map_or(Envelope::List, |(envelope, _)| envelope);
                let item = item.map_or(TypeRef::Json, |(_, item)| self.schema_or_ref(item, &ctx));
                envelope.of(item)
            }
        };
        self.resolving.remove(reference);
        self.resolved.insert(reference.to_owned(), ty.clone());
        ty
    }
}

/// The two paged envelopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Envelope {
    /// `{object: "list", data, has_more, url}`, paged by the last item's id.
    List,
    /// `{object: "search_result", data, has_more, next_page, url}`, paged by token.
    Search,
}

impl Envelope {
    /// The type of an envelope of `item`s.
    pub(super) fn of(self, item: TypeRef) -> TypeRef {
        match self {
            Envelope::List => TypeRef::List(Box::new(item)),
            Envelope::Search => TypeRef::SearchList(Box::new(item)),
        }
    }
}

pub(super) fn list_item(schema: &Schema) -> Option<(Envelope, &ReferenceOr<Box<Schema>>)> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => list_item_of(object),
        _ => None,
    }
}

/// The list envelope, recognised by shape: `object` ("list"), `data` (array), `has_more`,
/// `url`, and at most `total_count` besides; or the search envelope, which has `next_page`
/// (and `object: "search_result"`) too. Returns which, and the item schema.
pub(super) fn list_item_of(object: &ObjectType) -> Option<(Envelope, &ReferenceOr<Box<Schema>>)> {
    let allowed = [
        "data",
        "has_more",
        "next_page",
        "object",
        "total_count",
        "url",
    ];
    if !object
        .properties
        .keys()
        .all(|k| allowed.contains(&k.as_str()))
    {
        return None;
    }
    let kind = |name: &str| match object.properties.get(name)? {
        ReferenceOr::Item(schema) => Some(&schema.schema_kind),
        ReferenceOr::Reference { .. } => None,
    };
    let envelope = if object.properties.contains_key("next_page") {
        Envelope::Search
    } else {
        Envelope::List
    };
    let constant = match envelope {
        Envelope::List => "list",
        Envelope::Search => "search_result",
    };
    let is_envelope_object = match kind("object")? {
        SchemaKind::Type(Type::String(s)) => {
            s.enumeration.is_empty() || s.enumeration == [Some(constant.to_owned())]
        }
        _ => false,
    };
    let is_bool = matches!(kind("has_more")?, SchemaKind::Type(Type::Boolean(_)));
    let is_url = matches!(kind("url")?, SchemaKind::Type(Type::String(_)));
    let has_page = envelope == Envelope::List
        || matches!(kind("next_page")?, SchemaKind::Type(Type::String(_)));
    match kind("data")? {
        SchemaKind::Type(Type::Array(array))
            if is_envelope_object && is_bool && is_url && has_page =>
        {
            array.items.as_ref().map(|item| (envelope, item))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{api, lower_yaml};
    use crate::model::*;

    #[test]
    fn list_and_error_envelopes_are_recognised_by_shape() {
        let api = api(
            "",
            "charge: {type: object, properties: {id: {type: string}}}
charge_list:
  type: object
  properties:
    object: {type: string, enum: [list]}
    data: {type: array, items: {$ref: '#/components/schemas/charge'}}
    has_more: {type: boolean}
    url: {type: string}
error:
  type: object
  required: [error]
  properties:
    error: {type: object, properties: {type: {type: string}, message: {type: string}}}
holder:
  type: object
  properties:
    charges: {$ref: '#/components/schemas/charge_list'}
    failure: {$ref: '#/components/schemas/error'}",
        );
        assert!(!api
            .types
            .iter()
            .any(|t| t.name == "ChargeList" || t.name == "Error"));
        let TypeKind::Struct(holder) = &super::super::test_support::named(&api, "Holder").kind
        else {
            panic!("holder is a struct")
        };
        let charge = TypeRef::Named(TypeId(
            api.types.iter().position(|t| t.name == "Charge").unwrap(),
        ));
        assert_eq!(holder.fields[0].ty, TypeRef::List(Box::new(charge)));
        assert_eq!(holder.fields[1].ty, TypeRef::ErrorEnvelope);
    }

    #[test]
    fn dangling_refs_and_ref_loops_are_located_errors() {
        let errors = lower_yaml(
            "",
            "a: {$ref: '#/components/schemas/b'}
b: {$ref: '#/components/schemas/a'}
c: {type: object, properties: {x: {$ref: '#/components/schemas/missing'}}}",
        )
        .unwrap_err()
        .to_string();
        assert!(errors.contains("$ref loop"), "{errors}");
        assert!(
            errors.contains("/components/schemas/c/properties/x"),
            "{errors}"
        );
        assert!(errors.contains("dangling $ref"), "{errors}");
    }
}
