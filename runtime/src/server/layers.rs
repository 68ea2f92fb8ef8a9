//! The request-id and authentication layers as plain tower services: `axum::middleware::from_fn`
//! clones and boxes the inner router on every request, which cost about 1 µs per layer.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::axum::extract::Request;
use ::axum::http::{HeaderValue, Method};
use ::axum::response::Response;
use tower::{Layer, Service};

use super::auth::{authenticated_request, Auth};
use crate::Conventions;

/// The request's id, in its extensions.
#[derive(Clone)]
pub(super) struct RequestId(pub(super) String);

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
        let mut id = String::with_capacity(18);
        id.push_str("req_");
        id.extend((0..14).map(|_| fastrand::alphanumeric()));
        let value = HeaderValue::from_str(&id).ok();
        request.extensions_mut().insert(RequestId(id));
        let answer = self.0.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            if let Some(value) = value {
                response.headers_mut().insert("request-id", value);
            }
            Ok(response)
        })
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
