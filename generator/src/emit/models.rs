//! Models: structs, open enums, unions and aliases, and the id newtypes.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::docs::doc_attrs;
use super::features::Traffic;
use super::splice::{Expr, Items, Lines, Site, Splicer, Tail};
use super::types::{
    chain_text, field_type, field_type_text, ident, rust_type, value_type, value_type_text, Ty,
};
use crate::model::*;

/// The `#[cfg(..)]` of a per-feature union's variant holding this type, if it needs one.
pub type VariantCfg<'a> = &'a dyn Fn(TypeId) -> Option<TokenStream>;

/// The items of one type; its serde impls as far as `traffic` needs them. `gated`: each item
/// is to get a `cfg` of its own.
pub fn type_def(
    api: &Api,
    def: &TypeDef,
    traffic: Traffic,
    variant_cfg: VariantCfg,
    gated: bool,
    splicer: &Splicer,
) -> TokenStream {
    let text = match &def.kind {
        TypeKind::Enum(e) => splicer.items(gated, |items| open_enum_text(def, e, items)),
        TypeKind::Struct(s) => {
            splicer.items(gated, |items| structure_text(api, def, s, traffic, items))
        }
        _ => None,
    };
    if let Some(items) = text {
        return items;
    }
    let docs = doc_attrs(def.doc.as_deref());
    let name = ident(&def.name);
    let body = match &def.kind {
        TypeKind::Struct(s) => structure(api, def, s, traffic, splicer),
        TypeKind::Enum(e) => open_enum(def, e, splicer),
        TypeKind::IntEnum(e) => int_enum(def, e),
        TypeKind::Union(u) => union(api, def, u, traffic, variant_cfg),
        TypeKind::Alias(ty) => {
            let ty = rust_type(api, ty);
            quote!(pub type #name = #ty;)
        }
    };
    quote! {
        #docs
        #body
    }
}

fn structure(
    api: &Api,
    def: &TypeDef,
    s: &Struct,
    traffic: Traffic,
    splicer: &Splicer,
) -> TokenStream {
    let name = ident(&def.name);
    // A type only responses reach is decoded by every client: it gets the small decoder
    // below instead of serde's derive, and its `#[serde]` attributes serve the gated
    // `Serialize` derive alone.
    let small_decoder = traffic.received && !traffic.sent;
    let serde_cfg = serde_cfg(traffic);
    let serde_attr = |args: TokenStream| serde_attr(serde_cfg.as_ref(), args);
    let cfg_text = serde_cfg.as_ref().map(ToString::to_string);
    let fields = splicer.run(
        Site::Field,
        4,
        &s.fields,
        |field, lines| field_text(api, field, serde_cfg.as_ref(), &cfg_text, lines),
        |field| {
            let docs = doc_attrs(field.doc.as_deref());
            let field_name = ident(&field.name);
            let ty = field_type(api, field);
            let serde_attr = field_serde_attr(field, serde_cfg.as_ref());
            quote! {
                #docs
                #serde_attr
                pub #field_name: #ty,
            }
        },
    );
    let additional = s.additional.as_ref().map(|ty| {
        let field_name = ident(&s.additional_field);
        let ty = rust_type(api, ty);
        let flatten = serde_attr(quote!(flatten));
        quote! {
            /// Properties not listed above.
            #flatten
            pub #field_name: std::collections::BTreeMap<String, #ty>,
        }
    });
    let object = def.object_id.as_ref().map(|object_id| {
        let id_type = id_type(api, object_id);
        let id_str = id_str(s);
        quote! {
            impl rt::Object for #name {
                type Id = #id_type;
                fn id_str(&self) -> &str {
                    #id_str
                }
            }
        }
    });
    let derives = derive_attrs(&serde_derives(traffic));
    let decoder = small_decoder.then(|| decoder(api, def, s, splicer));
    quote! {
        #derives
        pub struct #name {
            #fields
            #additional
        }
        #decoder
        #object
    }
}

/// The `cfg` under which a struct's `#[serde]` attributes apply: a type only responses
/// reach is decoded by every client: it gets the small decoder below instead of serde's
/// derive, and its `#[serde]` attributes serve the gated `Serialize` derive alone.
fn serde_cfg(traffic: Traffic) -> Option<TokenStream> {
    let small_decoder = traffic.received && !traffic.sent;
    traffic.serialize_cfg().filter(|_| small_decoder)
}

/// `#[serde(args)]`, under `cfg` if there is one.
fn serde_attr(cfg: Option<&TokenStream>, args: TokenStream) -> TokenStream {
    match cfg {
        Some(cfg) => quote!(#[cfg_attr(#cfg, serde(#args))]),
        None => quote!(#[serde(#args)]),
    }
}

/// The `#[serde]` attribute of a struct's field, if it needs one.
fn field_serde_attr(field: &Field, cfg: Option<&TokenStream>) -> Option<TokenStream> {
    let wire = &field.wire;
    let mut serde_args = Vec::new();
    if field.name != field.wire {
        serde_args.push(quote!(rename = #wire));
    }
    if !field.required {
        serde_args.push(quote!(default, skip_serializing_if = "Option::is_none"));
    }
    (!serde_args.is_empty()).then(|| serde_attr(cfg, quote!(#(#serde_args),*)))
}

/// A struct's field as text (see `splice`); `cfg_text` tells two `cfg`s apart.
fn field_text(
    api: &Api,
    field: &Field,
    cfg: Option<&TokenStream>,
    cfg_text: &Option<String>,
    lines: &mut Lines,
) -> Option<()> {
    lines.docs(field.doc.as_deref());
    if field.name != field.wire || !field.required {
        let key = format!(
            "{cfg_text:?} {:?} {}",
            (field.name != field.wire).then_some(&field.wire),
            field.required
        );
        lines.attribute(&key, || field_serde_attr(field, cfg).unwrap_or_default())?;
    }
    let ty = field_type_text(api, field);
    let prefix = format!("pub {}: ", field.name);
    lines.or_reprint(
        Site::Field,
        |lines| lines.typed(&prefix, &ty, ",", Tail::Counted),
        || {
            let field_name = ident(&field.name);
            let ty = field_type(api, field);
            quote!(pub #field_name: #ty,)
        },
    )
}

/// [`structure`] with the type's docs, as text (see `splice`), if every line fits.
fn structure_text(
    api: &Api,
    def: &TypeDef,
    s: &Struct,
    traffic: Traffic,
    items: &mut Items,
) -> Option<()> {
    if s.fields.is_empty() && s.additional.is_none() {
        return None;
    }
    let name = def.name.as_str();
    let small_decoder = traffic.received && !traffic.sent;
    let serde_cfg = serde_cfg(traffic);
    let cfg_text = serde_cfg.as_ref().map(ToString::to_string);
    let derives = serde_derives(traffic);
    let lines = items.next();
    lines.docs(def.doc.as_deref());
    let derive_key: Vec<String> = derives
        .iter()
        .map(|(cfg, derive)| format!("{:?} {derive}", cfg.as_ref().map(ToString::to_string)))
        .collect();
    lines.attribute(&derive_key.join("|"), || derive_attrs(&derives))?;
    lines.code(&["pub struct ", name, " {"])?;
    lines.nested(4, |lines| {
        for field in &s.fields {
            field_text(api, field, serde_cfg.as_ref(), &cfg_text, lines)?;
        }
        if let Some(ty) = &s.additional {
            lines.code(&["/// Properties not listed above."])?;
            lines.attribute(&format!("{cfg_text:?} flatten"), || {
                serde_attr(serde_cfg.as_ref(), quote!(flatten))
            })?;
            let ty = super::types::rust_type_text(api, ty).flat();
            lines.code(&[
                "pub ",
                &s.additional_field,
                ": std::collections::BTreeMap<String, ",
                &ty,
                ">,",
            ])?;
        }
        Some(())
    })?;
    lines.code(&["}"])?;
    if small_decoder {
        decoder_text(api, def, s, items.next())?;
    }
    if let Some(object_id) = &def.object_id {
        let lines = items.next();
        lines.code(&["impl rt::Object for ", name, " {"])?;
        lines.nested(4, |lines| {
            lines.code(&["type Id = ", &chain_text(&id_type(api, object_id)), ";"])?;
            lines.code(&["fn id_str(&self) -> &str {"])?;
            lines.nested(4, |lines| lines.code(&[&chain_text(&id_str(s))]))?;
            lines.code(&["}"])
        })?;
        lines.code(&["}"])?;
    }
    Some(())
}

/// The serde derives of a struct, each with the `cfg` it is under (none: always).
fn serde_derives(traffic: Traffic) -> Vec<(Option<TokenStream>, TokenStream)> {
    // Derives are most of a crate's compile time: each is emitted only where it is used.
    let small_decoder = traffic.received && !traffic.sent;
    let mut serde_derives = vec![(traffic.serialize_cfg(), quote!(serde::Serialize))];
    if !small_decoder {
        serde_derives.push((traffic.deserialize_cfg(), quote!(serde::Deserialize)));
    }
    serde_derives
}

/// A struct's `#[derive]` and the `#[cfg_attr(.., derive(..))]` of its gated derives.
fn derive_attrs(serde_derives: &[(Option<TokenStream>, TokenStream)]) -> TokenStream {
    let always = serde_derives
        .iter()
        .filter(|(cfg, _)| cfg.is_none())
        .map(|(_, derive)| derive);
    let gated = serde_derives.iter().filter_map(|(cfg, derive)| {
        let cfg = cfg.as_ref()?;
        Some(quote!(#[cfg_attr(#cfg, derive(#derive))]))
    });
    quote! {
        #[derive(Clone, Debug, PartialEq, #(#always),*)]
        #(#gated)*
    }
}

/// What `Object::id_str` returns: the `id` field when it is a string.
fn id_str(s: &Struct) -> TokenStream {
    let id_field = s.fields.iter().find(|f| f.wire == "id");
    match id_field {
        Some(f)
            if f.required && !f.nullable && matches!(f.ty, TypeRef::String | TypeRef::Id(_)) =>
        {
            let f = ident(&f.name);
            quote!(self.#f.as_str())
        }
        Some(f) if matches!(f.ty, TypeRef::String | TypeRef::Id(_)) => {
            let f = ident(&f.name);
            quote!(self.#f.as_deref().unwrap_or_default())
        }
        _ => quote!(""),
    }
}

/// A decoder's variable for a field's value.
fn var_name(field: &Field) -> String {
    format!("f_{}", field.name.trim_start_matches("r#"))
}

/// A decoder's line making a field's value from its variable.
fn value_text(field: &Field) -> String {
    let var = var_name(field);
    if field.optional() {
        format!("{}: {var},", field.name)
    } else {
        let wire = Literal::string(&field.wire).to_string();
        format!("{}: rt::__private::required({var}, {wire})?,", field.name)
    }
}

/// A decoder's variable for a field's value, declared.
fn slot_line(api: &Api, field: &Field, lines: &mut Lines) -> Option<()> {
    let ty = Ty::generic("Option", value_type_text(api, field));
    let var = format!("let mut {}: ", var_name(field));
    lines.or_reprint(
        Site::Stmt,
        |lines| lines.typed(&var, &ty, " = None;", Tail::CountedUpTo(" = ".len())),
        || slot_tokens(api, field),
    )
}

fn slot_tokens(api: &Api, field: &Field) -> TokenStream {
    let var = quote::format_ident!("{}", var_name(field));
    let ty = value_type(api, field);
    quote!(let mut #var: Option<#ty> = None;)
}

/// A decoder's match arm for a field's wire name.
fn arm_line(field: &Field, lines: &mut Lines) -> Option<()> {
    let wire = Literal::string(&field.wire).to_string();
    let var = var_name(field);
    let body = if field.optional() {
        format!("{var} = map.next_value()?")
    } else {
        format!("{var} = Some(map.next_value()?)")
    };
    lines.arm(&wire, &body, true, || arm_tokens(field))
}

fn arm_tokens(field: &Field) -> TokenStream {
    let var = quote::format_ident!("{}", var_name(field));
    let wire = &field.wire;
    if field.optional() {
        quote!(#wire => #var = map.next_value()?,)
    } else {
        quote!(#wire => #var = Some(map.next_value()?),)
    }
}

/// A decoder's struct literal's field.
fn value_line(field: &Field, lines: &mut Lines) -> Option<()> {
    let text = value_text(field);
    if field.optional() || lines.fits(0, &[&text]) {
        return lines.code_or(&[&text], Site::Field, || value_tokens(field));
    }
    let args = [
        Expr::Path(var_name(field)),
        Expr::Lit(Literal::string(&field.wire)),
    ];
    let prefix = format!("{}: ", field.name);
    lines.or_reprint(
        Site::Field,
        |lines| lines.call(&prefix, "rt::__private::required", &args, "?,"),
        || value_tokens(field),
    )
}

fn value_tokens(field: &Field) -> TokenStream {
    let var = quote::format_ident!("{}", var_name(field));
    let field_name = ident(&field.name);
    let wire = &field.wire;
    if field.optional() {
        quote!(#field_name: #var,)
    } else {
        quote!(#field_name: rt::__private::required(#var, #wire)?,)
    }
}

/// Whether a decoder's struct literal is wider than the 34 columns under which prettyplease
/// keeps one on a line: only then are its fields spliced (see `splice`).
fn wide_literal(s: &Struct) -> bool {
    s.fields
        .iter()
        .map(|f| value_text(f).len() + 1)
        .sum::<usize>()
        > 40
}

/// [`decoder`] as text (see `splice`), if every line fits.
fn decoder_text(api: &Api, def: &TypeDef, s: &Struct, lines: &mut Lines) -> Option<()> {
    if s.fields.is_empty() || !wide_literal(s) {
        return None;
    }
    let name = def.name.as_str();
    let expecting = Literal::string(&format!("struct {name}")).to_string();
    lines.code(&["impl<'de> serde::Deserialize<'de> for ", name, " {"])?;
    lines.nested(4, |lines| {
        lines.code(&["fn deserialize<D: serde::Deserializer<'de>>("])?;
        lines.nested(4, |lines| lines.code(&["deserializer: D,"]))?;
        lines.code(&[") -> Result<Self, D::Error> {"])?;
        lines.nested(4, |lines| {
            lines.code(&["struct Visitor;"])?;
            lines.code(&["impl<'de> serde::de::Visitor<'de> for Visitor {"])?;
            lines.nested(4, |lines| {
                lines.code(&["type Value = ", name, ";"])?;
                lines.code(&[
                    "fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {",
                ])?;
                lines.nested(4, |lines| lines.code(&["f.write_str(", &expecting, ")"]))?;
                lines.code(&["}"])?;
                lines.code(&["fn visit_map<A: serde::de::MapAccess<'de>>("])?;
                lines.nested(4, |lines| {
                    lines.code(&["self,"])?;
                    lines.code(&["mut map: A,"])
                })?;
                lines.code(&[") -> Result<", name, ", A::Error> {"])?;
                lines.nested(4, |lines| visit_map_text(api, name, s, lines))?;
                lines.code(&["}"])
            })?;
            lines.code(&["}"])?;
            lines.code(&["deserializer.deserialize_map(Visitor)"])
        })?;
        lines.code(&["}"])
    })?;
    lines.code(&["}"])
}

/// The body of [`decoder_text`]'s `visit_map`.
fn visit_map_text(api: &Api, name: &str, s: &Struct, lines: &mut Lines) -> Option<()> {
    for field in &s.fields {
        slot_line(api, field, lines)?;
    }
    if s.additional.is_some() {
        lines.code(&["let mut rest = std::collections::BTreeMap::new();"])?;
    }
    lines.code(&["while let Some(key) = map.next_key::<rt::__private::FieldKey<'de>>()? {"])?;
    lines.nested(4, |lines| {
        lines.code(&["match key.as_str() {"])?;
        lines.nested(4, |lines| {
            for field in &s.fields {
                arm_line(field, lines)?;
            }
            lines.code(&["_ => {"])?;
            lines.nested(4, |lines| match &s.additional {
                Some(_) => lines.code(&["rest.insert(key.into_string(), map.next_value()?);"]),
                None => lines.code(&["map.next_value::<serde::de::IgnoredAny>()?;"]),
            })?;
            lines.code(&["}"])
        })?;
        lines.code(&["}"])
    })?;
    lines.code(&["}"])?;
    lines.code(&["Ok(", name, " {"])?;
    lines.nested(4, |lines| {
        for field in &s.fields {
            value_line(field, lines)?;
        }
        if s.additional.is_some() {
            lines.code(&[&s.additional_field, ": rest,"])?;
        }
        Some(())
    })?;
    lines.code(&["})"])
}

/// `Deserialize` for a struct from a map, as serde's derive decodes it from JSON (a missing
/// `Option` is `None`, a missing required field an error, unknown properties skipped or
/// kept in the additional map), in about half the code: no sequence form, no field enum.
fn decoder(api: &Api, def: &TypeDef, s: &Struct, splicer: &Splicer) -> TokenStream {
    let name = ident(&def.name);
    let expecting = format!("struct {}", def.name);
    let slots = splicer.run(
        Site::Stmt,
        16,
        &s.fields,
        |field, lines| slot_line(api, field, lines),
        |field| slot_tokens(api, field),
    );
    let arms = splicer.run(
        Site::Arm,
        24,
        &s.fields,
        |field, lines| arm_line(field, lines),
        |field| arm_tokens(field),
    );
    let wide = wide_literal(s);
    let values = splicer.run(
        Site::Field,
        20,
        &s.fields,
        |field, lines| wide.then(|| value_line(field, lines))?,
        |field| value_tokens(field),
    );
    // What a key no field lists does: kept in the additional map, or skipped.
    let (rest_slot, rest, rest_value) = match &s.additional {
        Some(_) => {
            let field_name = ident(&s.additional_field);
            (
                quote!(let mut rest = std::collections::BTreeMap::new();),
                quote!(rest.insert(key.into_string(), map.next_value()?);),
                quote!(#field_name: rest,),
            )
        }
        None => (
            quote!(),
            quote!(map.next_value::<serde::de::IgnoredAny>()?;),
            quote!(),
        ),
    };
    let dispatch = if s.fields.is_empty() {
        // `key` may go unused: no field to compare it with, and maybe no map to keep it in.
        quote!(let _ = &key; #rest)
    } else {
        quote! {
            match key.as_str() {
                #arms
                _ => { #rest }
            }
        }
    };
    quote! {
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#name, A::Error> {
                        #slots
                        #rest_slot
                        while let Some(key) = map.next_key::<rt::__private::FieldKey<'de>>()? {
                            #dispatch
                        }
                        Ok(#name { #values #rest_value })
                    }
                }
                deserializer.deserialize_map(Visitor)
            }
        }
    }
}

/// The `Object::Id` of a type.
fn id_type(api: &Api, object_id: &ObjectId) -> TokenStream {
    match object_id {
        ObjectId::Field(id) | ObjectId::Union(id) => {
            let id = ident(&api.ids[id.0].name);
            quote!(#id)
        }
        ObjectId::Any => quote!(rt::AnyId),
    }
}

fn open_enum(def: &TypeDef, e: &Enum, splicer: &Splicer) -> TokenStream {
    let name = ident(&def.name);
    let unknown = ident(&e.unknown_variant);
    let variants = splicer.run(
        Site::Variant,
        4,
        &e.variants,
        |v, lines| variant_line(v, lines),
        |v| {
            let variant = ident(&v.name);
            let doc = variant_doc(v);
            quote!(#[doc = #doc] #variant,)
        },
    );
    let as_str = splicer.run(
        Site::Arm,
        12,
        &e.variants,
        |v, lines| as_str_line(v, lines),
        |v| as_str_tokens(v),
    );
    let from_wire = splicer.run(
        Site::Arm,
        12,
        &e.variants,
        |v, lines| from_wire_line(v, lines),
        |v| from_wire_tokens(v),
    );
    quote! {
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum #name {
            #variants
            /// A value this code does not know (from a newer API version).
            #unknown(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #as_str
                    Self::#unknown(value) => value,
                }
            }

            /// The variant for a wire value; unknown values are kept.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    #from_wire
                    other => Self::#unknown(other.to_owned()),
                }
            }
        }

        rt::impl_open_enum!(#name);
    }
}

/// An open enum's variant's doc: its wire value.
fn variant_doc(v: &EnumVariant) -> String {
    format!(" `{}`", super::docs::code_text(&v.wire))
}

fn variant_line(v: &EnumVariant, lines: &mut Lines) -> Option<()> {
    lines.doc_line(&variant_doc(v))?;
    lines.code_or(&[&v.name, ","], Site::Variant, || {
        let variant = ident(&v.name);
        quote!(#variant,)
    })
}

fn as_str_line(v: &EnumVariant, lines: &mut Lines) -> Option<()> {
    let wire = Literal::string(&v.wire).to_string();
    lines.arm(&format!("Self::{}", v.name), &wire, false, || {
        as_str_tokens(v)
    })
}

fn as_str_tokens(v: &EnumVariant) -> TokenStream {
    let variant = ident(&v.name);
    let wire = &v.wire;
    quote!(Self::#variant => #wire,)
}

fn from_wire_line(v: &EnumVariant, lines: &mut Lines) -> Option<()> {
    let wire = Literal::string(&v.wire).to_string();
    lines.arm(&wire, &format!("Self::{}", v.name), false, || {
        from_wire_tokens(v)
    })
}

fn from_wire_tokens(v: &EnumVariant) -> TokenStream {
    let variant = ident(&v.name);
    let wire = &v.wire;
    quote!(#wire => Self::#variant,)
}

/// A method whose body is one `match`: its doc and signature lines (`head`), `open`, the arms
/// `arms` writes and `last`, closed.
fn match_method_text(
    lines: &mut Lines,
    head: [&str; 2],
    open: &str,
    arms: impl FnOnce(&mut Lines) -> Option<()>,
    last: &str,
) -> Option<()> {
    head.iter().try_for_each(|line| lines.code(&[line]))?;
    lines.nested(4, |lines| {
        lines.code(&[open])?;
        lines.nested(4, |lines| {
            arms(lines)?;
            lines.code(&[last])
        })?;
        lines.code(&["}"])
    })?;
    lines.code(&["}"])
}

/// [`open_enum`] with the type's docs, as text (see `splice`), if every line fits.
fn open_enum_text(def: &TypeDef, e: &Enum, items: &mut Items) -> Option<()> {
    let (name, unknown) = (def.name.as_str(), e.unknown_variant.as_str());
    let lines = items.next();
    lines.docs(def.doc.as_deref());
    lines.code(&["#[derive(Clone, Debug, PartialEq, Eq, Hash)]"])?;
    lines.code(&["pub enum ", name, " {"])?;
    for v in &e.variants {
        lines.nested(4, |lines| variant_line(v, lines))?;
    }
    lines.nested(4, |lines| {
        lines.code(&["/// A value this code does not know (from a newer API version)."])?;
        lines.code(&[unknown, "(String),"])
    })?;
    lines.code(&["}"])?;
    let lines = items.next();
    lines.code(&["impl ", name, " {"])?;
    lines.nested(4, |lines| {
        let fallback = format!("Self::{unknown}(value) => value,");
        match_method_text(
            lines,
            [
                "/// The value as sent on the wire.",
                "pub fn as_str(&self) -> &str {",
            ],
            "match self {",
            |lines| e.variants.iter().try_for_each(|v| as_str_line(v, lines)),
            &fallback,
        )?;
        let fallback = format!("other => Self::{unknown}(other.to_owned()),");
        match_method_text(
            lines,
            [
                "/// The variant for a wire value; unknown values are kept.",
                "pub fn from_wire(value: &str) -> Self {",
            ],
            "match value {",
            |lines| e.variants.iter().try_for_each(|v| from_wire_line(v, lines)),
            &fallback,
        )
    })?;
    lines.code(&["}"])?;
    items.next().code(&["rt::impl_open_enum!(", name, ");"])
}

fn int_enum(def: &TypeDef, e: &IntEnum) -> TokenStream {
    let name = ident(&def.name);
    let unknown = ident(&e.unknown_variant);
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let doc = format!(" `{}`", v.value);
        quote!(#[doc = #doc] #variant,)
    });
    let as_i64 = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = v.value;
        quote!(Self::#variant => #value,)
    });
    let from_wire = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = v.value;
        quote!(#value => Self::#variant,)
    });
    quote! {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#variants)*
            /// A value this code does not know (from a newer API version).
            #unknown(i64),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_i64(&self) -> i64 {
                match self {
                    #(#as_i64)*
                    Self::#unknown(value) => *value,
                }
            }

            /// The variant for a wire value; unknown values are kept.
            pub fn from_wire(value: i64) -> Self {
                match value {
                    #(#from_wire)*
                    other => Self::#unknown(other),
                }
            }
        }

        rt::impl_open_int_enum!(#name);
    }
}

fn union(
    api: &Api,
    def: &TypeDef,
    u: &Union,
    traffic: Traffic,
    variant_cfg: VariantCfg,
) -> TokenStream {
    let name = ident(&def.name);
    // A per-feature union's variant, and every arm naming it, compiles with its type.
    let cfg = |v: &UnionVariant| match (u.per_feature, &v.ty) {
        (true, TypeRef::Named(id)) => variant_cfg(*id),
        _ => None,
    };
    let unknown = ident(&u.unknown_variant);
    // Object payloads are boxed: they are large next to the fallback, and may be recursive.
    let payload = |v: &UnionVariant| {
        let ty = rust_type(api, &v.ty);
        if v.boxed || matches!(v.ty, TypeRef::Named(_)) {
            quote!(Box<#ty>)
        } else {
            ty
        }
    };
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = payload(v);
        let cfg = cfg(v);
        quote!(#cfg #variant(#ty),)
    });
    let serialize_arms = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let cfg = cfg(v);
        quote!(#cfg Self::#variant(value) => serde::Serialize::serialize(value, serializer),)
    });
    let deserialize = match u.tagging {
        Tagging::Constants => {
            let tables = u.variants.iter().map(|v| {
                let entries = v.constants.iter().map(|(property, constant)| {
                    let constant = match constant {
                        Constant::Str(s) => quote!(rt::union::Const::Str(#s)),
                        Constant::Bool(b) => quote!(rt::union::Const::Bool(#b)),
                    };
                    quote!((#property, #constant))
                });
                quote!(&[#(#entries),*])
            });
            let arms = u.variants.iter().enumerate().map(|(index, v)| {
                let variant = ident(&v.name);
                let index = Literal::usize_unsuffixed(index);
                let cfg = cfg(v);
                if u.per_feature {
                    // An object of a known kind in a shape this code does not know (a newer
                    // API version) is kept too, rather than failing the whole event.
                    quote! {
                        #cfg
                        Some(#index) => Ok(serde::Deserialize::deserialize(&value)
                            .map(Self::#variant)
                            .unwrap_or(Self::#unknown(value))),
                    }
                } else {
                    quote! {
                        #cfg
                        Some(#index) => serde::Deserialize::deserialize(value)
                            .map(Self::#variant)
                            .map_err(serde::de::Error::custom),
                    }
                }
            });
            quote! {
                const VARIANTS: &[&[(&str, rt::union::Const)]] = &[#(#tables),*];
                match rt::union::select(&value, VARIANTS) {
                    #(#arms)*
                    _ => Ok(Self::#unknown(value)),
                }
            }
        }
        Tagging::Untagged => {
            let attempts = u.variants.iter().map(|v| {
                let variant = ident(&v.name);
                quote! {
                    if let Ok(parsed) = serde::Deserialize::deserialize(&value) {
                        return Ok(Self::#variant(parsed));
                    }
                }
            });
            quote! {
                #(#attempts)*
                Ok(Self::#unknown(value))
            }
        }
    };
    let object = def.object_id.as_ref().map(|object_id| {
        let id_type = id_type(api, object_id);
        let arms = u.variants.iter().map(|v| {
            let variant = ident(&v.name);
            let has_object = matches!(v.ty, TypeRef::Named(id) if api.ty(id).object_id.is_some());
            let cfg = cfg(v);
            if has_object {
                quote!(#cfg Self::#variant(value) => rt::Object::id_str(&**value),)
            } else {
                quote!(#cfg Self::#variant(_) => "",)
            }
        });
        quote! {
            impl rt::Object for #name {
                type Id = #id_type;
                fn id_str(&self) -> &str {
                    match self {
                        #(#arms)*
                        Self::#unknown(value) => value.get("id").and_then(serde_json::Value::as_str).unwrap_or_default(),
                    }
                }
            }
        }
    });
    let serialize_cfg = traffic.serialize_cfg().map(|cfg| quote!(#[cfg(#cfg)]));
    let deserialize_cfg = traffic.deserialize_cfg().map(|cfg| quote!(#[cfg(#cfg)]));
    quote! {
        #[derive(Clone, Debug, PartialEq)]
        pub enum #name {
            #(#variants)*
            /// A value no variant above matches (e.g. an object kind from a newer API version).
            #unknown(serde_json::Value),
        }

        #serialize_cfg
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                    Self::#unknown(value) => serde::Serialize::serialize(value, serializer),
                }
            }
        }

        #deserialize_cfg
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                #deserialize
            }
        }

        #object
    }
}

/// The id newtypes.
pub fn ids(api: &Api) -> TokenStream {
    let ids = api.ids.iter().map(|id| {
        let name = ident(&id.name);
        let doc = format!(
            " The id of a `{}` object.",
            super::docs::code_text(&id.object)
        );
        quote!(rt::define_id!(#[doc = #doc] #name);)
    });
    quote!(#(#ids)*)
}
