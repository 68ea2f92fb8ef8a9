//! `anyOf`/`oneOf`: "empty string unsets" values, expandable fields, shared unions of
//! `$ref`s and tagged or untagged unions.

use openapiv3::{Discriminator, ReferenceOr, Schema, SchemaData, SchemaKind, Type};

use super::{Ctx, Lowerer};
use crate::model::*;
use crate::naming::{self, Names};

impl<'a> Lowerer<'a> {
    pub(super) fn union(
        &mut self,
        variants: &[ReferenceOr<Schema>],
        data: &SchemaData,
        ctx: &Ctx,
        slot: Option<TypeId>,
        keyword: &str,
    ) -> TypeRef {
        if variants.is_empty() {
            let pointer = format!("{}/{keyword}", ctx.pointer);
            self.error(
                &pointer,
                format!("`{keyword}` must list at least one schema"),
            );
            return TypeRef::Json;
        }
        // `{type: string, enum: [""]}` says "an empty string unsets this".
        let unsettable = variants.iter().any(is_empty_string_enum);
        let kept: Vec<(usize, &ReferenceOr<Schema>)> = variants
            .iter()
            .enumerate()
            .filter(|(_, v)| !is_empty_string_enum(v))
            .collect();
        if !unsettable {
            return self.union_kept(&kept, data, ctx, slot, keyword);
        }
        // The component (if any) names the unsettable value; the set value gets its own name.
        let inner_ctx = match slot {
            Some(_) => Ctx {
                name: naming::join_type_name(&ctx.name, "value"),
                ..ctx.clone()
            },
            None => ctx.clone(),
        };
        TypeRef::Unsettable(Box::new(
            self.union_kept(&kept, data, &inner_ctx, None, keyword),
        ))
    }

    pub(super) fn union_kept(
        &mut self,
        kept: &[(usize, &ReferenceOr<Schema>)],
        data: &SchemaData,
        ctx: &Ctx,
        slot: Option<TypeId>,
        keyword: &str,
    ) -> TypeRef {
        if data.extensions.contains_key("x-expansionResources") {
            if let Some(target) = self.expansion_target(kept, ctx) {
                return TypeRef::Expandable(target);
            }
        }
        match kept {
            [] => return TypeRef::Json,
            [(index, only)] if slot.is_none() || matches!(only, ReferenceOr::Reference { .. }) => {
                return self.schema_or_ref(only, &ctx.at(&format!("{keyword}/{index}")));
            }
            _ => {}
        }
        let all_refs = kept
            .iter()
            .all(|(_, v)| matches!(v, ReferenceOr::Reference { .. }));
        if all_refs && slot.is_none() && data.discriminator.is_none() {
            let targets: Vec<TypeRef> = kept
                .iter()
                .map(|(index, v)| self.schema_or_ref(v, &ctx.at(&format!("{keyword}/{index}"))))
                .collect();
            return TypeRef::Named(self.ref_union(targets, ctx, data));
        }
        let id = self.nominal(slot, ctx, data.description.as_ref());
        let union_name = self.types[id.0].name.clone();
        let mut members = Vec::new();
        for (index, variant) in kept {
            let variant_ctx = Ctx {
                name: naming::join_type_name(&union_name, &format!("variant{index}")),
                module: ctx.module.clone(),
                pointer: format!("{}/{keyword}/{index}", ctx.pointer),
            };
            let ty = self.schema_or_ref(variant, &variant_ctx);
            let constants = match (&data.discriminator, variant) {
                (Some(discriminator), ReferenceOr::Reference { reference }) => {
                    vec![(
                        discriminator.property_name.clone(),
                        Constant::Str(discriminator_value(discriminator, reference)),
                    )]
                }
                _ => Vec::new(),
            };
            members.push((ty, constants));
        }
        let tagging = if data.discriminator.is_some() {
            Tagging::Constants
        } else {
            Tagging::Untagged
        };
        self.types[id.0].kind = TypeKind::Union(self.union_of(members, tagging));
        TypeRef::Named(id)
    }

    pub(super) fn union_of(
        &self,
        members: Vec<(TypeRef, Vec<(String, Constant)>)>,
        tagging: Tagging,
    ) -> Union {
        let mut names = Names::new();
        let variants = members
            .into_iter()
            .map(|(ty, constants)| {
                let base = match &ty {
                    TypeRef::Named(id) => self.types[id.0].name.clone(),
                    other => variant_label(other).to_owned(),
                };
                UnionVariant {
                    name: names.claim_exact(&base),
                    ty,
                    boxed: false,
                    constants,
                }
            })
            .collect();
        Union {
            variants,
            tagging,
            unknown_variant: names.claim_exact("Unknown"),
            per_feature: false,
        }
    }

    /// A union of `$ref`s only (`customer | deleted_customer`) is one shared type, named after
    /// its members and kept with the first of them.
    pub(super) fn ref_union(
        &mut self,
        targets: Vec<TypeRef>,
        ctx: &Ctx,
        data: &SchemaData,
    ) -> TypeId {
        if let Some(id) = self.ref_unions.get(&targets) {
            return *id;
        }
        let named: Vec<TypeId> = targets
            .iter()
            .filter_map(|t| {
                if let TypeRef::Named(id) = t {
                    Some(*id)
                } else {
                    None
                }
            })
            .collect();
        let ctx = if named.len() == targets.len() && named.len() <= 3 {
            let name = named
                .iter()
                .map(|id| self.types[id.0].name.as_str())
                .collect::<Vec<_>>()
                .join("Or");
            Ctx {
                name,
                module: self.types[named[0].0].module.clone(),
                pointer: ctx.pointer.clone(),
            }
        } else {
            ctx.clone()
        };
        let id = self.nominal(None, &ctx, data.description.as_ref());
        let members = targets.iter().cloned().map(|t| (t, Vec::new())).collect();
        self.types[id.0].kind = TypeKind::Union(self.union_of(members, Tagging::Untagged));
        self.ref_unions.insert(targets, id);
        id
    }

    /// For `anyOf: [string id, $ref object...]` with `x-expansionResources`: the object type.
    pub(super) fn expansion_target(
        &mut self,
        kept: &[(usize, &ReferenceOr<Schema>)],
        ctx: &Ctx,
    ) -> Option<TypeId> {
        let is_id = |v: &ReferenceOr<Schema>| matches!(v, ReferenceOr::Item(s) if matches!(&s.schema_kind, SchemaKind::Type(Type::String(t)) if t.enumeration.is_empty()));
        if kept.iter().filter(|(_, v)| is_id(v)).count() != 1 {
            return None;
        }
        let objects: Vec<&(usize, &ReferenceOr<Schema>)> =
            kept.iter().filter(|(_, v)| !is_id(v)).collect();
        if objects.is_empty()
            || !objects
                .iter()
                .all(|(_, v)| matches!(v, ReferenceOr::Reference { .. }))
        {
            return None;
        }
        let targets: Vec<TypeRef> = objects
            .iter()
            .map(|(index, v)| self.schema_or_ref(v, &ctx.at(&format!("anyOf/{index}"))))
            .collect();
        match targets.as_slice() {
            [TypeRef::Named(id)] => Some(*id),
            [_] => None,
            _ if targets.iter().all(|t| matches!(t, TypeRef::Named(_))) => {
                Some(self.ref_union(targets, ctx, &SchemaData::default()))
            }
            _ => None,
        }
    }
}

pub(super) fn is_empty_string_enum(schema: &ReferenceOr<Schema>) -> bool {
    matches!(schema, ReferenceOr::Item(s)
        if matches!(&s.schema_kind, SchemaKind::Type(Type::String(t)) if t.enumeration == [Some(String::new())]))
}

pub(super) fn discriminator_value(discriminator: &Discriminator, reference: &str) -> String {
    discriminator
        .mapping
        .iter()
        .find(|(_, target)| target.as_str() == reference)
        .map(|(value, _)| value.clone())
        .unwrap_or_else(|| reference.rsplit('/').next().unwrap_or(reference).to_owned())
}

pub(super) fn variant_label(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::String | TypeRef::Id(_) => "String",
        TypeRef::Integer => "Integer",
        TypeRef::Number => "Number",
        TypeRef::Boolean => "Boolean",
        TypeRef::Timestamp => "Timestamp",
        TypeRef::Bytes => "Bytes",
        TypeRef::Json => "Value",
        TypeRef::JsonObject | TypeRef::Map(_) => "Map",
        TypeRef::Array(_) => "Array",
        TypeRef::List(_) => "List",
        TypeRef::SearchList(_) => "SearchList",
        TypeRef::Expandable(_) => "Expandable",
        TypeRef::Unsettable(_) => "Unsettable",
        TypeRef::ErrorEnvelope => "Error",
        TypeRef::Named(_) => "Object",
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{api, named};
    use crate::model::*;

    #[test]
    fn empty_string_means_unsettable_and_expansion_resources_expandable() {
        let api = api(
            "",
            "customer:
  type: object
  properties:
    id: {type: string}
    object: {type: string, enum: [customer]}
holder:
  type: object
  properties:
    description:
      anyOf:
        - {type: string, maxLength: 10}
        - {type: string, enum: ['']}
    customer:
      anyOf:
        - {type: string}
        - {$ref: '#/components/schemas/customer'}
      x-expansionResources: {oneOf: [{$ref: '#/components/schemas/customer'}]}",
        );
        let TypeKind::Struct(holder) = &named(&api, "Holder").kind else {
            panic!("a struct")
        };
        let customer = TypeId(api.types.iter().position(|t| t.name == "Customer").unwrap());
        let field = |wire: &str| &holder.fields.iter().find(|f| f.wire == wire).unwrap().ty;
        assert_eq!(field("customer"), &TypeRef::Expandable(customer));
        assert_eq!(
            field("description"),
            &TypeRef::Unsettable(Box::new(TypeRef::String))
        );
    }

    #[test]
    fn unions_of_refs_are_shared_and_tagged_by_their_constants() {
        let api = api(
            "",
            "card: {type: object, required: [object], properties: {object: {type: string, enum: [card]}}}
bank: {type: object, required: [object], properties: {object: {type: string, enum: [bank]}}}
a: {type: object, properties: {source: {anyOf: [{$ref: '#/components/schemas/card'}, {$ref: '#/components/schemas/bank'}]}}}
b: {type: object, properties: {source: {anyOf: [{$ref: '#/components/schemas/card'}, {$ref: '#/components/schemas/bank'}]}}}",
        );
        let shared: Vec<_> = api
            .types
            .iter()
            .filter(|t| t.name == "CardOrBank")
            .collect();
        assert_eq!(shared.len(), 1);
        let TypeKind::Union(union) = &shared[0].kind else {
            panic!("a union")
        };
        assert_eq!(union.tagging, Tagging::Constants);
        assert_eq!(
            union.variants[0].constants,
            [("object".to_owned(), Constant::Str("card".to_owned()))]
        );
    }
}
