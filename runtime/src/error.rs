//! The error envelope (`{"error": {type, code, decline_code, message, param, ...}}`) and
//! its open error type.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of every error response: `{"error": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ApiError,
}

/// An error returned by the API, with every attribute the API reference lists. Attributes a
/// newer API adds are kept in `extra`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// The type of error returned.
    #[serde(rename = "type")]
    pub type_: ErrorType,
    /// For some errors that could be handled programmatically, a short string indicating the
    /// error code reported (for card errors: `card_declined`, `expired_card`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For card errors resulting from a card issuer decline, the issuer's reason if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// A human-readable message providing more details about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// If the error is parameter-specific, the parameter related to the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// For card errors, the ID of the failed charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<String>,
    /// A URL to more information about the error code reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_url: Option<String>,
    /// A URL to the request log entry in the dashboard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_log_url: Option<String>,
    /// The PaymentIntent object for errors returned on a request involving a PaymentIntent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<Value>,
    /// The PaymentMethod object for errors returned on a request involving a PaymentMethod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<Value>,
    /// The payment method type that had a problem, for payment-method-specific errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_type: Option<String>,
    /// The SetupIntent object for errors returned on a request involving a SetupIntent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_intent: Option<Value>,
    /// The source object for errors returned on a request involving a source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
    /// Attributes not listed above.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl ApiError {
    /// An error of the given type with a message and nothing else.
    pub fn new(type_: ErrorType, message: impl Into<String>) -> Self {
        Self {
            type_,
            code: None,
            decline_code: None,
            message: Some(message.into()),
            param: None,
            charge: None,
            doc_url: None,
            request_log_url: None,
            payment_intent: None,
            payment_method: None,
            payment_method_type: None,
            setup_intent: None,
            source: None,
            extra: BTreeMap::new(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.type_)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(param) = &self.param {
            write!(f, " [param: {param}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The type of an API error. Open: a type a newer API adds is kept in `Unknown`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Failure to connect to the API.
    ApiConnectionError,
    /// Any other type of problem (e.g. a temporary problem with the API's servers).
    ApiError,
    /// Failure to properly authenticate in the request.
    AuthenticationError,
    /// A card that can't be charged for some reason.
    CardError,
    /// An `Idempotency-Key` re-used with different endpoint or parameters.
    IdempotencyError,
    /// The request has invalid parameters.
    InvalidRequestError,
    /// Too many requests hit the API too quickly.
    RateLimitError,
    /// A type this code does not know.
    Unknown(String),
}

impl ErrorType {
    /// The wire name (`card_error`).
    pub fn as_str(&self) -> &str {
        match self {
            ErrorType::ApiConnectionError => "api_connection_error",
            ErrorType::ApiError => "api_error",
            ErrorType::AuthenticationError => "authentication_error",
            ErrorType::CardError => "card_error",
            ErrorType::IdempotencyError => "idempotency_error",
            ErrorType::InvalidRequestError => "invalid_request_error",
            ErrorType::RateLimitError => "rate_limit_error",
            ErrorType::Unknown(other) => other,
        }
    }

    /// The type a wire name stands for (unknown names are kept).
    pub fn from_wire(value: &str) -> Self {
        match value {
            "api_connection_error" => ErrorType::ApiConnectionError,
            "api_error" => ErrorType::ApiError,
            "authentication_error" => ErrorType::AuthenticationError,
            "card_error" => ErrorType::CardError,
            "idempotency_error" => ErrorType::IdempotencyError,
            "invalid_request_error" => ErrorType::InvalidRequestError,
            "rate_limit_error" => ErrorType::RateLimitError,
            other => ErrorType::Unknown(other.to_owned()),
        }
    }
}

crate::impl_open_enum!(ErrorType);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_round_trips_and_keeps_unknown_attributes() {
        let wire = json!({"error": {
            "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
            "message": "Your card was declined.", "charge": "ch_1", "future_field": 7
        }});
        let envelope: ErrorEnvelope = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(envelope.error.type_, ErrorType::CardError);
        assert_eq!(envelope.error.extra["future_field"], json!(7));
        assert_eq!(serde_json::to_value(&envelope).unwrap(), wire);
    }

    #[test]
    fn unknown_error_type_is_kept() {
        let error: ApiError = serde_json::from_value(json!({"type": "brand_new_error"})).unwrap();
        assert_eq!(error.type_, ErrorType::Unknown("brand_new_error".into()));
        assert_eq!(error.type_.to_string(), "brand_new_error");
    }
}
