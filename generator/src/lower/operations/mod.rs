//! Operations: every path and method, named and grouped, each assembled from its parameters
//! (`params.rs`), request body (`body.rs`) and responses (`responses.rs`); `refs.rs` follows
//! their `$ref`s into `components`.

mod body;
mod params;
mod refs;
mod responses;

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, Parameter, PathItem, ReferenceOr};

use super::{Ctx, Lowerer};
use crate::error::pointer_segment;
use crate::model::*;
use crate::naming::{self, Kind};

/// One method of one path item, as the spec has it.
struct RawOperation<'a> {
    path: &'a str,
    method: HttpMethod,
    operation: &'a openapiv3::Operation,
    /// The path item's parameters, shared by its methods.
    path_params: &'a [ReferenceOr<Parameter>],
    pointer: String,
    /// Whether the path also has a `GET` (it names a resource, not an action).
    path_has_get: bool,
}

impl<'a> Lowerer<'a> {
    pub(super) fn operations(&mut self) -> Vec<Operation> {
        let spec: &'a OpenAPI = self.spec;
        let mut paths: Vec<(&'a String, &'a ReferenceOr<openapiv3::PathItem>)> =
            spec.paths.paths.iter().collect();
        paths.sort_by(|a, b| a.0.cmp(b.0));
        let mut raw = Vec::new();
        for (path, item) in paths {
            let pointer = format!("/paths/{}", pointer_segment(path));
            let ReferenceOr::Item(item) = item else {
                self.error(&pointer, "path item $refs are not supported");
                continue;
            };
            for method in HttpMethod::ALL {
                if let Some(operation) = operation_at(item, method) {
                    raw.push(RawOperation {
                        path: path.as_str(),
                        method,
                        operation,
                        path_params: &item.parameters,
                        pointer: format!("{pointer}/{}", method.key()),
                        path_has_get: item.get.is_some(),
                    });
                }
            }
        }
        // Operation names are type names too (request builders later): claim them all at once.
        let ids: Vec<String> = raw
            .iter()
            .map(|raw| {
                raw.operation
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", raw.method.key(), raw.path))
            })
            .collect();
        let mut seen = BTreeMap::new();
        for (index, id) in ids.iter().enumerate() {
            if let Some(first) = seen.insert(id.clone(), index) {
                let message = format!(
                    "duplicate operationId `{id}` (also at #{})",
                    raw[first].pointer
                );
                self.error(&format!("{}/operationId", raw[index].pointer), message);
            }
        }
        let names = self.operation_names(&raw, &ids);
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let names = self.type_names.claim_all(Kind::Type, &name_refs);
        raw.iter()
            .zip(ids.iter().zip(names))
            .map(|(raw, (id, name))| self.operation(raw, id, name))
            .collect()
    }

    /// What each operation is called before names are claimed: from what it does where its
    /// `operationId` only spells its method and path ([`naming::operation_name`]), else the
    /// `operationId`; two operations that would share a derived name keep their ids.
    fn operation_names(&self, raw: &[RawOperation<'a>], ids: &[String]) -> Vec<String> {
        let derived: Vec<Option<String>> = raw
            .iter()
            .map(|op| {
                naming::operation_name(
                    op.method.key(),
                    op.path,
                    op.operation.operation_id.as_deref(),
                    op.path_has_get,
                    self.returns_list(op.operation),
                )
            })
            .collect();
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for name in derived.iter().flatten() {
            *count.entry(name.as_str()).or_default() += 1;
        }
        derived
            .iter()
            .zip(ids)
            .map(|(derived, id)| match derived {
                Some(name) if count[name.as_str()] == 1 => name.clone(),
                _ => id.clone(),
            })
            .collect()
    }

    /// Whether the first success response is the list envelope (a hint for naming).
    fn returns_list(&self, operation: &openapiv3::Operation) -> bool {
        let Some((_, response)) = operation
            .responses
            .responses
            .iter()
            .find(|(code, _)| matches!(code, openapiv3::StatusCode::Code(200..=299)))
        else {
            return false;
        };
        let ReferenceOr::Item(response) = response else {
            return false;
        };
        let schema = response
            .content
            .iter()
            .find(|(media, _)| Media::of(media) == Media::Json)
            .and_then(|(_, media)| media.schema.as_ref());
        let schema = schema.and_then(|schema| self.resolved(schema));
        schema.is_some_and(|schema| super::components::list_item(schema).is_some())
    }

    fn operation(&mut self, raw: &RawOperation<'a>, id: &str, name: String) -> Operation {
        let RawOperation {
            path,
            method,
            operation,
            ref pointer,
            ..
        } = *raw;
        let group = group_of(operation, path);
        let ctx = Ctx {
            name: name.clone(),
            module: Module::Operations(group.clone()),
            pointer: pointer.clone(),
        };
        let params = self.params(raw, &ctx);
        let body = operation
            .request_body
            .as_ref()
            .and_then(|body| self.body(body, pointer, &ctx));
        let responses = self.responses(&operation.responses, pointer, &ctx);
        let response_enum = self
            .type_names
            .claim_exact(&naming::join_type_name(&name, "response"));
        let handler = naming::field_name(&name);
        Operation {
            id: id.to_owned(),
            name,
            group,
            method,
            path: path.to_owned(),
            summary: operation.summary.clone(),
            doc: operation
                .description
                .clone()
                .or_else(|| operation.summary.clone()),
            query: self.query_struct(&params, &ctx),
            output: responses::output(&responses),
            params,
            body,
            responses,
            deprecated: operation.deprecated,
            members: Vec::new(),
            expand: None,
            list: None,
            response_enum,
            handler,
        }
    }
}

fn operation_at(item: &PathItem, method: HttpMethod) -> Option<&openapiv3::Operation> {
    match method {
        HttpMethod::Get => item.get.as_ref(),
        HttpMethod::Put => item.put.as_ref(),
        HttpMethod::Post => item.post.as_ref(),
        HttpMethod::Delete => item.delete.as_ref(),
        HttpMethod::Options => item.options.as_ref(),
        HttpMethod::Head => item.head.as_ref(),
        HttpMethod::Patch => item.patch.as_ref(),
        HttpMethod::Trace => item.trace.as_ref(),
    }
}

/// The operation's group (its module and Cargo feature): the first tag, else the first path
/// segment that is neither a version (`v1`) nor a parameter.
fn group_of(operation: &openapiv3::Operation, path: &str) -> String {
    match operation.tags.first() {
        Some(tag) => naming::module_name(tag),
        None => path
            .split('/')
            .find(|segment| {
                !segment.is_empty()
                    && !naming::is_version_segment(segment)
                    && !segment.starts_with('{')
            })
            .map_or_else(|| "root".to_owned(), naming::module_name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_named_after_what_they_do_unless_two_would_share_a_name() {
        let api = super::super::test_support::api(
            "/v1/account:
  get: {operationId: GetAccount, responses: {'200': {description: ok}}}
/v1/accounts/{account}:
  get:
    operationId: GetAccountsAccount
    parameters: [{name: account, in: path, required: true, schema: {type: string}}]
    responses: {'200': {description: ok}}
/v1/charges/{charge}/capture:
  post:
    operationId: PostChargesChargeCapture
    parameters: [{name: charge, in: path, required: true, schema: {type: string}}]
    responses: {'200': {description: ok}}
/v1/widgets:
  post: {operationId: makeWidget, responses: {'200': {description: ok}}}",
            "",
        );
        let names: Vec<(&str, &str)> = api
            .operations
            .iter()
            .map(|op| (op.name.as_str(), op.handler.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("GetAccount", "get_account"),
                ("GetAccountsAccount", "get_accounts_account"),
                ("CaptureCharge", "capture_charge"),
                ("MakeWidget", "make_widget"),
            ]
        );
    }

    #[test]
    fn groups_from_tags_else_the_first_plain_segment() {
        let mut operation = openapiv3::Operation::default();
        assert_eq!(group_of(&operation, "/v1/charges/{charge}"), "charges");
        assert_eq!(group_of(&operation, "/v2/{id}"), "root");
        operation.tags = vec!["Payment Intents".to_owned()];
        assert_eq!(group_of(&operation, "/v1/charges"), "payment_intents");
    }
}
