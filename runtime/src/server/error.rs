//! Errors a server answers with: [`ServerError`] (a status and the error envelope) and
//! [`Rejection`] (a request parameter that is missing or invalid: a 400 naming it).

use ::axum::http::StatusCode;
use ::axum::response::{IntoResponse, Response};

use super::response::json_response;
use crate::{ApiError, ErrorEnvelope, ErrorType};

/// A request parameter that is missing or invalid: a 400 `invalid_request_error` naming it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    /// The parameter (`metadata[order_id]`), empty for the request as a whole.
    pub param: String,
    /// The message for the envelope.
    pub message: String,
}

impl Rejection {
    /// A rejection of `param`.
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
    /// The HTTP status.
    pub status: StatusCode,
    /// The envelope's contents.
    pub error: Box<ApiError>,
}

impl ServerError {
    /// An error of `type_` with `message`, answered with `status`.
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

    /// The error envelope with the error's status.
    pub fn into_response(self) -> Response {
        json_response(self.status, &ErrorEnvelope { error: *self.error })
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        ServerError::into_response(self)
    }
}
