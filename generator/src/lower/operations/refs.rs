//! Parameters, request bodies and responses that are `$ref`s into `components`.

use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody, Response as OaResponse};

use super::super::Lowerer;

impl<'a> Lowerer<'a> {
    /// A parameter, request body or response, following a `$ref` into `components`.
    fn component<'p, T: 'a>(
        &mut self,
        item: &'p ReferenceOr<T>,
        pointer: &str,
        (prefix, what): (&str, &str),
        section: impl FnOnce(
            &'a openapiv3::Components,
        ) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    ) -> Option<&'p T>
    where
        'a: 'p,
    {
        let spec: &'a OpenAPI = self.spec;
        match item {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix(prefix)
                    .map(crate::error::unescape_segment)
                    .and_then(|name| section(spec.components.as_ref()?).get(&name));
                match found {
                    Some(ReferenceOr::Item(item)) => Some(item),
                    _ => {
                        self.error(
                            pointer,
                            format!("dangling $ref `{reference}`: no such {what}"),
                        );
                        None
                    }
                }
            }
        }
    }

    pub(super) fn parameter<'p>(
        &mut self,
        param: &'p ReferenceOr<Parameter>,
        pointer: &str,
    ) -> Option<&'p Parameter>
    where
        'a: 'p,
    {
        self.component(
            param,
            pointer,
            ("#/components/parameters/", "parameter"),
            |c| &c.parameters,
        )
    }

    pub(super) fn request_body(
        &mut self,
        body: &'a ReferenceOr<RequestBody>,
        pointer: &str,
    ) -> Option<&'a RequestBody> {
        self.component(
            body,
            pointer,
            ("#/components/requestBodies/", "request body"),
            |c| &c.request_bodies,
        )
    }

    pub(super) fn response(
        &mut self,
        response: &'a ReferenceOr<OaResponse>,
        pointer: &str,
    ) -> Option<&'a OaResponse> {
        self.component(
            response,
            pointer,
            ("#/components/responses/", "response"),
            |c| &c.responses,
        )
    }
}
