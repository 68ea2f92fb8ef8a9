//! Receiving webhooks in an axum app: the [`Webhook`] extractor verifies the
//! `Stripe-Signature` header against the endpoint's secrets and decodes the body; a request
//! that fails gets a 400 in the Stripe error envelope, saying which check failed.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::ServerError;
use crate::webhook::{self, WebhookError};

/// The largest webhook body read (Stripe's events are far smaller).
const MAX_BODY: usize = 1 << 20;

/// What a receiving app verifies with: the endpoint's signing secrets (more than one while a
/// secret is rolled) and the tolerance for the signed timestamp. Put it in the app's state;
/// the [`Webhook`] extractor takes it from there (`FromRef`).
#[derive(Clone)]
pub struct WebhookSecrets {
    secrets: Arc<[String]>,
    tolerance: Duration,
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets themselves.
        f.debug_struct("WebhookSecrets")
            .field("secrets", &self.secrets.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl WebhookSecrets {
    /// One endpoint secret (`whsec_...`), with the default tolerance of 300 s.
    pub fn new(secret: impl Into<String>) -> Self {
        Self::any_of([secret.into()])
    }

    /// Several secrets, any of which may have signed a request.
    pub fn any_of(secrets: impl IntoIterator<Item = String>) -> Self {
        Self {
            secrets: secrets.into_iter().collect(),
            tolerance: webhook::DEFAULT_TOLERANCE,
        }
    }

    /// Another tolerance for the signed timestamp.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Verifies `payload` signed by `header` with any of the secrets, and decodes it.
    pub fn construct<T: DeserializeOwned>(
        &self,
        payload: &[u8],
        header: &str,
    ) -> Result<T, WebhookError> {
        let mut last = WebhookError::SignatureMismatch;
        for secret in self.secrets.iter() {
            match webhook::verify(payload, header, secret, self.tolerance) {
                Ok(_) => return webhook::decode(payload),
                Err(error) => last = error,
            }
        }
        Err(last)
    }
}

/// A verified, decoded webhook payload (an `Event` of a generated crate).
#[derive(Clone, Debug)]
pub struct Webhook<T>(pub T);

/// Why a webhook request was refused: a 400 in the error envelope.
#[derive(Debug)]
pub struct WebhookRejection(pub WebhookError);

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let param = match self.0 {
            WebhookError::InvalidPayload(_) => None,
            _ => Some(webhook::SIGNATURE_HEADER),
        };
        ServerError::invalid_request(self.0.to_string(), param).into_response()
    }
}

impl<S, T> FromRequest<S> for Webhook<T>
where
    S: Send + Sync,
    WebhookSecrets: FromRef<S>,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let secrets = WebhookSecrets::from_ref(state);
        let header = request
            .headers()
            .get(webhook::SIGNATURE_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = axum::body::to_bytes(request.into_body(), MAX_BODY)
            .await
            .map_err(|error| {
                ServerError::invalid_request(
                    format!("the webhook body could not be read: {error}"),
                    None,
                )
                .into_response()
            })?;
        let Some(header) = header else {
            return Err(ServerError::invalid_request(
                format!("the request has no `{}` header", webhook::SIGNATURE_HEADER),
                Some(webhook::SIGNATURE_HEADER),
            )
            .into_response());
        };
        secrets
            .construct(&body, &header)
            .map(Webhook)
            .map_err(|error| WebhookRejection(error).into_response())
    }
}
