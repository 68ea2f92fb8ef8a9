//! Security schemes: how the API authenticates.

use crate::model::*;

pub(super) fn security_scheme(name: &str, scheme: &openapiv3::SecurityScheme) -> SecurityScheme {
    use openapiv3::{APIKeyLocation, SecurityScheme as S};
    let (kind, doc) = match scheme {
        S::HTTP {
            scheme,
            description,
            ..
        } => {
            let kind = match scheme.to_ascii_lowercase().as_str() {
                "basic" => SecurityKind::Basic,
                "bearer" => SecurityKind::Bearer,
                other => SecurityKind::Other(format!("http {other}")),
            };
            (kind, description.clone())
        }
        S::APIKey {
            location,
            name,
            description,
            ..
        } => {
            let location = match location {
                APIKeyLocation::Query => ParamLocation::Query,
                APIKeyLocation::Header => ParamLocation::Header,
                APIKeyLocation::Cookie => ParamLocation::Cookie,
            };
            (
                SecurityKind::ApiKey {
                    location,
                    name: name.clone(),
                },
                description.clone(),
            )
        }
        S::OAuth2 { description, .. } => (
            SecurityKind::Other("oauth2".to_owned()),
            description.clone(),
        ),
        S::OpenIDConnect { description, .. } => (
            SecurityKind::Other("openIdConnect".to_owned()),
            description.clone(),
        ),
    };
    SecurityScheme {
        name: name.to_owned(),
        kind,
        doc,
    }
}
