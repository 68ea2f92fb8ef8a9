//! Errors of a request, and turning an HTTP response into a typed result (sans-IO).

use std::fmt;

use http::{HeaderMap, StatusCode};

use crate::request::{ApiRequest, DecodeFailure, EncodeError};
use crate::{ApiError, ErrorEnvelope, ErrorType};

/// A successful response: the model (reached through `Deref`, or `into_inner`) plus what the
/// response said about itself. Its own fields are private and its accessors named so that
/// they never hide a field of the model (`charge.status` is the charge's status).
#[derive(Clone, Debug)]
pub struct Response<T> {
    inner: T,
    http_status: StatusCode,
    http_request_id: Option<String>,
    http_headers: HeaderMap,
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> Response<T> {
    /// A decoded body with the response's status and headers.
    pub fn new(inner: T, status: StatusCode, headers: HeaderMap) -> Self {
        Self {
            http_request_id: request_id(&headers),
            inner,
            http_status: status,
            http_headers: headers,
        }
    }

    /// The decoded body.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The `Request-Id` header: quote it when asking the API's support about a request.
    pub fn request_id(&self) -> Option<&str> {
        self.http_request_id.as_deref()
    }

    /// The response's HTTP status.
    pub fn http_status(&self) -> StatusCode {
        self.http_status
    }

    /// The response's headers.
    pub fn http_headers(&self) -> &HeaderMap {
        &self.http_headers
    }
}

/// An error response from the API, with every attribute it carried.
#[derive(Clone, Debug)]
pub struct ErrorResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Request-Id` header, for support requests.
    pub request_id: Option<String>,
    /// The error envelope's contents.
    pub error: ApiError,
    /// Every response header.
    pub headers: HeaderMap,
}

/// Everything that can go wrong with a request. API errors are told apart by their `type`
/// (and status, as the official SDKs do), apart from transport and decoding problems.
#[derive(Debug)]
pub enum Error {
    /// `card_error` (402): the card cannot be charged.
    Card(Box<ErrorResponse>),
    /// `invalid_request_error` (400, 404): invalid parameters or a missing object.
    InvalidRequest(Box<ErrorResponse>),
    /// 401 / `authentication_error`: no valid API key.
    Authentication(Box<ErrorResponse>),
    /// 403: the key does not have permission for this request.
    Permission(Box<ErrorResponse>),
    /// 429 / `rate_limit_error`: too many requests.
    RateLimit(Box<ErrorResponse>),
    /// `idempotency_error`: an `Idempotency-Key` reused with other parameters.
    Idempotency(Box<ErrorResponse>),
    /// `api_error` and any other type: a problem on the API's side.
    Api(Box<ErrorResponse>),
    /// A non-success status whose body is not the error envelope.
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The `Request-Id` header.
        request_id: Option<String>,
        /// The body as received (lossy UTF-8).
        body: String,
    },
    /// The request never got a response (connection refused, timeout, TLS...).
    Connection(Box<dyn std::error::Error + Send + Sync>),
    /// A response body that does not match the spec.
    Decode(Box<DecodeError>),
    /// The request could not be encoded.
    Encode(EncodeError),
    /// The client is misconfigured (e.g. plain http to a non-loopback host).
    Config(String),
    /// Auto-pagination met a cursor it had already used.
    PaginationLoop {
        /// The cursor that came back.
        cursor: String,
    },
}

/// A response body that could not be decoded.
#[derive(Clone, Debug)]
pub struct DecodeError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Request-Id` header.
    pub request_id: Option<String>,
    /// JSON path of the value that failed.
    pub path: String,
    /// What did not decode, and where.
    pub message: String,
    /// The start of the body.
    pub snippet: String,
}

impl Error {
    /// The API error response, for the API error variants.
    pub fn response(&self) -> Option<&ErrorResponse> {
        match self {
            Error::Card(r)
            | Error::InvalidRequest(r)
            | Error::Authentication(r)
            | Error::Permission(r)
            | Error::RateLimit(r)
            | Error::Idempotency(r)
            | Error::Api(r) => Some(r),
            _ => None,
        }
    }

    /// The API's error attributes (`type`, `code`, `decline_code`, `param`...).
    pub fn api_error(&self) -> Option<&ApiError> {
        self.response().map(|r| &r.error)
    }

    /// The status of the response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::Decode(d) => Some(d.status),
            other => other.response().map(|r| r.status),
        }
    }

    /// The `Request-Id` of the response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Status { request_id, .. } => request_id.as_deref(),
            Error::Decode(d) => d.request_id.as_deref(),
            other => other.response().and_then(|r| r.request_id.as_deref()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with_id = |f: &mut fmt::Formatter<'_>, r: &ErrorResponse| {
            write!(f, "{} ({})", r.error, r.status)?;
            if let Some(id) = &r.request_id {
                write!(f, " [request {id}]")?;
            }
            Ok(())
        };
        match self {
            Error::Status {
                status,
                request_id,
                body,
            } => {
                write!(f, "unexpected status {status}")?;
                if let Some(id) = request_id {
                    write!(f, " [request {id}]")?;
                }
                write!(f, ": {body}")
            }
            Error::Connection(e) => write!(f, "connection error: {e}"),
            Error::Decode(d) => write!(
                f,
                "cannot decode the response ({}) at `{}`: {}; body starts: {}",
                d.status, d.path, d.message, d.snippet
            ),
            Error::Encode(e) => write!(f, "{e}"),
            Error::Config(message) => write!(f, "client configuration: {message}"),
            Error::PaginationLoop { cursor } => {
                write!(f, "pagination returned cursor {cursor} twice; stopped")
            }
            other => with_id(
                f,
                other
                    .response()
                    .expect("API error variants have a response"),
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<EncodeError> for Error {
    fn from(error: EncodeError) -> Self {
        Error::Encode(error)
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    if body.len() > 200 {
        format!("{text}…")
    } else {
        text
    }
}

/// Turns a response into the request's typed output or the matching error.
pub fn parse_response<R: ApiRequest>(
    status: StatusCode,
    headers: HeaderMap,
    body: &[u8],
) -> Result<Response<R::Output>, Error> {
    let request_id = request_id(&headers);
    if status.is_success() {
        return match R::decode(body) {
            Ok(data) => Ok(Response::new(data, status, headers)),

            Err(DecodeFailure { path, message }) => Err(Error::Decode(Box::new(DecodeError {
                status,
                request_id,
                path,
                message,
                snippet: snippet(body),
            }))),
        };
    }
    let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(body) else {
        return Err(Error::Status {
            status,
            request_id,
            body: snippet(body),
        });
    };
    let response = Box::new(ErrorResponse {
        status,
        request_id,
        error: envelope.error,
        headers,
    });
    Err(match (status.as_u16(), &response.error.type_) {
        (401, _) | (_, ErrorType::AuthenticationError) => Error::Authentication(response),
        (403, _) => Error::Permission(response),
        (429, _) | (_, ErrorType::RateLimitError) => Error::RateLimit(response),
        (_, ErrorType::CardError) => Error::Card(response),
        (_, ErrorType::InvalidRequestError) => Error::InvalidRequest(response),
        (_, ErrorType::IdempotencyError) => Error::Idempotency(response),
        _ => Error::Api(response),
    })
}
