//! Types: named type definitions (structs, enums, unions, aliases), their fields and
//! constraints, and [`TypeRef`], the type of any value, with its one child accessor.

use super::{IdTypeId, TypeId};

/// Where a type's code goes: a module file of the generated crate.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Module {
    /// `src/models/<name>.rs`: a component schema and the inline types it owns.
    Model(String),
    /// `src/operations/<name>.rs`: inline types of one operation group.
    Operations(String),
}

/// A named type of the generated crate.
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// Final Rust name (UpperCamelCase, unique in the crate).
    pub name: String,
    /// The module its code goes to.
    pub module: Module,
    /// The schema's description.
    pub doc: Option<String>,
    /// JSON pointer of the schema this type came from.
    pub origin: String,
    /// What kind of type it is.
    pub kind: TypeKind,
    /// Set when this type is an object with an id: what it implements `Object` with.
    pub object_id: Option<ObjectId>,
}

/// How a type implements the runtime's `Object` (it has an id).
#[derive(Clone, Debug)]
pub enum ObjectId {
    /// An `id` field of this id newtype.
    Field(IdTypeId),
    /// A union whose variants all have ids of this newtype.
    Union(IdTypeId),
    /// A union of objects with different kinds of id, or an object without one.
    Any,
}

/// The kinds of named type.
#[derive(Clone, Debug)]
pub enum TypeKind {
    /// An object with named fields.
    Struct(Struct),
    /// An open string enum.
    Enum(Enum),
    /// An integer enum, open like string enums.
    IntEnum(IntEnum),
    /// A `oneOf`/`anyOf`, by constants or by trying each variant.
    Union(Union),
    /// A named alias of another type (a component schema that is a map, array, primitive...).
    Alias(TypeRef),
}

/// An object's fields.
#[derive(Clone, Debug)]
pub struct Struct {
    /// Sorted by wire name.
    pub fields: Vec<Field>,
    /// Properties not listed, kept in a map (`additionalProperties` next to `properties`).
    pub additional: Option<TypeRef>,
    /// Rust name of the field that holds them.
    pub additional_field: String,
    /// The enum of this object's expandable fields, if it has any.
    pub expand: Option<TypeId>,
}

/// A property of an object.
#[derive(Clone, Debug)]
pub struct Field {
    /// Rust name (snake_case, keyword-safe, unique in the struct).
    pub name: String,
    /// The property's name on the wire.
    pub wire: String,
    /// The property's description.
    pub doc: Option<String>,
    /// The field's type (without `Option`).
    pub ty: TypeRef,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// Behind a `Box` because it closes a cycle of by-value containment.
    pub boxed: bool,
    /// What a server checks of its values.
    pub constraints: Constraints,
    /// The one value it always has (`object: "charge"`, `deleted: true`).
    pub constant: Option<Constant>,
    /// The property schema's `example`, where it has one of the field's JSON kind (for the
    /// `Mock` server's answers and id prefixes).
    pub example: Option<serde_json::Value>,
}

impl Field {
    /// Whether its value may be missing or null: an `Option` in Rust.
    pub fn optional(&self) -> bool {
        !self.required || self.nullable
    }
}

/// Validation facts from the spec, for servers that check requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    /// `minLength`.
    pub min_length: Option<usize>,
    /// `maxLength`.
    pub max_length: Option<usize>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `minimum`, made inclusive.
    pub minimum: Option<f64>,
    /// `maximum`, made inclusive.
    pub maximum: Option<f64>,
    /// `maxProperties`.
    pub max_properties: Option<usize>,
    /// `x-keyMaxLength`: the longest key a map may have (Stripe metadata).
    pub max_key_length: Option<usize>,
    /// `maxItems`.
    pub max_items: Option<usize>,
    /// The values a boolean enum allows (`enum: [true]`).
    pub booleans: Option<Vec<bool>>,
    /// Of the values of a map or the items of an array.
    pub inner: Option<Box<Constraints>>,
}

/// A string enum (open: unknown values are kept).
#[derive(Clone, Debug)]
pub struct Enum {
    /// Sorted by wire value.
    pub variants: Vec<EnumVariant>,
    /// `x-stripeBypassValidation`: the server must accept values not listed.
    pub bypass_validation: bool,
    /// Name of the variant that keeps unknown values.
    pub unknown_variant: String,
}

/// An integer enum.
#[derive(Clone, Debug)]
pub struct IntEnum {
    /// Sorted by value.
    pub variants: Vec<IntVariant>,
    /// Name of the variant that keeps unknown values.
    pub unknown_variant: String,
}

/// One value of an integer enum.
#[derive(Clone, Debug)]
pub struct IntVariant {
    /// The variant's Rust name.
    pub name: String,
    /// Its value.
    pub value: i64,
}

/// One value of a string enum.
#[derive(Clone, Debug)]
pub struct EnumVariant {
    /// The variant's Rust name.
    pub name: String,
    /// Its value on the wire.
    pub wire: String,
}

/// A union of types.
#[derive(Clone, Debug)]
pub struct Union {
    /// Its variants, in the spec's order.
    pub variants: Vec<UnionVariant>,
    /// How a value picks its variant.
    pub tagging: Tagging,
    /// Name of the variant that keeps a value no variant matches.
    pub unknown_variant: String,
    /// Each variant compiles only with its own type's features, and does not make its type
    /// reachable: a union of every object kind (an event's object), where a kind compiled
    /// out goes to the unknown variant.
    pub per_feature: bool,
}

/// One variant of a union.
#[derive(Clone, Debug)]
pub struct UnionVariant {
    /// The variant's Rust name.
    pub name: String,
    /// The type it holds.
    pub ty: TypeRef,
    /// Behind a `Box` because it closes a cycle of by-value containment.
    pub boxed: bool,
    /// Constant-valued properties that identify this variant (`object: "card"`).
    pub constants: Vec<(String, Constant)>,
}

/// A constant property value (`object: "charge"`).
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// A string constant.
    Str(String),
    /// A boolean constant.
    Bool(bool),
}

/// How a union's value is matched to a variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tagging {
    /// Chosen by matching each variant's constants; no match keeps the raw value.
    Constants,
    /// The first variant that deserializes wins; none keeps the raw value.
    Untagged,
}

/// The type of a field, parameter, body or response.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    /// `type: string`.
    String,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
    /// `format: unix-time`.
    Timestamp,
    /// `format: binary`.
    Bytes,
    /// Anything: `serde_json::Value`.
    Json,
    /// A free-form object: `serde_json::Map`.
    JsonObject,
    /// A type of [`Api::types`](super::Api::types).
    Named(TypeId),
    /// An id newtype of [`Api::ids`](super::Api::ids).
    Id(IdTypeId),
    /// `type: array`.
    Array(Box<TypeRef>),
    /// A map with string keys, kept ordered.
    Map(Box<TypeRef>),
    /// The list envelope with items of this type.
    List(Box<TypeRef>),
    /// The search envelope (`search_result`, paged by `next_page`) with items of this type.
    SearchList(Box<TypeRef>),
    /// An id or, when expanded, the object (a named struct or union).
    Expandable(TypeId),
    /// A value, or `""` to unset it.
    Unsettable(Box<TypeRef>),
    /// The error envelope `{"error": {type, code, message, ...}}`.
    ErrorEnvelope,
}

/// How a container type holds the one type inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapper {
    /// `Vec<T>`.
    Array,
    /// A map with string keys.
    Map,
    /// The list envelope.
    List,
    /// A value or `""` to unset it.
    Unsettable,
}

impl TypeRef {
    /// The type inside a container type, and how it is held; `None` for every other type.
    /// The one child accessor: every walk over a type's structure goes through it.
    pub fn inner(&self) -> Option<(Wrapper, &TypeRef)> {
        match self {
            TypeRef::Array(inner) => Some((Wrapper::Array, inner)),
            TypeRef::Map(inner) => Some((Wrapper::Map, inner)),
            TypeRef::List(inner) | TypeRef::SearchList(inner) => Some((Wrapper::List, inner)),
            TypeRef::Unsettable(inner) => Some((Wrapper::Unsettable, inner)),
            TypeRef::String
            | TypeRef::Integer
            | TypeRef::Number
            | TypeRef::Boolean
            | TypeRef::Timestamp
            | TypeRef::Bytes
            | TypeRef::Json
            | TypeRef::JsonObject
            | TypeRef::Named(_)
            | TypeRef::Id(_)
            | TypeRef::Expandable(_)
            | TypeRef::ErrorEnvelope => None,
        }
    }

    /// Calls `visit` on this type and on the types inside it, outermost first, going into
    /// the containers `through` admits.
    pub fn walk<'a>(
        &'a self,
        through: impl Fn(Wrapper) -> bool,
        mut visit: impl FnMut(&'a TypeRef),
    ) {
        let mut ty = self;
        loop {
            visit(ty);
            match ty.inner() {
                Some((wrapper, inner)) if through(wrapper) => ty = inner,
                _ => return,
            }
        }
    }

    /// Every named type this type mentions, in order (ids and runtime types have none).
    pub fn named_types(&self, out: &mut Vec<TypeId>) {
        self.walk(
            |_| true,
            |ty| {
                if let TypeRef::Named(id) | TypeRef::Expandable(id) = ty {
                    out.push(*id);
                }
            },
        );
    }

    /// The named types a value of this type holds directly (not behind a `Vec`, map, list or
    /// expandable id), which is what makes a recursive type infinitely large.
    pub fn by_value(&self, out: &mut Vec<TypeId>) {
        self.walk(
            |wrapper| wrapper == Wrapper::Unsettable,
            |ty| {
                if let TypeRef::Named(id) = ty {
                    out.push(*id);
                }
            },
        );
    }
}

impl TypeDef {
    /// The name of the component schema this type came from (`charge` for
    /// `#/components/schemas/charge`); `None` for inline types. Types made from a schema later,
    /// such as its expand enum, share the schema's name and come after the schema's own type.
    pub fn component_schema(&self) -> Option<String> {
        let name = self.origin.strip_prefix("/components/schemas/")?;
        (!name.contains('/')).then(|| crate::error::unescape_segment(name))
    }

    /// The named types this type's code mentions: its fields, variants, aliased type and
    /// expand enum.
    pub fn references(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        match &self.kind {
            TypeKind::Struct(s) => {
                for field in &s.fields {
                    field.ty.named_types(&mut out);
                }
                if let Some(additional) = &s.additional {
                    additional.named_types(&mut out);
                }
                out.extend(s.expand);
            }
            TypeKind::Union(u) => {
                if !u.per_feature {
                    for variant in &u.variants {
                        variant.ty.named_types(&mut out);
                    }
                }
            }
            TypeKind::Alias(ty) => ty.named_types(&mut out),
            TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
        }
        out
    }

    /// What [`TypeDef::references`] leaves out: the variants of a per-feature union, which
    /// its code still needs to compile when their features are on.
    pub fn weak_references(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        if let TypeKind::Union(u) = &self.kind {
            if u.per_feature {
                for variant in &u.variants {
                    variant.ty.named_types(&mut out);
                }
            }
        }
        out
    }
}

/// An id newtype for one kind of object (`ChargeId` for objects with `object: "charge"`).
#[derive(Clone, Debug)]
pub struct IdType {
    /// Rust name (`ChargeId`).
    pub name: String,
    /// The value of the objects' `object` property.
    pub object: String,
}
