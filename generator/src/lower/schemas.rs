//! Schemas to types: primitives, string and integer enums, objects with their fields'
//! constants and validation constraints.

use openapiv3::{
    AdditionalProperties, ObjectType, ReferenceOr, Schema, SchemaData, SchemaKind, StringType,
    Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::components::list_item_of;
use super::{AsSchema, Ctx, Lowerer, MAX_SCHEMA_DEPTH};
use crate::error::pointer_segment;
use crate::model::*;
use crate::naming::{self, Kind, Names};

impl<'a> Lowerer<'a> {
    // ---- schemas -------------------------------------------------------------------------

    pub(super) fn schema_or_ref<S: AsSchema>(
        &mut self,
        schema: &ReferenceOr<S>,
        ctx: &Ctx,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, &ctx.pointer),
            ReferenceOr::Item(schema) => self.schema(schema.as_schema(), ctx, None),
        }
    }

    /// A nominal type: the component's own slot, or a new inline type.
    pub(super) fn nominal(
        &mut self,
        slot: Option<TypeId>,
        ctx: &Ctx,
        doc: Option<&String>,
    ) -> TypeId {
        if let Some(id) = slot {
            return id;
        }
        let id = TypeId(self.types.len());
        let name = self.type_names.claim_exact(&ctx.name);
        self.types.push(TypeDef {
            name,
            module: ctx.module.clone(),
            doc: doc.cloned(),
            origin: ctx.pointer.clone(),
            kind: TypeKind::Alias(TypeRef::Json),
            object_id: None,
        });
        id
    }

    pub(super) fn schema(&mut self, schema: &Schema, ctx: &Ctx, slot: Option<TypeId>) -> TypeRef {
        if self.depth >= MAX_SCHEMA_DEPTH {
            self.error(
                &ctx.pointer,
                format!("schemas nest more than {MAX_SCHEMA_DEPTH} levels deep here"),
            );
            return TypeRef::Json;
        }
        self.depth += 1;
        let ty = self.schema_at_depth(schema, ctx, slot);
        self.depth -= 1;
        ty
    }

    pub(super) fn schema_at_depth(
        &mut self,
        schema: &Schema,
        ctx: &Ctx,
        slot: Option<TypeId>,
    ) -> TypeRef {
        let data = &schema.schema_data;
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => self.string(string, data, ctx, slot),
            SchemaKind::Type(Type::Integer(integer)) if !integer.enumeration.is_empty() => {
                let values: Vec<i64> = integer.enumeration.iter().flatten().copied().collect();
                self.int_enum(values, data, ctx, slot)
            }
            SchemaKind::Type(Type::Integer(integer)) => match &integer.format {
                VariantOrUnknownOrEmpty::Unknown(format) if format == "unix-time" => {
                    TypeRef::Timestamp
                }
                _ => TypeRef::Integer,
            },
            SchemaKind::Type(Type::Number(_)) => TypeRef::Number,
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Boolean,
            SchemaKind::Type(Type::Array(array)) => {
                let item = match &array.items {
                    Some(items) => self.schema_or_ref(items, &ctx.child("item", "items")),
                    None => TypeRef::Json,
                };
                TypeRef::Array(Box::new(item))
            }
            SchemaKind::Type(Type::Object(object)) => self.object(object, data, ctx, slot),
            SchemaKind::AnyOf { any_of: variants } | SchemaKind::OneOf { one_of: variants } => {
                let keyword = if matches!(schema.schema_kind, SchemaKind::AnyOf { .. }) {
                    "anyOf"
                } else {
                    "oneOf"
                };
                self.union(variants, data, ctx, slot, keyword)
            }
            SchemaKind::AllOf { all_of } => self.all_of(all_of, data, ctx, slot),
            SchemaKind::Not { .. } => TypeRef::Json,
            SchemaKind::Any(any) => {
                if !any.properties.is_empty() || any.additional_properties.is_some() {
                    let object = ObjectType {
                        properties: any.properties.clone(),
                        required: any.required.clone(),
                        additional_properties: any.additional_properties.clone(),
                        min_properties: any.min_properties,
                        max_properties: any.max_properties,
                    };
                    self.object(&object, data, ctx, slot)
                } else if !any.enumeration.is_empty()
                    && any.enumeration.iter().all(Value::is_string)
                {
                    let values: Vec<Option<String>> = any
                        .enumeration
                        .iter()
                        .map(|v| v.as_str().map(str::to_owned))
                        .collect();
                    self.string_enum(&values, data, ctx, slot)
                } else {
                    self.any_typed(any, ctx, slot, data)
                }
            }
        }
    }

    /// A schema `openapiv3` could not hold as its type (keywords of another type next to
    /// `type`, such as `minimum` on a string, or a composition next to `type`): read by its
    /// `type` and compositions all the same.
    fn any_typed(
        &mut self,
        any: &openapiv3::AnySchema,
        ctx: &Ctx,
        slot: Option<TypeId>,
        data: &SchemaData,
    ) -> TypeRef {
        if !any.one_of.is_empty() {
            return self.union(&any.one_of, data, ctx, slot, "oneOf");
        }
        if !any.any_of.is_empty() {
            return self.union(&any.any_of, data, ctx, slot, "anyOf");
        }
        if !any.all_of.is_empty() {
            return self.all_of(&any.all_of, data, ctx, slot);
        }
        let format = any.format.as_deref();
        match any.typ.as_deref() {
            Some("string") if format == Some("binary") => TypeRef::Bytes,
            Some("string" | "integer") if format == Some("unix-time") => TypeRef::Timestamp,
            Some("string") => TypeRef::String,
            Some("integer") => TypeRef::Integer,
            Some("number") => TypeRef::Number,
            Some("boolean") => TypeRef::Boolean,
            Some("array") => {
                let item = match &any.items {
                    Some(items) => self.schema_or_ref(items, &ctx.child("item", "items")),
                    None => TypeRef::Json,
                };
                TypeRef::Array(Box::new(item))
            }
            Some("object") => TypeRef::JsonObject,
            _ => TypeRef::Json,
        }
    }

    pub(super) fn string(
        &mut self,
        string: &StringType,
        data: &SchemaData,
        ctx: &Ctx,
        slot: Option<TypeId>,
    ) -> TypeRef {
        if !string.enumeration.is_empty() {
            return self.string_enum(&string.enumeration, data, ctx, slot);
        }
        match &string.format {
            VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary) => TypeRef::Bytes,
            VariantOrUnknownOrEmpty::Unknown(format) if format == "unix-time" => TypeRef::Timestamp,
            _ => TypeRef::String,
        }
    }

    pub(super) fn string_enum(
        &mut self,
        values: &[Option<String>],
        data: &SchemaData,
        ctx: &Ctx,
        slot: Option<TypeId>,
    ) -> TypeRef {
        let mut values: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
        values.sort_unstable();
        values.dedup();
        // One value is a constant (`object: charge`): a plain string, see `Field::constant`.
        if values.len() <= 1 && slot.is_none() {
            return TypeRef::String;
        }
        let id = self.nominal(slot, ctx, data.description.as_ref());
        let (variants, mut names) = enum_variants(&values);
        let unknown_variant = ["Unknown", "Other", "UnknownValue"]
            .into_iter()
            .find(|n| !names.is_taken(n))
            .map_or_else(|| names.claim_exact("Unknown"), str::to_owned);
        let bypass_validation = data
            .extensions
            .get("x-stripeBypassValidation")
            .and_then(Value::as_bool)
            == Some(true);
        self.types[id.0].kind = TypeKind::Enum(Enum {
            variants,
            bypass_validation,
            unknown_variant,
        });
        TypeRef::Named(id)
    }

    pub(super) fn int_enum(
        &mut self,
        mut values: Vec<i64>,
        data: &SchemaData,
        ctx: &Ctx,
        slot: Option<TypeId>,
    ) -> TypeRef {
        values.sort_unstable();
        values.dedup();
        let id = self.nominal(slot, ctx, data.description.as_ref());
        let wires: Vec<String> = values.iter().map(i64::to_string).collect();
        let wire_refs: Vec<&str> = wires.iter().map(String::as_str).collect();
        let mut names = Names::new();
        let variant_names = names.claim_all(Kind::Variant, &wire_refs);
        let unknown_variant = names.claim_exact("Unknown");
        let variants = values
            .into_iter()
            .zip(variant_names)
            .map(|(value, name)| IntVariant { name, value })
            .collect();
        self.types[id.0].kind = TypeKind::IntEnum(IntEnum {
            variants,
            unknown_variant,
        });
        TypeRef::Named(id)
    }

    pub(super) fn object(
        &mut self,
        object: &ObjectType,
        data: &SchemaData,
        ctx: &Ctx,
        slot: Option<TypeId>,
    ) -> TypeRef {
        let origins = self.merged_origins.take();
        if let Some((envelope, item)) = list_item_of(object) {
            let item = self.schema_or_ref(
                item,
                &ctx.child("item", "properties").at("data").at("items"),
            );
            return envelope.of(item);
        }
        if object.properties.is_empty() {
            return match &object.additional_properties {
                Some(AdditionalProperties::Schema(value)) => {
                    let value =
                        self.schema_or_ref(value, &ctx.child("value", "additionalProperties"));
                    TypeRef::Map(Box::new(value))
                }
                _ => TypeRef::JsonObject,
            };
        }
        let id = self.nominal(slot, ctx, data.description.as_ref());
        let type_name = self.types[id.0].name.clone();
        let ctx = Ctx {
            name: type_name,
            module: ctx.module.clone(),
            pointer: ctx.pointer.clone(),
        };
        let mut wires: Vec<&str> = object.properties.keys().map(String::as_str).collect();
        wires.sort_unstable();
        let mut field_names = Names::new();
        let names = field_names.claim_all(Kind::Field, &wires);
        let additional_field = field_names.claim_exact("extra");
        let mut fields = Vec::with_capacity(wires.len());
        for (wire, name) in wires.iter().zip(names) {
            let property = &object.properties[*wire];
            let pointer = origins
                .as_ref()
                .and_then(|origins| origins.get(*wire).cloned())
                .unwrap_or_else(|| format!("{}/properties/{}", ctx.pointer, pointer_segment(wire)));
            let field_ctx = Ctx {
                name: naming::join_type_name(&ctx.name, wire),
                module: ctx.module.clone(),
                pointer,
            };
            let ty = self.schema_or_ref(property, &field_ctx);
            let (doc, nullable, constraints, constant, example) = match property {
                ReferenceOr::Item(schema) => (
                    schema
                        .schema_data
                        .description
                        .clone()
                        .or_else(|| super::all_of::annotations(schema).0.cloned()),
                    is_nullable(schema),
                    constraints(schema),
                    constant(schema),
                    schema
                        .schema_data
                        .example
                        .clone()
                        .filter(|example| scalar_fits(&ty, example)),
                ),
                ReferenceOr::Reference { reference } => {
                    let target = self.schema_by_ref(reference);
                    (
                        None,
                        target.is_some_and(|s| s.schema_data.nullable),
                        target.map(constraints).unwrap_or_default(),
                        None,
                        None,
                    )
                }
            };
            fields.push(Field {
                name,
                wire: (*wire).to_owned(),
                doc,
                ty,
                required: object.required.iter().any(|r| r == wire),
                nullable,
                boxed: false,
                constraints,
                constant,
                example,
            });
        }
        let additional = match &object.additional_properties {
            Some(AdditionalProperties::Schema(value)) => {
                Some(self.schema_or_ref(value, &ctx.child("additional", "additionalProperties")))
            }
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Json),
            _ => None,
        };
        self.types[id.0].kind = TypeKind::Struct(Struct {
            fields,
            additional,
            additional_field,
            expand: None,
        });
        TypeRef::Named(id)
    }
}

/// The variants of a string enum with these (sorted) wire values, and the names they took.
pub(super) fn enum_variants(wires: &[&str]) -> (Vec<EnumVariant>, Names) {
    let mut names = Names::new();
    let variant_names = names.claim_all(Kind::Variant, wires);
    let variants = wires
        .iter()
        .zip(variant_names)
        .map(|(wire, name)| EnumVariant {
            name,
            wire: (*wire).to_owned(),
        })
        .collect();
    (variants, names)
}

/// `nullable: true`, on the schema or on an `allOf` part that says it for the whole.
pub(super) fn is_nullable(schema: &Schema) -> bool {
    schema.schema_data.nullable || super::all_of::annotations(schema).1
}

pub(super) fn constant(schema: &Schema) -> Option<Constant> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => match s.enumeration.as_slice() {
            [Some(value)] => Some(Constant::Str(value.clone())),
            _ => None,
        },
        SchemaKind::Type(Type::Boolean(b)) => match b.enumeration.as_slice() {
            [Some(value)] => Some(Constant::Bool(*value)),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn constraints(schema: &Schema) -> Constraints {
    let mut c = Constraints {
        max_key_length: schema
            .schema_data
            .extensions
            .get("x-keyMaxLength")
            .and_then(Value::as_u64)
            .map(|n| n as usize),
        ..Constraints::default()
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            c.min_length = s.min_length;
            c.max_length = s.max_length;
            c.pattern = s.pattern.clone();
        }
        SchemaKind::Type(Type::Integer(i)) => {
            c.minimum = i
                .minimum
                .map(|m| m as f64 + if i.exclusive_minimum { 1.0 } else { 0.0 });
            c.maximum = i
                .maximum
                .map(|m| m as f64 - if i.exclusive_maximum { 1.0 } else { 0.0 });
        }
        SchemaKind::Type(Type::Number(n)) => {
            c.minimum = n.minimum;
            c.maximum = n.maximum;
        }
        SchemaKind::Type(Type::Boolean(b)) if !b.enumeration.is_empty() => {
            let mut values: Vec<bool> = b.enumeration.iter().flatten().copied().collect();
            values.sort_unstable();
            values.dedup();
            c.booleans = Some(values);
        }
        SchemaKind::Type(Type::Object(o)) => {
            c.max_properties = o.max_properties;
            if let Some(AdditionalProperties::Schema(values)) = &o.additional_properties {
                if let ReferenceOr::Item(values) = &**values {
                    c.inner = Some(Box::new(constraints(values)));
                }
            }
        }
        SchemaKind::Any(any) => {
            c.min_length = any.min_length;
            c.max_length = any.max_length;
            c.pattern = any.pattern.clone();
            if any.typ.as_deref() != Some("string") {
                c.minimum = any.minimum;
                c.maximum = any.maximum;
            }
            c.max_items = any.max_items;
            c.max_properties = any.max_properties;
        }
        SchemaKind::Type(Type::Array(a)) => {
            c.max_items = a.max_items;
            if let Some(ReferenceOr::Item(items)) = &a.items {
                c.inner = Some(Box::new(constraints(items)));
            }
        }
        _ => {}
    }
    c
}

/// Whether an `example` is a value of a scalar type: only those are kept, so an example of the
/// wrong kind (a string for an integer) never makes an answer fail to decode.
fn scalar_fits(ty: &TypeRef, example: &serde_json::Value) -> bool {
    match ty {
        TypeRef::String | TypeRef::Id(_) => example.is_string(),
        TypeRef::Integer | TypeRef::Timestamp => example.is_i64(),
        TypeRef::Number => example.is_number(),
        TypeRef::Boolean => example.is_boolean(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{api, named};
    use crate::model::*;

    #[test]
    fn enums_are_sorted_and_open_and_constants_stay_strings() {
        let api = api(
            "",
            "status: {type: string, enum: [succeeded, failed, pending, failed]}
code: {type: integer, enum: [3, 1, 2]}
thing:
  type: object
  properties:
    object: {type: string, enum: [thing]}",
        );
        let TypeKind::Enum(status) = &named(&api, "Status").kind else {
            panic!("an enum")
        };
        let wires: Vec<&str> = status.variants.iter().map(|v| v.wire.as_str()).collect();
        assert_eq!(wires, ["failed", "pending", "succeeded"]);
        assert_eq!(status.unknown_variant, "Unknown");
        let TypeKind::IntEnum(code) = &named(&api, "Code").kind else {
            panic!("an integer enum")
        };
        assert_eq!(
            code.variants.iter().map(|v| v.value).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let TypeKind::Struct(thing) = &named(&api, "Thing").kind else {
            panic!("a struct")
        };
        assert_eq!(thing.fields[0].ty, TypeRef::String);
    }

    #[test]
    fn constraints_are_kept_and_exclusive_integer_bounds_made_inclusive() {
        let api = api(
            "",
            "limits:
  type: object
  properties:
    n: {type: integer, minimum: 0, exclusiveMinimum: true, maximum: 100}
    s: {type: string, maxLength: 5000}
    metadata: {type: object, maxProperties: 50, additionalProperties: {type: string, maxLength: 500}}",
        );
        let TypeKind::Struct(limits) = &named(&api, "Limits").kind else {
            panic!("a struct")
        };
        let field = |wire: &str| {
            &limits
                .fields
                .iter()
                .find(|f| f.wire == wire)
                .unwrap()
                .constraints
        };
        assert_eq!(
            (field("n").minimum, field("n").maximum),
            (Some(1.0), Some(100.0))
        );
        assert_eq!(field("s").max_length, Some(5000));
        assert_eq!(field("metadata").max_properties, Some(50));
        assert_eq!(
            field("metadata").inner.as_ref().unwrap().max_length,
            Some(500)
        );
    }
}
