//! Operations: methods, parameters, bodies and media, responses, and the request-builder
//! plan (members, typed `expand`, pagination) lowering makes for the client emitter.

use std::collections::BTreeMap;

use super::{Constraints, TypeId, TypeRef};

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
    /// Where the cursors go.
    pub cursors: Cursors,
}

/// How a paged operation takes the cursor of another page.
#[derive(Clone, Debug)]
pub enum Cursors {
    /// Object ids: `starting_after` and `ending_before` (lists).
    Ids {
        /// Where `starting_after` goes.
        starting_after: Source,
        /// Where `ending_before` goes.
        ending_before: Source,
    },
    /// The `page` token of the previous page's `next_page` (search results).
    Page(Source),
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
        let essence = Media::essence(content_type);
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Media::Form,
            "multipart/form-data" => Media::Multipart,
            json if json == "application/json" || json.ends_with("+json") => Media::Json,
            _ => Media::Other(essence),
        }
    }

    /// A content type without its parameters, lowercased (`application/json` of
    /// `Application/JSON; charset=utf-8`): the one place a content type is parsed.
    pub fn essence(content_type: &str) -> String {
        content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
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

impl Status {
    /// A 2xx code or the `2XX` range: what an operation answers when it succeeds.
    pub fn is_success(&self) -> bool {
        match *self {
            Status::Code(code) => (200..300).contains(&code),
            Status::Range(digit) => digit == 2,
            Status::Default => false,
        }
    }
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
    /// The spec's example of its JSON body (the media type's `example`, its first
    /// `examples` entry, or the schema's `example`), for the `Mock` server.
    pub example: Option<serde_json::Value>,
    /// The type of each event's data when the response can also be a stream of
    /// server-sent events (`text/event-stream`); `Json` when the spec gives no schema.
    pub stream: Option<TypeRef>,
}

impl Response {
    /// Whether its body goes on the wire as it is (bytes or text of a media type that is not
    /// JSON, a PDF), not encoded as JSON.
    pub fn is_raw(&self, api: &super::Api) -> bool {
        matches!(
            self.content_type.as_deref().map(Media::of),
            Some(Media::Other(_))
        ) && matches!(
            self.ty.as_ref().map(|ty| api.unalias(ty)),
            Some(TypeRef::Bytes | TypeRef::String)
        )
    }
}

impl Operation {
    /// The success response that can be a stream of events, and the events' data type.
    pub fn event_stream(&self) -> Option<(&Response, &TypeRef)> {
        self.responses
            .iter()
            .filter(|r| r.status.is_success())
            .find_map(|r| r.stream.as_ref().map(|ty| (r, ty)))
    }

    /// The named types the operation's builder, response enum and decoder mention.
    pub fn references(&self) -> Vec<TypeId> {
        let mut out = self.sent();
        out.extend(self.received());
        out
    }

    /// The named types a client sends (and a server decodes): parameters, body, the
    /// builder's members, the query struct and the expand enum.
    pub fn sent(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        for param in &self.params {
            param.ty.named_types(&mut out);
        }
        if let Some(body) = &self.body {
            body.ty.named_types(&mut out);
        }
        for member in &self.members {
            member.ty.named_types(&mut out);
        }
        out.extend(self.query);
        out.extend(self.expand.as_ref().and_then(|e| e.fields));
        out
    }

    /// The named types a client decodes (and a server encodes): every response.
    pub fn received(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        for response in &self.responses {
            if let Some(ty) = &response.ty {
                ty.named_types(&mut out);
            }
            if let Some(ty) = &response.stream {
                ty.named_types(&mut out);
            }
        }
        if let Output::Json(ty) = &self.output {
            ty.named_types(&mut out);
        }
        if let Some(list) = &self.list {
            list.item.named_types(&mut out);
        }
        out
    }
}
