//! The builder plan of each operation, shared by the client emitter: members (constructor
//! arguments and setters), typed `expand` and cursor pagination.

use super::Lowerer;
use crate::model::*;
use crate::naming::Names;

impl<'a> Lowerer<'a> {
    /// The request builder's members, typed `expand` and pagination of an operation.
    pub(super) fn builder(&mut self, operation: &mut Operation) {
        const RESERVED: &[&str] = &[
            "new",
            "expand",
            "expand_path",
            "api_key",
            "parts",
            "options",
            "decode",
            "set_cursor",
            "is_backwards",
            "header",
        ];
        let mut members = Vec::new();
        for param in &operation.params {
            let source = match param.location {
                ParamLocation::Path | ParamLocation::Header => Source::Own(param.name.clone()),
                ParamLocation::Query => Source::Query(param.name.clone()),
                ParamLocation::Cookie => continue,
            };
            members.push((
                param.name.clone(),
                source,
                param.ty.clone(),
                param.required,
                param.doc.clone(),
            ));
        }
        let mut body_fields = None;
        if let Some(body) = &operation.body {
            match &body.ty {
                TypeRef::Named(id) if matches!(self.types[id.0].kind, TypeKind::Struct(_)) => {
                    let TypeKind::Struct(s) = &self.types[id.0].kind else {
                        unreachable!()
                    };
                    for field in &s.fields {
                        let source = Source::BodyField(field.name.clone());
                        members.push((
                            field.name.clone(),
                            source,
                            field.ty.clone(),
                            field.required,
                            field.doc.clone(),
                        ));
                    }
                    body_fields = Some(s.fields.clone());
                }
                other => members.push((
                    "body".to_owned(),
                    Source::Body,
                    other.clone(),
                    body.required,
                    None,
                )),
            }
        }

        // Typed `expand`, when the operation takes an `expand` list.
        let types = &self.types;
        let is_string_list =
            |ty: &TypeRef| *unalias(types, ty) == TypeRef::Array(Box::new(TypeRef::String));

        let expand_source = members
            .iter()
            .find(|(_, source, ty, _, _)| {
                matches!(source, Source::Query(_) | Source::BodyField(_)) && is_string_list(ty) && {
                    let wire = match source {
                        Source::Query(name) => operation
                            .params
                            .iter()
                            .find(|p| &p.name == name)
                            .map(|p| p.wire.as_str()),
                        Source::BodyField(name) => body_fields
                            .iter()
                            .flatten()
                            .find(|f| &f.name == name)
                            .map(|f| f.wire.as_str()),
                        _ => None,
                    };
                    wire == Some("expand")
                }
            })
            .map(|(_, source, _, _, _)| source.clone());
        if let Some(source) = expand_source {
            let (prefix, object) = match &operation.output {
                Output::Json(TypeRef::Named(id)) => ("", Some(*id)),
                Output::Json(TypeRef::List(item) | TypeRef::SearchList(item)) => match **item {
                    TypeRef::Named(id) => ("data.", Some(id)),
                    _ => ("data.", None),
                },
                _ => ("", None),
            };
            let fields = object.and_then(|id| match &self.types[id.0].kind {
                TypeKind::Struct(s) => s.expand,
                _ => None,
            });
            members.retain(|(_, s, _, _, _)| *s != source);
            operation.expand = Some(Expand {
                source,
                prefix: prefix.to_owned(),
                fields,
            });
        }

        operation.list = self.pagination(operation);

        let mut names = Names::new();
        for reserved in RESERVED {
            names.claim_exact(reserved);
        }
        // Required members are constructor arguments, in order; optional ones are setters.
        operation.members = members
            .into_iter()
            .map(|(name, source, ty, required, doc)| Member {
                setter: names.claim_exact(&name),
                source,
                ty,
                required,
                doc,
            })
            .collect();
    }

    /// Pagination: by cursors when the response is a list of objects with ids, by page token
    /// when it is a search result.
    fn pagination(&self, operation: &Operation) -> Option<ListInfo> {
        let cursor = |wire: &str| {
            let param = operation.params.iter().find(|p| {
                p.wire == wire && p.location == ParamLocation::Query && p.ty == TypeRef::String
            });
            param.map(|p| Source::Query(p.name.clone()))
        };
        let has_id = |item: &TypeRef| matches!(*item, TypeRef::Named(id) if self.types[id.0].object_id.is_some());
        match &operation.output {
            Output::Json(TypeRef::List(item)) if has_id(item) => {
                match (cursor("starting_after"), cursor("ending_before")) {
                    (Some(starting_after), Some(ending_before)) => Some(ListInfo {
                        item: (**item).clone(),
                        cursors: Cursors::Ids {
                            starting_after,
                            ending_before,
                        },
                    }),
                    _ => None,
                }
            }
            Output::Json(TypeRef::SearchList(item)) if has_id(item) => {
                cursor("page").map(|page| ListInfo {
                    item: (**item).clone(),
                    cursors: Cursors::Page(page),
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::api;

    #[test]
    fn lists_of_objects_with_ids_page_and_expand_from_data() {
        let api = api(
            "/v1/things:
  get:
    operationId: ListThings
    parameters:
      - {name: starting_after, in: query, schema: {type: string}}
      - {name: ending_before, in: query, schema: {type: string}}
      - {name: expand, in: query, style: deepObject, explode: true, schema: {type: array, items: {type: string}}}
      - {name: currency, in: query, required: true, schema: {type: string}}
    responses:
      '200':
        description: ok
        content:
          application/json:
            schema:
              type: object
              properties:
                object: {type: string, enum: [list]}
                data: {type: array, items: {$ref: '#/components/schemas/thing'}}
                has_more: {type: boolean}
                url: {type: string}",
            "thing:
  type: object
  required: [id, object]
  properties:
    id: {type: string}
    object: {type: string, enum: [thing]}",
        );
        let op = &api.operations[0];
        assert!(op.list.is_some());
        let expand = op.expand.as_ref().expect("typed expand");
        assert_eq!(expand.prefix, "data.");
        // `expand` is not a setter of its own; the required parameter is the argument.
        let members: Vec<(&str, bool)> = op
            .members
            .iter()
            .map(|m| (m.setter.as_str(), m.required))
            .collect();
        assert_eq!(
            members,
            [
                ("currency", true),
                ("ending_before", false),
                ("starting_after", false)
            ]
        );
    }
}
