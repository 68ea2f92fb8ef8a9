//! Lowering: the only module that reads OpenAPI. It resolves every `$ref`, recognises Stripe's
//! patterns (list envelope, expandable field, "empty string unsets", error envelope, object
//! ids), names every type, and marks the fields that close a cycle.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, Discriminator, ObjectType, OpenAPI, Parameter, ParameterSchemaOrContent,
    QueryStyle, ReferenceOr, RequestBody, Response as OaResponse, Schema, SchemaData, SchemaKind,
    StatusCode, StringType, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use crate::error::{pointer_segment, Diagnostic, Errors};
use crate::load::Document;
use crate::model::*;
use crate::naming::{self, Kind, Names};

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Lowers a loaded document to the model, or reports every problem found.
pub fn lower(document: &Document) -> Result<Api, Errors> {
    let mut lowerer = Lowerer::new(&document.file, &document.api);
    lowerer.components();
    let operations = lowerer.operations();
    lowerer.finish(operations)
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
    /// Per-field constant values, by type and field index (`object: "charge"`).
    constants: BTreeMap<(TypeId, usize), Constant>,
    slots: BTreeMap<String, Slot>,
    resolved: BTreeMap<String, TypeRef>,
    resolving: BTreeSet<String>,
    ref_unions: BTreeMap<Vec<TypeRef>, TypeId>,
    type_names: Names,
    errors: Vec<Diagnostic>,
    /// The `allOf` `$ref`s whose properties are being merged, innermost last.
    merging: Vec<String>,
    /// How many schemas deep lowering is (inline schemas recurse).
    depth: usize,
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
            constants: BTreeMap::new(),
            slots: BTreeMap::new(),
            resolved: BTreeMap::new(),
            resolving: BTreeSet::new(),
            ref_unions: BTreeMap::new(),
            type_names: Names::new(),
            errors: Vec::new(),
            merging: Vec::new(),
            depth: 0,
        }
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

    // ---- components ----------------------------------------------------------------------

    fn components(&mut self) {
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

    /// Two kinds of self-containment the generated code cannot express: a union that contains
    /// itself through unions and aliases alone (`b: {anyOf: [b, ...]}`) would recurse for
    /// ever when decoding, and an alias that contains itself through arrays and maps alone
    /// (`a: {type: array, items: a}`) would be a Rust type alias of itself. An object in
    /// between (a struct field) ends either.
    fn self_containment(&mut self) {
        /// Unions reachable from `ty` without passing a struct, through aliases.
        /// (`aliases`: the ones followed so far, as aliases may loop too.)
        fn union_edges(
            types: &[TypeDef],
            ty: &TypeRef,
            aliases: &mut BTreeSet<TypeId>,
            out: &mut Vec<TypeId>,
        ) {
            match ty {
                TypeRef::Named(id) => match &types[id.0].kind {
                    TypeKind::Union(_) => out.push(*id),
                    TypeKind::Alias(inner) if aliases.insert(*id) => {
                        union_edges(types, inner, aliases, out)
                    }
                    _ => {}
                },
                TypeRef::Unsettable(inner) => union_edges(types, inner, aliases, out),
                _ => {}
            }
        }
        /// Aliases `ty` spells out (Rust aliases are expanded, so containers do not help).
        fn alias_edges(types: &[TypeDef], ty: &TypeRef, out: &mut Vec<TypeId>) {
            match ty {
                TypeRef::Named(id) | TypeRef::Expandable(id)
                    if matches!(types[id.0].kind, TypeKind::Alias(_)) =>
                {
                    out.push(*id)
                }
                TypeRef::Array(inner)
                | TypeRef::Map(inner)
                | TypeRef::List(inner)
                | TypeRef::Unsettable(inner) => alias_edges(types, inner, out),
                _ => {}
            }
        }
        let types = &self.types;
        let mut unions: Vec<Vec<TypeId>> = vec![Vec::new(); types.len()];
        let mut aliases: Vec<Vec<TypeId>> = vec![Vec::new(); types.len()];
        for (index, def) in types.iter().enumerate() {
            match &def.kind {
                TypeKind::Union(union) => {
                    for variant in &union.variants {
                        let mut aliases = BTreeSet::new();
                        union_edges(types, &variant.ty, &mut aliases, &mut unions[index]);
                    }
                }
                TypeKind::Alias(inner) => alias_edges(types, inner, &mut aliases[index]),
                _ => {}
            }
        }
        let mut problems = Vec::new();
        for (edges, what, why) in [
            (&unions, "union", "decoding it would never end"),
            (
                &aliases,
                "type",
                "it would be a Rust type alias of itself (not supported)",
            ),
        ] {
            for (start, through) in cycles(edges) {
                let through: Vec<_> = through
                    .iter()
                    .map(|id| format!("`{}`", types[id.0].name))
                    .collect();
                let through = if through.is_empty() {
                    String::new()
                } else {
                    format!(" through {}", through.join(", "))
                };
                problems.push((
                    types[start].origin.clone(),
                    format!(
                        "the {what} `{}` contains itself{through} with no object in between, so {why}",
                        types[start].name
                    ),
                ));
            }
        }
        for (pointer, message) in problems {
            self.error(&pointer, message);
        }
    }

    /// `{error: {type, message, ...}}`, the error envelope, recognised by shape.
    fn is_error_envelope(&self, schema: &Schema) -> bool {
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
    fn schema_by_ref(&self, reference: &str) -> Option<&'a Schema> {
        let spec: &'a OpenAPI = self.spec;
        let schemas = &spec.components.as_ref()?.schemas;
        let mut reference = reference;
        for _ in 0..=schemas.len() {
            match schemas.get(reference.strip_prefix(SCHEMA_PREFIX)?)? {
                ReferenceOr::Item(schema) => return Some(schema),
                ReferenceOr::Reference { reference: next } => reference = next,
            }
        }
        None
    }

    /// The type a `$ref` to a schema stands for.
    fn reference(&mut self, reference: &str, pointer: &str) -> TypeRef {
        if let Some(ty) = self.resolved.get(reference) {
            return ty.clone();
        }
        let Some(name) = reference.strip_prefix(SCHEMA_PREFIX) else {
            self.error(pointer, format!("unsupported $ref `{reference}`: only `{SCHEMA_PREFIX}...` refs to schemas are supported here"));
            return TypeRef::Json;
        };
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
                let item = item.map_or(TypeRef::Json, |item| self.schema_or_ref(item, &ctx));
                TypeRef::List(Box::new(item))
            }
        };
        self.resolving.remove(reference);
        self.resolved.insert(reference.to_owned(), ty.clone());
        ty
    }

    // ---- schemas -------------------------------------------------------------------------

    fn schema_or_ref<S: AsSchema>(&mut self, schema: &ReferenceOr<S>, ctx: &Ctx) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, &ctx.pointer),
            ReferenceOr::Item(schema) => self.schema(schema.as_schema(), ctx, None),
        }
    }

    /// A nominal type: the component's own slot, or a new inline type.
    fn nominal(&mut self, slot: Option<TypeId>, ctx: &Ctx, doc: Option<&String>) -> TypeId {
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

    fn schema(&mut self, schema: &Schema, ctx: &Ctx, slot: Option<TypeId>) -> TypeRef {
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

    fn schema_at_depth(&mut self, schema: &Schema, ctx: &Ctx, slot: Option<TypeId>) -> TypeRef {
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
                    TypeRef::Json
                }
            }
        }
    }

    fn string(
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

    fn string_enum(
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

    fn int_enum(
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

    fn object(
        &mut self,
        object: &ObjectType,
        data: &SchemaData,
        ctx: &Ctx,
        slot: Option<TypeId>,
    ) -> TypeRef {
        if let Some(item) = list_item_of(object) {
            let item = self.schema_or_ref(
                item,
                &ctx.child("item", "properties").at("data").at("items"),
            );
            return TypeRef::List(Box::new(item));
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
        for (index, (wire, name)) in wires.iter().zip(names).enumerate() {
            let property = &object.properties[*wire];
            let field_ctx = Ctx {
                name: naming::join_type_name(&ctx.name, wire),
                module: ctx.module.clone(),
                pointer: format!("{}/properties/{}", ctx.pointer, pointer_segment(wire)),
            };
            let ty = self.schema_or_ref(property, &field_ctx);
            let (doc, nullable, constraints, constant) = match property {
                ReferenceOr::Item(schema) => (
                    schema.schema_data.description.clone(),
                    is_nullable(schema),
                    constraints(schema),
                    constant(schema),
                ),
                ReferenceOr::Reference { reference } => {
                    let target = self.schema_by_ref(reference);
                    (
                        None,
                        target.is_some_and(|s| s.schema_data.nullable),
                        target.map(constraints).unwrap_or_default(),
                        None,
                    )
                }
            };
            if let Some(constant) = constant {
                self.constants.insert((id, index), constant);
            }
            fields.push(Field {
                name,
                wire: (*wire).to_owned(),
                doc,
                ty,
                required: object.required.iter().any(|r| r == wire),
                nullable,
                boxed: false,
                constraints,
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

    fn union(
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

    fn union_kept(
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

    fn union_of(
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
        }
    }

    /// A union of `$ref`s only (`customer | deleted_customer`) is one shared type, named after
    /// its members and kept with the first of them.
    fn ref_union(&mut self, targets: Vec<TypeRef>, ctx: &Ctx, data: &SchemaData) -> TypeId {
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
    fn expansion_target(
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

    /// `allOf` merged into one struct: properties and required lists of every part.
    fn all_of(
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

    fn operations(&mut self) -> Vec<Operation> {
        let spec: &'a OpenAPI = self.spec;
        let mut paths: Vec<(&'a String, &'a ReferenceOr<openapiv3::PathItem>)> =
            spec.paths.paths.iter().collect();
        paths.sort_by(|a, b| a.0.cmp(b.0));
        let mut raw = Vec::new();
        for (path, item) in paths {
            let pointer = format!("/paths/{}", pointer_segment(path));
            let ReferenceOr::Item(item) = item else {
                self.error(&pointer, "path item $refs are not supported");
                continue;
            };
            let methods = [
                ("get", &item.get),
                ("put", &item.put),
                ("post", &item.post),
                ("delete", &item.delete),
                ("options", &item.options),
                ("head", &item.head),
                ("patch", &item.patch),
                ("trace", &item.trace),
            ];
            for (method, operation) in methods {
                if let Some(operation) = operation {
                    raw.push((
                        path.as_str(),
                        method,
                        operation,
                        &item.parameters,
                        format!("{pointer}/{method}"),
                    ));
                }
            }
        }
        // Operation names are type names too (request builders later): claim them all at once.
        let ids: Vec<String> = raw
            .iter()
            .map(|(path, method, operation, _, _)| {
                operation
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{method} {path}"))
            })
            .collect();
        let mut seen = BTreeMap::new();
        for (index, id) in ids.iter().enumerate() {
            if let Some(first) = seen.insert(id.clone(), index) {
                let message = format!("duplicate operationId `{id}` (also at #{})", raw[first].4);
                self.error(&format!("{}/operationId", raw[index].4), message);
            }
        }
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let names = self.type_names.claim_all(Kind::Type, &id_refs);
        raw.iter()
            .zip(ids.iter().zip(names))
            .map(
                |((path, method, operation, path_params, pointer), (id, name))| {
                    self.operation(path, method, operation, path_params, pointer, id, name)
                },
            )
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: &str,
        operation: &'a openapiv3::Operation,
        path_params: &[ReferenceOr<Parameter>],
        pointer: &str,
        id: &str,
        name: String,
    ) -> Operation {
        let group = match operation.tags.first() {
            Some(tag) => naming::module_name(tag),
            None => path
                .split('/')
                .find(|segment| {
                    !segment.is_empty() && !is_version_segment(segment) && !segment.starts_with('{')
                })
                .map_or_else(|| "root".to_owned(), naming::module_name),
        };
        let module = Module::Operations(group.clone());
        let ctx = Ctx {
            name: name.clone(),
            module,
            pointer: pointer.to_owned(),
        };

        // Operation parameters override path-item ones with the same name and location.
        let mut params: BTreeMap<(ParamLocation, String), (String, &Parameter)> = BTreeMap::new();
        let path_pointer = pointer.rsplit_once('/').map_or("", |(p, _)| p).to_owned();
        for (base, list) in [
            (path_pointer, path_params),
            (pointer.to_owned(), &operation.parameters),
        ] {
            for (index, param) in list.iter().enumerate() {
                let param_pointer = format!("{base}/parameters/{index}");
                if let Some(param) = self.parameter(param, &param_pointer) {
                    let data = param.parameter_data_ref();
                    params.insert((location(param), data.name.clone()), (param_pointer, param));
                }
            }
        }
        // Builders keep their query, body and options under these names.
        let mut param_names = Names::new();
        for reserved in ["query", "body", "options"] {
            param_names.claim_exact(reserved);
        }
        let mut lowered = Vec::new();
        for ((location, wire), (param_pointer, param)) in &params {
            let data = param.parameter_data_ref();
            let ty = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => {
                    let param_ctx = Ctx {
                        pointer: format!("{param_pointer}/schema"),
                        ..ctx.child(wire, "schema")
                    };
                    self.schema_or_ref(schema, &param_ctx)
                }
                ParameterSchemaOrContent::Content(_) => TypeRef::Json,
            };
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => Some(schema),
                ParameterSchemaOrContent::Schema(ReferenceOr::Reference { reference }) => {
                    self.schema_by_ref(reference)
                }
                ParameterSchemaOrContent::Content(_) => None,
            };
            let deep_object = matches!(
                param,
                Parameter::Query {
                    style: QueryStyle::DeepObject,
                    ..
                }
            );
            lowered.push(Param {
                name: param_names.claim_exact(&naming::field_name(wire)),
                wire: wire.clone(),
                location: *location,
                doc: data.description.clone(),
                ty,
                required: data.required || *location == ParamLocation::Path,
                deep_object,
                explode: data.explode.unwrap_or(!matches!(
                    location,
                    ParamLocation::Path | ParamLocation::Header
                )),
                constraints: schema.map(constraints).unwrap_or_default(),
            });
        }
        self.check_path_params(path, &lowered, pointer);

        let body = operation.request_body.as_ref().and_then(|body| {
            let body_pointer = format!("{pointer}/requestBody");
            let body = self.request_body(body, &body_pointer)?;
            let (content_type, media) = pick_content(
                &body.content,
                &[
                    "application/x-www-form-urlencoded",
                    "application/json",
                    "multipart/form-data",
                ],
            )?;
            let ty = match &media.schema {
                Some(schema) => {
                    let body_ctx = Ctx {
                        pointer: format!(
                            "{body_pointer}/content/{}/schema",
                            pointer_segment(content_type)
                        ),
                        ..ctx.child("body", "requestBody")
                    };
                    self.schema_or_ref(schema, &body_ctx)
                }
                None => TypeRef::Json,
            };
            let encoding = media
                .encoding
                .iter()
                .map(|(name, encoding)| {
                    let style = encoding.style.as_ref().map(|s| format!("{s:?}"));
                    (
                        name.clone(),
                        Encoding {
                            style: style.map(|s| lower_first(&s)),
                            explode: Some(encoding.explode),
                        },
                    )
                })
                .collect();
            Some(Body {
                content_type: content_type.to_owned(),
                ty,
                required: body.required,
                encoding,
            })
        });

        let mut statuses: Vec<(Status, &ReferenceOr<OaResponse>)> = operation
            .responses
            .responses
            .iter()
            .map(|(code, response)| {
                let status = match code {
                    StatusCode::Code(code) => Status::Code(*code),
                    StatusCode::Range(range) => Status::Range(*range),
                };
                (status, response)
            })
            .collect();
        if let Some(default) = &operation.responses.default {
            statuses.push((Status::Default, default));
        }
        statuses.sort_by(|a, b| a.0.cmp(&b.0));
        let inline_count = statuses.len();
        let mut responses = Vec::new();
        for (status, response) in statuses {
            let label = match status {
                Status::Code(code) => code.to_string(),
                Status::Range(range) => format!("{range}XX"),
                Status::Default => "default".to_owned(),
            };
            let response_pointer = format!("{pointer}/responses/{label}");
            let Some(response) = self.response(response, &response_pointer) else {
                continue;
            };
            let content = pick_content(&response.content, &["application/json"]);
            let ty = content.and_then(|(content_type, media)| {
                let schema = media.schema.as_ref()?;
                let part = if inline_count == 1 {
                    "response body".to_owned()
                } else {
                    format!("response body {label}")
                };
                let response_ctx = Ctx {
                    pointer: format!(
                        "{response_pointer}/content/{}/schema",
                        pointer_segment(content_type)
                    ),
                    ..ctx.child(&part, "responses")
                };
                Some(self.schema_or_ref(schema, &response_ctx))
            });
            let mut headers: Vec<String> = response.headers.keys().cloned().collect();
            headers.sort();
            let variant = match &status {
                Status::Code(code) => naming::status_variant(Some(*code), None),
                Status::Range(range) => naming::status_variant(None, Some(*range)),
                Status::Default => naming::status_variant(None, None),
            };
            responses.push(Response {
                variant,
                status,
                doc: Some(response.description.clone()).filter(|d| !d.is_empty()),
                content_type: content.map(|(content_type, _)| content_type.to_owned()),
                ty,
                headers,
            });
        }

        let response_enum = self
            .type_names
            .claim_exact(&naming::join_type_name(&name, "response"));
        let handler = naming::field_name(&name);
        Operation {
            id: id.to_owned(),
            name,
            group,
            method: method.to_uppercase(),
            path: path.to_owned(),
            summary: operation.summary.clone(),
            doc: operation
                .description
                .clone()
                .or_else(|| operation.summary.clone()),
            query: self.query_struct(&lowered, &ctx),
            output: output(&responses),
            params: lowered,
            body,
            responses,
            deprecated: operation.deprecated,
            members: Vec::new(),
            expand: None,
            list: None,
            response_enum,
            handler,
        }
    }

    /// A struct of the operation's query parameters, which encodes them in one go.
    fn query_struct(&mut self, params: &[Param], ctx: &Ctx) -> Option<TypeId> {
        let fields: Vec<Field> = params
            .iter()
            .filter(|p| p.location == ParamLocation::Query)
            .map(|p| Field {
                name: p.name.clone(),
                wire: p.wire.clone(),
                doc: p.doc.clone(),
                ty: p.ty.clone(),
                required: p.required,
                nullable: false,
                boxed: false,
                constraints: p.constraints.clone(),
            })
            .collect();
        if fields.is_empty() {
            return None;
        }
        let query_ctx = Ctx {
            name: naming::join_type_name(&ctx.name, "query"),
            ..ctx.clone()
        };
        let id = self.nominal(None, &query_ctx, None);
        self.types[id.0].doc = Some("The query parameters of the operation.".to_owned());
        let mut names = Names::new();
        for field in &fields {
            names.claim_exact(&field.name);
        }
        let additional_field = names.claim_exact("extra");
        self.types[id.0].kind = TypeKind::Struct(Struct {
            fields,
            additional: None,
            additional_field,
            expand: None,
        });
        Some(id)
    }

    fn check_path_params(&mut self, path: &str, params: &[Param], pointer: &str) {
        let template: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        let declared: BTreeSet<&str> = params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .map(|p| p.wire.as_str())
            .collect();
        for missing in template.difference(&declared) {
            self.error(
                pointer,
                format!("path parameter `{missing}` of `{path}` is not declared"),
            );
        }
        for extra in declared.difference(&template) {
            self.error(
                pointer,
                format!("path parameter `{extra}` is declared but `{path}` has no `{{{extra}}}`"),
            );
        }
    }

    /// A parameter, request body or response, following a `$ref` into `components`.
    fn component<'p, T: 'a>(
        &mut self,
        item: &'p ReferenceOr<T>,
        pointer: &str,
        (prefix, what): (&str, &str),
        section: impl FnOnce(
            &'a openapiv3::Components,
        ) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    ) -> Option<&'p T>
    where
        'a: 'p,
    {
        let spec: &'a OpenAPI = self.spec;
        match item {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix(prefix)
                    .and_then(|name| section(spec.components.as_ref()?).get(name));
                match found {
                    Some(ReferenceOr::Item(item)) => Some(item),
                    _ => {
                        self.error(
                            pointer,
                            format!("dangling $ref `{reference}`: no such {what}"),
                        );
                        None
                    }
                }
            }
        }
    }

    fn parameter<'p>(
        &mut self,
        param: &'p ReferenceOr<Parameter>,
        pointer: &str,
    ) -> Option<&'p Parameter>
    where
        'a: 'p,
    {
        self.component(
            param,
            pointer,
            ("#/components/parameters/", "parameter"),
            |c| &c.parameters,
        )
    }

    fn request_body(
        &mut self,
        body: &'a ReferenceOr<RequestBody>,
        pointer: &str,
    ) -> Option<&'a RequestBody> {
        self.component(
            body,
            pointer,
            ("#/components/requestBodies/", "request body"),
            |c| &c.request_bodies,
        )
    }

    fn response(
        &mut self,
        response: &'a ReferenceOr<OaResponse>,
        pointer: &str,
    ) -> Option<&'a OaResponse> {
        self.component(
            response,
            pointer,
            ("#/components/responses/", "response"),
            |c| &c.responses,
        )
    }

    // ---- whole-model passes --------------------------------------------------------------

    fn finish(mut self, mut operations: Vec<Operation>) -> Result<Api, Errors> {
        let ids = self.assign_ids();
        self.tag_unions();
        self.mark_expandable_targets(&operations);
        self.box_cycles();
        for operation in &mut operations {
            for param in &mut operation.params {
                if param.location == ParamLocation::Path && param.ty == TypeRef::String {
                    if let Some(index) = ids.iter().position(|id| id.object == param.wire) {
                        param.ty = TypeRef::Id(IdTypeId(index));
                    }
                }
            }
        }
        self.expand_enums();
        for operation in &mut operations {
            self.builder(operation);
        }
        if !self.errors.is_empty() {
            return Err(Errors(self.errors));
        }
        let spec = self.spec;
        let security = spec
            .components
            .iter()
            .flat_map(|c| c.security_schemes.iter())
            .filter_map(|(name, scheme)| match scheme {
                ReferenceOr::Item(scheme) => Some((name, scheme)),
                ReferenceOr::Reference { .. } => None,
            })
            .map(|(name, scheme)| security_scheme(name, scheme))
            .collect();
        Ok(Api {
            title: spec.info.title.clone(),
            version: spec.info.version.clone(),
            description: spec.info.description.clone(),
            servers: spec.servers.iter().map(|s| s.url.clone()).collect(),
            types: self.types,
            ids,
            operations,
            security,
        })
    }

    /// Every object with expandable fields gets an enum of them, for typed `expand`.
    fn expand_enums(&mut self) {
        for index in 0..self.types.len() {
            let TypeKind::Struct(s) = &self.types[index].kind else {
                continue;
            };
            let mut wires: Vec<&str> = s
                .fields
                .iter()
                .filter(|f| matches!(f.ty, TypeRef::Expandable(_)))
                .map(|f| f.wire.as_str())
                .collect();
            if wires.is_empty() {
                continue;
            }
            wires.sort_unstable();
            let (variants, mut names) = enum_variants(&wires);
            let unknown_variant = names.claim_exact("Path");
            let def = &self.types[index];
            let name = self
                .type_names
                .claim_exact(&naming::join_type_name(&def.name, "expand"));
            let doc = format!("The expandable fields of [`{}`], for `expand`.", def.name);
            let module = def.module.clone();
            let origin = def.origin.clone();
            let id = TypeId(self.types.len());
            self.types.push(TypeDef {
                name,
                module,
                doc: Some(doc),
                origin,
                kind: TypeKind::Enum(Enum {
                    variants,
                    bypass_validation: false,
                    unknown_variant,
                }),
                object_id: None,
            });
            if let TypeKind::Struct(s) = &mut self.types[index].kind {
                s.expand = Some(id);
            }
        }
    }

    /// The request builder's members, typed `expand` and pagination of an operation.
    fn builder(&mut self, operation: &mut Operation) {
        const RESERVED: &[&str] = &[
            "new",
            "expand",
            "expand_path",
            "api_key",
            "parts",
            "options",
            "decode",
            "set_cursor",
            "is_backwards",
        ];
        let mut members = Vec::new();
        for param in &operation.params {
            let source = match param.location {
                ParamLocation::Path | ParamLocation::Header => Source::Own(param.name.clone()),
                ParamLocation::Query => Source::Query(param.name.clone()),
                ParamLocation::Cookie => continue,
            };
            members.push((
                param.name.clone(),
                source,
                param.ty.clone(),
                param.required,
                param.doc.clone(),
            ));
        }
        let mut body_fields = None;
        if let Some(body) = &operation.body {
            match &body.ty {
                TypeRef::Named(id) if matches!(self.types[id.0].kind, TypeKind::Struct(_)) => {
                    let TypeKind::Struct(s) = &self.types[id.0].kind else {
                        unreachable!()
                    };
                    for field in &s.fields {
                        let source = Source::BodyField(field.name.clone());
                        members.push((
                            field.name.clone(),
                            source,
                            field.ty.clone(),
                            field.required,
                            field.doc.clone(),
                        ));
                    }
                    body_fields = Some(s.fields.clone());
                }
                other => members.push((
                    "body".to_owned(),
                    Source::Body,
                    other.clone(),
                    body.required,
                    None,
                )),
            }
        }

        // Typed `expand`, when the operation takes an `expand` list.
        let types = &self.types;
        let is_string_list =
            |ty: &TypeRef| *unalias(types, ty) == TypeRef::Array(Box::new(TypeRef::String));

        let expand_source = members
            .iter()
            .find(|(_, source, ty, _, _)| {
                matches!(source, Source::Query(_) | Source::BodyField(_)) && is_string_list(ty) && {
                    let wire = match source {
                        Source::Query(name) => operation
                            .params
                            .iter()
                            .find(|p| &p.name == name)
                            .map(|p| p.wire.as_str()),
                        Source::BodyField(name) => body_fields
                            .iter()
                            .flatten()
                            .find(|f| &f.name == name)
                            .map(|f| f.wire.as_str()),
                        _ => None,
                    };
                    wire == Some("expand")
                }
            })
            .map(|(_, source, _, _, _)| source.clone());
        if let Some(source) = expand_source {
            let (prefix, object) = match &operation.output {
                Output::Json(TypeRef::Named(id)) => ("", Some(*id)),
                Output::Json(TypeRef::List(item)) => match **item {
                    TypeRef::Named(id) => ("data.", Some(id)),
                    _ => ("data.", None),
                },
                _ => ("", None),
            };
            let fields = object.and_then(|id| match &self.types[id.0].kind {
                TypeKind::Struct(s) => s.expand,
                _ => None,
            });
            members.retain(|(_, s, _, _, _)| *s != source);
            operation.expand = Some(Expand {
                source,
                prefix: prefix.to_owned(),
                fields,
            });
        }

        // Cursor pagination, when the response is a list of objects with ids.
        if let Output::Json(TypeRef::List(item)) = &operation.output {
            let cursor = |wire: &str| {
                let param = operation.params.iter().find(|p| {
                    p.wire == wire && p.location == ParamLocation::Query && p.ty == TypeRef::String
                });

                param.map(|p| Source::Query(p.name.clone()))
            };
            let has_id =
                matches!(**item, TypeRef::Named(id) if self.types[id.0].object_id.is_some());
            if let (true, Some(starting_after), Some(ending_before)) =
                (has_id, cursor("starting_after"), cursor("ending_before"))
            {
                operation.list = Some(ListInfo {
                    item: (**item).clone(),
                    starting_after,
                    ending_before,
                });
            }
        }

        let mut names = Names::new();
        for reserved in RESERVED {
            names.claim_exact(reserved);
        }
        // Required members are constructor arguments, in order; optional ones are setters.
        operation.members = members
            .into_iter()
            .map(|(name, source, ty, required, doc)| Member {
                setter: names.claim_exact(&name),
                source,
                ty,
                required,
                doc,
            })
            .collect();
    }

    /// Objects with a string `id` and a constant `object` get an id newtype per `object` value.
    fn assign_ids(&mut self) -> Vec<IdType> {
        let mut by_object: BTreeMap<String, Vec<TypeId>> = BTreeMap::new();
        for (index, def) in self.types.iter().enumerate() {
            let TypeKind::Struct(s) = &def.kind else {
                continue;
            };
            let has_id = s
                .fields
                .iter()
                .any(|f| f.wire == "id" && f.required && !f.nullable && f.ty == TypeRef::String);
            let object = s.fields.iter().position(|f| f.wire == "object");
            let constant = object.and_then(|i| self.constants.get(&(TypeId(index), i)));
            if let (true, Some(Constant::Str(object))) = (has_id, constant) {
                by_object
                    .entry(object.clone())
                    .or_default()
                    .push(TypeId(index));
            }
        }
        let mut ids = Vec::new();
        for (object, types) in by_object {
            let name = self
                .type_names
                .claim_exact(&format!("{}Id", naming::type_name(&object)));
            let id = IdTypeId(ids.len());
            ids.push(IdType { name, object });
            for ty in types {
                let def = &mut self.types[ty.0];
                def.object_id = Some(ObjectId::Field(id));
                if let TypeKind::Struct(s) = &mut def.kind {
                    for field in s.fields.iter_mut().filter(|f| f.wire == "id") {
                        field.ty = TypeRef::Id(id);
                    }
                }
            }
        }
        ids
    }

    /// Fills each union variant's constants from its struct, and picks constant tagging when
    /// every variant has constants and no two have the same.
    fn tag_unions(&mut self) {
        for index in 0..self.types.len() {
            let TypeKind::Union(union) = &self.types[index].kind else {
                continue;
            };
            let mut union = union.clone();
            if union.tagging == Tagging::Untagged {
                for variant in &mut union.variants {
                    if let TypeRef::Named(id) = variant.ty {
                        if let TypeKind::Struct(s) = &self.types[id.0].kind {
                            variant.constants = s
                                .fields
                                .iter()
                                .enumerate()
                                .filter(|(_, f)| f.required)
                                .filter_map(|(i, f)| {
                                    Some((f.wire.clone(), self.constants.get(&(id, i))?.clone()))
                                })
                                .collect();
                        }
                    }
                }
                let all_tagged = union.variants.iter().all(|v| !v.constants.is_empty());
                let distinct = union.variants.iter().enumerate().all(|(i, a)| {
                    union.variants[..i]
                        .iter()
                        .all(|b| a.constants != b.constants)
                });
                union.tagging = if all_tagged && distinct {
                    Tagging::Constants
                } else {
                    Tagging::Untagged
                };
                if union.tagging == Tagging::Untagged {
                    union.variants.iter_mut().for_each(|v| v.constants.clear());
                }
            }
            // A union of objects that share one kind of id has that id.
            let variant_ids: Vec<Option<IdTypeId>> = union
                .variants
                .iter()
                .map(|v| match v.ty {
                    TypeRef::Named(id) => match self.types[id.0].object_id {
                        Some(ObjectId::Field(id)) => Some(id),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            let object_id = match variant_ids.first() {
                Some(Some(first)) if variant_ids.iter().all(|id| *id == Some(*first)) => {
                    Some(ObjectId::Union(*first))
                }
                _ if variant_ids.iter().any(Option::is_some) => Some(ObjectId::Any),
                _ => None,
            };
            let def = &mut self.types[index];
            def.kind = TypeKind::Union(union);
            def.object_id = object_id;
        }
    }

    /// Every expandable target implements `Object`, with an untyped id if it has no typed one.
    fn mark_expandable_targets(&mut self, operations: &[Operation]) {
        let mut targets = BTreeSet::new();
        let mut visit = |ty: &TypeRef| collect_expandable(ty, &mut targets);
        for def in &self.types {
            match &def.kind {
                TypeKind::Struct(s) => {
                    s.fields.iter().for_each(|f| visit(&f.ty));
                    s.additional.iter().for_each(&mut visit);
                }
                TypeKind::Union(u) => u.variants.iter().for_each(|v| visit(&v.ty)),
                TypeKind::Alias(ty) => visit(ty),
                TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
            }
        }
        for operation in operations {
            operation.params.iter().for_each(|p| visit(&p.ty));
            operation.body.iter().for_each(|b| visit(&b.ty));
            operation
                .responses
                .iter()
                .filter_map(|r| r.ty.as_ref())
                .for_each(&mut visit);
        }
        for target in targets {
            // `rt::Expandable<T>` needs `T: Object`, which only structs and unions get; an
            // alias stands for what it names.
            let object = match unalias(&self.types, &TypeRef::Named(target)) {
                TypeRef::Named(id)
                    if matches!(
                        self.types[id.0].kind,
                        TypeKind::Struct(_) | TypeKind::Union(_)
                    ) =>
                {
                    Some(*id)
                }
                _ => None,
            };
            if let Some(id) = object {
                let def = &mut self.types[id.0];
                if def.object_id.is_none() {
                    def.object_id = Some(ObjectId::Any);
                }
            } else {
                let (pointer, name) = (
                    self.types[target.0].origin.clone(),
                    self.types[target.0].name.clone(),
                );
                self.error(
                    &pointer,
                    format!("`{name}` is named by `x-expansionResources` but is not an object, so it cannot be expanded"),
                );
            }
        }
    }

    /// Fields and variants that hold a type of their own strongly connected component by value
    /// are boxed, so every recursive type has a finite size.
    fn box_cycles(&mut self) {
        let edges: Vec<Vec<TypeId>> = self
            .types
            .iter()
            .map(|def| {
                let mut out = Vec::new();
                match &def.kind {
                    TypeKind::Struct(s) => s.fields.iter().for_each(|f| by_value(&f.ty, &mut out)),
                    TypeKind::Union(u) => u.variants.iter().for_each(|v| by_value(&v.ty, &mut out)),
                    TypeKind::Alias(ty) => by_value(ty, &mut out),
                    TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
                }
                out
            })
            .collect();
        let component = strongly_connected(&edges);
        let mut problems = Vec::new();
        for (index, def) in self.types.iter_mut().enumerate() {
            let same = |ty: &TypeRef| {
                let mut targets = Vec::new();
                by_value(ty, &mut targets);
                targets.iter().any(|t| component[t.0] == component[index])
            };
            match &mut def.kind {
                TypeKind::Struct(s) => s.fields.iter_mut().for_each(|f| f.boxed = same(&f.ty)),
                TypeKind::Union(u) => u.variants.iter_mut().for_each(|v| v.boxed = same(&v.ty)),
                TypeKind::Alias(ty) => {
                    let mut targets = Vec::new();
                    by_value(ty, &mut targets);
                    if targets.iter().any(|t| component[t.0] == component[index]) {
                        problems.push(Diagnostic::at(
                            self.file,
                            def.origin.clone(),
                            "this schema is defined only in terms of itself",
                        ));
                    }
                }
                TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
            }
        }
        self.errors.extend(problems);
    }
}

/// The variants of a string enum with these (sorted) wire values, and the names they took.
fn enum_variants(wires: &[&str]) -> (Vec<EnumVariant>, Names) {
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

/// Types a value of `ty` contains directly (not behind a `Vec`, map, `Box` or expandable).
fn by_value(ty: &TypeRef, out: &mut Vec<TypeId>) {
    match ty {
        TypeRef::Named(id) => out.push(*id),
        TypeRef::Unsettable(inner) => by_value(inner, out),
        _ => {}
    }
}

fn collect_expandable(ty: &TypeRef, out: &mut BTreeSet<TypeId>) {
    match ty {
        TypeRef::Expandable(id) => {
            out.insert(*id);
        }
        TypeRef::Array(inner)
        | TypeRef::Map(inner)
        | TypeRef::List(inner)
        | TypeRef::Unsettable(inner) => collect_expandable(inner, out),
        _ => {}
    }
}

/// Tarjan's algorithm, iterative so deep specs cannot overflow the stack. Returns the
/// component number of every node.
fn strongly_connected(edges: &[Vec<TypeId>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut counter = 0;
    let mut components = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (node, ref mut next)) = work.last_mut() {
            if *next == 0 && index[node] == UNSEEN {
                index[node] = counter;
                low[node] = counter;
                counter += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(target) = edges[node].get(*next).map(|t| t.0) {
                *next += 1;
                if index[target] == UNSEEN {
                    work.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(index[target]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = components;
                    if member == node {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    component
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

fn list_item(schema: &Schema) -> Option<&ReferenceOr<Box<Schema>>> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => list_item_of(object),
        _ => None,
    }
}

/// The list envelope, recognised by shape: `object` ("list"), `data` (array), `has_more`,
/// `url`, and at most `total_count` besides. Returns the item schema.
fn list_item_of(object: &ObjectType) -> Option<&ReferenceOr<Box<Schema>>> {
    let allowed = ["data", "has_more", "object", "total_count", "url"];
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
    let is_list_object = match kind("object")? {
        SchemaKind::Type(Type::String(s)) => {
            s.enumeration.is_empty() || s.enumeration == [Some("list".to_owned())]
        }
        _ => false,
    };
    let is_bool = matches!(kind("has_more")?, SchemaKind::Type(Type::Boolean(_)));
    let is_url = matches!(kind("url")?, SchemaKind::Type(Type::String(_)));
    match kind("data")? {
        SchemaKind::Type(Type::Array(array)) if is_list_object && is_bool && is_url => {
            array.items.as_ref()
        }
        _ => None,
    }
}

fn is_empty_string_enum(schema: &ReferenceOr<Schema>) -> bool {
    matches!(schema, ReferenceOr::Item(s)
        if matches!(&s.schema_kind, SchemaKind::Type(Type::String(t)) if t.enumeration == [Some(String::new())]))
}

fn is_nullable(schema: &Schema) -> bool {
    schema.schema_data.nullable
}

fn constant(schema: &Schema) -> Option<Constant> {
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

fn constraints(schema: &Schema) -> Constraints {
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

fn discriminator_value(discriminator: &Discriminator, reference: &str) -> String {
    discriminator
        .mapping
        .iter()
        .find(|(_, target)| target.as_str() == reference)
        .map(|(value, _)| value.clone())
        .unwrap_or_else(|| reference.rsplit('/').next().unwrap_or(reference).to_owned())
}

fn variant_label(ty: &TypeRef) -> &'static str {
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
        TypeRef::Expandable(_) => "Expandable",
        TypeRef::Unsettable(_) => "Unsettable",
        TypeRef::ErrorEnvelope => "Error",
        TypeRef::Named(_) => "Object",
    }
}

/// What the first success response carries.
fn output(responses: &[Response]) -> Output {
    let success = responses.iter().find(|r| match r.status {
        Status::Code(code) => (200..300).contains(&code),
        Status::Range(range) => range == 2,
        Status::Default => false,
    });
    let Some(success) = success else {
        return Output::Empty;
    };
    match (&success.ty, success.content_type.as_deref()) {
        (Some(ty), Some(content_type)) if Media::of(content_type) == Media::Json => {
            Output::Json(ty.clone())
        }
        (_, Some(_)) => Output::Bytes,
        (_, None) => Output::Empty,
    }
}

fn location(param: &Parameter) -> ParamLocation {
    match param {
        Parameter::Query { .. } => ParamLocation::Query,
        Parameter::Header { .. } => ParamLocation::Header,
        Parameter::Path { .. } => ParamLocation::Path,
        Parameter::Cookie { .. } => ParamLocation::Cookie,
    }
}

fn is_version_segment(segment: &str) -> bool {
    let mut chars = segment.chars();
    chars.next() == Some('v')
        && chars.as_str().chars().all(|c| c.is_ascii_digit())
        && segment.len() > 1
}

fn pick_content<'m, T>(
    content: &'m indexmap::IndexMap<String, T>,
    preferred: &[&str],
) -> Option<(&'m str, &'m T)> {
    for want in preferred {
        if let Some((key, value)) = content
            .iter()
            .find(|(k, _)| k.split(';').next().map(str::trim) == Some(want))
        {
            return Some((key.as_str(), value));
        }
    }
    content
        .iter()
        .min_by(|a, b| a.0.cmp(b.0))
        .map(|(k, v)| (k.as_str(), v))
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn security_scheme(name: &str, scheme: &openapiv3::SecurityScheme) -> SecurityScheme {
    use openapiv3::{APIKeyLocation, SecurityScheme as S};
    let (kind, doc) = match scheme {
        S::HTTP {
            scheme,
            description,
            ..
        } => {
            let kind = match scheme.to_ascii_lowercase().as_str() {
                "basic" => SecurityKind::Basic,
                "bearer" => SecurityKind::Bearer,
                other => SecurityKind::Other(format!("http {other}")),
            };
            (kind, description.clone())
        }
        S::APIKey {
            location,
            name,
            description,
            ..
        } => {
            let location = match location {
                APIKeyLocation::Query => ParamLocation::Query,
                APIKeyLocation::Header => ParamLocation::Header,
                APIKeyLocation::Cookie => ParamLocation::Cookie,
            };
            (
                SecurityKind::ApiKey {
                    location,
                    name: name.clone(),
                },
                description.clone(),
            )
        }
        S::OAuth2 { description, .. } => (
            SecurityKind::Other("oauth2".to_owned()),
            description.clone(),
        ),
        S::OpenIDConnect { description, .. } => (
            SecurityKind::Other("openIdConnect".to_owned()),
            description.clone(),
        ),
    };
    SecurityScheme {
        name: name.to_owned(),
        kind,
        doc,
    }
}

/// Every node of the graph `next` that can reach itself, with the nodes on one way back
/// (excluding itself), in node order.
fn cycles(next: &[Vec<TypeId>]) -> Vec<(usize, Vec<TypeId>)> {
    let mut found = Vec::new();
    for start in 0..next.len() {
        let mut seen = vec![false; next.len()];
        let mut stack: Vec<(TypeId, Vec<TypeId>)> =
            next[start].iter().map(|&n| (n, Vec::new())).collect();
        while let Some((at, path)) = stack.pop() {
            if at.0 == start {
                found.push((start, path));
                break;
            }
            if std::mem::replace(&mut seen[at.0], true) {
                continue;
            }
            for &n in &next[at.0] {
                let mut longer = path.clone();
                longer.push(at);
                stack.push((n, longer));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarjan_finds_cycles() {
        // 0 -> 1 -> 2 -> 0, 3 -> 3, 4 alone
        let edges = vec![
            vec![TypeId(1)],
            vec![TypeId(2)],
            vec![TypeId(0)],
            vec![TypeId(3)],
            vec![],
        ];
        let c = strongly_connected(&edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[0] && c[4] != c[0] && c[4] != c[3]);
    }

    #[test]
    fn version_segments() {
        assert!(is_version_segment("v1"));
        assert!(!is_version_segment("v"));
        assert!(!is_version_segment("values"));
    }
}
