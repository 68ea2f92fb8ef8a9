//! Running one operation: decode, idempotency, the handler (a panic becomes a 500), encode.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use ::axum::extract::Request;
use ::axum::http::{HeaderValue, StatusCode};
use ::axum::response::Response;
use futures_util::FutureExt;

use super::context::Context;
use super::decode::RawRequest;
use super::edge::{Admitted, Edge};
use super::error::{Rejection, ServerError};
use super::idempotency::{self, Begin, IdempotencyStore, Stored};
use super::response::{bytes_response, json_body, ApiResponse};
use crate::{ErrorEnvelope, ErrorType};
use std::sync::Arc;

/// Runs one operation through the [`Edge`] (request id, span, CORS, authentication): read
/// the request, decode and validate it, apply idempotency to POSTs with an
/// `Idempotency-Key`, call the handler (a panic becomes a 500), and encode the response.
pub async fn handle<Req, Resp, Fut>(
    edge: &Edge,
    request: Request,
    decode: fn(&RawRequest) -> Result<Req, Rejection>,
    call: impl FnOnce(Req, Context) -> Fut,
) -> Response
where
    Fut: Future<Output = Result<Resp, ServerError>>,
    Resp: ApiResponse,
{
    edge.answer(request, |admitted, request| {
        operate(admitted, request, decode, call)
    })
    .await
}

async fn operate<Req, Resp, Fut>(
    admitted: Admitted<'_>,
    request: Request,
    decode: fn(&RawRequest) -> Result<Req, Rejection>,
    call: impl FnOnce(Req, Context) -> Fut,
) -> Response
where
    Fut: Future<Output = Result<Resp, ServerError>>,
    Resp: ApiResponse,
{
    // The steps' locals are kept in blocks: an async fn keeps room for a local until its
    // scope ends, so the request as read, the decoded request and the handler's result had
    // each their own room for the whole operation (4 KB), moved whole by every future that
    // starts this one. Scoped, they share it (1.3 KB).
    let (idempotency, store, status, body) = {
        let (handler, idempotency, store) = {
            let raw = match RawRequest::read(admitted, request).await {
                Ok(raw) => raw,
                Err(response) => return response,
            };
            let request = match decode(&raw) {
                Ok(request) => request,
                Err(rejection) => return ServerError::from(rejection).into_response(),
            };
            let idempotency = match raw.idempotency_key() {
                Some(key) => match claim(&raw, key).await {
                    Ok(claim) => Some(claim),
                    Err(response) => return response,
                },
                None => None,
            };
            // The request as read is done with: its context goes to the handler, not a copy
            // (the rest of it is dropped with this block).
            let RawRequest { context, store, .. } = raw;
            (call(request, context), idempotency, store)
        };
        let outcome = AssertUnwindSafe(handler).catch_unwind().await;
        let (status, body) = match outcome {
            Ok(Ok(response)) => match response.into_stream() {
                Ok(stream) => {
                    // A stream is not replayed: a retry with the key runs again.
                    if let Some(claim) = idempotency {
                        claim.release().await;
                    }
                    return stream;
                }
                Err(response) => response.into_parts(),
            },
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
                if let Some(claim) = idempotency {
                    claim.release().await;
                }
                return error.into_response();
            }
        };
        (idempotency, store, status, body)
    };
    if let Some(mut claim) = idempotency {
        claim.settled = true;
        let stored = if status.is_server_error() {
            store.abandon(&claim.scope).await
        } else {
            let stored = Stored {
                status,
                body: body.clone(),
            };
            store.complete(&claim.scope, stored).await
        };
        if let Err(error) = stored {
            // The work is done: answer it. A retry meets the key in flight until its lease
            // (or expiry) ends, rather than running twice.
            tracing::warn!(scope = %claim.scope, %error, "idempotency key not stored");
        }
    }
    bytes_response(status, body)
}

/// Claims the request's idempotency `key`, or the answer that takes the request's place: the
/// replay of the first response, or the error of a key in flight or of other parameters.
async fn claim(raw: &RawRequest, key: &str) -> Result<Claim, Response> {
    let scope = idempotency::scope(&raw.context, key);
    match raw.store.begin(&scope, &idempotency::fingerprint(raw)).await {
        Err(error) => Err(unavailable(error)),
        Ok(Begin::Proceed) => Ok(Claim {
            store: Arc::clone(&raw.store),
            scope,
            settled: false,
        }),
        Ok(Begin::Replay(Stored { status, body })) => {
            let mut response = bytes_response(status, body);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Err(response)
        }
        Ok(Begin::InFlight) => Err(ServerError::new(
            StatusCode::CONFLICT,
            ErrorType::IdempotencyError,
            "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
        )
        .into_response()),
        Ok(Begin::Mismatch) => Err(ServerError::new(
            StatusCode::BAD_REQUEST,
            ErrorType::IdempotencyError,
            format!("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."),
        )
        .into_response()),
    }
}

/// A key claimed by this request. If the request is dropped before it settles (the
/// request timed out, the client went away), the key is released in the background so
/// that a retry runs instead of meeting "in flight" until the key expires.
struct Claim {
    store: Arc<dyn IdempotencyStore>,
    scope: String,
    settled: bool,
}

impl Claim {
    /// Forgets the key now, so that a retry runs again. A failure to forget leaves the key
    /// to its lease or expiry.
    async fn release(mut self) {
        self.settled = true;
        let _ = self.store.abandon(&self.scope).await;
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let store = self.store.clone();
        let scope = std::mem::take(&mut self.scope);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = store.abandon(&scope).await;
            });
        }
    }
}

/// The store could not be used: a retryable 503 `api_error`.
fn unavailable(error: idempotency::StoreError) -> Response {
    ServerError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorType::ApiError,
        format!("The idempotency store is unavailable: {error}"),
    )
    .into_response()
}
