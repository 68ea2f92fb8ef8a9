//! Request builders: one per operation, with required parameters as constructor arguments,
//! optional ones as setters, and a sans-IO `ApiRequest` implementation.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc_attrs;
use super::splice::{Lines, Site, Splicer, Tail};
use super::types::{chain_text, ident, rust_type, rust_type_text, Ty};
use crate::model::*;
use crate::naming;

/// The storage of one value: how the builder holds it.
struct Slot {
    /// Held as `Option<T>` (set with `Some`).
    optional: bool,
    boxed: bool,
}

/// How an argument of type `ty` is taken and turned into the stored value.
fn argument(api: &Api, ty: &TypeRef) -> (TokenStream, bool) {
    match api.unalias(ty) {
        TypeRef::String => (quote!(impl Into<String>), true),
        TypeRef::Id(_) | TypeRef::Unsettable(_) => {
            let ty = rust_type(api, ty);
            (quote!(impl Into<#ty>), true)
        }
        other => (rust_type(api, other), false),
    }
}

/// [`argument`] as prettyplease prints it on one line.
fn argument_text(api: &Api, ty: &TypeRef) -> (Ty, bool) {
    match api.unalias(ty) {
        TypeRef::String => (
            Ty::generic("impl Into", rust_type_text(api, &TypeRef::String)),
            true,
        ),
        TypeRef::Id(_) | TypeRef::Unsettable(_) => {
            (Ty::generic("impl Into", rust_type_text(api, ty)), true)
        }
        other => (rust_type_text(api, other), false),
    }
}

/// [`store`] as prettyplease prints it on one line.
fn store_text(value: &str, into: bool, slot: &Slot) -> String {
    let mut value = if into {
        format!("{value}.into()")
    } else {
        value.to_owned()
    };
    if slot.boxed {
        value = format!("Box::new({value})");
    }
    if slot.optional {
        value = format!("Some({value})");
    }
    value
}

/// `field: value`, or the shorthand `field` where the value is a variable of the same name.
fn field_init(field: &str, value: TokenStream) -> TokenStream {
    let f = ident(field);
    if value.to_string() == field {
        quote!(#f,)
    } else {
        quote!(#f: #value,)
    }
}

fn store(value: TokenStream, into: bool, slot: &Slot) -> TokenStream {
    let mut value = if into { quote!(#value.into()) } else { value };
    if slot.boxed {
        value = quote!(Box::new(#value));
    }
    if slot.optional {
        value = quote!(Some(#value));
    }
    value
}

fn struct_fields<'a>(api: &'a Api, ty: Option<&TypeRef>) -> Option<(TypeId, &'a Struct)> {
    match ty {
        Some(TypeRef::Named(id)) => match &api.ty(*id).kind {
            TypeKind::Struct(s) => Some((*id, s)),
            _ => None,
        },
        _ => None,
    }
}

/// Methods of std traits that clippy's `should_implement_trait` reserves.
const TRAIT_METHODS: &[&str] = &[
    "add",
    "as_mut",
    "as_ref",
    "bitand",
    "bitor",
    "bitxor",
    "borrow",
    "borrow_mut",
    "clone",
    "cmp",
    "default",
    "deref",
    "deref_mut",
    "div",
    "drop",
    "eq",
    "from_iter",
    "from_str",
    "hash",
    "index",
    "index_mut",
    "into_iter",
    "mul",
    "neg",
    "next",
    "not",
    "rem",
    "shl",
    "shr",
    "sub",
];

/// A field of a builder's struct, as tokens and as text.
struct BuilderField {
    doc: Option<String>,
    name: String,
    ty: TokenStream,
    ty_text: Ty,
}

impl BuilderField {
    /// A field the builder always has (`query`, `body`), with its fixed doc.
    fn fixed(doc: &str, name: &str, ty: TokenStream, ty_text: Ty) -> Self {
        Self {
            doc: Some(doc.to_owned()),
            name: name.to_owned(),
            ty,
            ty_text,
        }
    }

    fn tokens(&self) -> TokenStream {
        let docs = doc_attrs(self.doc.as_deref());
        let (name, ty) = (ident(&self.name), &self.ty);
        quote!(#docs pub #name: #ty,)
    }
}

/// The builder's struct as text (see `splice`).
fn builder_struct_text(
    docs: &str,
    name: &str,
    fields: &[BuilderField],
    lines: &mut Lines,
) -> Option<()> {
    lines.docs(Some(docs));
    lines.code(&["#[derive(Clone, Debug)]"])?;
    lines.code(&["pub struct ", name, " {"])?;
    lines.nested(4, |lines| {
        for field in fields {
            lines.docs(field.doc.as_deref());
            lines.typed(
                &format!("pub {}: ", field.name),
                &field.ty_text,
                ",",
                Tail::Counted,
            )?;
        }
        lines.code(&["/// Per-request options."])?;
        lines.code(&["pub options: rt::RequestOptions,"])
    })?;
    lines.code(&["}"])
}

/// What every part of one operation's builder reads: the operation, its body and query
/// structs, and its required members (the constructor's arguments).
struct Plan<'a> {
    api: &'a Api,
    op: &'a Operation,
    body_struct: Option<(TypeId, &'a Struct)>,
    query_struct: Option<(TypeId, &'a Struct)>,
    required: Vec<&'a Member>,
}

pub fn builder(api: &Api, op: &Operation, splicer: &Splicer) -> TokenStream {
    let plan = Plan {
        api,
        op,
        body_struct: struct_fields(api, op.body.as_ref().map(|b| &b.ty)),
        query_struct: op
            .query
            .and_then(|id| struct_fields(api, Some(&TypeRef::Named(id)))),
        required: op.members.iter().filter(|m| m.required).collect(),
    };
    let name = ident(&op.name);
    let (fields, init) = plan.fields();
    let args = plan.required.iter().map(|m| {
        let arg = ident(&m.setter);
        let (ty, _) = argument(api, &m.ty);
        quote!(#arg: #ty)
    });
    let setters = plan.setters(splicer);
    let (typed_expand, expand_path) = plan.expand().unzip();
    let options = plan.option_setters();
    // The same in most builders: printed once (see `splice`).
    let recurring_setters = splicer.recurring_impl_items(quote! {
        #expand_path
        #options

        /// Authenticates this request with another API key.
        pub fn api_key(mut self, key: impl Into<rt::ApiKey>) -> Self {
            self.options.api_key = Some(key.into());
            self
        }
    });
    let parts = plan.parts();
    let (output, decode) = match &op.output {
        Output::Json(ty) => (rust_type(api, ty), quote!(rt::decode_json(body))),
        Output::Empty => (quote!(()), quote!(rt::decode_empty(body))),
        Output::Bytes => (quote!(Vec<u8>), quote!(rt::decode_bytes(body))),
    };
    let conventions = api.conventions.profile.as_ref().map(|_| {
        quote!(
            const CONVENTIONS: &'static rt::Conventions = &crate::CONVENTIONS;
        )
    });
    let options_and_decode = splicer.recurring_impl_items(quote! {
        fn options(&self) -> &rt::RequestOptions {
            &self.options
        }

        fn decode(body: &[u8]) -> Result<Self::Output, rt::DecodeFailure> {
            #decode
        }
    });
    let list = plan.list(&name, splicer);
    let stream = plan.stream(&name);
    let doc = plan.doc();
    let docs = doc_attrs(Some(&doc));
    // Every required parameter is an argument of `new`, however many the spec has.
    let many = (plan.required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    // A setter named like a std trait's method (`add`, `next`) keeps the spec's name.
    let trait_like = op
        .members
        .iter()
        .any(|m| !m.required && TRAIT_METHODS.contains(&m.setter.as_str()))
        .then(|| quote!(#[allow(clippy::should_implement_trait)]));
    let builder_struct = splicer
        .items(true, |items| {
            builder_struct_text(&doc, &op.name, &fields, items.next())
        })
        .unwrap_or_else(|| {
            let fields = fields.iter().map(BuilderField::tokens);
            quote! {
                #docs
                #[derive(Clone, Debug)]
                pub struct #name {
                    #(#fields)*
                    /// Per-request options.
                    pub options: rt::RequestOptions,
                }
            }
        });
    quote! {
        #builder_struct

        #trait_like
        impl #name {
            /// A request with the required parameters; optional ones have setters.
            #[allow(clippy::new_without_default)]
            #many
            pub fn new(#(#args),*) -> Self {
                Self {
                    #(#init)*
                    options: rt::RequestOptions::default(),
                }
            }

            #setters
            #typed_expand
            #recurring_setters
        }

        impl rt::ApiRequest for #name {
            type Output = #output;
            #conventions

            fn parts(&self) -> Result<rt::RequestParts, rt::EncodeError> {
                #parts
            }

            #options_and_decode
        }

        #list
        #stream
    }
}

impl<'a> Plan<'a> {
    /// `StreamRequest` for an operation that can answer a stream of events; a boolean
    /// `stream` member (OpenAI's convention) is what asks for it.
    fn stream(&self, name: &proc_macro2::Ident) -> Option<TokenStream> {
        let (_, event) = self.op.event_stream()?;
        let event = rust_type(self.api, event);
        let flag = self
            .op
            .members
            .iter()
            .find(|m| m.setter == "stream" && self.api.unalias(&m.ty) == &TypeRef::Boolean);
        let streaming = match flag {
            Some(_) => quote!(self.clone().stream(true)),
            None => quote!(self.clone()),
        };
        Some(quote! {
            impl rt::StreamRequest for #name {
                type Event = #event;
                fn streaming(&self) -> Self {
                    #streaming
                }
            }
        })
    }

    /// Where a member's value is stored, and how.
    fn slot_of(&self, source: &Source) -> Option<(TokenStream, Slot)> {
        let field_slot = |s: &Struct, name: &str| {
            s.fields.iter().find(|f| f.name == name).map(|f| Slot {
                optional: !f.required || f.nullable,
                boxed: f.boxed,
            })
        };
        match source {
            Source::Own(field) => {
                let param = self.op.params.iter().find(|p| &p.name == field)?;
                let f = ident(field);
                Some((
                    quote!(self.#f),
                    Slot {
                        optional: !param.required,
                        boxed: false,
                    },
                ))
            }
            Source::Query(field) => {
                let f = ident(field);
                Some((
                    quote!(self.query.#f),
                    field_slot(self.query_struct?.1, field)?,
                ))
            }
            Source::BodyField(field) => {
                let f = ident(field);
                Some((
                    quote!(self.body.#f),
                    field_slot(self.body_struct?.1, field)?,
                ))
            }
            Source::Body => {
                let required = self.op.body.as_ref().is_some_and(|b| b.required);
                Some((
                    quote!(self.body),
                    Slot {
                        optional: !required,
                        boxed: false,
                    },
                ))
            }
        }
    }

    /// The constructor argument that fills `source`, if it is one.
    fn argument_of(&self, source: &Source) -> Option<&'a Member> {
        self.required.iter().find(|m| &m.source == source).copied()
    }

    /// The builder's own fields and the constructor's initialisers of them.
    fn fields(&self) -> (Vec<BuilderField>, Vec<TokenStream>) {
        let (api, op) = (self.api, self.op);
        let mut fields = Vec::new();
        let mut init = Vec::new();
        for param in op
            .params
            .iter()
            .filter(|p| matches!(p.location, ParamLocation::Path | ParamLocation::Header))
        {
            let ty = rust_type(api, &param.ty);
            let ty_text = rust_type_text(api, &param.ty);
            let (ty, ty_text, value) = match self.argument_of(&Source::Own(param.name.clone())) {
                Some(member) => {
                    let arg = ident(&member.setter);
                    let (_, into) = argument(api, &member.ty);
                    (
                        ty,
                        ty_text,
                        store(
                            quote!(#arg),
                            into,
                            &Slot {
                                optional: false,
                                boxed: false,
                            },
                        ),
                    )
                }
                None => (
                    quote!(Option<#ty>),
                    Ty::generic("Option", ty_text),
                    quote!(None),
                ),
            };
            fields.push(BuilderField {
                doc: param.doc.clone(),
                name: param.name.clone(),
                ty,
                ty_text,
            });
            init.push(field_init(&param.name, value));
        }
        if let (Some(id), Some((_, s))) = (op.query, self.query_struct) {
            let name = &api.ty(id).name;
            let ty = ident(name);
            fields.push(BuilderField::fixed(
                "Query parameters.",
                "query",
                quote!(#ty),
                rust_type_text(api, &TypeRef::Named(id)),
            ));
            let literal = self.struct_literal(id, s, Source::Query);
            init.push(quote!(query: #literal,));
        }
        if let Some(body) = &op.body {
            let ty = rust_type(api, &body.ty);
            let ty_text = rust_type_text(api, &body.ty);
            let body_field =
                |ty, ty_text| BuilderField::fixed("The request body.", "body", ty, ty_text);
            match self.body_struct {
                Some((id, s)) => {
                    fields.push(body_field(ty, ty_text));
                    let literal = self.struct_literal(id, s, Source::BodyField);
                    init.push(quote!(body: #literal,));
                }
                None => match self.argument_of(&Source::Body) {
                    Some(member) => {
                        let arg = ident(&member.setter);
                        let (_, into) = argument(api, &member.ty);
                        let whole = Slot {
                            optional: false,
                            boxed: false,
                        };
                        fields.push(body_field(ty, ty_text));
                        init.push(field_init("body", store(quote!(#arg), into, &whole)));
                    }
                    None => {
                        fields.push(body_field(
                            quote!(Option<#ty>),
                            Ty::generic("Option", ty_text),
                        ));
                        init.push(quote!(body: None,));
                    }
                },
            }
        }
        (fields, init)
    }

    /// The query or body struct as the constructor fills it.
    fn struct_literal(&self, id: TypeId, s: &Struct, source: fn(String) -> Source) -> TokenStream {
        let api = self.api;
        let type_name = ident(&api.ty(id).name);
        let values = s.fields.iter().map(|field| {
            let slot = Slot {
                optional: !field.required || field.nullable,
                boxed: field.boxed,
            };
            let value = match self.argument_of(&source(field.name.clone())) {
                Some(member) => {
                    let arg = ident(&member.setter);
                    let (_, into) = argument(api, &member.ty);
                    store(quote!(#arg), into, &slot)
                }
                None if slot.optional => quote!(None),
                // Required but not an argument: the `expand` list, typed separately.
                None => quote!(Default::default()),
            };
            field_init(&field.name, value)
        });
        let additional = s.additional.as_ref().map(|_| {
            let f = ident(&s.additional_field);
            quote!(#f: Default::default(),)
        });
        quote!(#type_name { #(#values)* #additional })
    }

    fn setters(&self, splicer: &Splicer) -> TokenStream {
        let setter = |m: &Member, target: TokenStream, slot: &Slot| {
            let setter = ident(&m.setter);
            let (ty, into) = argument(self.api, &m.ty);
            let value = store(quote!(value), into, slot);
            quote! {
                pub fn #setter(mut self, value: #ty) -> Self {
                    #target = #value;
                    self
                }
            }
        };
        let setters = self.op.members.iter().filter(|m| !m.required);
        let setters = setters.filter_map(|m| Some((m, self.slot_of(&m.source)?)));
        splicer.run(
            Site::ImplItem,
            4,
            setters,
            |(m, (target, slot)), lines| {
                let (ty, into) = argument_text(self.api, &m.ty);
                let value = store_text("value", into, slot);
                let target_text = chain_text(target);
                lines.docs(m.doc.as_deref());
                let assignment = [target_text.as_str(), " = ", &value, ";"];
                lines.or_reprint(
                    Site::ImplItem,
                    |lines| {
                        lines.setter_signature(&m.setter, &ty)?;
                        lines.nested(4, |lines| {
                            lines.code(&assignment)?;
                            lines.code(&["self"])
                        })?;
                        lines.code(&["}"])
                    },
                    || setter(m, target.clone(), slot),
                )
            },
            |(m, (target, slot))| {
                let docs = doc_attrs(m.doc.as_deref());
                let setter = setter(m, target.clone(), slot);
                quote! {
                    #docs
                    #setter
                }
            },
        )
    }

    /// Setters of per-request options: the idempotency key, the API's account and version
    /// headers (the conventions), any header; each unless the operation has a setter of that
    /// name already (a declared header parameter).
    fn option_setters(&self) -> TokenStream {
        let taken = |name: &str| self.op.members.iter().any(|m| m.setter == name);
        let mut out = Vec::new();
        if !taken("idempotency_key") {
            out.push(quote! {
                /// Sends this `Idempotency-Key`: a repeat with the same key replays the first
                /// response instead of acting twice (the client makes one for a retried POST).
                pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
                    self.options.idempotency_key = Some(key.into());
                    self
                }
            });
        }
        let conventions = &self.api.conventions;
        for (header, field, doc) in [
            (
                &conventions.account_header,
                quote!(account),
                "Acts for this account",
            ),
            (
                &conventions.version_header,
                quote!(version),
                "Uses this API version",
            ),
        ] {
            let Some(header) = header else { continue };
            let setter = naming::field_name(header);
            let declared = self.op.params.iter().any(|p| {
                p.location == ParamLocation::Header && p.wire.eq_ignore_ascii_case(header)
            });
            if taken(&setter) || declared {
                continue;
            }
            let setter = ident(&setter);
            let doc = format!(" {doc} (the `{}` header).", super::docs::code_text(header));
            out.push(quote! {
                #[doc = #doc]
                pub fn #setter(mut self, value: impl Into<String>) -> Self {
                    self.options.#field = Some(value.into());
                    self
                }
            });
        }
        out.push(quote! {
            /// Sends a header of your own, after the operation's.
            pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.options.headers.push((name.into(), value.into()));
                self
            }
        });
        quote!(#(#out)*)
    }

    /// `expand` (typed, when the response object has expandable fields) and `expand_path`.
    fn expand(&self) -> Option<(Option<TokenStream>, TokenStream)> {
        let expand = self.op.expand.as_ref()?;
        let (target, slot) = self.slot_of(&expand.source)?;
        let list = if slot.optional {
            quote!(#target.get_or_insert_with(Vec::new))
        } else {
            quote!(#target)
        };
        let prefix = &expand.prefix;
        let typed = expand.fields.map(|id| {
            let fields = ident(&self.api.ty(id).name);
            let doc = format!(
                " Expands a field of the response (`expand[]={}<field>`).",
                super::docs::code_text(prefix)
            );
            quote! {
                #[doc = #doc]
                pub fn expand(mut self, field: #fields) -> Self {
                    #list.push(format!("{}{}", #prefix, field.as_str()));
                    self
                }
            }
        });
        let path = quote! {
            /// Expands by a path as the API takes it: nested (`invoice.subscription`, up to four
            /// levels) or, for lists, from `data` (`data.customer`).
            pub fn expand_path(mut self, path: impl Into<String>) -> Self {
                #list.push(path.into());
                self
            }
        };
        Some((typed, path))
    }

    /// The body of `ApiRequest::parts`: method, path, query, headers and body.
    fn parts(&self) -> TokenStream {
        let op = self.op;
        let method = ident(op.method.as_str());
        let path = path_expr(op, &quote!(self));
        let query = op
            .query
            .map(|_| quote!(parts.query = rt::encode_form(&self.query)?;));
        let headers: Vec<TokenStream> = op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Header)
            .map(|p| {
                let f = ident(&p.name);
                let wire = &p.wire;
                if p.required {
                    quote!(parts.header(#wire, Some(rt::param_string(&self.#f)));)
                } else {
                    quote!(parts.header(#wire, self.#f.as_ref().map(rt::param_string));)
                }
            })
            .collect();
        let body = op.body.as_ref().map(|body| self.body_encoding(body));
        let body_encoding = body.as_ref().and_then(|b| b.as_ref().ok());
        if let Some(Err(message)) = &body {
            quote!(Err(rt::EncodeError(#message.to_owned())))
        } else if query.is_none() && headers.is_empty() && body.is_none() {
            quote!(Ok(rt::RequestParts::new(rt::Method::#method, #path)))
        } else {
            quote! {
                let mut parts = rt::RequestParts::new(rt::Method::#method, #path);
                #query
                #(#headers)*
                #body_encoding
                Ok(parts)
            }
        }
    }

    /// The statement that encodes the body into `parts.body`, or why it cannot be encoded.
    fn body_encoding(&self, body: &Body) -> Result<TokenStream, String> {
        // The encoder, called on a reference to the body.
        let encode = |value: TokenStream| -> Result<TokenStream, String> {
            Ok(match Media::of(&body.content_type) {
                Media::Form => quote!(rt::Body::form(#value)),
                Media::Json => quote!(rt::Body::json(#value)),
                Media::Multipart => {
                    let files = file_fields(self.api, &body.ty);
                    quote!(rt::Body::multipart(#value, &[#(#files),*]))
                }
                // Encoded by nothing yet: the request says so instead of sending a wrong body.
                Media::Other(other) => {
                    return Err(format!("`{other}` request bodies are not supported yet"))
                }
            })
        };
        let is_optional = self.body_struct.is_none() && self.argument_of(&Source::Body).is_none();
        Ok(if is_optional {
            let call = encode(quote!(body))?;
            quote! {
                parts.body = match &self.body {
                    Some(body) => Some(#call?),
                    None => None,
                };
            }
        } else {
            let call = encode(quote!(&self.body))?;
            quote!(parts.body = Some(#call?);)
        })
    }

    /// `ListRequest` for pagination by cursors or page tokens.
    fn list(&self, name: &proc_macro2::Ident, splicer: &Splicer) -> Option<TokenStream> {
        let list = self.op.list.as_ref()?;
        let item = rust_type(self.api, &list.item);
        let (set_cursor, is_backwards) = match &list.cursors {
            Cursors::Ids {
                starting_after,
                ending_before,
            } => {
                let (after, _) = self.slot_of(starting_after)?;
                let (before, _) = self.slot_of(ending_before)?;
                (
                    quote! {
                        match cursor {
                            rt::Cursor::StartingAfter(id) => {
                                #after = Some(id);
                                #before = None;
                            }
                            rt::Cursor::EndingBefore(id) => {
                                #before = Some(id);
                                #after = None;
                            }
                            // Lists page by ids only.
                            rt::Cursor::Page(_) => {}
                        }
                    },
                    quote!(#before.is_some()),
                )
            }
            Cursors::Page(page) => {
                let (page, _) = self.slot_of(page)?;
                (
                    quote! {
                        if let rt::Cursor::Page(token) = cursor {
                            #page = Some(token);
                        }
                    },
                    quote!(false),
                )
            }
        };
        let cursors = splicer.recurring_impl_items(quote! {
            fn set_cursor(&mut self, cursor: rt::Cursor) {
                #set_cursor
            }
            fn is_backwards(&self) -> bool {
                #is_backwards
            }
        });
        Some(quote! {
            impl rt::ListRequest for #name {
                type Item = #item;
                #cursors
            }
        })
    }

    /// The builder's doc: the operation's description, method and path.
    fn doc(&self) -> String {
        let op = self.op;
        let mut doc = op.doc.clone().unwrap_or_default();
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&format!("`{} {}`", op.method, op.path));
        if op.deprecated {
            doc.push_str(" (deprecated)");
        }
        doc
    }
}

/// Wire names of the body's fields that are bytes: the file parts of a multipart body.
pub fn file_fields<'a>(api: &'a Api, body: &TypeRef) -> Vec<&'a str> {
    match api.unalias(body) {
        TypeRef::Named(id) => match &api.ty(*id).kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .filter(|f| *api.unalias(&f.ty) == TypeRef::Bytes)
                .map(|f| f.wire.as_str())
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The percent-encoded path of a request: an expression of the path parameters of
/// `receiver` (`self`, or a request variable).
pub(super) fn path_expr(op: &Operation, receiver: &TokenStream) -> TokenStream {
    let (format, path_args) = path_format(op, receiver);
    if path_args.is_empty() {
        quote!(#format.to_owned())
    } else {
        quote!(format!(#format, #(#path_args),*))
    }
}

/// The path as a `format!` string and the encoded path parameters of `receiver` that fill it.
fn path_format(op: &Operation, receiver: &TokenStream) -> (String, Vec<TokenStream>) {
    let mut format = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        format.push_str(&rest[..start].replace('}', "}}"));
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let wire = &rest[start + 1..start + end];
        match op
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.wire == wire)
        {
            Some(param) => {
                let f = ident(&param.name);
                format.push_str("{}");
                args.push(quote!(rt::encode_path_segment(&rt::param_string(&#receiver.#f))));
            }
            None => format.push_str(&format!("{{{{{wire}}}}}")),
        }
        rest = &rest[start + end + 1..];
    }
    format.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    (format, args)
}
