//! An operation's request body: the media type chosen (form, then JSON, then multipart),
//! its schema lowered, and its per-property encodings.

use openapiv3::{AdditionalProperties, ReferenceOr, RequestBody, Schema, SchemaKind, Type};

use super::super::{Ctx, Lowerer};
use crate::error::pointer_segment;
use crate::model::*;

/// Body media types in order of preference: Stripe's form bodies first.
const BODY_MEDIA: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/json",
    "multipart/form-data",
];

impl<'a> Lowerer<'a> {
    pub(super) fn body(
        &mut self,
        body: &'a ReferenceOr<RequestBody>,
        pointer: &str,
        ctx: &Ctx,
    ) -> Option<Body> {
        let body_pointer = format!("{pointer}/requestBody");
        let body = self.request_body(body, &body_pointer)?;
        let (content_type, media) = pick_content(&body.content, BODY_MEDIA)?;
        if media
            .schema
            .as_ref()
            .is_some_and(|schema| self.admits_nothing(schema))
        {
            // Stripe's GET and DELETE operations declare a body nothing can be sent in.
            return None;
        }
        let ty = match &media.schema {
            Some(schema) => {
                let body_ctx = Ctx {
                    pointer: format!(
                        "{body_pointer}/content/{}/schema",
                        pointer_segment(content_type)
                    ),
                    ..ctx.child("body", "requestBody")
                };
                self.schema_or_ref(schema, &body_ctx)
            }
            None => TypeRef::Json,
        };
        let encoding = media
            .encoding
            .iter()
            .map(|(name, encoding)| {
                let style = encoding.style.as_ref().map(|s| format!("{s:?}"));
                (
                    name.clone(),
                    Encoding {
                        style: style.map(|s| lower_first(&s)),
                        explode: Some(encoding.explode),
                    },
                )
            })
            .collect();
        Some(Body {
            content_type: content_type.to_owned(),
            ty,
            required: body.required,
            encoding,
        })
    }

    /// Whether a body schema is an object with no properties and no others allowed.
    fn admits_nothing(&self, schema: &ReferenceOr<Schema>) -> bool {
        match self.resolved(schema).map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::Object(object))) => {
                object.properties.is_empty()
                    && matches!(
                        object.additional_properties,
                        Some(AdditionalProperties::Any(false))
                    )
            }
            _ => false,
        }
    }
}

/// The first content entry whose essence is one of `preferred` (in that order), else the
/// first by name.
pub(super) fn pick_content<'m, T>(
    content: &'m indexmap::IndexMap<String, T>,
    preferred: &[&str],
) -> Option<(&'m str, &'m T)> {
    for want in preferred {
        if let Some((key, value)) = content.iter().find(|(k, _)| Media::essence(k) == *want) {
            return Some((key.as_str(), value));
        }
    }
    content
        .iter()
        .min_by(|a, b| a.0.cmp(b.0))
        .map(|(k, v)| (k.as_str(), v))
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_win_and_parameters_do_not_matter() {
        let content: indexmap::IndexMap<String, u8> = [
            ("application/json".to_owned(), 1),
            (
                "Application/X-WWW-Form-URLEncoded; charset=utf-8".to_owned(),
                2,
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(pick_content(&content, BODY_MEDIA).map(|(_, v)| *v), Some(2));
        let other: indexmap::IndexMap<String, u8> = [
            ("text/plain".to_owned(), 3),
            ("application/pdf".to_owned(), 4),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            pick_content(&other, BODY_MEDIA).map(|(k, _)| k),
            Some("application/pdf")
        );
    }
}
