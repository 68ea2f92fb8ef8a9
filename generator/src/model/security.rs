//! How the API authenticates, and its conventions beyond OpenAPI.

use super::ParamLocation;

/// A security scheme of the spec.
#[derive(Clone, Debug)]
pub struct SecurityScheme {
    /// Its name in `components.securitySchemes`.
    pub name: String,
    /// What it is.
    pub kind: SecurityKind,
    /// Its description.
    pub doc: Option<String>,
}

/// The kinds of security scheme.
#[derive(Clone, Debug)]
pub enum SecurityKind {
    /// HTTP Basic.
    Basic,
    /// HTTP Bearer.
    Bearer,
    /// An API key in a header, the query or a cookie.
    ApiKey {
        /// Where it is sent.
        location: ParamLocation,
        /// The header's or parameter's name.
        name: String,
    },
    /// Another scheme (OAuth2, OpenID Connect...), described.
    Other(String),
}

/// Conventions of an API that OpenAPI does not describe: the headers that name the account
/// and the version, the retry header, the key prefixes that tell the mode. Filled from a
/// profile chosen per spec (see `lower::conventions`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conventions {
    /// The profile's name (`stripe`), `None` for an API with no conventions.
    pub profile: Option<String>,
    /// Why this profile was chosen, for the generated documentation.
    pub reason: String,
    /// Request header (lowercase) naming the account a request acts for.
    pub account_header: Option<String>,
    /// Request header (lowercase) choosing the API version.
    pub version_header: Option<String>,
    /// Response header (lowercase) whose `true`/`false` overrides the client's retry rules.
    pub should_retry_header: Option<String>,
    /// Key prefixes that tell the mode, tried in order.
    pub key_modes: Vec<KeyMode>,
}

/// A key prefix and the mode a key with it acts in.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyMode {
    /// How keys of this kind start (`sk_test_`).
    pub prefix: String,
    /// Whether such a key acts in live mode.
    pub live: bool,
    /// Whether such a key is restricted.
    pub restricted: bool,
}
