//! Stripe's event object: `data.object` typed as a union of every object kind the spec
//! defines (told apart by their constants, an unknown kind kept as JSON), and `type` as an
//! open enum where the spec lists the event types.

use super::Lowerer;
use crate::model::*;
use crate::naming;

/// The request-body property whose enum lists the event types (webhook endpoints'
/// `enabled_events`).
const EVENT_TYPES_PROPERTY: &str = "enabled_events";

impl<'a> Lowerer<'a> {
    /// For a component object with `object: "event"` and a `data` object whose `object` is
    /// free-form: `data.object` becomes the union of every component object with constants,
    /// and `type` the enum of the `enabled_events` the operations accept.
    pub(super) fn type_events(&mut self, operations: &[Operation]) {
        let Some((event, data, object_field)) = self.event_shape() else {
            return;
        };
        let union_id = self.event_object_union(event, data);
        if let TypeKind::Struct(s) = &mut self.types[data.0].kind {
            s.fields[object_field].ty = TypeRef::Named(union_id);
        }
        if let Some(enum_id) = self.event_type_enum(event, operations) {
            if let TypeKind::Struct(s) = &mut self.types[event.0].kind {
                for field in s.fields.iter_mut().filter(|f| f.wire == "type") {
                    if field.ty == TypeRef::String {
                        field.ty = TypeRef::Named(enum_id);
                    }
                }
            }
        }
    }

    /// The event struct, its `data` struct and the index of `data.object`.
    fn event_shape(&self) -> Option<(TypeId, TypeId, usize)> {
        (0..self.types.len()).map(TypeId).find_map(|id| {
            let def = &self.types[id.0];
            def.component_schema()?;
            if self.object_constant(id)? != "event" {
                return None;
            }
            let TypeKind::Struct(s) = &def.kind else {
                return None;
            };
            let data = s.fields.iter().find(|f| f.wire == "data")?;
            let TypeRef::Named(data_id) = *unalias(&self.types, &data.ty) else {
                return None;
            };
            let TypeKind::Struct(data_struct) = &self.types[data_id.0].kind else {
                return None;
            };
            let object_field = data_struct.fields.iter().position(|f| {
                f.wire == "object" && matches!(f.ty, TypeRef::JsonObject | TypeRef::Json)
            })?;
            Some((id, data_id, object_field))
        })
    }

    /// The `object` constant of a struct, if it has one.
    fn object_constant(&self, id: TypeId) -> Option<&str> {
        let TypeKind::Struct(s) = &self.types[id.0].kind else {
            return None;
        };
        match s
            .fields
            .iter()
            .find(|f| f.wire == "object")?
            .constant
            .as_ref()?
        {
            Constant::Str(object) => Some(object),
            Constant::Bool(_) => None,
        }
    }

    /// The constants of a struct's required properties (`object: "customer"`,
    /// `deleted: true`), which tell it apart in a union.
    pub(super) fn required_constants(&self, id: TypeId) -> Vec<(String, Constant)> {
        let TypeKind::Struct(s) = &self.types[id.0].kind else {
            return Vec::new();
        };
        s.fields
            .iter()
            .filter(|f| f.required)
            .filter_map(|f| Some((f.wire.clone(), f.constant.clone()?)))
            .collect()
    }

    /// `EventObject`: every component object with an `object` constant but the event, in
    /// component order; each variant compiles with its own type's features.
    fn event_object_union(&mut self, event: TypeId, data: TypeId) -> TypeId {
        let members: Vec<(TypeRef, Vec<(String, Constant)>)> = (0..self.types.len())
            .map(TypeId)
            .filter(|&id| id != event && self.types[id.0].component_schema().is_some())
            .filter(|&id| self.object_constant(id).is_some())
            .map(|id| (TypeRef::Named(id), self.required_constants(id)))
            .filter(|(_, constants)| constants.iter().any(|(wire, _)| wire == "object"))
            .collect();
        let event_name = self.types[event.0].name.clone();
        let name = self
            .type_names
            .claim_exact(&naming::join_type_name(&event_name, "object"));
        let mut union = self.union_of(members, Tagging::Constants);
        union.per_feature = true;
        let data_def = &self.types[data.0];
        let def = TypeDef {
            name,
            module: data_def.module.clone(),
            doc: Some(format!(
                "The object an `{event_name}` is about, by its `object` property. A kind this \
                 code does not know (from a newer API version, or behind a feature that is off) \
                 is kept as JSON."
            )),
            origin: format!("{}/properties/object", data_def.origin),
            kind: TypeKind::Union(union),
            object_id: None,
        };
        self.types.push(def);
        TypeId(self.types.len() - 1)
    }

    /// `EventType`: the values of the `enabled_events` enum some request body has, without
    /// the `*` wildcard; `None` when no body lists them.
    fn event_type_enum(&mut self, event: TypeId, operations: &[Operation]) -> Option<TypeId> {
        let listed = operations.iter().find_map(|op| {
            let TypeRef::Named(body) = op.body.as_ref()?.ty else {
                return None;
            };
            let TypeKind::Struct(s) = &self.types[body.0].kind else {
                return None;
            };
            let field = s.fields.iter().find(|f| f.wire == EVENT_TYPES_PROPERTY)?;
            let TypeRef::Array(items) = unalias(&self.types, &field.ty) else {
                return None;
            };
            let TypeRef::Named(items) = *unalias(&self.types, items) else {
                return None;
            };
            match &self.types[items.0].kind {
                TypeKind::Enum(e) => Some(e.clone()),
                _ => None,
            }
        })?;
        let mut variants = listed.variants;
        variants.retain(|v| v.wire != "*");
        if variants.is_empty() {
            return None;
        }
        let event_def = &self.types[event.0];
        let (event_name, module, origin) = (
            event_def.name.clone(),
            event_def.module.clone(),
            format!("{}/properties/type", event_def.origin),
        );
        let name = self
            .type_names
            .claim_exact(&naming::join_type_name(&event_name, "type"));
        self.types.push(TypeDef {
            name,
            module,
            doc: Some(format!(
                "What happened, as an `{event_name}`'s `type` (`customer.created`...); a type \
                 this code does not know is kept."
            )),
            origin,
            kind: TypeKind::Enum(Enum {
                variants,
                bypass_validation: true,
                unknown_variant: listed.unknown_variant,
            }),
            object_id: None,
        });
        Some(TypeId(self.types.len() - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{api, named};
    use crate::model::*;

    const SCHEMAS: &str = r#"event:
  type: object
  required: [id, object, type, data]
  properties:
    id: {type: string}
    object: {type: string, enum: [event]}
    type: {type: string}
    api_version: {type: string, nullable: true}
    data: {$ref: '#/components/schemas/event_data'}
event_data:
  type: object
  required: [object]
  properties:
    object: {type: object}
    previous_attributes: {type: object}
customer:
  type: object
  required: [id, object]
  properties:
    id: {type: string}
    object: {type: string, enum: [customer]}
deleted_customer:
  type: object
  required: [id, object, deleted]
  properties:
    id: {type: string}
    object: {type: string, enum: [customer]}
    deleted: {type: boolean, enum: [true]}
address:
  type: object
  properties: {city: {type: string}}
"#;

    const PATHS: &str = r#"/v1/webhook_endpoints:
  post:
    requestBody:
      content:
        application/x-www-form-urlencoded:
          schema:
            type: object
            properties:
              enabled_events:
                type: array
                items: {type: string, enum: ['*', customer.created, customer.deleted]}
    responses:
      '200':
        content:
          application/json:
            schema: {$ref: '#/components/schemas/event'}
"#;

    #[test]
    fn data_object_is_a_union_of_every_object_kind_and_type_an_enum() {
        let api = api(PATHS, SCHEMAS);
        let union = named(&api, "EventObject");
        let TypeKind::Union(u) = &union.kind else {
            panic!("{:?}", union.kind)
        };
        assert!(u.per_feature);
        assert_eq!(u.tagging, Tagging::Constants);
        let variants: Vec<(&str, usize)> = u
            .variants
            .iter()
            .map(|v| (v.name.as_str(), v.constants.len()))
            .collect();
        // Objects without an `object` constant (address) and the event itself are left out.
        assert_eq!(variants, [("Customer", 1), ("DeletedCustomer", 2)]);
        let data = named(&api, "EventData");
        let TypeKind::Struct(s) = &data.kind else {
            panic!()
        };
        let object = s.fields.iter().find(|f| f.wire == "object").unwrap();
        assert!(matches!(object.ty, TypeRef::Named(id) if api.ty(id).name == "EventObject"));
        let kind = named(&api, "EventType");
        let TypeKind::Enum(e) = &kind.kind else {
            panic!()
        };
        let wires: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
        assert_eq!(wires, ["customer.created", "customer.deleted"]);
        let TypeKind::Struct(event) = &named(&api, "Event").kind else {
            panic!()
        };
        let ty = &event.fields.iter().find(|f| f.wire == "type").unwrap().ty;
        assert!(matches!(ty, TypeRef::Named(id) if api.ty(*id).name == "EventType"));
    }

    #[test]
    fn without_listed_types_type_stays_a_string() {
        let api = api("", SCHEMAS);
        let TypeKind::Struct(event) = &named(&api, "Event").kind else {
            panic!()
        };
        let ty = &event.fields.iter().find(|f| f.wire == "type").unwrap().ty;
        assert_eq!(*ty, TypeRef::String);
        assert!(api.types.iter().all(|t| t.name != "EventType"));
    }
}
