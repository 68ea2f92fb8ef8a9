//! The sans-IO core: a request builder turns into a plain `http::Request`, and a response
//! (status, headers, body) turns into a typed result. Any HTTP stack can carry them.

use std::fmt;

use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

pub use http::Method;

/// What a generated request builder provides.
pub trait ApiRequest {
    /// The model a successful response carries.
    type Output;

    /// The conventions of the API the request belongs to (its retry header, for one).
    const CONVENTIONS: &'static crate::Conventions = &crate::Conventions::NONE;

    /// Method, path, query, headers and body of the request.
    fn parts(&self) -> Result<RequestParts, EncodeError>;

    /// Per-request options (for example another API key).
    fn options(&self) -> &RequestOptions;

    /// Decodes a successful response body.
    fn decode(body: &[u8]) -> Result<Self::Output, DecodeFailure>;
}

/// A list or search request that can be paged: with cursors (`starting_after`,
/// `ending_before`) for lists, with page tokens (`page`) for search results.
pub trait ListRequest: ApiRequest + Clone {
    /// The listed objects.
    type Item: crate::Object;

    /// Sets the cursor for the next page, clearing the other one.
    fn set_cursor(&mut self, cursor: Cursor);

    /// Whether the request pages backwards (it has `ending_before`).
    fn is_backwards(&self) -> bool;
}

/// A pagination cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// The page after this object id.
    StartingAfter(String),
    /// The page before this object id.
    EndingBefore(String),
    /// The page of this token (`page`, for search results).
    Page(String),
}

/// The parts of a request, before a base URL and authentication are added.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestParts {
    /// The HTTP method.
    pub method: Method,
    /// Percent-encoded path (`/v1/charges/ch_123`).
    pub path: String,
    /// Encoded query string without `?` (empty for none).
    pub query: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The encoded body, if any.
    pub body: Option<Body>,
}

impl RequestParts {
    /// A request with no query, headers or body.
    pub fn new(method: Method, path: String) -> Self {
        Self {
            method,
            path,
            query: String::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header if it has a value.
    pub fn header(&mut self, name: &'static str, value: Option<String>) {
        if let Some(value) = value {
            self.headers.push((name, value));
        }
    }
}

/// A request body with its content type.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// The `Content-Type` header's value.
    pub content_type: std::borrow::Cow<'static, str>,
    /// The encoded body.
    pub bytes: Vec<u8>,
}

impl Body {
    /// `application/x-www-form-urlencoded` in Stripe's bracket notation
    /// (`metadata[order_id]=6735`, `expand[0]=customer`, `shipping[address][city]=...`).
    pub fn form<T: Serialize>(value: &T) -> Result<Self, EncodeError> {
        Ok(Self {
            content_type: "application/x-www-form-urlencoded".into(),
            bytes: encode_form(value)?.into_bytes(),
        })
    }

    /// `application/json`.
    pub fn json<T: Serialize>(value: &T) -> Result<Self, EncodeError> {
        let bytes = serde_json::to_vec(value).map_err(|e| EncodeError(e.to_string()))?;
        Ok(Self {
            content_type: "application/json".into(),
            bytes,
        })
    }
}

impl Body {
    /// `multipart/form-data`: the fields named in `files` (bytes) as file parts, every other
    /// field as text parts named in bracket notation, as a form body would name them.
    pub fn multipart<T: Serialize>(value: &T, files: &[&str]) -> Result<Self, EncodeError> {
        let mut fields = serde_json::to_value(value).map_err(|e| EncodeError(e.to_string()))?;
        let mut file_parts = Vec::new();
        if let Some(object) = fields.as_object_mut() {
            for name in files {
                if let Some(bytes) = object.remove(*name) {
                    let bytes: Vec<u8> = serde_json::from_value(bytes)
                        .map_err(|e| EncodeError(format!("file field `{name}`: {e}")))?;
                    file_parts.push((*name, bytes));
                }
            }
        }
        let text_parts: Vec<(String, String)> = encode_form(&fields)?
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (form_decode(key), form_decode(value))
            })
            .collect();
        // A boundary that occurs in no part.
        let mut boundary = "apigen-multipart-boundary".to_owned();
        let occurs = |b: &str| {
            text_parts
                .iter()
                .any(|(k, v)| k.contains(b) || v.contains(b))
                || file_parts
                    .iter()
                    .any(|(_, bytes)| bytes.windows(b.len()).any(|w| w == b.as_bytes()))
        };
        while occurs(&boundary) {
            boundary.push('x');
        }
        let mut bytes = Vec::new();
        for (name, value) in &text_parts {
            bytes.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    quote_name(name)
                )
                .as_bytes(),
            );
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        for (name, content) in &file_parts {
            bytes.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                    quote_name(name),
                    quote_name(name)
                )
                .as_bytes(),
            );
            bytes.extend_from_slice(content);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Ok(Self {
            content_type: format!("multipart/form-data; boundary={boundary}").into(),
            bytes,
        })
    }
}

fn quote_name(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Decodes one key or value of the form encoding made above (always valid; kept as it is
/// otherwise).
fn form_decode(text: &str) -> String {
    crate::percent::decode_form(text).map_or_else(|_| text.to_owned(), |s| s.into_owned())
}

/// Encodes a struct or map in bracket notation (the same for query strings and form bodies).
pub fn encode_form<T: Serialize>(value: &T) -> Result<String, EncodeError> {
    serde_qs::to_string(value).map_err(|e| EncodeError(e.to_string()))
}

/// Characters kept as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (`/` and everything else reserved is escaped).
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// A request could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError(pub String);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot encode the request: {}", self.0)
    }
}

impl std::error::Error for EncodeError {}

/// A response body that does not have the documented shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeFailure {
    /// JSON path of the value that failed (`data[3].amount`), empty at the top level.
    pub path: String,
    /// What could not be encoded.
    pub message: String,
}

/// Decodes a JSON body, naming the path of the value that does not fit.
pub fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeFailure> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| DecodeFailure {
        path: error.path().to_string().trim_start_matches('.').to_owned(),
        message: error.inner().to_string(),
    })
}

/// For operations whose success response has no body.
pub fn decode_empty(_body: &[u8]) -> Result<(), DecodeFailure> {
    Ok(())
}

/// For operations whose success response is not JSON (a PDF...).
pub fn decode_bytes(body: &[u8]) -> Result<Vec<u8>, DecodeFailure> {
    Ok(body.to_vec())
}

/// Per-request options that are not parameters of the operation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestOptions {
    /// Authenticate this request with another key.
    pub api_key: Option<ApiKey>,
    /// The `Idempotency-Key` to send (the client makes one for a retried POST without it).
    pub idempotency_key: Option<String>,
    /// The account to act for, sent in the API's account header (Stripe's `Stripe-Account`;
    /// see [`crate::Conventions`]); ignored by an API that has none.
    pub account: Option<String>,
    /// The API version, sent in the API's version header (Stripe's `Stripe-Version`).
    pub version: Option<String>,
    /// More headers, sent as they are (after the operation's own).
    pub headers: Vec<(String, String)>,
}

/// A secret API key. Its `Debug` and `Display` never show the secret, and comparing two keys
/// takes the same time wherever they differ (only a difference in length shows).
#[derive(Clone)]
pub struct ApiKey(String);

impl PartialEq for ApiKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for ApiKey {}

impl ApiKey {
    /// A key from its secret text.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The secret itself, for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The part of the key that is safe to show: its type prefix, as keys of the
    /// `kind_mode_secret` form carry (`sk_test_`, `rk_live_`, `whsec_`): at most two leading
    /// words of one to five lowercase letters, each followed by `_`, with more after them.
    /// Empty for a key of another form.
    pub fn prefix(&self) -> &str {
        let mut end = 0;
        for _ in 0..2 {
            let rest = &self.0[end..];
            let word = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            if (1..=5).contains(&word) && rest.as_bytes().get(word) == Some(&b'_') {
                end += word + 1;
            } else {
                break;
            }
        }
        if end < self.0.len() {
            &self.0[..end]
        } else {
            ""
        }
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        Self(key)
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        Self(key.to_owned())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}[redacted])", self.prefix())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[redacted]", self.prefix())
    }
}

/// How the key is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Basic base64(key:)`: the key as user name, empty password.
    Basic,
    /// `Authorization: Bearer key`.
    Bearer,
    /// A header of its own, with `{key}` in `template` replaced by the key
    /// (e.g. `Authorization: ApiKey {key}`).
    Header {
        /// The header's name.
        name: &'static str,
        /// Its value, with `{key}` where the key goes.
        template: &'static str,
    },
    /// A query parameter of this name (`?api_key=...`), as some APIs take it.
    Query {
        /// The query parameter's name.
        name: &'static str,
    },
}

impl AuthScheme {
    /// The header that authenticates with `key` (none for a query parameter: see
    /// [`AuthScheme::query`]).
    pub fn header(&self, key: &ApiKey) -> Option<(&'static str, String)> {
        Some(match self {
            AuthScheme::Basic => {
                let credentials =
                    base64::engine::general_purpose::STANDARD.encode(format!("{}:", key.expose()));
                ("authorization", format!("Basic {credentials}"))
            }
            AuthScheme::Bearer => ("authorization", format!("Bearer {}", key.expose())),
            AuthScheme::Header { name, template } => {
                (name, template.replace("{key}", key.expose()))
            }
            AuthScheme::Query { .. } => return None,
        })
    }

    /// The query parameter that authenticates with `key`, percent-encoded, if the key goes
    /// in the query.
    pub fn query(&self, key: &ApiKey) -> Option<String> {
        match self {
            AuthScheme::Query { name } => Some(format!(
                "{}={}",
                percent_encoding::utf8_percent_encode(name, QUERY_VALUE),
                percent_encoding::utf8_percent_encode(key.expose(), QUERY_VALUE)
            )),
            _ => None,
        }
    }
}

/// What a query name or value keeps unencoded (RFC 3986 unreserved characters).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Builds the `http::Request` for `request` against `base_url`, authenticated with the
/// request's own key or else `key`.
pub fn to_http_request<R: ApiRequest>(
    request: &R,
    base_url: &str,
    key: Option<&ApiKey>,
    scheme: &AuthScheme,
) -> Result<http::Request<Vec<u8>>, EncodeError> {
    let parts = request.parts()?;
    let key = request.options().api_key.as_ref().or(key);
    let mut query = parts.query.clone();
    if let Some(auth) = key.and_then(|key| scheme.query(key)) {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&auth);
    }
    let mut uri = format!("{}{}", base_url.trim_end_matches('/'), parts.path);
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query);
    }
    let mut builder = http::Request::builder().method(parts.method).uri(uri);
    if let Some((name, value)) = key.and_then(|key| scheme.header(key)) {
        builder = builder.header(name, value);
    }
    for (name, value) in &parts.headers {
        builder = builder.header(*name, value);
    }
    let options = request.options();
    let conventions = R::CONVENTIONS;
    let declared = |name: &str| {
        parts
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let optional = [
        (Some(crate::IDEMPOTENCY_KEY), &options.idempotency_key),
        (conventions.account_header, &options.account),
        (conventions.version_header, &options.version),
    ];
    for (name, value) in optional {
        if let (Some(name), Some(value)) = (name, value) {
            // A header parameter of the operation set on the builder wins.
            if !declared(name) {
                builder = builder.header(name, value);
            }
        }
    }
    for (name, value) in &options.headers {
        builder = builder.header(name.as_str(), value);
    }
    let body = match parts.body {
        Some(body) => {
            builder = builder.header(http::header::CONTENT_TYPE, body.content_type.as_ref());
            body.bytes
        }
        None => Vec::new(),
    };
    builder.body(body).map_err(|e| EncodeError(e.to_string()))
}

/// A path or header parameter as text: strings as they are, other values as their JSON text
/// (`42`, `true`), enums and ids by their wire value.
pub fn param_string<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_by_every_byte() {
        let key = ApiKey::new("sk_test_abc");
        assert_eq!(key, ApiKey::new("sk_test_abc"));
        for other in [
            "sk_test_abd",
            "sk_test_ab",
            "sk_test_abcd",
            "",
            "Sk_test_abc",
        ] {
            assert_ne!(key, ApiKey::new(other), "{other}");
        }
    }

    #[test]
    fn keys_never_show_their_secret() {
        let key = ApiKey::new("sk_test_4eC39HqLyjWDarjtT1zdp7dc");
        assert_eq!(format!("{key:?}"), "ApiKey(sk_test_[redacted])");
        assert_eq!(key.to_string(), "sk_test_[redacted]");
        assert!(!format!(
            "{:?}",
            RequestOptions {
                api_key: Some(key),
                ..RequestOptions::default()
            }
        )
        .contains("4eC39"));
        for (key, prefix) in [
            ("rk_live_abc", "rk_live_"),
            ("whsec_abc", "whsec_"),
            ("sk_test_", ""),
            ("user:secret", ""),
            ("secretkey_abc", ""),
            ("Sk_test_abc", ""),
        ] {
            assert_eq!(ApiKey::new(key).prefix(), prefix, "{key}");
        }
    }

    #[test]
    fn basic_auth_is_the_key_with_an_empty_password() {
        let (name, value) = AuthScheme::Basic
            .header(&ApiKey::new("sk_test_123"))
            .unwrap();
        assert_eq!(name, "authorization");
        assert_eq!(value, "Basic c2tfdGVzdF8xMjM6"); // base64("sk_test_123:")
        assert_eq!(
            AuthScheme::Bearer.header(&ApiKey::new("k")).unwrap().1,
            "Bearer k"
        );
    }

    #[test]
    fn query_keys_are_percent_encoded_and_not_headers() {
        let scheme = AuthScheme::Query { name: "api_key" };
        let key = ApiKey::new("a b&c");
        assert_eq!(scheme.header(&key), None);
        assert_eq!(scheme.query(&key).as_deref(), Some("api_key=a%20b%26c"));
        assert_eq!(AuthScheme::Bearer.query(&key), None);
    }

    #[test]
    fn multipart_bodies_have_text_and_file_parts() {
        #[derive(Serialize)]
        struct Upload {
            file: Vec<u8>,
            purpose: String,
            link: std::collections::BTreeMap<String, bool>,
        }
        let upload = Upload {
            file: b"%PDF-1.4".to_vec(),
            purpose: "dispute evidence".into(),
            link: [("create".into(), true)].into(),
        };
        let body = Body::multipart(&upload, &["file"]).unwrap();
        assert_eq!(
            body.content_type,
            "multipart/form-data; boundary=apigen-multipart-boundary"
        );
        let text = String::from_utf8(body.bytes).unwrap();
        assert_eq!(
            text,
            "--apigen-multipart-boundary\r\nContent-Disposition: form-data; name=\"link[create]\"\r\n\r\ntrue\r\n\
             --apigen-multipart-boundary\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\ndispute evidence\r\n\
             --apigen-multipart-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\n%PDF-1.4\r\n\
             --apigen-multipart-boundary--\r\n"
        );
    }

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(encode_path_segment("ch_123"), "ch_123");
        assert_eq!(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
    }

    #[test]
    fn decode_failures_name_the_path() {
        let failure = decode_json::<crate::List<i64>>(
            br#"{"object":"list","data":[1,"x"],"has_more":false,"url":"/"}"#,
        )
        .unwrap_err();
        assert_eq!(failure.path, "data[1]");
    }

    /// A request of an API with an account header, for the options test.
    struct Probe(RequestOptions);

    static CONVENTIONS: crate::Conventions = crate::Conventions {
        account_header: Some("x-account"),
        ..crate::Conventions::NONE
    };

    impl ApiRequest for Probe {
        type Output = ();
        const CONVENTIONS: &'static crate::Conventions = &CONVENTIONS;

        fn parts(&self) -> Result<RequestParts, EncodeError> {
            let mut parts = RequestParts::new(Method::POST, "/v1/things".to_owned());
            parts.header("x-version", Some("declared".to_owned()));
            Ok(parts)
        }

        fn options(&self) -> &RequestOptions {
            &self.0
        }

        fn decode(_: &[u8]) -> Result<(), DecodeFailure> {
            Ok(())
        }
    }

    #[test]
    fn options_send_the_idempotency_key_the_conventions_headers_and_any_header() {
        let options = RequestOptions {
            idempotency_key: Some("k1".to_owned()),
            account: Some("acct_1".to_owned()),
            // This API has no version header: the version is not sent.
            version: Some("2023-10-16".to_owned()),
            headers: vec![("x-trace".to_owned(), "t".to_owned())],
            ..RequestOptions::default()
        };
        let request = to_http_request(
            &Probe(options),
            "https://api.example.com",
            None,
            &AuthScheme::Basic,
        )
        .unwrap();
        let headers = request.headers();
        assert_eq!(headers["idempotency-key"], "k1");
        assert_eq!(headers["x-account"], "acct_1");
        assert_eq!(headers["x-trace"], "t");
        assert_eq!(headers["x-version"], "declared");
        assert!(!headers.contains_key("stripe-version"));
        let bad = RequestOptions {
            headers: vec![("bad header".to_owned(), "v".to_owned())],
            ..RequestOptions::default()
        };
        assert!(to_http_request(
            &Probe(bad),
            "https://api.example.com",
            None,
            &AuthScheme::Basic
        )
        .is_err());
    }
}
