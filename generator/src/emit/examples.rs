//! Example values synthesised from the model, for the `Mock` server: the required
//! properties of every object (optional ones too near the top), each property's constant where it
//! has one (`object: "charge"`), the spec's `example` of a scalar property where it has one, the first value of an enum, the first variant of a union,
//! empty lists and arrays, and ids named after their object. Deterministic, and finite for
//! any type the model admits (every cycle passes through an `Option`, an array or a map).

use serde_json::{json, Map, Value};

use crate::model::*;

/// From this depth on, a required nullable property is `null` rather than an example and an
/// optional one is left out, which keeps the examples of large specs small and those of
/// specs that mark nothing required informative.
const NULLABLE_DEPTH: usize = 2;

/// A guard against cycles the model should not have: past it, `null`.
const MAX_DEPTH: usize = 64;

/// An example of `ty`; `url` is what a list envelope says it came from.
pub fn example(api: &Api, ty: &TypeRef, url: &str) -> Value {
    Synth { api, url }.value(ty, 0)
}

/// A value a request may send for `ty` under `constraints`: required properties only (the
/// first where none is), numbers
/// at their minimum (at least 1), strings of their minimum length, one item per array, the
/// first value of an enum, the first variant of a union that is not the `""` that unsets.
pub fn sample(api: &Api, ty: &TypeRef, constraints: &Constraints) -> Value {
    Sampler { api }.value(ty, constraints, 0)
}

struct Sampler<'a> {
    api: &'a Api,
}

impl Sampler<'_> {
    fn value(&self, ty: &TypeRef, constraints: &Constraints, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        let least = constraints.minimum.unwrap_or(1.0).max(1.0);
        match ty {
            TypeRef::String => json!("x".repeat(constraints.min_length.unwrap_or(1).max(1))),
            TypeRef::Bytes => json!(b"x"),
            TypeRef::Integer => json!(least.ceil() as i64),
            TypeRef::Number => json!(least),
            TypeRef::Boolean => json!(constraints
                .booleans
                .as_ref()
                .and_then(|b| b.first().copied())
                .unwrap_or(true)),
            TypeRef::Timestamp => json!(1_700_000_000),
            TypeRef::Json | TypeRef::JsonObject | TypeRef::Map(_) => json!({}),
            TypeRef::Array(item) => {
                let inner = constraints.inner.as_deref().cloned().unwrap_or_default();
                json!([self.value(item, &inner, depth + 1)])
            }
            TypeRef::Id(id) => json!(example_id(&self.api.ids[id.0].object)),
            TypeRef::Unsettable(inner) => self.value(inner, constraints, depth),
            TypeRef::Named(id) => match &self.api.ty(*id).kind {
                // An object of optional properties only gets its first: an empty one would
                // not be sent at all, and a required one would be missing.
                TypeKind::Struct(s) => Value::Object(
                    s.fields
                        .iter()
                        .enumerate()
                        .filter(|(i, f)| {
                            f.required || (*i == 0 && s.fields.iter().all(|f| !f.required))
                        })
                        .map(|(_, f)| f)
                        .map(|f| {
                            let value = match &f.constant {
                                Some(Constant::Str(s)) => json!(s),
                                Some(Constant::Bool(b)) => json!(b),
                                None => self.value(&f.ty, &f.constraints, depth + 1),
                            };
                            (f.wire.clone(), value)
                        })
                        .collect(),
                ),
                TypeKind::Enum(e) => e
                    .variants
                    .iter()
                    .find(|v| !v.wire.is_empty())
                    .map_or_else(|| json!("x"), |v| json!(v.wire)),
                TypeKind::IntEnum(e) => e.variants.first().map_or(json!(0), |v| json!(v.value)),
                TypeKind::Union(u) => u
                    .variants
                    .first()
                    .map_or(Value::Null, |v| self.value(&v.ty, constraints, depth + 1)),
                TypeKind::Alias(inner) => self.value(inner, constraints, depth + 1),
            },
            // Response-only shapes never appear in requests.
            TypeRef::Expandable(_)
            | TypeRef::List(_)
            | TypeRef::SearchList(_)
            | TypeRef::ErrorEnvelope => Value::Null,
        }
    }
}

struct Synth<'a> {
    api: &'a Api,
    url: &'a str,
}

impl Synth<'_> {
    fn value(&self, ty: &TypeRef, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        match ty {
            TypeRef::String => json!("string"),
            TypeRef::Integer => json!(0),
            TypeRef::Number => json!(0.0),
            TypeRef::Boolean => json!(false),
            TypeRef::Timestamp => json!(1_700_000_000),
            TypeRef::Bytes => json!(""),
            TypeRef::Json | TypeRef::JsonObject | TypeRef::Map(_) => json!({}),
            TypeRef::Array(_) => json!([]),
            TypeRef::Id(id) => json!(example_id(&self.api.ids[id.0].object)),
            TypeRef::Expandable(id) => json!(self.id_of(*id)),
            TypeRef::Unsettable(inner) => self.value(inner, depth),
            // The answer of a list operation has one item; lists inside objects none.
            TypeRef::List(item) => json!({
                "object": "list",
                "data": self.items(item, depth),
                "has_more": false,
                "url": self.url,
            }),
            TypeRef::SearchList(item) => json!({
                "object": "search_result",
                "data": self.items(item, depth),
                "has_more": false,
                "next_page": null,
                "url": self.url,
            }),
            TypeRef::ErrorEnvelope => json!({
                "error": {"type": "api_error", "message": "An example error."}
            }),
            TypeRef::Named(id) => self.named(*id, depth),
        }
    }

    fn named(&self, id: TypeId, depth: usize) -> Value {
        match &self.api.ty(id).kind {
            TypeKind::Struct(s) => {
                let mut object = Map::new();
                for field in s
                    .fields
                    .iter()
                    .filter(|f| f.required || depth < NULLABLE_DEPTH)
                {
                    let value = match &field.constant {
                        Some(Constant::Str(s)) => json!(s),
                        Some(Constant::Bool(b)) => json!(b),
                        None if field.nullable && depth >= NULLABLE_DEPTH => Value::Null,
                        // The spec's own example of the property, where it has one.
                        None => match &field.example {
                            Some(example) => example.clone(),
                            None => self.value(&field.ty, depth + 1),
                        },
                    };
                    object.insert(field.wire.clone(), value);
                }
                Value::Object(object)
            }
            TypeKind::Enum(e) => e
                .variants
                .first()
                .map_or_else(|| json!("unknown"), |v| json!(v.wire)),
            TypeKind::IntEnum(e) => e.variants.first().map_or(json!(0), |v| json!(v.value)),
            TypeKind::Union(u) => u
                .variants
                .first()
                .map_or(Value::Null, |v| self.value(&v.ty, depth + 1)),
            TypeKind::Alias(ty) => self.value(ty, depth + 1),
        }
    }

    fn items(&self, item: &TypeRef, depth: usize) -> Value {
        if depth == 0 {
            json!([self.value(item, 1)])
        } else {
            json!([])
        }
    }

    /// The id an expandable field holds: named after the object kind of its target.
    fn id_of(&self, target: TypeId) -> String {
        let object = match self.api.ty(target).object_id {
            Some(ObjectId::Field(id) | ObjectId::Union(id)) => self.api.ids[id.0].object.clone(),
            _ => self.api.ty(target).name.to_lowercase(),
        };
        example_id(&object)
    }
}

fn example_id(object: &str) -> String {
    format!("{}_example", object.replace('.', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::test_support::{api, named};

    #[test]
    fn required_properties_constants_and_finite_cycles() {
        let api = api(
            "",
            r#"node:
  type: object
  required: [id, object, kind, parent, children, deleted]
  properties:
    id: {type: string}
    object: {type: string, enum: [node]}
    deleted: {type: boolean, enum: [true]}
    kind: {type: string, enum: [leaf, branch]}
    parent: {nullable: true, allOf: [{$ref: '#/components/schemas/node'}]}
    children: {type: array, items: {$ref: '#/components/schemas/node'}}
    label: {type: string}
"#,
        );
        let node = named(&api, "Node");
        let id = TypeId(api.types.iter().position(|t| t.name == node.name).unwrap());
        let value = example(&api, &TypeRef::Named(id), "/v1/nodes");
        assert_eq!(value["object"], "node");
        assert_eq!(value["deleted"], true);
        // Enum values are sorted: the first is `branch`.
        assert_eq!(value["kind"], "branch");
        assert_eq!(value["id"], "node_example");
        assert_eq!(value["children"], json!([]));
        // Nullable and recursive: an example down to the depth, then null.
        assert_eq!(value["parent"]["parent"]["parent"], Value::Null);
        // Optional properties near the top only.
        assert_eq!(value["label"], "string");
        assert!(value["parent"]["parent"].get("label").is_none());
    }

    #[test]
    fn samples_fit_the_constraints() {
        let api = api(
            "",
            r#"params:
  type: object
  required: [amount, currency, inner, flags]
  properties:
    amount: {type: integer, minimum: 50}
    currency: {type: string, minLength: 3}
    inner: {type: object, properties: {b: {type: string}, a: {type: boolean}}}
    flags: {type: array, items: {type: string, enum: [on, off]}}
    note: {type: string}
"#,
        );
        let params = named(&api, "Params");
        let id = TypeId(
            api.types
                .iter()
                .position(|t| t.name == params.name)
                .unwrap(),
        );
        let value = sample(&api, &TypeRef::Named(id), &Constraints::default());
        // Fields are sorted by wire name: `a` is the inner object's first.
        assert_eq!(
            value,
            json!({"amount": 50, "currency": "xxx", "inner": {"a": true}, "flags": ["off"]})
        );
    }
}
