//! The intermediate model: plain Rust data lowered from the OpenAPI document. Emitters read
//! only this; every `$ref` is resolved and every name is final. `types.rs` holds the type
//! definitions and [`TypeRef`], `operations.rs` the operations and builder plans,
//! `security.rs` authentication and conventions; this file the [`Api`] that holds them all.

mod operations;
mod security;
mod types;

use std::collections::BTreeSet;

pub use operations::*;
pub use security::*;
pub use types::*;

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

impl Api {
    /// Every type reachable from `roots` through [`TypeDef::references`], roots included.
    pub fn reachable(&self, roots: impl IntoIterator<Item = TypeId>) -> BTreeSet<TypeId> {
        self.reach(roots, false)
    }

    /// [`Api::reachable`] through [`TypeDef::weak_references`] too: every type whose code
    /// the roots' code may use.
    pub fn reachable_weakly(&self, roots: impl IntoIterator<Item = TypeId>) -> BTreeSet<TypeId> {
        self.reach(roots, true)
    }

    fn reach(&self, roots: impl IntoIterator<Item = TypeId>, weak: bool) -> BTreeSet<TypeId> {
        let mut seen = BTreeSet::new();
        let mut pending: Vec<TypeId> = roots.into_iter().collect();
        while let Some(id) = pending.pop() {
            if seen.insert(id) {
                pending.extend(self.ty(id).references());
                if weak {
                    pending.extend(self.ty(id).weak_references());
                }
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
