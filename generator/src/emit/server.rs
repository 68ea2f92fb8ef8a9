//! The server side: validation descriptors, response enums, request decoding, the `Server`
//! trait with one method per operation, and the axum router.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::docs::doc_attrs;
use super::features::Features;
use super::splice::{Expr, Lines, Site, Splicer, Tail};
use super::syntax;
use super::types::{ident, rust_type, Ty};
use crate::model::*;
use crate::naming;

/// Named types the server validates input against (aliases are inlined where used).
pub fn input_types(api: &Api) -> BTreeSet<TypeId> {
    let mut seen = BTreeSet::new();
    let mut pending: Vec<TypeRef> = Vec::new();
    for op in &api.operations {
        pending.extend(op.params.iter().map(|p| p.ty.clone()));
        pending.extend(op.body.iter().map(|b| b.ty.clone()));
        pending.extend(op.query.map(TypeRef::Named));
    }
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Named(id) => {
                if let TypeKind::Alias(inner) = &api.ty(id).kind {
                    pending.push(inner.clone());
                } else if seen.insert(id) {
                    match &api.ty(id).kind {
                        TypeKind::Struct(s) => {
                            pending.extend(s.fields.iter().map(|f| f.ty.clone()));
                            pending.extend(s.additional.clone());
                        }
                        TypeKind::Union(u) => {
                            pending.extend(u.variants.iter().map(|v| v.ty.clone()))
                        }
                        TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::Alias(_) => {}
                    }
                }
            }
            // Lists are responses only: never validated.
            other => match other.inner() {
                Some((wrapper, inner)) if wrapper != Wrapper::List => pending.push(inner.clone()),
                _ => {}
            },
        }
    }
    seen
}

/// [`schema_ref`] for use in a function body: an inline value that refers to a named type's
/// static cannot be a promoted constant there, so it gets a static of its own.
fn schema_arg(api: &Api, ty: &TypeRef, constraints: &Constraints) -> TokenStream {
    fn names_a_static(api: &Api, ty: &TypeRef) -> bool {
        match api.unalias(ty) {
            TypeRef::Named(_) => true,
            other => other.inner().is_some_and(|(wrapper, inner)| {
                wrapper != Wrapper::List && names_a_static(api, inner)
            }),
        }
    }
    let ty = api.unalias(ty);
    if !matches!(ty, TypeRef::Named(_)) && names_a_static(api, ty) {
        let value = schema_value(api, ty, constraints).to_syn();
        quote!({
            static SCHEMA: rt::server::Schema = #value;
            &SCHEMA
        })
    } else {
        let reference = schema_ref(api, ty, constraints).to_syn();
        quote!(#reference)
    }
}

/// A `&'static Schema` expression for a value of `ty` with `constraints`.
fn schema_ref(api: &Api, ty: &TypeRef, constraints: &Constraints) -> Expr {
    match ty {
        TypeRef::Named(id) => match &api.ty(*id).kind {
            TypeKind::Alias(inner) => schema_ref(api, inner, constraints),
            _ => Expr::Ref(Box::new(Expr::Path(naming::schema_static(
                &api.ty(*id).name,
            )))),
        },
        other => Expr::Ref(Box::new(schema_value(api, other, constraints))),
    }
}

/// `Some(value)` or `None`.
fn option(value: Option<Expr>) -> Expr {
    match value {
        Some(value) => Expr::Call("Some", Box::new(value)),
        None => Expr::Path("None".to_owned()),
    }
}

fn opt_usize(value: Option<usize>) -> Expr {
    option(value.map(|n| Expr::Lit(Literal::usize_unsuffixed(n))))
}

fn opt_f64(value: Option<f64>) -> Expr {
    option(value.map(|n| Expr::Lit(Literal::f64_unsuffixed(n))))
}

/// `rt::server::Schema::String(rt::server::StringSchema { .. })`.
fn string_schema(
    min_length: Option<usize>,
    max_length: Option<usize>,
    values: Option<Expr>,
    open: bool,
) -> Expr {
    let schema = Expr::Struct(
        "rt::server::StringSchema",
        vec![
            ("min_length", opt_usize(min_length)),
            ("max_length", opt_usize(max_length)),
            ("values", option(values)),
            ("open", Expr::Bool(open)),
        ],
    );
    Expr::Call("rt::server::Schema::String", Box::new(schema))
}

/// A `Schema` value expression for a type that is not a named non-alias type.
fn schema_value(api: &Api, ty: &TypeRef, c: &Constraints) -> Expr {
    let inner = c.inner.as_deref().cloned().unwrap_or_default();
    let bounds = |path| {
        Expr::Struct(
            path,
            vec![
                ("minimum", opt_f64(c.minimum)),
                ("maximum", opt_f64(c.maximum)),
            ],
        )
    };
    let any = || Expr::Path("rt::server::Schema::Any".to_owned());
    match ty {
        TypeRef::String | TypeRef::Id(_) => string_schema(c.min_length, c.max_length, None, false),
        TypeRef::Integer | TypeRef::Timestamp => bounds("rt::server::Schema::Integer"),
        TypeRef::Number => bounds("rt::server::Schema::Number"),
        TypeRef::Boolean => match &c.booleans {
            Some(values) => Expr::Call(
                "rt::server::Schema::BooleanEnum",
                Box::new(Expr::Ref(Box::new(Expr::Array(
                    values.iter().map(|&v| Expr::Bool(v)).collect(),
                )))),
            ),
            None => Expr::Path("rt::server::Schema::Boolean".to_owned()),
        },
        TypeRef::Array(item) => Expr::Struct(
            "rt::server::Schema::Array",
            vec![
                ("items", schema_ref(api, item, &inner)),
                ("max_items", opt_usize(c.max_items)),
            ],
        ),
        TypeRef::Map(value) => Expr::Struct(
            "rt::server::Schema::Map",
            vec![
                ("values", schema_ref(api, value, &inner)),
                ("max_properties", opt_usize(c.max_properties)),
                ("max_key_length", opt_usize(c.max_key_length)),
            ],
        ),
        TypeRef::Unsettable(value) => Expr::Call(
            "rt::server::Schema::Unsettable",
            Box::new(schema_ref(api, value, c)),
        ),
        TypeRef::Named(_) => Expr::Call(
            "rt::server::Schema::AnyOf",
            Box::new(Expr::Ref(Box::new(Expr::Array(vec![schema_ref(
                api, ty, c,
            )])))),
        ),
        TypeRef::Bytes
        | TypeRef::Json
        | TypeRef::JsonObject
        | TypeRef::List(_)
        | TypeRef::SearchList(_)
        | TypeRef::Expandable(_)
        | TypeRef::ErrorEnvelope => any(),
    }
}

/// The value of the static describing a named input type.
fn schema_static_value(api: &Api, def: &TypeDef) -> Expr {
    match &def.kind {
        TypeKind::Struct(s) => {
            let fields = s.fields.iter().map(|f| {
                Expr::Struct(
                    "rt::server::Field",
                    vec![
                        ("name", Expr::Lit(Literal::string(&f.wire))),
                        ("required", Expr::Bool(f.required)),
                        ("nullable", Expr::Bool(f.nullable)),
                        ("schema", schema_ref(api, &f.ty, &f.constraints)),
                    ],
                )
            });
            let additional = s
                .additional
                .as_ref()
                .map(|ty| schema_ref(api, ty, &Constraints::default()));
            let additional = option(additional);
            Expr::Struct(
                "rt::server::Schema::Object",
                vec![
                    ("fields", Expr::Ref(Box::new(Expr::Array(fields.collect())))),
                    ("additional", additional),
                ],
            )
        }
        TypeKind::Enum(e) => {
            let values = e
                .variants
                .iter()
                .map(|v| Expr::Lit(Literal::string(&v.wire)));
            let values = Expr::Ref(Box::new(Expr::Array(values.collect())));
            string_schema(None, None, Some(values), e.bypass_validation)
        }
        TypeKind::IntEnum(e) => {
            let values = e
                .variants
                .iter()
                .map(|v| Expr::Lit(Literal::i64_suffixed(v.value)));
            Expr::Call(
                "rt::server::Schema::IntegerEnum",
                Box::new(Expr::Ref(Box::new(Expr::Array(values.collect())))),
            )
        }
        TypeKind::Union(u) => {
            let alternatives = u
                .variants
                .iter()
                .map(|v| schema_ref(api, &v.ty, &Constraints::default()));
            Expr::Call(
                "rt::server::Schema::AnyOf",
                Box::new(Expr::Ref(Box::new(Expr::Array(alternatives.collect())))),
            )
        }
        TypeKind::Alias(ty) => schema_value(api, ty, &Constraints::default()),
    }
}

/// The static describing a named input type, as a tree.
pub fn schema_static(api: &Api, id: TypeId, mut attrs: Vec<syn::Attribute>) -> syn::Item {
    let def = api.ty(id);
    let name = naming::schema_static(&def.name);
    attrs.push(syntax::doc(&format!(" Validation of [`{}`].", def.name)));
    let value = schema_static_value(api, def).to_syn();
    syntax::public_static(attrs, &name, &["rt", "server", "Schema"], value)
}

/// [`schema_static`] as text (its `cfg` printed already), where prettyplease's layout of it
/// is certain (see `splice`).
pub fn schema_static_text(api: &Api, id: TypeId, cfg: &str, lines: &mut Lines) -> Option<()> {
    let def = api.ty(id);
    let name = naming::schema_static(&def.name);
    let value = schema_static_value(api, def);
    lines.printed(cfg);
    lines.doc_line(&format!(" Validation of [`{}`].", def.name))?;
    let head = format!("pub static {name}: rt::server::Schema = ");
    lines.expr(&head, &value, ";")
}

/// The response enum, decoder and handler of one operation.
pub fn operation(api: &Api, op: &Operation, splicer: &Splicer) -> TokenStream {
    let response = response_enum(api, op, splicer);
    let decoder = decoder(api, op);
    let handler = splicer
        .items(false, |items| handler_text(op, items.next()))
        .unwrap_or_else(|| handler(op));
    quote! {
        #response
        #decoder
        #handler
    }
}

/// The axum handler of an operation: reads the request and hands it to the server.
fn handler(op: &Operation) -> TokenStream {
    let decode = ident(&format!("decode_{}", op.handler));
    let handler_fn = ident(&format!("handle_{}", op.handler));
    let method = ident(&op.handler);
    quote! {
        pub(super) async fn #handler_fn<S: super::Server>(
            rt::server::axum::extract::State(served): rt::server::axum::extract::State<std::sync::Arc<rt::server::Served<S>>>,
            request: rt::server::axum::extract::Request,
        ) -> rt::server::axum::response::Response {
            rt::server::handle(&served.edge, request, #decode, |request, context| served.server.#method(request, context)).await
        }
    }
}

/// [`handler`] as text (see `splice`): its layout is the same for every name of three
/// characters or more whose lines fit.
fn handler_text(op: &Operation, lines: &mut Lines) -> Option<()> {
    let name = op.handler.as_str();
    if name.len() < 3 {
        return None;
    }
    lines.code(&["pub(super) async fn handle_", name, "<S: super::Server>("])?;
    lines.nested(4, |lines| {
        lines.code(&["rt::server::axum::extract::State("])?;
        lines.nested(4, |lines| lines.code(&["served,"]))?;
        lines.code(&[
            "): rt::server::axum::extract::State<std::sync::Arc<rt::server::Served<S>>>,",
        ])?;
        lines.code(&["request: rt::server::axum::extract::Request,"])
    })?;
    lines.code(&[") -> rt::server::axum::response::Response {"])?;
    lines.nested(4, |lines| {
        lines.code(&["rt::server::handle("])?;
        lines.nested(8, |lines| {
            lines.code(&["&served.edge,"])?;
            lines.code(&["request,"])?;
            lines.code(&["decode_", name, ","])?;
            lines.code(&[
                "|request, context| served.server.",
                name,
                "(request, context),",
            ])
        })?;
        lines.nested(4, |lines| {
            lines.code(&[")"])?;
            lines.code(&[".await"])
        })
    })?;
    lines.code(&["}"])
}

/// A `Server` method's default (the fallback's answer, else not found) as text, where its
/// layout is certain (see `splice`).
fn default_method_text(op: &Operation, message: &str, lines: &mut Lines) -> Option<()> {
    let (name, request) = (op.handler.as_str(), op.name.as_str());
    let arguments =
        format!("&self, request: crate::operations::{request}, context: rt::server::Context");
    // Beyond the edge with the arguments alone: they break one a line.
    if lines.fits(0, &["fn ", name, "(", &arguments]) {
        return None;
    }
    let output = Ty {
        head: "Result".to_owned(),
        args: vec![
            Ty::path(format!("{}::{}", op.group, op.response_enum)),
            Ty::path("rt::server::ServerError"),
        ],
    };
    let future_head = ") -> impl std::future::Future<";
    if lines.fits(0, &[future_head, "Output = ", &output.flat()]) {
        return None;
    }
    lines.code(&["fn ", name, "("])?;
    lines.nested(4, |lines| {
        lines.code(&["&self,"])?;
        lines.code(&["request: crate::operations::", request, ","])?;
        lines.code(&["context: rt::server::Context,"])
    })?;
    lines.code(&[future_head])?;
    lines.nested(4, |lines| {
        lines.typed("Output = ", &output, ",", Tail::NotCounted)
    })?;
    lines.code(&["> + Send {"])?;
    let literal = Literal::string(message).to_string();
    lines.nested(4, |lines| {
        lines.code(&["async move {"])?;
        lines.nested(4, |lines| {
            let mock = Literal::string(super::features::MOCK).to_string();
            lines.code(&["#[cfg(feature = ", &mock, ")]"])?;
            lines.code(&["if let Some(fallback) = self.fallback() {"])?;
            lines.nested(4, |lines| {
                lines.code(&["return fallback.", name, "(request, context).await;"])
            })?;
            lines.code(&["}"])?;
            lines.code(&["let _ = (request, context);"])?;
            lines.code(&["Err("])?;
            lines.nested(4, |lines| {
                lines.code(&["rt::server::ServerError::not_found("])?;
                lines.nested(4, |lines| {
                    lines.code_unbroken(&[&literal, ","])?;
                    lines.code(&["None,"])
                })?;
                lines.code(&["),"])
            })?;
            lines.code(&[")"])
        })?;
        lines.code(&["}"])
    })?;
    lines.code(&["}"])
}

/// The operation's response enum, one variant per documented status, and its `ApiResponse`.
fn response_enum(api: &Api, op: &Operation, splicer: &Splicer) -> TokenStream {
    let response_enum = ident(&op.response_enum);
    let stream = op.event_stream().map(|(response, event)| {
        let variant = ident(&crate::naming::stream_variant(&response.variant));
        let event = rust_type(api, event);
        let code = match response.status {
            Status::Code(code) => code,
            _ => 200,
        };
        let code = Literal::u16_unsuffixed(code);
        (
            quote! {
                /// The success as a stream of server-sent events, sent as they are made.
                #variant(rt::server::EventStream<#event>),
            },
            quote!(Self::#variant(_) => (rt::server::status(#code), None),),
            quote! {
                fn into_stream(self) -> Result<rt::server::axum::response::Response, Self> {
                    match self {
                        Self::#variant(events) => Ok(events.into_response(rt::server::status(#code))),
                        other => Err(other),
                    }
                }
            },
        )
    });
    // A stream is consumed once: no `Clone`.
    let derives = if stream.is_some() {
        quote!(#[derive(Debug)])
    } else {
        quote!(#[derive(Clone, Debug)])
    };
    let (stream_variant, stream_arm, into_stream) = match stream {
        Some((variant, arm, method)) => (Some(variant), Some(arm), Some(method)),
        None => (None, None, None),
    };
    let fields_text = |r: &Response| {
        let body =
            r.ty.as_ref()
                .map(|ty| super::types::rust_type_text(api, ty).flat());
        match (&r.status, body) {
            (Status::Code(_), Some(body)) => format!("({body})"),
            (Status::Code(_), None) => String::new(),
            (_, Some(body)) => format!("(rt::StatusCode, {body})"),
            (_, None) => "(rt::StatusCode)".to_owned(),
        }
    };
    let variants = splicer.run(
        Site::Variant,
        4,
        &op.responses,
        |r, lines| {
            lines.docs(r.doc.as_deref());
            lines.code(&[&r.variant, &fields_text(r), ","])
        },
        |r| {
            let variant = ident(&r.variant);
            let docs = doc_attrs(r.doc.as_deref());
            let body = r.ty.as_ref().map(|ty| rust_type(api, ty));
            let fields = match (&r.status, body) {
                (Status::Code(_), Some(body)) => quote!((#body)),
                (Status::Code(_), None) => quote!(),
                (_, Some(body)) => quote!((rt::StatusCode, #body)),
                (_, None) => quote!((rt::StatusCode)),
            };
            quote!(#docs #variant #fields,)
        },
    );
    // JSON unless the spec says otherwise and the body is bytes or text (a PDF...).
    let payload = |r: &Response| {
        let content_type = r.content_type.as_deref().unwrap_or_default();
        match r.ty.as_ref().map(|ty| api.unalias(ty)) {
            Some(TypeRef::String) if r.is_raw(api) => {
                quote!(rt::server::raw_body(#content_type, body.into_bytes()))
            }
            _ if r.is_raw(api) => quote!(rt::server::raw_body(#content_type, body)),
            _ => quote!(rt::server::json_body(&body)),
        }
    };
    let arm = |r: &Response| {
        let variant = ident(&r.variant);
        let payload = payload(r);
        match (&r.status, r.ty.is_some()) {
            (Status::Code(code), true) => {
                let code = Literal::u16_unsuffixed(*code);
                quote!(Self::#variant(body) => (rt::server::status(#code), #payload),)
            }
            (Status::Code(code), false) => {
                let code = Literal::u16_unsuffixed(*code);
                quote!(Self::#variant => (rt::server::status(#code), None),)
            }
            (_, true) => quote!(Self::#variant(status, body) => (status, #payload),),
            (_, false) => quote!(Self::#variant(status) => (status, None),),
        }
    };
    let arms = splicer.run(
        Site::Arm,
        12,
        &op.responses,
        |r, lines| {
            // Only JSON payloads as text; the rest (rare) as tokens.
            if r.is_raw(api) {
                return None;
            }
            let (pattern, body) = match (&r.status, r.ty.is_some()) {
                (Status::Code(code), true) => (
                    format!("Self::{}(body)", r.variant),
                    format!("(rt::server::status({code}), rt::server::json_body(&body))"),
                ),
                (Status::Code(code), false) => (
                    format!("Self::{}", r.variant),
                    format!("(rt::server::status({code}), None)"),
                ),
                (_, true) => (
                    format!("Self::{}(status, body)", r.variant),
                    "(status, rt::server::json_body(&body))".to_owned(),
                ),
                (_, false) => (
                    format!("Self::{}(status)", r.variant),
                    "(status, None)".to_owned(),
                ),
            };
            lines.arm(&pattern, &body, false, || arm(r))
        },
        |r| arm(r),
    );
    let enum_doc = format!(
        " The responses of [`{}`], one variant per documented status.",
        op.name
    );
    if variants.is_empty() {
        quote! {
            #[doc = #enum_doc]
            #[derive(Clone, Debug)]
            pub enum #response_enum {}

            impl rt::server::ApiResponse for #response_enum {
                fn into_parts(self) -> (rt::StatusCode, Option<rt::server::Payload>) {
                    match self {}
                }
            }
        }
    } else {
        quote! {
            #[doc = #enum_doc]
            #derives
            #[allow(clippy::large_enum_variant)]
            pub enum #response_enum {
                #variants
                #stream_variant
            }

            impl rt::server::ApiResponse for #response_enum {
                fn into_parts(self) -> (rt::StatusCode, Option<rt::server::Payload>) {
                    match self {
                        #arms
                        // Sent by `into_stream`, never as parts.
                        #stream_arm
                    }
                }
                #into_stream
            }
        }
    }
}

/// `decode_<handler>`: the request validated and decoded into the builder type, which is
/// the request type.
fn decoder(api: &Api, op: &Operation) -> TokenStream {
    let request = ident(&op.name);
    let decode = ident(&format!("decode_{}", op.handler));
    let mut fields = Vec::new();
    for param in op
        .params
        .iter()
        .filter(|p| matches!(p.location, ParamLocation::Path | ParamLocation::Header))
    {
        let f = ident(&param.name);
        let wire = &param.wire;
        let schema = schema_arg(api, &param.ty, &param.constraints);
        let value = match (param.location, param.required) {
            (ParamLocation::Path, _) => quote!(raw.path_param(#wire, #schema)?),
            (_, true) => quote!(raw.required_header_param(#wire, #schema)?),
            (_, false) => quote!(raw.header_param(#wire, #schema)?),
        };
        fields.push(quote!(#f: #value,));
    }
    let query_check = match op.query {
        Some(id) => {
            let schema = ident(&naming::schema_static(&api.ty(id).name));
            fields.push(quote!(query: raw.query(&#schema)?,));
            None
        }
        None => Some(quote!(raw.no_query()?;)),
    };
    if let Some(body) = &op.body {
        let schema = schema_arg(api, &body.ty, &Constraints::default());
        let read = match Media::of(&body.content_type) {
            Media::Form => quote!(raw.form_body(#schema)),
            Media::Json => quote!(raw.json_body(#schema)),
            Media::Multipart => {
                let files = super::builders::file_fields(api, &body.ty);
                quote!(raw.multipart_body(#schema, &[#(#files),*]))
            }
            Media::Other(other) => {
                let message =
                    format!("`{other}` request bodies are not supported by this server yet.");
                quote!(Err(rt::server::Rejection::new("", #message)))
            }
        };
        let is_struct = matches!(api.unalias(&body.ty), TypeRef::Named(id) if matches!(api.ty(*id).kind, TypeKind::Struct(_)));
        let value = if is_struct || body.required {
            quote!(#read?)
        } else {
            quote!(if raw.body.is_empty() { None } else { Some(#read?) })
        };
        fields.push(quote!(body: #value,));
    }
    quote! {
        fn #decode(raw: &rt::server::RawRequest) -> Result<#request, rt::server::Rejection> {
            #query_check
            Ok(#request {
                #(#fields)*
                options: rt::RequestOptions::default(),
            })
        }
    }
}

/// The `Server` trait and the router.
pub fn server_mod(
    api: &Api,
    features: &Features,
    groups: &[String],
    splicer: &Splicer,
) -> TokenStream {
    let mock = super::features::MOCK;
    let doc = |op: &Operation| {
        let mut doc = op.doc.clone().unwrap_or_default();
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&format!(
            "`{} {}`. Not implemented, it is answered by the [`Server::fallback`] (with the \
             `{mock}` feature), else like an unknown URL.",
            op.method, op.path
        ));
        doc
    };
    let message =
        |op: &Operation| format!("Unrecognized request URL ({}: {}).", op.method, op.path);
    let methods = splicer.run(
        Site::ImplItem,
        4,
        &api.operations,
        |op, lines| {
            // Keyed by the text itself: the memo outlives this spec (gates are indexes).
            if let Some(cfg) = features.cfg(&features.of_group(&op.group)) {
                lines.attribute(&cfg.to_string(), || cfg)?;
            }
            lines.docs(Some(&doc(op)));
            default_method_text(op, &message(op), lines)
        },
        |op| {
            let cfg = features.cfg(&features.of_group(&op.group));
            let method = ident(&op.handler);
            let request = ident(&op.name);
            let module = ident(&op.group);
            let response = ident(&op.response_enum);
            let docs = doc_attrs(Some(&doc(op)));
            let message = message(op);
            quote! {
                #cfg
                #docs
                fn #method(
                    &self,
                    request: crate::operations::#request,
                    context: rt::server::Context,
                ) -> impl std::future::Future<Output = Result<#module::#response, rt::server::ServerError>> + Send {
                    async move {
                        #[cfg(feature = #mock)]
                        if let Some(fallback) = self.fallback() {
                            return fallback.#method(request, context).await;
                        }
                        let _ = (request, context);
                        Err(rt::server::ServerError::not_found(#message, None))
                    }
                }
            }
        },
    );
    // Routes by path and group (a group's routes come and go with its feature), methods in a
    // fixed order. axum merges the methods of a path registered more than once.
    let mut paths: Vec<(&str, &str)> = api
        .operations
        .iter()
        .map(|op| (op.path.as_str(), op.group.as_str()))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    let routes = paths.iter().map(|(path, group)| {
        let mut chain = Vec::new();
        for op in api
            .operations
            .iter()
            .filter(|op| op.path == *path && op.group == *group)
        {
            let method = ident(op.method.key());
            let module = ident(&op.group);
            let handler = ident(&format!("handle_{}", op.handler));
            if chain.is_empty() {
                chain.push(quote!(rt::server::axum::routing::#method(#module::#handler::<S>)));
            } else {
                chain.push(quote!(.#method(#module::#handler::<S>)));
            }
        }
        let cfg = features.cfg(&features.of_group(group));
        quote!(#cfg let routes = routes.route(#path, #(#chain)*);)
    });
    let basic = api
        .security
        .iter()
        .any(|s| matches!(s.kind, SecurityKind::Basic));
    let bearer = api
        .security
        .iter()
        .any(|s| matches!(s.kind, SecurityKind::Bearer));
    let header = match api.api_key(ParamLocation::Header) {
        Some(name) => {
            let name = name.to_ascii_lowercase();
            quote!(Some(#name))
        }
        None => quote!(None),
    };
    let query = match api.api_key(ParamLocation::Query) {
        Some(name) => quote!(Some(#name)),
        None => quote!(None),
    };
    let mock_feature = super::features::MOCK;
    let modules: Vec<_> = groups.iter().map(|g| ident(g)).collect();
    let cfgs: Vec<_> = groups
        .iter()
        .map(|g| features.cfg(&features.of_group(g)))
        .collect();
    quote! {
        //! The server side: implement [`Server`] and serve [`router`].
        #(#cfgs mod #modules;)*
        mod schemas;

        #(#cfgs pub use #modules::*;)*
        #[allow(unused_imports)]
        pub use schemas::*;

        /// The API as a service: one method per operation. Every method has a default that
        /// asks the [`Server::fallback`] (with the `mock` feature), else answers like an
        /// unknown URL, so a service implements only what it serves.
        pub trait Server: Send + Sync + 'static {
            /// The server that answers the operations this one does not implement: none by
            /// default (they answer like an unknown URL); return a [`Mock`] to layer this
            /// server's own behaviour over the generic one.
            #[cfg(feature = #mock_feature)]
            fn fallback(&self) -> Option<&Mock> {
                None
            }
            #methods
        }

        /// Every route of the API, with request decoding and validation, authentication,
        /// `Request-Id` on every response, CORS, a body size limit and idempotent POSTs.
        pub fn router<S: Server>(server: S) -> rt::server::axum::Router {
            let routes = rt::server::axum::Router::new();
            #(#routes)*
            rt::server::with_edge(routes, server, rt::server::Auth { basic: #basic, bearer: #bearer, header: #header, query: #query }, &crate::CONVENTIONS)
        }

        #[cfg(feature = #mock_feature)]
        mod mock;
        #[cfg(feature = #mock_feature)]
        pub use mock::Mock;
    }
}
