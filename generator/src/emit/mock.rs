//! `Mock`: the generic, stateful server of any spec. Every operation with a JSON success
//! response answers through the runtime's `rt::server::mock::State` from a descriptor: what
//! the operation does to its path's resource (its role, from method and path shape), the
//! object it answers (schema for fixtures, `object` constant, map properties, id prefix), the
//! spec's own example and the one synthesised from the model (`emit::examples`). A success
//! response without a body answers without one, one whose body is sent raw (a PDF) with an
//! empty body; an operation with no success response keeps the trait's default.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::features::Features;
use super::splice::{Expr, Site, Splicer};
use super::types::{ident, rust_type};
use crate::model::*;

/// What an operation does, as the runtime's `Role` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Create,
    Retrieve,
    Update,
    Delete,
    List,
    Search,
    Action,
    Other,
}

impl Role {
    fn of(api: &Api, op: &Operation) -> Role {
        let is_param = |s: &str| s.starts_with('{') && s.ends_with('}');
        let segments: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
        let last = segments.last().copied().unwrap_or("");
        let item = is_param(last);
        let after_item = segments.len() >= 2 && is_param(segments[segments.len() - 2]);
        let output = match &op.output {
            Output::Json(ty) => Some(ty),
            _ => None,
        };
        match op.method {
            HttpMethod::Get => match output {
                Some(TypeRef::List(_)) => Role::List,
                Some(TypeRef::SearchList(_)) => Role::Search,
                _ if item => Role::Retrieve,
                _ => Role::Other,
            },
            HttpMethod::Delete if item => Role::Delete,
            HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch if item => Role::Update,
            HttpMethod::Post if is_collection(api, &op.path) => Role::Create,
            HttpMethod::Post if after_item => Role::Action,
            _ => Role::Other,
        }
    }

    fn tokens(self) -> TokenStream {
        let name = ident(&format!("{self:?}"));
        quote!(rt::server::mock::Role::#name)
    }
}

/// A path whose `GET` lists, or under which a `GET` retrieves an item: a `POST` to it creates.
fn is_collection(api: &Api, path: &str) -> bool {
    api.operations.iter().any(|other| {
        other.method == HttpMethod::Get
            && (other.path == path && matches!(other.output, Output::Json(TypeRef::List(_)))
                || other
                    .path
                    .strip_prefix(path)
                    .and_then(|rest| rest.strip_prefix('/'))
                    .is_some_and(|rest| rest.starts_with('{') && !rest.contains('/')))
    })
}

/// The object an answer is about: the type itself, or the items of a list or search.
fn object_type(api: &Api, ty: &TypeRef) -> Option<TypeId> {
    match ty {
        TypeRef::Named(id) => match &api.ty(*id).kind {
            TypeKind::Alias(inner) => object_type(api, inner),
            _ => Some(*id),
        },
        TypeRef::List(item) | TypeRef::SearchList(item) => object_type(api, item),
        _ => None,
    }
}

/// What the descriptor says of the answered object: schema name, `object` constant, map
/// properties.
struct Object {
    schema: Option<String>,
    constant: Option<String>,
    maps: Vec<String>,
    /// From the spec's example of its `id` (`ch` of `ch_1Nir...`).
    prefix: Option<String>,
}

fn describe(api: &Api, ty: &TypeRef) -> Object {
    let Some(id) = object_type(api, ty) else {
        return Object {
            schema: None,
            constant: None,
            maps: Vec::new(),
            prefix: None,
        };
    };
    let def = api.ty(id);
    let schema = def
        .origin
        .strip_prefix("/components/schemas/")
        .filter(|name| !name.contains('/'))
        .map(|name| name.replace("~1", "/").replace("~0", "~"));
    let TypeKind::Struct(s) = &def.kind else {
        return Object {
            schema,
            constant: None,
            maps: Vec::new(),
            prefix: None,
        };
    };
    let field = |wire: &str| s.fields.iter().find(|f| f.wire == wire);
    let prefix = field("id").and_then(|f| id_prefix(f.example.as_ref()?.as_str()?));
    let constant = field("object").and_then(|f| match &f.constant {
        Some(Constant::Str(value)) => Some(value.clone()),
        _ => None,
    });
    let maps = s
        .fields
        .iter()
        .filter(|f| is_map(api, &f.ty))
        .map(|f| f.wire.clone())
        .collect();
    Object {
        schema,
        constant,
        maps,
        prefix,
    }
}

/// The id prefix of the object's `id` property example, else of the id in the response's
/// example (of its first item, for a list).
fn prefix_of(object: &Object, example: Option<&serde_json::Value>) -> Option<String> {
    object.prefix.clone().or_else(|| {
        let example = example?;
        let item = example
            .get("data")
            .and_then(|d| d.get(0))
            .unwrap_or(example);
        id_prefix(item.get("id")?.as_str()?)
    })
}

/// `ch` of `ch_1NirD82e`: what comes before the last `_`, if anything does.
fn id_prefix(id: &str) -> Option<String> {
    let (prefix, _) = id.rsplit_once('_')?;
    (!prefix.is_empty()).then(|| prefix.to_owned())
}

fn is_map(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Map(_) | TypeRef::JsonObject => true,
        TypeRef::Unsettable(inner) => is_map(api, inner),
        TypeRef::Named(id) => {
            matches!(&api.ty(*id).kind, TypeKind::Alias(inner) if is_map(api, inner))
        }
        _ => false,
    }
}

fn option(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(Some(#value)),
        None => quote!(None),
    }
}

pub fn mock_server(api: &Api, features: &Features, splicer: &Splicer) -> TokenStream {
    let methods = api.operations.iter().filter_map(|op| {
        let success = op.responses.iter().find(|r| r.status.is_success())?;
        let cfg = features.cfg(&features.of_group(&op.group));
        let method = ident(&op.handler);
        let request = ident(&op.name);
        let module = ident(&op.group);
        let response = ident(&op.response_enum);
        let variant = ident(&success.variant);
        let answer = quote!(#module::#response::#variant);
        // The variant of a `2XX` range carries its status first.
        let ranged = matches!(success.status, Status::Range(_));
        let (request_arg, context_arg, body) = match &success.ty {
            None if ranged => (
                quote!(_request),
                quote!(_context),
                quote!(Ok(#answer(rt::StatusCode::OK))),
            ),
            None => (quote!(_request), quote!(_context), quote!(Ok(#answer))),
            // A body that is not JSON (a PDF): an empty one, of the documented type.
            Some(_) if success.is_raw(api) && ranged => (
                quote!(_request),
                quote!(_context),
                quote!(Ok(#answer(rt::StatusCode::OK, Default::default()))),
            ),
            Some(_) if success.is_raw(api) => (
                quote!(_request),
                quote!(_context),
                quote!(Ok(#answer(Default::default()))),
            ),
            Some(ty) => {
                let example = serde_json::to_string(&super::examples::example(api, ty, &op.path))
                    .unwrap_or_else(|_| "null".to_owned());
                let role = Role::of(api, op);
                let object = describe(api, ty);
                let given = success
                    .example
                    .as_ref()
                    .and_then(|e| serde_json::to_string(e).ok());
                let prefix = prefix_of(&object, success.example.as_ref());
                // The operation's description: text where its layout is certain.
                let operation = splicer.run(
                    Site::Stmt,
                    8,
                    [()],
                    |_, lines| {
                        let text = |value: &str| Expr::Lit(Literal::string(value));
                        let option = |value: Option<&str>| match value {
                            Some(value) => Expr::Call("Some", Box::new(text(value))),
                            None => Expr::Path("None".to_owned()),
                        };
                        let maps = object.maps.iter().map(|m| text(m)).collect();
                        let value = Expr::Struct(
                            "rt::server::mock::Operation",
                            vec![
                                ("role", Expr::Path(format!("rt::server::mock::Role::{role:?}"))),
                                ("schema", option(object.schema.as_deref())),
                                ("object", option(object.constant.as_deref())),
                                ("prefix", option(prefix.as_deref())),
                                ("maps", Expr::Ref(Box::new(Expr::Array(maps)))),
                                ("given", option(given.as_deref())),
                                ("example", text(&example)),
                            ],
                        );
                        let head = "const OPERATION: rt::server::mock::Operation = ";
                        lines.expr(head, &value, ";")
                    },
                    |_| {
                        let role = role.tokens();
                        let schema = option(object.schema.as_deref());
                        let constant = option(object.constant.as_deref());
                        let maps = &object.maps;
                        let prefix = option(prefix.as_deref());
                        let given = option(given.as_deref());
                        quote! {
                            const OPERATION: rt::server::mock::Operation = rt::server::mock::Operation {
                                role: #role,
                                schema: #schema,
                                object: #constant,
                                prefix: #prefix,
                                maps: &[#(#maps),*],
                                given: #given,
                                example: #example,
                            };
                        }
                    },
                );
                let mut groups = Vec::new();
                if op
                    .query
                    .is_some_and(|id| matches!(api.ty(id).kind, TypeKind::Struct(_)))
                {
                    groups.push(quote!(rt::server::mock::json(&request.query)));
                }
                if op.body.is_some() {
                    groups.push(quote!(rt::server::mock::json(&request.body)));
                }
                let path = super::builders::path_expr(op, &quote!(request));
                let map = if ranged {
                    quote!(.map(|body| #answer(rt::StatusCode::OK, body)))
                } else {
                    quote!(.map(#answer))
                };
                // An operation with no parameters at all does not read its request.
                let reads_request = !groups.is_empty()
                    || op.params.iter().any(|p| p.location == ParamLocation::Path);
                (
                    if reads_request {
                        quote!(request)
                    } else {
                        quote!(_request)
                    },
                    quote!(context),
                    quote! {
                        #operation
                        let input = rt::server::mock::input(#path, &[#(#groups),*]);
                        self.0.answer(&OPERATION, &context, input) #map
                    },
                )
            }
        };
        Some(quote! {
            #cfg
            async fn #method(
                &self,
                #request_arg: crate::operations::#request,
                #context_arg: rt::server::Context,
            ) -> Result<#module::#response, rt::server::ServerError> {
                #body
            }
        })
    });
    let calls = api.operations.iter().filter_map(|op| {
        op.responses.iter().find(|r| r.status.is_success())?;
        let cfg = features.cfg(&features.of_group(&op.group));
        let name = &op.name;
        let request = ident(&op.name);
        let args = op.members.iter().filter(|m| m.required).map(|member| {
            let ty = rust_type(api, &member.ty);
            let constraints = constraints_of(api, op, &member.source);
            let value = serde_json::to_string(&super::examples::sample(api, &member.ty, &constraints))
                .unwrap_or_else(|_| "null".to_owned());
            quote!(rt::server::mock::sample::<#ty>(#value)?)
        });
        Some(quote! {
            #cfg
            outcomes.push((#name, rt::server::mock::call(client, || Ok(crate::operations::#request::new(#(#args),*))).await));
        })
    });
    quote! {
        /// A server that answers every operation from the spec alone, after the same request
        /// validation as any server: a create stores the object it answers (the fixture of
        /// its schema if the state has one, else the spec's example, else one synthesised
        /// from the spec, with a new id and the request's parameters), and retrieve, update,
        /// delete, list and search act on what was stored, per key mode and account. Ids
        /// never created answer with the fixture (or example) carrying the id, or 404 with a
        /// strict state (`rt::server::mock::Options`). For trying clients against the API
        /// without the real service.
        #[derive(Clone, Debug, Default)]
        pub struct Mock(pub rt::server::mock::State);

        impl Mock {
            /// A server with these options and nothing stored.
            pub fn new(options: rt::server::mock::Options) -> Self {
                Self(rt::server::mock::State::new(options))
            }
        }

        impl Server for Mock {
            #(#methods)*
        }

        #[cfg(feature = "client")]
        impl Mock {
            /// Calls every operation this server answers through the generated client, with
            /// the required parameters only, sampled from the spec (numbers at their minimum,
            /// first enum values...), and says how each went: a server of this crate answers
            /// every one with a body the client decodes.
            pub async fn call_every_operation(client: &rt::Client) -> Vec<(&'static str, Result<(), String>)> {
                let mut outcomes = Vec::new();
                #(#calls)*
                outcomes
            }
        }
    }
}

/// What the spec constrains of a builder member's value.
fn constraints_of(api: &Api, op: &Operation, source: &Source) -> Constraints {
    let field_of = |ty: Option<TypeId>, name: &str| {
        ty.and_then(|id| match &api.ty(id).kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.constraints.clone()),
            _ => None,
        })
    };
    let body = op.body.as_ref().and_then(|b| match b.ty {
        TypeRef::Named(id) => Some(id),
        _ => None,
    });
    match source {
        Source::Own(name) | Source::Query(name) => op
            .params
            .iter()
            .find(|p| &p.name == name)
            .map(|p| p.constraints.clone()),
        Source::BodyField(name) => field_of(body, name),
        Source::Body => None,
    }
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::test_support::api;

    #[test]
    fn roles_from_method_and_path_shape() {
        let api = api(
            r#"/v1/charges:
  get: {responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/charge_list'}, example: {object: list, data: [{id: py_1Ab, object: charge}], has_more: false, url: /v1/charges}}}}}}
  post: {responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/charge'}}}}}}
/v1/charges/{charge}:
  parameters: [{name: charge, in: path, required: true, schema: {type: string}}]
  get: {responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/charge'}}}}}}
  post: {responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/charge'}}}}}}
  delete: {responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/charge'}}}}}}
/v1/charges/{charge}/capture:
  parameters: [{name: charge, in: path, required: true, schema: {type: string}}]
  post: {responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/charge'}}}}}}
/v1/balance:
  get: {responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/charge'}}}}}}
"#,
            r#"charge:
  type: object
  properties:
    id: {type: string, example: ch_1NirD82eZvKYlo2C}
    object: {type: string, enum: [charge]}
    metadata: {type: object, additionalProperties: {type: string}}
charge_list:
  type: object
  required: [object, data, has_more, url]
  properties:
    object: {type: string, enum: [list]}
    data: {type: array, items: {$ref: '#/components/schemas/charge'}}
    has_more: {type: boolean}
    url: {type: string}
"#,
        );
        let role = |method: HttpMethod, path: &str| {
            let op = api
                .operations
                .iter()
                .find(|o| o.method == method && o.path == path)
                .unwrap();
            Role::of(&api, op)
        };
        assert_eq!(role(HttpMethod::Get, "/v1/charges"), Role::List);
        assert_eq!(role(HttpMethod::Post, "/v1/charges"), Role::Create);
        assert_eq!(
            role(HttpMethod::Get, "/v1/charges/{charge}"),
            Role::Retrieve
        );
        assert_eq!(role(HttpMethod::Post, "/v1/charges/{charge}"), Role::Update);
        assert_eq!(
            role(HttpMethod::Delete, "/v1/charges/{charge}"),
            Role::Delete
        );
        assert_eq!(
            role(HttpMethod::Post, "/v1/charges/{charge}/capture"),
            Role::Action
        );
        assert_eq!(role(HttpMethod::Get, "/v1/balance"), Role::Other);
        let charge = api
            .operations
            .iter()
            .find(|o| o.path == "/v1/charges")
            .unwrap();
        let Output::Json(ty) = &charge.output else {
            panic!()
        };
        let object = describe(&api, ty);
        assert_eq!(object.schema.as_deref(), Some("charge"));
        assert_eq!(object.constant.as_deref(), Some("charge"));
        assert_eq!(object.maps, ["metadata"]);
        assert_eq!(object.prefix.as_deref(), Some("ch"));
        // The response's own example is kept; its id gives a prefix where the property's
        // example does not.
        let given = charge.responses[0].example.as_ref().unwrap();
        assert_eq!(given["data"][0]["id"], "py_1Ab");
        let without = Object {
            prefix: None,
            ..object
        };
        assert_eq!(prefix_of(&without, Some(given)).as_deref(), Some("py"));
    }
}
