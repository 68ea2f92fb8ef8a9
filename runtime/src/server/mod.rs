//! Server glue for generated routers: request decoding and validation, the Stripe error
//! envelope for every rejection, authentication, request ids, CORS, body limits and
//! idempotency. Generated code calls [`handle`] for every operation.

mod conn;
mod form;
mod idempotency;
mod layers;
pub mod schema;

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use ::axum::body::Bytes;
use ::axum::extract::{RawPathParams, Request};
use ::axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use ::axum::response::{IntoResponse, Response};
use ::axum::Router;
use base64::Engine;
use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use axum;
pub use conn::serve;
pub use form::parse as parse_form;
pub use idempotency::IdempotencyStore;

pub use schema::{check, Field, Schema, StringSchema};

use crate::{ApiError, ApiKey, ErrorEnvelope, ErrorType};

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A request parameter that is missing or invalid: a 400 `invalid_request_error` naming it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    pub param: String,
    pub message: String,
}

impl Rejection {
    pub fn new(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            param: param.into(),
            message: message.into(),
        }
    }
}

impl From<Rejection> for ServerError {
    fn from(rejection: Rejection) -> Self {
        let mut error = ApiError::new(ErrorType::InvalidRequestError, rejection.message);
        error.param = Some(rejection.param).filter(|p| !p.is_empty());
        ServerError {
            status: StatusCode::BAD_REQUEST,
            error: Box::new(error),
        }
    }
}

/// An error a handler returns: an HTTP status and the error envelope's contents (boxed:
/// it is large next to the `Ok` side of a `Result`).
#[derive(Clone, Debug, PartialEq)]
pub struct ServerError {
    pub status: StatusCode,
    pub error: Box<ApiError>,
}

impl ServerError {
    pub fn new(status: StatusCode, type_: ErrorType, message: impl Into<String>) -> Self {
        Self {
            status,
            error: Box::new(ApiError::new(type_, message)),
        }
    }

    /// 400 `invalid_request_error` about `param`.
    pub fn invalid_request(message: impl Into<String>, param: Option<&str>) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequestError,
            message,
        );
        error.error.param = param.map(str::to_owned);
        error
    }

    /// 404 `invalid_request_error` with code `resource_missing`.
    pub fn not_found(message: impl Into<String>, param: Option<&str>) -> Self {
        let mut error = Self::new(
            StatusCode::NOT_FOUND,
            ErrorType::InvalidRequestError,
            message,
        );
        error.error.code = Some("resource_missing".to_owned());
        error.error.param = param.map(str::to_owned);
        error
    }

    /// 401 `authentication_error`... as Stripe reports it (`invalid_request_error` type).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorType::InvalidRequestError,
            message,
        )
    }

    /// The one hook for internal failures (a bug, a panic): a 500 `api_error` that says
    /// nothing about the cause, which goes to the server's log instead.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        eprintln!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::ApiError,
            "An unexpected error occurred on our side. Please try again.",
        )
    }

    pub fn into_response(self) -> Response {
        json_response(self.status, &ErrorEnvelope { error: *self.error })
    }
}

/// A response enum of an operation: its status and JSON body.
pub trait ApiResponse {
    fn into_parts(self) -> (StatusCode, Option<Payload>);
}

/// A response body and its content type.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A body that is not JSON (a PDF, text...), sent as it is.
pub fn raw_body(content_type: &'static str, bytes: impl Into<Vec<u8>>) -> Option<Payload> {
    Some(Payload {
        content_type,
        bytes: bytes.into(),
    })
}

/// The status of a documented code (500 for a code HTTP does not allow).
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The JSON body of a response variant.
pub fn json_body<T: serde::Serialize>(value: &T) -> Option<Payload> {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    Some(Payload {
        content_type: "application/json",
        bytes,
    })
}

fn json_response<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    bytes_response(status, json_body(value))
}

fn bytes_response(status: StatusCode, body: Option<Payload>) -> Response {
    let mut response = match body {
        Some(payload) => {
            let mut response = Response::new(::axum::body::Body::from(payload.bytes));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(payload.content_type),
            );
            response
        }
        None => Response::new(::axum::body::Body::empty()),
    };
    *response.status_mut() = status;
    response
}

/// Test or live mode, from the key's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Test,
    Live,
}

/// What a handler knows about the request beyond its parameters.
#[derive(Clone, Debug)]
pub struct Context {
    /// The authenticated key (never shown by `Debug`).
    pub api_key: ApiKey,
    /// From the key's prefix (`sk_test_`, `rk_live_`...); `None` for a key of no known form.
    pub mode: Option<Mode>,
    /// A restricted key (`rk_`).
    pub restricted: bool,
    /// `Stripe-Account`: the connected account the request acts as.
    pub account: Option<String>,
    /// `Stripe-Version`.
    pub version: Option<String>,
    pub idempotency_key: Option<String>,
    /// The id this response carries in `Request-Id`.
    pub request_id: String,
}

impl Context {
    pub fn livemode(&self) -> bool {
        self.mode == Some(Mode::Live)
    }
}

/// How the API authenticates, from the spec's security schemes.
#[derive(Clone, Copy, Debug)]
pub struct Auth {
    pub basic: bool,
    pub bearer: bool,
    /// An API key header of its own (its whole value is the key).
    pub header: Option<&'static str>,
    /// An API key query parameter (taken out of the query before the operation sees it).
    pub query: Option<&'static str>,
}

#[derive(Clone)]
struct RequestId(String);

/// The API keys a server accepts. Checking a key compares it with every key in the ring, in
/// time that does not depend on where (or whether) it matches.
#[derive(Clone)]
pub struct ApiKeys(Vec<ApiKey>);

impl ApiKeys {
    pub fn new(keys: impl IntoIterator<Item = impl Into<ApiKey>>) -> Self {
        Self(keys.into_iter().map(Into::into).collect())
    }

    /// Whether `key` is one of the ring's keys.
    pub fn contains(&self, key: &ApiKey) -> bool {
        // No early return: every comparison runs.
        self.0
            .iter()
            .fold(false, |found, known| (known == key) | found)
    }
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

/// Accept only these keys (401 `Invalid API Key provided` for any other). Without it, a
/// generated server accepts any well-formed key and leaves the decision to the handlers
/// ([`Context::api_key`]), as the reference server does.
pub fn require_keys(router: Router, keys: ApiKeys) -> Router {
    router.layer(::axum::Extension(Arc::new(keys)))
}

#[derive(Clone)]
struct Authenticated(ApiKey);

/// Wraps a generated router in the cross-cutting layers: request ids on every response,
/// CORS, authentication, the idempotency store, and envelopes for unknown routes.
pub fn serve_layers(router: Router, auth: Auth) -> Router {
    let store = Arc::new(IdempotencyStore::new());
    router
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_route)
        .layer(::axum::Extension(store))
        .layer(layers::Authenticate(auth))
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods(tower_http::cors::Any)
                .allow_headers(tower_http::cors::Any)
                .expose_headers([header::HeaderName::from_static("request-id")])
                .vary([]),
        )
        .layer(layers::RequestIds)
}

async fn unknown_route(method: Method, uri: axum::http::Uri) -> Response {
    ServerError::not_found(
        format!("Unrecognized request URL ({method}: {}).", uri.path()),
        None,
    )
    .into_response()
}

/// The request with its key in its extensions, or the 401 refusing it.
fn authenticated_request(auth: Auth, mut request: Request) -> Result<Request, ServerError> {
    let from_query = match auth.query {
        Some(name) => take_query_key(&mut request, name),
        None => Ok(None),
    };
    let key = match from_query {
        Ok(Some(key)) => Ok(key),
        Ok(None) => key_of(auth, request.headers()),
        Err(message) => Err(message),
    };
    let known = request.extensions().get::<Arc<ApiKeys>>();
    match key {
        Ok(key) if known.is_none_or(|keys| keys.contains(&key)) => {
            request.extensions_mut().insert(Authenticated(key));
            Ok(request)
        }
        // The key's prefix only (`sk_test_[redacted]`), never the secret.
        Ok(key) => Err(ServerError::unauthorized(format!(
            "Invalid API Key provided: {key}"
        ))),
        Err(message) => Err(ServerError::unauthorized(message)),
    }
}

/// The API key in query parameter `name`, removed from the request's URI so that the
/// operation's own query validation does not see it.
fn take_query_key(request: &mut Request, name: &str) -> Result<Option<ApiKey>, String> {
    let Some(query) = request.uri().query() else {
        return Ok(None);
    };
    let mut key = None;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = |raw: &str| {
            percent_encoding::percent_decode_str(&raw.replace('+', " "))
                .decode_utf8()
                .map(|s| s.into_owned())
        };
        if decoded(raw_name).as_deref() == Ok(name) {
            if key.is_some() {
                return Err(format!("The API key was given more than once in `{name}`."));
            }
            let value = decoded(raw_value)
                .map_err(|_| format!("The `{name}` query parameter is not valid UTF-8."))?;
            key = Some(value);
        } else {
            rest.push(pair);
        }
    }
    let Some(key) = key else {
        return Ok(None);
    };
    if key.is_empty() || key.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("Invalid API Key provided.".to_owned());
    }
    let mut path_and_query = request.uri().path().to_owned();
    if !rest.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&rest.join("&"));
    }
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = Some(
        path_and_query
            .parse()
            .map_err(|_| "The request URI is not valid.".to_owned())?,
    );
    *request.uri_mut() = axum::http::Uri::from_parts(parts)
        .map_err(|_| "The request URI is not valid.".to_owned())?;
    Ok(Some(ApiKey::new(key)))
}

fn key_of(auth: Auth, headers: &HeaderMap) -> Result<ApiKey, String> {
    const MISSING: &str = "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
    let header_name = auth.header.unwrap_or("authorization");
    let Some(value) = headers.get(header_name) else {
        return Err(MISSING.to_owned());
    };
    let value = value
        .to_str()
        .map_err(|_| "The Authorization header has characters HTTP does not allow.".to_owned())?;
    let key = if auth.header.is_some() {
        value.to_owned()
    } else if let Some(token) = value.strip_prefix("Bearer ").filter(|_| auth.bearer) {
        token.trim().to_owned()
    } else if let Some(encoded) = value.strip_prefix("Basic ").filter(|_| auth.basic) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                "Invalid Basic authorization header: not base64 of `key:`.".to_owned()
            })?;
        match decoded.split_once(':') {
            Some((user, "")) => user.to_owned(),
            Some(_) => {
                return Err(
                    "Basic authorization takes the API key as the user name and an empty password."
                        .to_owned(),
                )
            }
            None => return Err("Invalid Basic authorization header: expected `key:`.".to_owned()),
        }
    } else {
        return Err("Invalid authorization header: use `Bearer <key>` or Basic auth with the key as user name.".to_owned());
    };
    if key.is_empty() || key.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("Invalid API Key provided.".to_owned());
    }
    Ok(ApiKey::new(key))
}

fn mode_of(key: &ApiKey) -> (Option<Mode>, bool) {
    match key.prefix() {
        "sk_test_" => (Some(Mode::Test), false),
        "rk_test_" => (Some(Mode::Test), true),
        "sk_live_" => (Some(Mode::Live), false),
        "rk_live_" => (Some(Mode::Live), true),
        _ => (None, false),
    }
}

/// A request as received, before it is decoded into an operation's request type.
pub struct RawRequest {
    pub method: Method,
    pub path: String,
    pub path_params: Vec<(String, String)>,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub context: Context,
    /// The parts of a `multipart/form-data` body: name and content.
    pub multipart: Option<Vec<(String, Bytes)>>,
    store: Arc<IdempotencyStore>,
}

impl RawRequest {
    /// Reads the request (and its body, up to [`BODY_LIMIT`]).
    pub async fn read(params: RawPathParams, request: Request) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let store = parts
            .extensions
            .get::<Arc<IdempotencyStore>>()
            .cloned()
            .unwrap_or_default();
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let Some(Authenticated(api_key)) = parts.extensions.get::<Authenticated>().cloned() else {
            return Err(
                ServerError::unauthorized("You did not provide an API key.").into_response()
            );
        };
        let body =
            ::axum::body::to_bytes(body, BODY_LIMIT)
                .await
                .map_err(|_| {
                    ServerError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorType::InvalidRequestError,
                format!("The request body is too large: at most {BODY_LIMIT} bytes are accepted."),
            )
            .into_response()
                })?;
        let multipart = match multipart_parts(&parts.headers, &body).await {
            Ok(multipart) => multipart,
            Err(rejection) => return Err(ServerError::from(rejection).into_response()),
        };
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (mode, restricted) = mode_of(&api_key);
        let context = Context {
            api_key,
            mode,
            restricted,
            account: header("stripe-account"),
            version: header("stripe-version"),
            idempotency_key: header("idempotency-key"),
            request_id,
        };
        Ok(Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            path_params: params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            headers: parts.headers,
            body,
            context,
            multipart,
            store,
        })
    }

    /// A `multipart/form-data` body: the parts named in `files` as bytes, the others as text
    /// fields in bracket notation.
    pub fn multipart_body<T: DeserializeOwned>(
        &self,
        schema: &Schema,
        files: &[&str],
    ) -> Result<T, Rejection> {
        let parts: &[(String, Bytes)] = match &self.multipart {
            Some(parts) => parts,
            None if self.body.is_empty() => &[],
            None => {
                return Err(Rejection::new(
                    "",
                    "Invalid request: the body must be sent as `multipart/form-data`.",
                ))
            }
        };
        let texts = parts
            .iter()
            .filter(|(name, _)| !files.contains(&name.as_str()))
            .map(|(name, data)| {
                let text = String::from_utf8(data.to_vec()).map_err(|_| {
                    Rejection::new(name, format!("Invalid {name}: not UTF-8 text."))
                })?;
                Ok((name.clone(), text))
            });
        let mut value = form::parse_pairs(texts)?;
        if let Value::Object(object) = &mut value {
            for (name, data) in parts
                .iter()
                .filter(|(name, _)| files.contains(&name.as_str()))
            {
                let bytes = data.iter().map(|b| Value::from(*b)).collect();
                if object.insert(name.clone(), Value::Array(bytes)).is_some() {
                    return Err(Rejection::new(
                        name,
                        format!("Received more than one file for `{name}`."),
                    ));
                }
            }
        }
        typed(check(value, schema, "", true)?, "")
    }

    /// A path parameter, validated and typed.
    pub fn path_param<T: DeserializeOwned>(
        &self,
        name: &str,
        schema: &Schema,
    ) -> Result<T, Rejection> {
        let value = self
            .path_params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        typed(check(Value::String(value), schema, name, true)?, name)
    }

    /// A header parameter, validated and typed (`None` when absent).
    pub fn header_param<T: DeserializeOwned>(
        &self,
        name: &str,
        schema: &Schema,
    ) -> Result<Option<T>, Rejection> {
        let Some(value) = self.headers.get(name) else {
            return Ok(None);
        };
        let text = value
            .to_str()
            .map_err(|_| Rejection::new(name, format!("Invalid {name} header.")))?;
        typed(
            check(Value::String(text.to_owned()), schema, name, true)?,
            name,
        )
        .map(Some)
    }

    /// A required header parameter, validated and typed.
    pub fn required_header_param<T: DeserializeOwned>(
        &self,
        name: &str,
        schema: &Schema,
    ) -> Result<T, Rejection> {
        self.header_param(name, schema)?
            .ok_or_else(|| Rejection::new(name, format!("Missing required header: {name}.")))
    }

    /// The query parameters as the operation's query struct.
    pub fn query<T: DeserializeOwned>(&self, schema: &Schema) -> Result<T, Rejection> {
        typed(check(form::parse(&self.query)?, schema, "", true)?, "")
    }

    /// Rejects query parameters on an operation that has none.
    pub fn no_query(&self) -> Result<(), Rejection> {
        static NONE: Schema = Schema::Object {
            fields: &[],
            additional: None,
        };
        check(form::parse(&self.query)?, &NONE, "", true).map(drop)
    }

    /// A form-encoded body as the operation's body type.
    pub fn form_body<T: DeserializeOwned>(&self, schema: &Schema) -> Result<T, Rejection> {
        self.expect_content_type("application/x-www-form-urlencoded")?;
        let text = std::str::from_utf8(&self.body)
            .map_err(|_| Rejection::new("", "The request body must be valid UTF-8."))?;
        typed(check(form::parse(text)?, schema, "", true)?, "")
    }

    /// A JSON body as the operation's body type.
    pub fn json_body<T: DeserializeOwned>(&self, schema: &Schema) -> Result<T, Rejection> {
        self.expect_content_type("application/json")?;
        let value: Value = serde_json::from_slice(&self.body)
            .map_err(|e| Rejection::new("", format!("The request body is not valid JSON: {e}")))?;
        typed(check(value, schema, "", false)?, "")
    }

    fn expect_content_type(&self, expected: &str) -> Result<(), Rejection> {
        let actual = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        match actual {
            None if self.body.is_empty() => Ok(()),
            Some(actual)
                if actual
                    .split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case(expected)) =>
            {
                Ok(())
            }
            _ => Err(Rejection::new(
                "",
                format!("Invalid request: the body must be sent as `{expected}`."),
            )),
        }
    }

    /// What makes two requests "the same" for idempotency.
    fn fingerprint(&self) -> String {
        let canonical = |text: &str| {
            form::parse(text)
                .map(|v| canonical(&v))
                .unwrap_or_else(|_| text.to_owned())
        };
        let body = std::str::from_utf8(&self.body)
            .map(canonical)
            .unwrap_or_default();
        format!(
            "{} {}?{} {}",
            self.method,
            self.path,
            canonical(&self.query),
            body
        )
    }
}

/// The parts of a multipart body (none for another content type).
async fn multipart_parts(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Option<Vec<(String, Bytes)>>, Rejection> {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Ok(None);
    }
    let invalid = |e: multer::Error| Rejection::new("", format!("Invalid multipart body: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(invalid)?;
    let body = body.clone();
    let stream =
        futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(invalid)? {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(invalid)?;
        parts.push((name, data));
        if parts.len() > form::MAX_PARAMS {
            return Err(Rejection::new("", "Too many parts in the multipart body."));
        }
    }
    Ok(Some(parts))
}

fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn typed<T: DeserializeOwned>(value: Value, param: &str) -> Result<T, Rejection> {
    serde_json::from_value(value)
        .map_err(|e| Rejection::new(param, format!("Invalid request: {e}")))
}

/// Runs one operation: decode and validate the request, apply idempotency to POSTs with an
/// `Idempotency-Key`, call the handler (a panic becomes a 500), and encode the response.
pub async fn handle<Req, Resp, Fut>(
    raw: Result<RawRequest, Response>,
    decode: fn(&RawRequest) -> Result<Req, Rejection>,
    call: impl FnOnce(Req, Context) -> Fut,
) -> Response
where
    Fut: Future<Output = Result<Resp, ServerError>>,
    Resp: ApiResponse,
{
    let raw = match raw {
        Ok(raw) => raw,
        Err(response) => return response,
    };
    let request = match decode(&raw) {
        Ok(request) => request,
        Err(rejection) => return ServerError::from(rejection).into_response(),
    };
    let idempotency = match (&raw.method, &raw.context.idempotency_key) {
        (&Method::POST, Some(key)) => {
            let scope = format!(
                "{:?}|{}|{}",
                raw.context.mode,
                raw.context.account.as_deref().unwrap_or(""),
                key
            );
            match raw.store.begin(&scope, &raw.fingerprint()) {
                idempotency::Begin::Proceed => Some(scope),
                idempotency::Begin::Replay(status, body) => {
                    let mut response = bytes_response(status, body);
                    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
                    return response;
                }
                idempotency::Begin::InFlight => {
                    return ServerError::new(
                        StatusCode::CONFLICT,
                        ErrorType::IdempotencyError,
                        "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
                    )
                    .into_response()
                }
                idempotency::Begin::Mismatch => {
                    return ServerError::new(
                        StatusCode::BAD_REQUEST,
                        ErrorType::IdempotencyError,
                        format!("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."),
                    )
                    .into_response()
                }
            }
        }
        _ => None,
    };
    let outcome = AssertUnwindSafe(call(request, raw.context.clone()))
        .catch_unwind()
        .await;
    let (status, body) = match outcome {
        Ok(Ok(response)) => response.into_parts(),
        Ok(Err(error)) => (
            error.status,
            json_body(&ErrorEnvelope {
                error: *error.error,
            }),
        ),
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_owned());
            let error = ServerError::internal(format!("handler panicked: {detail}"));
            if let Some(scope) = &idempotency {
                raw.store.abandon(scope);
            }
            return error.into_response();
        }
    };
    if let Some(scope) = &idempotency {
        if status.is_server_error() {
            raw.store.abandon(scope);
        } else {
            raw.store.complete(scope, status, body.clone());
        }
    }
    bytes_response(status, body)
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        ServerError::into_response(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static PURPOSE: Schema = Schema::String(StringSchema {
        min_length: None,
        max_length: None,
        values: Some(&["evidence"]),
        open: false,
    });
    static LINK: Schema = Schema::Object {
        fields: &[Field {
            name: "create",
            required: false,
            nullable: false,
            schema: &Schema::Boolean,
        }],
        additional: None,
    };
    static UPLOAD: Schema = Schema::Object {
        fields: &[
            Field {
                name: "file",
                required: true,
                nullable: false,
                schema: &Schema::Any,
            },
            Field {
                name: "link",
                required: false,
                nullable: false,
                schema: &LINK,
            },
            Field {
                name: "purpose",
                required: true,
                nullable: false,
                schema: &PURPOSE,
            },
        ],
        additional: None,
    };

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Upload {
        file: Vec<u8>,
        link: BTreeLink,
        purpose: String,
    }

    type BTreeLink = std::collections::BTreeMap<String, bool>;

    #[tokio::test]
    async fn multipart_bodies_round_trip_through_client_encoding_and_server_decoding() {
        let upload = Upload {
            file: vec![0, 159, 146, 150, b'\r', b'\n'],
            link: [("create".to_owned(), true)].into(),
            purpose: "evidence".into(),
        };
        let body = crate::Body::multipart(&upload, &["file"]).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, body.content_type.parse().unwrap());
        let bytes = Bytes::from(body.bytes);
        let parts = multipart_parts(&headers, &bytes).await.unwrap();
        let raw = RawRequest {
            method: Method::POST,
            path: "/v1/files".into(),
            path_params: Vec::new(),
            query: String::new(),
            headers,
            body: bytes,
            context: Context {
                api_key: ApiKey::new("sk_test_1"),
                mode: Some(Mode::Test),
                restricted: false,
                account: None,
                version: None,
                idempotency_key: None,
                request_id: "req_1".into(),
            },
            multipart: parts,
            store: Arc::default(),
        };
        let decoded: Upload = raw.multipart_body(&UPLOAD, &["file"]).unwrap();
        assert_eq!(decoded, upload);
        let bad = Upload {
            purpose: "other".into(),
            ..decoded
        };
        let body = crate::Body::multipart(&bad, &["file"]).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, body.content_type.parse().unwrap());
        let bytes = Bytes::from(body.bytes);
        let raw = RawRequest {
            multipart: multipart_parts(&headers, &bytes).await.unwrap(),
            headers,
            body: bytes,
            ..raw
        };
        assert_eq!(
            raw.multipart_body::<Upload>(&UPLOAD, &["file"])
                .unwrap_err()
                .param,
            "purpose"
        );
        assert!(
            multipart_parts(&raw.headers, &Bytes::from_static(b"garbage"))
                .await
                .is_err()
        );
    }
}
