//! An operation's responses: every status (codes, ranges, `default`) in order, each with its
//! enum variant, JSON body type and documented headers; and what a success carries.

use openapiv3::{ReferenceOr, Response as OaResponse, Responses, StatusCode};

use super::super::{Ctx, Lowerer};
use super::body::pick_content;
use crate::error::pointer_segment;
use crate::model::*;
use crate::naming;

/// The media type of a stream of server-sent events.
const EVENT_STREAM: &str = "text/event-stream";

impl<'a> Lowerer<'a> {
    pub(super) fn responses(
        &mut self,
        responses: &'a Responses,
        pointer: &str,
        ctx: &Ctx,
    ) -> Vec<Response> {
        let mut statuses: Vec<(Status, &ReferenceOr<OaResponse>)> = responses
            .responses
            .iter()
            .map(|(code, response)| {
                let status = match code {
                    StatusCode::Code(code) => Status::Code(*code),
                    StatusCode::Range(range) => Status::Range(*range),
                };
                (status, response)
            })
            .collect();
        if let Some(default) = &responses.default {
            statuses.push((Status::Default, default));
        }
        statuses.sort_by(|a, b| a.0.cmp(&b.0));
        let single = statuses.len() == 1;
        statuses
            .into_iter()
            .filter_map(|(status, response)| {
                self.response_of(status, response, pointer, single, ctx)
            })
            .collect()
    }

    fn response_of(
        &mut self,
        status: Status,
        response: &'a ReferenceOr<OaResponse>,
        pointer: &str,
        single: bool,
        ctx: &Ctx,
    ) -> Option<Response> {
        let label = match status {
            Status::Code(code) => code.to_string(),
            Status::Range(range) => format!("{range}XX"),
            Status::Default => "default".to_owned(),
        };
        let response_pointer = format!("{pointer}/responses/{label}");
        let response = self.response(response, &response_pointer)?;
        // Events are the stream's, not the response body's.
        let (events, bodies): (indexmap::IndexMap<_, _>, indexmap::IndexMap<_, _>) = response
            .content
            .iter()
            .map(|(k, v)| (k.clone(), v))
            .partition(|(k, _)| Media::essence(k) == EVENT_STREAM);
        let stream = events
            .first()
            .filter(|_| status.is_success())
            .map(|(content_type, media)| {
                let event_ctx = Ctx {
                    pointer: format!(
                        "{response_pointer}/content/{}/schema",
                        pointer_segment(content_type)
                    ),
                    ..ctx.child("stream event", "responses")
                };
                match &media.schema {
                    Some(schema) => self.schema_or_ref(schema, &event_ctx),
                    None => TypeRef::Json,
                }
            });
        let content = pick_content(&bodies, &["application/json"]).map(|(k, v)| (k, *v));
        let ty = content.and_then(|(content_type, media)| {
            let schema = media.schema.as_ref()?;
            let part = if single {
                "response body".to_owned()
            } else {
                format!("response body {label}")
            };
            let response_ctx = Ctx {
                pointer: format!(
                    "{response_pointer}/content/{}/schema",
                    pointer_segment(content_type)
                ),
                ..ctx.child(&part, "responses")
            };
            Some(self.schema_or_ref(schema, &response_ctx))
        });
        let mut headers: Vec<String> = response.headers.keys().cloned().collect();
        headers.sort();
        let variant = match &status {
            Status::Code(code) => naming::status_variant(Some(*code), None),
            Status::Range(range) => naming::status_variant(None, Some(*range)),
            Status::Default => naming::status_variant(None, None),
        };
        let example = content.and_then(|(_, media)| self.media_example(media));
        Some(Response {
            variant,
            status,
            doc: Some(response.description.clone()).filter(|d| !d.is_empty()),
            content_type: content.map(|(content_type, _)| content_type.to_owned()),
            ty,
            headers,
            example,
            stream,
        })
    }

    /// A media type's example: its `example`, else the value of its first `examples` entry
    /// (a `$ref` into `components/examples` followed), else its schema's `example`.
    fn media_example(&self, media: &openapiv3::MediaType) -> Option<serde_json::Value> {
        if let Some(example) = &media.example {
            return Some(example.clone());
        }
        let from_examples = media.examples.values().find_map(|example| match example {
            ReferenceOr::Item(example) => example.value.clone(),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/examples/")?;
                match self.spec.components.as_ref()?.examples.get(name)? {
                    ReferenceOr::Item(example) => example.value.clone(),
                    ReferenceOr::Reference { .. } => None,
                }
            }
        });
        if from_examples.is_some() {
            return from_examples;
        }
        match media.schema.as_ref()? {
            ReferenceOr::Item(schema) => schema.schema_data.example.clone(),
            ReferenceOr::Reference { reference } => {
                self.schema_by_ref(reference)?.schema_data.example.clone()
            }
        }
    }
}

/// What the first success response carries.
pub(super) fn output(responses: &[Response]) -> Output {
    let success = responses.iter().find(|r| r.status.is_success());
    let Some(success) = success else {
        return Output::Empty;
    };
    match (&success.ty, success.content_type.as_deref()) {
        (Some(ty), Some(content_type)) if Media::of(content_type) == Media::Json => {
            Output::Json(ty.clone())
        }
        (_, Some(_)) => Output::Bytes,
        (_, None) => Output::Empty,
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::test_support::api;
    use crate::model::*;

    #[test]
    fn responses_are_ordered_and_the_first_success_is_the_output() {
        let api = api(
            "/v1/files/{file}:
  get:
    parameters: [{name: file, in: path, required: true, schema: {type: string}}]
    responses:
      default: {description: error}
      '404': {description: missing}
      '200': {description: the file, content: {application/pdf: {schema: {type: string, format: binary}}}}
      4XX: {description: client error}",
            "",
        );
        let op = &api.operations[0];
        let statuses: Vec<&Status> = op.responses.iter().map(|r| &r.status).collect();
        assert_eq!(
            statuses,
            [
                &Status::Code(200),
                &Status::Code(404),
                &Status::Range(4),
                &Status::Default
            ]
        );
        assert_eq!(op.output, Output::Bytes);
        assert_eq!(
            op.responses[0].content_type.as_deref(),
            Some("application/pdf")
        );
    }
}
