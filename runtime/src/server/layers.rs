//! The request-id and authentication layers as plain tower services: `axum::middleware::from_fn`
//! clones and boxes the inner router on every request, which cost about 1 µs per layer.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::axum::extract::{MatchedPath, Request};
use ::axum::http::{HeaderValue, Method};
use ::axum::response::Response;
use tower::{Layer, Service};
use tracing::Instrument;

use super::auth::{authenticated_request, Auth};
use crate::Conventions;

/// The request's id, in its extensions.
#[derive(Clone)]
pub(super) struct RequestId(pub(super) String);

/// A new request id: `req_` and 14 random letters and digits, as Stripe's look.
pub(super) fn new_request_id() -> String {
    let mut id = String::with_capacity(18);
    id.push_str("req_");
    id.extend((0..14).map(|_| fastrand::alphanumeric()));
    id
}

type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// Gives every request an id (in its extensions, for handlers) and every response the
/// `Request-Id` header.
#[derive(Clone, Copy)]
pub(super) struct RequestIds;

impl<S> Layer<S> for RequestIds {
    type Service = WithRequestId<S>;
    fn layer(&self, inner: S) -> Self::Service {
        WithRequestId(inner)
    }
}

#[derive(Clone)]
pub(super) struct WithRequestId<S>(S);

impl<S> Service<Request> for WithRequestId<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let id = new_request_id();
        let value = HeaderValue::from_str(&id).ok();
        // One span per request (free when no subscriber is installed): the route template
        // (axum matched it before this layer), the request id, then the status and latency.
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("(unmatched)", |path| path.as_str()),
            request_id = %id,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        request.extensions_mut().insert(RequestId(id));
        let answer = self.0.call(request);
        Box::pin(
            async move {
                let mut response = answer.await?;
                if let Some(value) = value {
                    response.headers_mut().insert("request-id", value);
                }
                let span = tracing::Span::current();
                if !span.is_disabled() {
                    let status = response.status().as_u16();
                    let latency = started.elapsed().as_secs_f64() * 1000.0;
                    span.record("status", status);
                    span.record("latency_ms", latency);
                    tracing::info!(status, latency_ms = latency, "answered");
                }
                Ok(response)
            }
            .instrument(span),
        )
    }
}

/// Authenticates every request but CORS preflights: the key goes into the request's
/// extensions, a missing or refused key is a 401 envelope.
#[derive(Clone, Copy)]
pub(super) struct Authenticate(pub(super) Auth, pub(super) &'static Conventions);

impl<S> Layer<S> for Authenticate {
    type Service = WithAuth<S>;
    fn layer(&self, inner: S) -> Self::Service {
        WithAuth {
            auth: self.0,
            conventions: self.1,
            inner,
        }
    }
}

#[derive(Clone)]
pub(super) struct WithAuth<S> {
    auth: Auth,
    conventions: &'static Conventions,
    inner: S,
}

impl<S> Service<Request> for WithAuth<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() == Method::OPTIONS {
            return Box::pin(self.inner.call(request));
        }
        match authenticated_request(self.auth, self.conventions, request) {
            Ok(request) => Box::pin(self.inner.call(request)),
            Err(refusal) => Box::pin(std::future::ready(Ok(refusal.into_response()))),
        }
    }
}
