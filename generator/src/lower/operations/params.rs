//! An operation's parameters: path-item and operation parameters merged, lowered to
//! [`Param`]s, checked against the path template, and the query struct that encodes them.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr};

use super::super::{Ctx, Lowerer};
use super::RawOperation;
use crate::model::*;
use crate::naming::{self, Names};

impl<'a> Lowerer<'a> {
    /// The operation's parameters, sorted by location and name.
    pub(super) fn params(&mut self, raw: &RawOperation<'a>, ctx: &Ctx) -> Vec<Param> {
        let merged = self.merge_params(raw);
        // Path and header parameters are fields of the builder, which keeps its query, body
        // and options under these names; query parameters are fields of the query struct.
        let mut own_names = Names::new();
        for reserved in ["query", "body", "options"] {
            own_names.claim_exact(reserved);
        }
        let mut query_names = Names::new();
        let mut lowered = Vec::new();
        for ((location, wire), (param_pointer, param)) in &merged {
            let names = match location {
                ParamLocation::Query => &mut query_names,
                _ => &mut own_names,
            };
            lowered.push(self.param(*location, wire, param_pointer, param, ctx, names));
        }
        self.check_path_params(raw.path, &lowered, &raw.pointer);
        lowered
    }

    /// Operation parameters override path-item ones with the same name and location.
    #[allow(clippy::type_complexity)]
    fn merge_params(
        &mut self,
        raw: &RawOperation<'a>,
    ) -> BTreeMap<(ParamLocation, String), (String, &'a Parameter)> {
        let mut params = BTreeMap::new();
        let path_pointer = raw
            .pointer
            .rsplit_once('/')
            .map_or("", |(p, _)| p)
            .to_owned();
        for (base, list) in [
            (path_pointer, raw.path_params),
            (raw.pointer.clone(), &raw.operation.parameters[..]),
        ] {
            for (index, param) in list.iter().enumerate() {
                let param_pointer = format!("{base}/parameters/{index}");
                if let Some(param) = self.parameter(param, &param_pointer) {
                    let data = param.parameter_data_ref();
                    params.insert((location(param), data.name.clone()), (param_pointer, param));
                }
            }
        }
        params
    }

    fn param(
        &mut self,
        location: ParamLocation,
        wire: &str,
        param_pointer: &str,
        param: &Parameter,
        ctx: &Ctx,
        names: &mut Names,
    ) -> Param {
        let data = param.parameter_data_ref();
        let ty = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let param_ctx = Ctx {
                    pointer: format!("{param_pointer}/schema"),
                    ..ctx.child(wire, "schema")
                };
                self.schema_or_ref(schema, &param_ctx)
            }
            ParameterSchemaOrContent::Content(_) => TypeRef::Json,
        };
        let schema = match &data.format {
            ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => Some(schema),
            ParameterSchemaOrContent::Schema(ReferenceOr::Reference { reference }) => {
                self.schema_by_ref(reference)
            }
            ParameterSchemaOrContent::Content(_) => None,
        };
        let deep_object = matches!(
            param,
            Parameter::Query {
                style: QueryStyle::DeepObject,
                ..
            }
        );
        Param {
            name: names.claim_exact(&naming::field_name(wire)),
            wire: wire.to_owned(),
            location,
            doc: data.description.clone(),
            ty,
            required: data.required || location == ParamLocation::Path,
            deep_object,
            explode: data.explode.unwrap_or(!matches!(
                location,
                ParamLocation::Path | ParamLocation::Header
            )),
            constraints: schema
                .map(super::super::schemas::constraints)
                .unwrap_or_default(),
        }
    }

    /// A struct of the operation's query parameters, which encodes them in one go.
    pub(super) fn query_struct(&mut self, params: &[Param], ctx: &Ctx) -> Option<TypeId> {
        let fields: Vec<Field> = params
            .iter()
            .filter(|p| p.location == ParamLocation::Query)
            .map(|p| Field {
                name: p.name.clone(),
                wire: p.wire.clone(),
                doc: p.doc.clone(),
                ty: p.ty.clone(),
                required: p.required,
                nullable: false,
                boxed: false,
                constraints: p.constraints.clone(),
                constant: None,
                example: None,
            })
            .collect();
        if fields.is_empty() {
            return None;
        }
        let query_ctx = Ctx {
            name: naming::join_type_name(&ctx.name, "query"),
            ..ctx.clone()
        };
        let id = self.nominal(None, &query_ctx, None);
        self.types[id.0].doc = Some("The query parameters of the operation.".to_owned());
        let mut names = Names::new();
        for field in &fields {
            names.claim_exact(&field.name);
        }
        let additional_field = names.claim_exact("extra");
        self.types[id.0].kind = TypeKind::Struct(Struct {
            fields,
            additional: None,
            additional_field,
            expand: None,
        });
        Some(id)
    }

    fn check_path_params(&mut self, path: &str, params: &[Param], pointer: &str) {
        let template: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        let declared: BTreeSet<&str> = params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .map(|p| p.wire.as_str())
            .collect();
        for missing in template.difference(&declared) {
            self.error(
                pointer,
                format!("path parameter `{missing}` of `{path}` is not declared"),
            );
        }
        for extra in declared.difference(&template) {
            self.error(
                pointer,
                format!("path parameter `{extra}` is declared but `{path}` has no `{{{extra}}}`"),
            );
        }
    }
}

fn location(param: &Parameter) -> ParamLocation {
    match param {
        Parameter::Query { .. } => ParamLocation::Query,
        Parameter::Header { .. } => ParamLocation::Header,
        Parameter::Path { .. } => ParamLocation::Path,
        Parameter::Cookie { .. } => ParamLocation::Cookie,
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::test_support::{api, lower_yaml};
    use crate::model::*;

    #[test]
    fn operation_parameters_override_path_item_ones_and_are_sorted() {
        let api = api(
            "/v1/things/{thing}:
  parameters:
    - {name: thing, in: path, required: true, schema: {type: string}, description: item}
    - {name: limit, in: query, schema: {type: integer}}
  get:
    operationId: GetThing
    parameters:
      - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      - {name: query, in: query, schema: {type: string}}
    responses: {'200': {description: ok}}",
            "",
        );
        let op = &api.operations[0];
        let params: Vec<(&str, &str, ParamLocation)> = op
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.wire.as_str(), p.location))
            .collect();
        // A query parameter named `query` is a field of the query struct, not the builder.
        assert_eq!(
            params,
            [
                ("thing", "thing", ParamLocation::Path),
                ("limit", "limit", ParamLocation::Query),
                ("query", "query", ParamLocation::Query),
            ]
        );
        let setters: Vec<&str> = op.members.iter().map(|m| m.setter.as_str()).collect();
        assert!(setters.contains(&"query"), "{setters:?}");
        assert_eq!(op.params[1].constraints.maximum, Some(100.0));
        assert!(op.query.is_some());
    }

    #[test]
    fn path_templates_and_declared_parameters_must_agree() {
        let errors = lower_yaml(
            "/v1/things/{thing}:
  get:
    parameters: [{name: other, in: path, required: true, schema: {type: string}}]
    responses: {'200': {description: ok}}",
            "",
        )
        .unwrap_err()
        .to_string();
        assert!(
            errors.contains("`thing` of `/v1/things/{thing}` is not declared"),
            "{errors}"
        );
        assert!(errors.contains("`other` is declared"), "{errors}");
    }
}
