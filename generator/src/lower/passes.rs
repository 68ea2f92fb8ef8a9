//! Whole-model passes after every schema and operation is lowered: id newtypes, union
//! tagging, expandable targets, expand enums, builder plans, and the finished [`Api`].

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::ReferenceOr;

use super::schemas::enum_variants;
use super::security::security_scheme;
use super::Lowerer;
use crate::error::{Diagnostic, Errors};
use crate::model::*;
use crate::naming;

impl<'a> Lowerer<'a> {
    pub(super) fn finish(
        mut self,
        mut operations: Vec<Operation>,
    ) -> Result<(Api, Vec<Diagnostic>), Errors> {
        let ids = self.assign_ids();
        self.tag_unions();
        self.type_events(&operations);
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
        self.markdown_docs(&mut operations);
        for operation in &mut operations {
            self.builder(operation);
        }
        let spec = self.spec;
        let conventions = match super::conventions::detect(spec, &operations) {
            Ok(conventions) => conventions,
            Err((pointer, message)) => {
                self.error(&pointer, message);
                Conventions::default()
            }
        };
        if !self.errors.is_empty() {
            return Err(Errors(self.errors));
        }
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
        let api = Api {
            title: spec.info.title.clone(),
            version: spec.info.version.clone(),
            description: spec.info.description.clone(),
            servers: spec.servers.iter().map(|s| s.url.clone()).collect(),
            types: self.types,
            ids,
            operations,
            security,
            conventions,
        };
        Ok((api, self.warnings))
    }

    /// Every object with expandable fields gets an enum of them, for typed `expand`.
    pub(super) fn expand_enums(&mut self) {
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

    /// Objects with a string `id` and a constant `object` get an id newtype per `object` value.
    pub(super) fn assign_ids(&mut self) -> Vec<IdType> {
        let mut by_object: BTreeMap<String, Vec<TypeId>> = BTreeMap::new();
        for (index, def) in self.types.iter().enumerate() {
            let TypeKind::Struct(s) = &def.kind else {
                continue;
            };
            let has_id = s
                .fields
                .iter()
                .any(|f| f.wire == "id" && f.required && !f.nullable && f.ty == TypeRef::String);
            let constant = s
                .fields
                .iter()
                .find(|f| f.wire == "object")
                .and_then(|f| f.constant.as_ref());
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
    pub(super) fn tag_unions(&mut self) {
        for index in 0..self.types.len() {
            let TypeKind::Union(union) = &self.types[index].kind else {
                continue;
            };
            let mut union = union.clone();
            if union.tagging == Tagging::Untagged {
                for variant in &mut union.variants {
                    if let TypeRef::Named(id) = variant.ty {
                        variant.constants = self.required_constants(id);
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
    pub(super) fn mark_expandable_targets(&mut self, operations: &[Operation]) {
        let mut targets = BTreeSet::new();
        let mut visit = |ty: &TypeRef| {
            ty.walk(
                |_| true,
                |ty| {
                    if let TypeRef::Expandable(id) = ty {
                        targets.insert(*id);
                    }
                },
            )
        };
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
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{api, named};
    use crate::model::*;

    #[test]
    fn objects_with_an_id_and_an_object_constant_get_an_id_type() {
        let api = api(
            "/v1/charges/{charge}:
  get:
    parameters: [{name: charge, in: path, required: true, schema: {type: string}}]
    responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/charge'}}}}}",
            "charge:
  type: object
  required: [id, object]
  properties:
    id: {type: string}
    object: {type: string, enum: [charge]}
note: {type: object, properties: {id: {type: string}}}",
        );
        assert_eq!(api.ids.len(), 1);
        assert_eq!(api.ids[0].name, "ChargeId");
        let TypeKind::Struct(charge) = &named(&api, "Charge").kind else {
            panic!("a struct")
        };
        assert_eq!(charge.fields[0].ty, TypeRef::Id(IdTypeId(0)));
        // The path parameter named after the object is typed too.
        assert_eq!(api.operations[0].params[0].ty, TypeRef::Id(IdTypeId(0)));
        assert!(named(&api, "Note").object_id.is_none());
    }
}
