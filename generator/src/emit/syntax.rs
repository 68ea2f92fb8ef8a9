//! `syn` trees built directly, for the most regular generated files (the module indexes, and
//! `server/schemas.rs`'s statics from their `splice::Expr` where their text is not written):
//! what `syn::parse2` would make of the same tokens, without building and re-parsing the
//! tokens. Printing is unchanged: the trees go through `prettyplease` like every other file,
//! and a test prints them against their own tokens parsed.

use proc_macro2::{Literal, Span};

use super::types::ident;

/// A path expression (`rt::server::Schema::Any`, `None`, `SCHEMA_CHARGE`).
pub fn path(segments: &[&str]) -> syn::Expr {
    syn::Expr::Path(syn::ExprPath {
        attrs: Vec::new(),
        qself: None,
        path: path_of(segments),
    })
}

fn path_of(segments: &[&str]) -> syn::Path {
    syn::Path {
        leading_colon: None,
        segments: segments
            .iter()
            .map(|s| syn::PathSegment::from(ident(s)))
            .collect(),
    }
}

/// `func(args, ...)`.
pub fn call(func: &[&str], args: impl IntoIterator<Item = syn::Expr>) -> syn::Expr {
    syn::Expr::Call(syn::ExprCall {
        attrs: Vec::new(),
        func: Box::new(path(func)),
        paren_token: Default::default(),
        args: args.into_iter().collect(),
    })
}

/// `Path { name: value, ... }`.
pub fn struct_literal<'a>(
    name: &[&str],
    fields: impl IntoIterator<Item = (&'a str, syn::Expr)>,
) -> syn::Expr {
    syn::Expr::Struct(syn::ExprStruct {
        attrs: Vec::new(),
        qself: None,
        path: path_of(name),
        brace_token: Default::default(),
        fields: fields
            .into_iter()
            .map(|(member, expr)| syn::FieldValue {
                attrs: Vec::new(),
                member: syn::Member::Named(ident(member)),
                colon_token: Some(Default::default()),
                expr,
            })
            .collect(),
        dot2_token: None,
        rest: None,
    })
}

/// `&expr`.
pub fn reference(expr: syn::Expr) -> syn::Expr {
    syn::Expr::Reference(syn::ExprReference {
        attrs: Vec::new(),
        and_token: Default::default(),
        mutability: None,
        expr: Box::new(expr),
    })
}

/// `[a, b, ...]`.
pub fn array(elems: impl IntoIterator<Item = syn::Expr>) -> syn::Expr {
    syn::Expr::Array(syn::ExprArray {
        attrs: Vec::new(),
        bracket_token: Default::default(),
        elems: elems.into_iter().collect(),
    })
}

/// A literal from its token (as `quote` interpolates strings, numbers and so on).
pub fn literal(token: Literal) -> syn::Expr {
    syn::Expr::Lit(syn::ExprLit {
        attrs: Vec::new(),
        lit: syn::Lit::new(token),
    })
}

/// `true` or `false`.
pub fn boolean(value: bool) -> syn::Expr {
    syn::Expr::Lit(syn::ExprLit {
        attrs: Vec::new(),
        lit: syn::Lit::Bool(syn::LitBool::new(value, Span::call_site())),
    })
}

/// `#[doc = "text"]`, as a `///` comment is read.
pub fn doc(text: &str) -> syn::Attribute {
    syn::Attribute {
        pound_token: Default::default(),
        style: syn::AttrStyle::Outer,
        bracket_token: Default::default(),
        meta: syn::Meta::NameValue(syn::MetaNameValue {
            path: path_of(&["doc"]),
            eq_token: Default::default(),
            value: literal(Literal::string(text)),
        }),
    }
}

/// `pub static NAME: Type = value;`.
pub fn public_static(
    attrs: Vec<syn::Attribute>,
    name: &str,
    ty: &[&str],
    value: syn::Expr,
) -> syn::Item {
    syn::Item::Static(syn::ItemStatic {
        attrs,
        vis: syn::Visibility::Public(Default::default()),
        static_token: Default::default(),
        mutability: syn::StaticMutability::None,
        ident: ident(name),
        colon_token: Default::default(),
        ty: Box::new(syn::Type::Path(syn::TypePath {
            qself: None,
            path: path_of(ty),
        })),
        eq_token: Default::default(),
        expr: Box::new(value),
        semi_token: Default::default(),
    })
}

/// `#![doc = "text"]`.
pub fn inner_doc(text: &str) -> syn::Attribute {
    syn::Attribute {
        style: syn::AttrStyle::Inner(Default::default()),
        ..doc(text)
    }
}

/// `mod name;`.
pub fn mod_declaration(attrs: Vec<syn::Attribute>, name: &str) -> syn::Item {
    syn::Item::Mod(syn::ItemMod {
        attrs,
        vis: syn::Visibility::Inherited,
        unsafety: None,
        mod_token: Default::default(),
        ident: ident(name),
        content: None,
        semi: Some(Default::default()),
    })
}

/// `pub use name::*;`.
pub fn pub_use_glob(attrs: Vec<syn::Attribute>, name: &str) -> syn::Item {
    syn::Item::Use(syn::ItemUse {
        attrs,
        vis: syn::Visibility::Public(Default::default()),
        use_token: Default::default(),
        leading_colon: None,
        tree: syn::UseTree::Path(syn::UsePath {
            ident: ident(name),
            colon2_token: Default::default(),
            tree: Box::new(syn::UseTree::Glob(syn::UseGlob {
                star_token: Default::default(),
            })),
        }),
        semi_token: Default::default(),
    })
}

/// The `#[cfg(..)]` attributes of gates as trees, each gate's parsed once (a crate has few
/// distinct gates and many items behind each).
#[derive(Default)]
pub struct CfgCache<'a> {
    parsed: std::collections::BTreeMap<&'a super::features::Gate, Vec<syn::Attribute>>,
}

impl<'a> CfgCache<'a> {
    /// The attributes of `gate` (none without a gate, or when it needs no `cfg`).
    pub fn get(
        &mut self,
        features: &super::features::Features,
        gate: Option<&'a super::features::Gate>,
    ) -> Result<Vec<syn::Attribute>, String> {
        let Some(gate) = gate else {
            return Ok(Vec::new());
        };
        if let Some(attrs) = self.parsed.get(gate) {
            return Ok(attrs.clone());
        }
        let tokens = features.cfg(gate).unwrap_or_default();
        let attrs = syn::parse::Parser::parse2(syn::Attribute::parse_outer, tokens)
            .map_err(|e| format!("internal error: a generated `cfg` is not valid Rust: {e}"))?;
        Ok(self.parsed.entry(gate).or_insert(attrs).clone())
    }
}

impl super::splice::Expr {
    /// The expression as a `syn` tree (what its text is checked against, and what prettyplease
    /// prints where the text's layout is not certain).
    pub fn to_syn(&self) -> syn::Expr {
        use super::splice::Expr;
        fn path_of(text: &str) -> Vec<&str> {
            text.split("::").collect()
        }
        match self {
            Expr::Path(text) => path(&path_of(text)),
            Expr::Lit(token) => literal(token.clone()),
            Expr::Bool(value) => boolean(*value),
            Expr::Ref(inner) => reference(inner.to_syn()),
            Expr::Call(func, arg) => call(&path_of(func), [arg.to_syn()]),
            Expr::Struct(name, fields) => struct_literal(
                &path_of(name),
                fields.iter().map(|(field, value)| (*field, value.to_syn())),
            ),
            Expr::Array(items) => array(items.iter().map(Expr::to_syn)),
        }
    }
}
