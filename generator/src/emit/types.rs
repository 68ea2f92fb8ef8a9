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

/// [`rust_type`] as prettyplease prints it on one line.
pub fn rust_type_text(api: &Api, ty: &TypeRef) -> String {
    let mut out = String::new();
    write_type(api, ty, &mut out);
    out
}

fn write_type(api: &Api, ty: &TypeRef, out: &mut String) {
    let generic = |out: &mut String, outer: &str, inner: &TypeRef| {
        out.push_str(outer);
        out.push('<');
        write_type(api, inner, out);
        out.push('>');
    };
    match ty {
        TypeRef::String => out.push_str("String"),
        TypeRef::Integer => out.push_str("i64"),
        TypeRef::Number => out.push_str("f64"),
        TypeRef::Boolean => out.push_str("bool"),
        TypeRef::Timestamp => out.push_str("rt::Timestamp"),
        TypeRef::Bytes => out.push_str("Vec<u8>"),
        TypeRef::Json => out.push_str("serde_json::Value"),
        TypeRef::JsonObject => out.push_str("serde_json::Map<String, serde_json::Value>"),
        TypeRef::Named(id) => out.push_str(&api.ty(*id).name),
        TypeRef::Id(id) => out.push_str(&api.ids[id.0].name),
        TypeRef::Array(item) => generic(out, "Vec", item),
        TypeRef::Map(value) => {
            out.push_str("std::collections::BTreeMap<String, ");
            write_type(api, value, out);
            out.push('>');
        }
        TypeRef::List(item) => generic(out, "rt::List", item),
        TypeRef::SearchList(item) => generic(out, "rt::SearchList", item),
        TypeRef::Expandable(id) => {
            out.push_str("rt::Expandable<");
            out.push_str(&api.ty(*id).name);
            out.push('>');
        }
        TypeRef::Unsettable(inner) => generic(out, "rt::MaybeUnset", inner),
        TypeRef::ErrorEnvelope => out.push_str("rt::ErrorEnvelope"),
    }
}

/// [`field_type`] as prettyplease prints it on one line.
pub fn field_type_text(api: &Api, field: &Field) -> String {
    let ty = value_type_text(api, field);
    if field.optional() {
        format!("Option<{ty}>")
    } else {
        ty
    }
}

/// [`value_type`] as prettyplease prints it on one line.
pub fn value_type_text(api: &Api, field: &Field) -> String {
    let ty = rust_type_text(api, &field.ty);
    if field.boxed {
        format!("Box<{ty}>")
    } else {
        ty
    }
}
