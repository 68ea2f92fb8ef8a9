//! The intermediate model: plain Rust data lowered from the OpenAPI document. Emitters read
//! only this; every `$ref` is resolved and every name is final.

use std::collections::{BTreeMap, BTreeSet};

/// Index into [`Api::types`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// Index into [`Api::ids`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdTypeId(pub usize);

/// The whole API, lowered: what every emitter reads.
#[derive(Clone, Debug)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The servers' URLs, in order.
    pub servers: Vec<String>,
    /// Every named type, indexed by [`TypeId`].
    pub types: Vec<TypeDef>,
    /// Every id newtype, indexed by [`IdTypeId`].
    pub ids: Vec<IdType>,
    /// Every operation, sorted by path, then method.
    pub operations: Vec<Operation>,
    /// The security schemes, by name.
    pub security: Vec<SecurityScheme>,
    /// The API's conventions beyond OpenAPI, for the runtime (`apigen_runtime::Conventions`).
    pub conventions: Conventions,
}

/// Conventions of an API that OpenAPI does not describe: the headers that name the account
/// and the version, the retry header, the key prefixes that tell the mode. Filled from a
/// profile chosen per spec (see `lower::conventions`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conventions {
    /// The profile's name (`stripe`), `None` for an API with no conventions.
    pub profile: Option<String>,
    /// Why this profile was chosen, for the generated documentation.
    pub reason: String,
    /// Request header (lowercase) naming the account a request acts for.
    pub account_header: Option<String>,
    /// Request header (lowercase) choosing the API version.
    pub version_header: Option<String>,
    /// Response header (lowercase) whose `true`/`false` overrides the client's retry rules.
    pub should_retry_header: Option<String>,
    /// Key prefixes that tell the mode, tried in order.
    pub key_modes: Vec<KeyMode>,
}

/// A key prefix and the mode a key with it acts in.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyMode {
    /// How keys of this kind start (`sk_test_`).
    pub prefix: String,
    /// Whether such a key acts in live mode.
    pub live: bool,
    /// Whether such a key is restricted.
    pub restricted: bool,
}

impl Api {
    /// The type `id` indexes.
    pub fn ty(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// `ty` with named aliases followed (`Currency` → `String`).
    pub fn unalias<'a>(&'a self, ty: &'a TypeRef) -> &'a TypeRef {
        unalias(&self.types, ty)
    }
}

/// `ty` with named aliases followed, in a list of type definitions.
pub fn unalias<'a>(types: &'a [TypeDef], mut ty: &'a TypeRef) -> &'a TypeRef {
    for _ in 0..=types.len() {
        match ty {
            TypeRef::Named(id) => match &types[id.0].kind {
                TypeKind::Alias(inner) => ty = inner,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

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
    /// A type of [`Api::types`].
    Named(TypeId),
    /// An id newtype of [`Api::ids`].
    Id(IdTypeId),
    /// `type: array`.
    Array(Box<TypeRef>),
    /// A map with string keys, kept ordered.
    Map(Box<TypeRef>),
    /// The list envelope with items of this type.
    List(Box<TypeRef>),
    /// An id or, when expanded, the object (a named struct or union).
    Expandable(TypeId),
    /// A value, or `""` to unset it.
    Unsettable(Box<TypeRef>),
    /// The error envelope `{"error": {type, code, message, ...}}`.
    ErrorEnvelope,
}

/// An id newtype for one kind of object (`ChargeId` for objects with `object: "charge"`).
#[derive(Clone, Debug)]
pub struct IdType {
    /// Rust name (`ChargeId`).
    pub name: String,
    /// The value of the objects' `object` property.
    pub object: String,
}

/// One operation: a path and method.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The spec's `operationId`, or one made from method and path.
    pub id: String,
    /// Rust type name of the operation (`CreateCharge`).
    pub name: String,
    /// Snake-case group (from the first tag or the first path segment), its module name.
    pub group: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template (`/v1/charges/{charge}`).
    pub path: String,
    /// `summary`.
    pub summary: Option<String>,
    /// The operation's description, else its summary.
    pub doc: Option<String>,
    /// Path, query and header parameters (path-item ones merged in), by location and name.
    pub params: Vec<Param>,
    /// The request body, if the operation takes one.
    pub body: Option<Body>,
    /// Every documented response, by status.
    pub responses: Vec<Response>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// A struct of the query parameters, for encoding them.
    pub query: Option<TypeId>,
    /// What a successful response carries.
    pub output: Output,
    /// The builder's arguments and setters, in order.
    pub members: Vec<Member>,
    /// Typed `expand`: where the `expand` list goes and what it can name.
    pub expand: Option<Expand>,
    /// Cursor pagination, for list operations.
    pub list: Option<ListInfo>,
    /// Name of the server's response enum (`CreateChargeResponse`).
    pub response_enum: String,
    /// Name of the server trait's method (`create_charge`).
    pub handler: String,
}

/// The HTTP methods a path item can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
    /// `OPTIONS`.
    Options,
    /// `HEAD`.
    Head,
    /// `PATCH`.
    Patch,
    /// `TRACE`.
    Trace,
}

impl HttpMethod {
    /// Every method, in the order of OpenAPI's path item object.
    pub const ALL: [HttpMethod; 8] = [
        HttpMethod::Get,
        HttpMethod::Put,
        HttpMethod::Post,
        HttpMethod::Delete,
        HttpMethod::Options,
        HttpMethod::Head,
        HttpMethod::Patch,
        HttpMethod::Trace,
    ];

    /// The path item's key (`get`), also the axum routing function's name.
    pub fn key(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Put => "put",
            HttpMethod::Post => "post",
            HttpMethod::Delete => "delete",
            HttpMethod::Options => "options",
            HttpMethod::Head => "head",
            HttpMethod::Patch => "patch",
            HttpMethod::Trace => "trace",
        }
    }

    /// The method as HTTP spells it (`GET`), also the runtime's `Method` variant.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Trace => "TRACE",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a successful response carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// No body (e.g. 204).
    Empty,
    /// A JSON body of this type.
    Json(TypeRef),
    /// A body that is not JSON (a PDF...).
    Bytes,
}

/// One argument (required) or setter (optional) of a request builder.
#[derive(Clone, Debug)]
pub struct Member {
    /// Rust name of the constructor argument or setter method.
    pub setter: String,
    /// Where the value goes.
    pub source: Source,
    /// The value's type.
    pub ty: TypeRef,
    /// A constructor argument (else a setter).
    pub required: bool,
    /// The parameter's or property's description.
    pub doc: Option<String>,
}

/// Where a builder member's value goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A field of the builder of this name (path and header parameters).
    Own(String),
    /// A field of the query struct.
    Query(String),
    /// A field of the body struct.
    BodyField(String),
    /// The whole body.
    Body,
}

/// Typed `expand` of an operation.
#[derive(Clone, Debug)]
pub struct Expand {
    /// Where the list of paths is stored.
    pub source: Source,
    /// `data.` for list responses.
    pub prefix: String,
    /// The enum of the response object's expandable fields.
    pub fields: Option<TypeId>,
}

/// Cursor pagination of a list operation.
#[derive(Clone, Debug)]
pub struct ListInfo {
    /// The type of the listed objects.
    pub item: TypeRef,
    /// Where `starting_after` goes.
    pub starting_after: Source,
    /// Where `ending_before` goes.
    pub ending_before: Source,
}

/// Where a parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a request header.
    Header,
    /// In a cookie (not supported by builders).
    Cookie,
}

/// A parameter of an operation.
#[derive(Clone, Debug)]
pub struct Param {
    /// Rust name (snake_case, unique in the operation).
    pub name: String,
    /// The name on the wire.
    pub wire: String,
    /// Where it is sent.
    pub location: ParamLocation,
    /// The parameter's description.
    pub doc: Option<String>,
    /// Its type.
    pub ty: TypeRef,
    /// `required: true` (path parameters always are).
    pub required: bool,
    /// `style: deepObject` (bracket notation for objects and arrays).
    pub deep_object: bool,
    /// `explode` (default: true for query parameters).
    pub explode: bool,
    /// What a server checks of its value.
    pub constraints: Constraints,
}

/// The request body of an operation.
#[derive(Clone, Debug)]
pub struct Body {
    /// The media type chosen (form, then JSON, then multipart, else the first).
    pub content_type: String,
    /// The body's type.
    pub ty: TypeRef,
    /// `required: true`.
    pub required: bool,
    /// Per-property encodings of form bodies, by property name.
    pub encoding: BTreeMap<String, Encoding>,
}

/// How a body is encoded, from its content type (parameters such as `charset` ignored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Media {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `application/json` and `+json` types.
    Json,
    /// `multipart/form-data`.
    Multipart,
    /// Anything else (`application/pdf`, `text/plain`...): bytes as they are.
    Other(String),
}

impl Media {
    /// The media of a content type.
    pub fn of(content_type: &str) -> Media {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Media::Form,
            "multipart/form-data" => Media::Multipart,
            json if json == "application/json" || json.ends_with("+json") => Media::Json,
            _ => Media::Other(essence),
        }
    }
}

/// The encoding of one property of a form body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoding {
    /// `style`, lowercased (`deepObject`).
    pub style: Option<String>,
    /// `explode`.
    pub explode: Option<bool>,
}

/// A response's status as the spec lists it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// One code (`200`).
    Code(u16),
    /// `4XX`, `5XX`: the first digit.
    Range(u16),
    /// `default`.
    Default,
}

/// One documented response of an operation.
#[derive(Clone, Debug)]
pub struct Response {
    /// Its status.
    pub status: Status,
    /// Variant of the response enum (`Ok`, `NotFound`, `ServerError`).
    pub variant: String,
    /// The response's description.
    pub doc: Option<String>,
    /// The media type of its body, if it has one.
    pub content_type: Option<String>,
    /// The type of its JSON body.
    pub ty: Option<TypeRef>,
    /// Header names the response documents.
    pub headers: Vec<String>,
}

/// A security scheme of the spec.
#[derive(Clone, Debug)]
pub struct SecurityScheme {
    /// Its name in `components.securitySchemes`.
    pub name: String,
    /// What it is.
    pub kind: SecurityKind,
    /// Its description.
    pub doc: Option<String>,
}

/// The kinds of security scheme.
#[derive(Clone, Debug)]
pub enum SecurityKind {
    /// HTTP Basic.
    Basic,
    /// HTTP Bearer.
    Bearer,
    /// An API key in a header, the query or a cookie.
    ApiKey {
        /// Where it is sent.
        location: ParamLocation,
        /// The header's or parameter's name.
        name: String,
    },
    /// Another scheme (OAuth2, OpenID Connect...), described.
    Other(String),
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
            TypeRef::List(inner) => Some((Wrapper::List, inner)),
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

impl Api {
    /// Every type reachable from `roots` through [`TypeDef::references`], roots included.
    pub fn reachable(&self, roots: impl IntoIterator<Item = TypeId>) -> BTreeSet<TypeId> {
        let mut seen = BTreeSet::new();
        let mut pending: Vec<TypeId> = roots.into_iter().collect();
        while let Some(id) = pending.pop() {
            if seen.insert(id) {
                pending.extend(self.ty(id).references());
            }
        }
        seen
    }

    /// The name of the spec's `apiKey` scheme at `location` (header or query), if it has one.
    pub fn api_key(&self, location: ParamLocation) -> Option<&str> {
        self.security.iter().find_map(|scheme| match &scheme.kind {
            SecurityKind::ApiKey { location: at, name } if *at == location => Some(name.as_str()),
            _ => None,
        })
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
                for variant in &u.variants {
                    variant.ty.named_types(&mut out);
                }
            }
            TypeKind::Alias(ty) => ty.named_types(&mut out),
            TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
        }
        out
    }
}

impl Operation {
    /// The named types the operation's builder, response enum and decoder mention.
    pub fn references(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        for param in &self.params {
            param.ty.named_types(&mut out);
        }
        if let Some(body) = &self.body {
            body.ty.named_types(&mut out);
        }
        for response in &self.responses {
            if let Some(ty) = &response.ty {
                ty.named_types(&mut out);
            }
        }
        for member in &self.members {
            member.ty.named_types(&mut out);
        }
        if let Output::Json(ty) = &self.output {
            ty.named_types(&mut out);
        }
        if let Some(list) = &self.list {
            list.item.named_types(&mut out);
        }
        out.extend(self.query);
        out.extend(self.expand.as_ref().and_then(|e| e.fields));
        out
    }
}
