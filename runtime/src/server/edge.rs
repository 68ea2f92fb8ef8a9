//! The cross-cutting work of every request (request ids, tracing spans, CORS,
//! authentication), done by the handlers themselves: the router's state carries the
//! [`Edge`], and [`Edge::answer`] runs around each operation. A tower layer around every
//! route cost each request a clone of the layered route, two boxed futures and the moves
//! of the futures inside them (about 0.2 µs of a 6.6 µs create charge in process).

use std::future::Future;
use std::sync::Arc;

use ::axum::body::Body;
use ::axum::extract::{MatchedPath, Request, State};
use ::axum::http::{header, HeaderName, HeaderValue, Method};
use ::axum::response::Response;
use ::axum::Router;
use futures_util::future::{ready, Either};
use futures_util::FutureExt;
use tracing::Instrument;

use super::auth::{authenticate, Auth};
use super::idempotency::{ChosenStore, IdempotencyStore, MemoryStore};
use super::ServerError;
use crate::{ApiKey, Conventions};

/// A new request id: `req_` and 14 random letters and digits, as Stripe's look.
pub(super) fn new_request_id() -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut id = String::with_capacity(18);
    id.push_str("req_");
    // Seven digits from each of two random words (62^7 is far below 2^64, so the digits are
    // as good as uniform): two draws instead of fourteen.
    for _ in 0..2 {
        let mut word = fastrand::u64(..);
        for _ in 0..7 {
            id.push(char::from(DIGITS[(word % 62) as usize]));
            word /= 62;
        }
    }
    id
}

/// How a generated router treats every request: how keys are given, the API's conventions,
/// and the idempotency store used unless [`super::with_store`] chose another.
#[derive(Clone)]
pub struct Edge {
    auth: Auth,
    pub(super) conventions: &'static Conventions,
    /// The router's own store, a [`MemoryStore`].
    store: Arc<dyn IdempotencyStore>,
}

/// A generated router's state: the service that answers the operations, and the [`Edge`].
pub struct Served<S> {
    /// The implementation of the API's `Server` trait.
    pub server: S,
    /// What every request goes through.
    pub edge: Edge,
}

/// What a request that passed the edge brings to its operation.
pub(super) struct Admitted<'e> {
    /// The edge it passed, whose conventions its context is read by.
    pub(super) edge: &'e Edge,
    pub(super) key: ApiKey,
    pub(super) request_id: String,
    pub(super) store: Arc<dyn IdempotencyStore>,
}

/// Finishes a generated router: the routes get their state (`server` and the edge made of
/// `auth` and `conventions`), and unknown routes and methods are answered with envelopes,
/// through the same edge as the operations.
pub fn with_edge<S: Send + Sync + 'static>(
    routes: Router<Arc<Served<S>>>,
    server: S,
    auth: Auth,
    conventions: &'static Conventions,
) -> Router {
    let edge = Edge {
        auth,
        conventions,
        store: Arc::new(MemoryStore::new()),
    };
    routes
        .fallback(unknown_route::<S>)
        .method_not_allowed_fallback(unknown_route::<S>)
        .with_state(Arc::new(Served { server, edge }))
}

async fn unknown_route<S>(State(served): State<Arc<Served<S>>>, request: Request) -> Response {
    served
        .edge
        .answer(request, |_, request| async move {
            ServerError::not_found(
                format!(
                    "Unrecognized request URL ({}: {}).",
                    request.method(),
                    request.uri().path()
                ),
                None,
            )
            .into_response()
        })
        .await
}

/// The response header naming the request (`Request-Id`).
const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

/// CORS for browsers: the API takes secret keys, not cookies, so any origin may call it and
/// read its answers (with their request id); no credentials, nothing varies by origin.
const ANY: HeaderValue = HeaderValue::from_static("*");

/// The CORS headers of every answer but a preflight's (the connection guard's refusals too).
pub(super) const ANSWER_CORS: [(HeaderName, HeaderValue); 2] = [
    (header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY),
    (
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("request-id"),
    ),
];

/// The answer to a CORS preflight (any `OPTIONS` request): every method and header allowed.
fn preflight() -> Response {
    let mut response = Response::new(Body::empty());
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ANY);
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ANY);
    response
}

impl Edge {
    /// Answers `request`: a CORS preflight for `OPTIONS`; else authenticates it (a 401
    /// envelope when that fails) and lets `operation` answer. Every response carries a
    /// `Request-Id` and, but a preflight's, the CORS headers; one span per request (free
    /// when no subscriber is installed) names the route template, the id, the status and
    /// the latency.
    ///
    /// What needs no waiting (the id, the span, the clock, authentication, and `operation`'s
    /// own start) is done when this is called; the future it returns is the span's, made of
    /// combinators rather than an `async fn` (see [`super::handle`]). The operation's future
    /// is small (a box, see `handle`), so `map` moving it out when done costs nothing.
    pub(super) fn answer<'e, F, Fut>(
        &'e self,
        mut request: Request,
        operation: F,
    ) -> impl Future<Output = Response> + 'e
    where
        F: FnOnce(Admitted<'e>, Request) -> Fut + 'e,
        Fut: Future<Output = Response> + 'e,
    {
        let request_id = new_request_id();
        let id_header = HeaderValue::from_str(&request_id).ok();
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("(unmatched)", |path| path.as_str()),
            request_id = %request_id,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        // Read only for the span: the clock costs a request about 40 ns on a virtual machine.
        let started = (!span.is_disabled()).then(std::time::Instant::now);
        // A preflight or a refusal is answered at once; the operation's future is the only
        // one that waits (and, as combinators rather than an `async` block, is not held
        // beside a copy of the request).
        let preflight_asked = request.method() == Method::OPTIONS;
        let answering = if preflight_asked {
            Either::Left(ready(preflight()))
        } else {
            match authenticate(self.auth, &mut request) {
                Ok(key) => {
                    let store = match request.extensions_mut().remove::<ChosenStore>() {
                        Some(chosen) => chosen.0,
                        None => Arc::clone(&self.store),
                    };
                    let admitted = Admitted {
                        key,
                        edge: self,
                        request_id,
                        store,
                    };
                    Either::Right(operation(admitted, request))
                }
                Err(refusal) => Either::Left(ready(refusal.into_response())),
            }
        };
        answering
            .map(move |mut response: Response| {
                let headers = response.headers_mut();
                if !preflight_asked {
                    for (name, value) in ANSWER_CORS {
                        headers.insert(name, value);
                    }
                }
                if let Some(value) = id_header {
                    headers.insert(REQUEST_ID, value);
                }
                let span = tracing::Span::current();
                if let Some(started) = started.filter(|_| !span.is_disabled()) {
                    let status = response.status().as_u16();
                    let latency = started.elapsed().as_secs_f64() * 1000.0;
                    span.record("status", status);
                    span.record("latency_ms", latency);
                    tracing::info!(status, latency_ms = latency, "answered");
                }
                response
            })
            .instrument(span)
    }
}
