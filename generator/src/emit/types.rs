//! Type mapping: model types to Rust type tokens, in one place.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Api, Field, TypeRef};

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type of a value of `ty`.
pub fn rust_type(api: &Api, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Timestamp => quote!(rt::Timestamp),
        TypeRef::Bytes => quote!(Vec<u8>),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::JsonObject => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Named(id) => {
            let name = ident(&api.ty(*id).name);
            quote!(#name)
        }
        TypeRef::Id(id) => {
            let name = ident(&api.ids[id.0].name);
            quote!(#name)
        }
        TypeRef::Array(item) => {
            let item = rust_type(api, item);
            quote!(Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = rust_type(api, value);
            quote!(std::collections::BTreeMap<String, #value>)
        }
        TypeRef::List(item) => {
            let item = rust_type(api, item);
            quote!(rt::List<#item>)
        }
        TypeRef::SearchList(item) => {
            let item = rust_type(api, item);
            quote!(rt::SearchList<#item>)
        }
        TypeRef::Expandable(id) => {
            let name = ident(&api.ty(*id).name);
            quote!(rt::Expandable<#name>)
        }
        TypeRef::Unsettable(inner) => {
            let inner = rust_type(api, inner);
            quote!(rt::MaybeUnset<#inner>)
        }
        TypeRef::ErrorEnvelope => quote!(rt::ErrorEnvelope),
    }
}

/// The Rust type of a struct field: boxed where it closes a cycle, optional where it may be
/// absent or null.
pub fn field_type(api: &Api, field: &Field) -> TokenStream {
    let ty = value_type(api, field);
    if field.optional() {
        quote!(Option<#ty>)
    } else {
        ty
    }
}

/// The type of a struct field's value when it has one: [`field_type`] without the `Option`.
pub fn value_type(api: &Api, field: &Field) -> TokenStream {
    let ty = rust_type(api, &field.ty);
    if field.boxed {
        quote!(Box<#ty>)
    } else {
        ty
    }
}

/// Tokens of a path or a chain of fields and calls without arguments (`rt::AnyId`,
/// `self.body.amount`, `self.id.as_str()`) as prettyplease prints them: without the spaces
/// `TokenStream`'s display puts between tokens. Not for tokens that need a space (`impl
/// Into<..>`, a literal holding one).
pub fn chain_text(tokens: &TokenStream) -> String {
    tokens.to_string().replace(' ', "")
}

/// A type as text, in the shape prettyplease breaks it by: a path and its generic arguments
/// (`Option` and `[Vec<u8>]`); [`Ty::flat`] is how it prints on one line.
#[derive(Clone, Debug)]
pub struct Ty {
    pub head: String,
    pub args: Vec<Ty>,
}

impl Ty {
    /// A path without generic arguments.
    pub fn path(head: impl Into<String>) -> Self {
        Self {
            head: head.into(),
            args: Vec::new(),
        }
    }

    /// `head<arg>`.
    pub fn generic(head: &str, arg: Ty) -> Self {
        Self {
            head: head.to_owned(),
            args: vec![arg],
        }
    }

    /// The type on one line.
    pub fn flat(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        out.push_str(&self.head);
        if let Some((first, rest)) = self.args.split_first() {
            out.push('<');
            first.write(out);
            for arg in rest {
                out.push_str(", ");
                arg.write(out);
            }
            out.push('>');
        }
    }
}

/// [`rust_type`] as text.
pub fn rust_type_text(api: &Api, ty: &TypeRef) -> Ty {
    let generic = |head: &str, inner: &TypeRef| Ty::generic(head, rust_type_text(api, inner));
    match ty {
        TypeRef::String => Ty::path("String"),
        TypeRef::Integer => Ty::path("i64"),
        TypeRef::Number => Ty::path("f64"),
        TypeRef::Boolean => Ty::path("bool"),
        TypeRef::Timestamp => Ty::path("rt::Timestamp"),
        TypeRef::Bytes => Ty::generic("Vec", Ty::path("u8")),
        TypeRef::Json => Ty::path("serde_json::Value"),
        TypeRef::JsonObject => Ty {
            head: "serde_json::Map".to_owned(),
            args: vec![Ty::path("String"), Ty::path("serde_json::Value")],
        },
        TypeRef::Named(id) => Ty::path(api.ty(*id).name.as_str()),
        TypeRef::Id(id) => Ty::path(api.ids[id.0].name.as_str()),
        TypeRef::Array(item) => generic("Vec", item),
        TypeRef::Map(value) => Ty {
            head: "std::collections::BTreeMap".to_owned(),
            args: vec![Ty::path("String"), rust_type_text(api, value)],
        },
        TypeRef::List(item) => generic("rt::List", item),
        TypeRef::SearchList(item) => generic("rt::SearchList", item),
        TypeRef::Expandable(id) => {
            Ty::generic("rt::Expandable", Ty::path(api.ty(*id).name.as_str()))
        }
        TypeRef::Unsettable(inner) => generic("rt::MaybeUnset", inner),
        TypeRef::ErrorEnvelope => Ty::path("rt::ErrorEnvelope"),
    }
}

/// [`field_type`] as text.
pub fn field_type_text(api: &Api, field: &Field) -> Ty {
    let ty = value_type_text(api, field);
    if field.optional() {
        Ty::generic("Option", ty)
    } else {
        ty
    }
}

/// [`value_type`] as text.
pub fn value_type_text(api: &Api, field: &Field) -> Ty {
    let ty = rust_type_text(api, &field.ty);
    if field.boxed {
        Ty::generic("Box", ty)
    } else {
        ty
    }
}
