//! `allOf`: the parts' properties and required lists merged into one struct.

use openapiv3::{ObjectType, ReferenceOr, Schema, SchemaData, SchemaKind, Type};

use super::{Ctx, Lowerer};
use crate::model::*;

impl<'a> Lowerer<'a> {
    /// `allOf` merged into one struct: properties and required lists of every part.
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
        if let [only] = parts {
            if slot.is_none() {
                return self.schema_or_ref(only, &ctx.at("allOf").at("0"));
            }
        }
        let mut merged = ObjectType::default();
        let mut merging = Vec::new();
        for (index, part) in parts.iter().enumerate() {
            let schema = match part {
                ReferenceOr::Item(schema) => Some(schema),
                ReferenceOr::Reference { reference } => {
                    if self.merging.contains(reference) {
                        // Its properties hold, inline, this very `allOf`: merging would
                        // copy them for ever.
                        self.error(
                            &format!("{}/allOf/{index}", ctx.pointer),
                            format!("`allOf` merges `{reference}`, whose properties contain this `allOf` inline; give the inner schema a name in components"),
                        );
                        return TypeRef::Json;
                    }
                    merging.push(reference.clone());
                    let target = self.schema_by_ref(reference);
                    if target.is_none() {
                        self.error(
                            &format!("{}/allOf/{index}", ctx.pointer),
                            format!("dangling $ref `{reference}`: no such schema"),
                        );
                    }
                    target
                }
            };
            match schema.map(|s| &s.schema_kind) {
                Some(SchemaKind::Type(Type::Object(object))) => {
                    for (name, property) in &object.properties {
                        merged.properties.insert(name.clone(), property.clone());
                    }
                    merged.required.extend(object.required.iter().cloned());
                    if object.additional_properties.is_some() {
                        merged.additional_properties = object.additional_properties.clone();
                    }
                }
                Some(SchemaKind::Any(any)) => {
                    for (name, property) in &any.properties {
                        merged.properties.insert(name.clone(), property.clone());
                    }
                    merged.required.extend(any.required.iter().cloned());
                }
                Some(_) => self.error(
                    &format!("{}/allOf/{index}", ctx.pointer),
                    "allOf parts must be objects to be merged",
                ),
                None => {}
            }
        }
        let outer = self.merging.len();
        self.merging.extend(merging);
        let ty = self.object(&merged, data, ctx, slot);
        self.merging.truncate(outer);
        ty
    }

    // ---- operations ----------------------------------------------------------------------
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{api, named};
    use crate::model::*;

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
