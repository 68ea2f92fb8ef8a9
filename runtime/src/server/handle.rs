//! Running one operation: decode, idempotency, the handler (a panic becomes a 500), encode.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

use ::axum::extract::Request;
use ::axum::http::{HeaderValue, StatusCode};
use ::axum::response::Response;

use super::context::Context;
use super::decode::{RawRequest, Read};
use super::edge::Edge;
use super::error::{Rejection, ServerError};
use super::idempotency::{self, Begin, IdempotencyStore, Stored};
use super::response::{bytes_response, json_body, ApiResponse, Payload};
use crate::{ErrorEnvelope, ErrorType};
use std::sync::Arc;

/// Runs one operation through the [`Edge`] (request id, span, CORS, authentication): read
/// the request, decode and validate it, apply idempotency to POSTs with an
/// `Idempotency-Key`, call the handler (a panic becomes a 500), and encode the response.
///
/// The futures here are written out, not `async fn`s: a level of `async fn` keeps its
/// arguments (the request) beside its steps' state for its whole life, and each level is
/// copied whole when the level above starts it. The operation's own steps are one boxed
/// future (`Operate`, below): the edge, the generated handler and axum move the future
/// they are given five times before its first poll, and those copies of about a
/// kilobyte each (a create charge's) cost more than the one allocation: 3.8 KB copied
/// before the first poll became 0.8 KB, and a create charge in process 6.3 → 5.7 µs.
pub fn handle<'e, Req, Resp, Fut, C>(
    edge: &'e Edge,
    request: Request,
    decode: fn(&RawRequest) -> Result<Req, Rejection>,
    call: C,
) -> impl Future<Output = Response> + 'e
where
    Req: 'e,
    C: FnOnce(Req, Context) -> Fut + 'e,
    Fut: Future<Output = Result<Resp, ServerError>> + 'e,
    Resp: ApiResponse + 'e,
{
    edge.answer(request, move |admitted, request| {
        Box::pin(Operate::Reading {
            read: RawRequest::read(admitted, request),
            decode,
            call: Some(call),
        })
    })
}

pin_project_lite::pin_project! {
    /// An operation's steps: reading the request, then the handler's call, in one place.
    /// Chained combinators made each step a value of its own, built on the stack and moved
    /// into the next: the handler's future (its request inside, about 800 bytes for a
    /// create charge) was copied six times before its first poll. Here it is built and
    /// moved into its place once, with or without an idempotency key: a keyed request's
    /// other steps (the key's claim, then the keeping of the response) are small boxed
    /// futures beside it. (Those steps and the call in one `async fn`, boxed, were 2.1 KB:
    /// an `async fn` keeps its arguments beside the locals made of them.)
    #[project = OperateProj]
    enum Operate<Req, C, Fut> {
        Reading {
            read: Read,
            decode: fn(&RawRequest) -> Result<Req, Rejection>,
            call: Option<C>,
        },
        Calling {
            #[pin]
            handler: Guarded<Fut>,
        },
        Keyed {
            #[pin]
            handler: Guarded<Fut>,
            step: KeyedStep,
        },
        Done,
    }
}

impl<Req, Resp, C, Fut> Future for Operate<Req, C, Fut>
where
    C: FnOnce(Req, Context) -> Fut,
    Fut: Future<Output = Result<Resp, ServerError>>,
    Resp: ApiResponse,
{
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Response> {
        loop {
            match self.as_mut().project() {
                OperateProj::Reading { read, decode, call } => {
                    let raw = ready!(Pin::new(read).poll(cx));
                    let decode = *decode;
                    let call = call.take().expect("Operate polled after it was done");
                    let raw = match raw {
                        Ok(raw) => raw,
                        Err(response) => return self.answered(response),
                    };
                    let request = match decode(&raw) {
                        Ok(request) => request,
                        Err(rejection) => {
                            return self.answered(ServerError::from(rejection).into_response())
                        }
                    };
                    // The request as read is done with: its context goes to the handler,
                    // not a copy, and the rest of it is dropped before the call.
                    if raw.idempotency_key().is_some() {
                        let (claim, context) = claim_of(raw);
                        let step = match claim {
                            Claimed::Now(Begun::Claimed(claim)) => KeyedStep::Calling(claim),
                            // A replay or a refusal: the handler is not called.
                            Claimed::Now(Begun::Answered(response)) => {
                                return self.answered(response)
                            }
                            Claimed::Later(claiming) => KeyedStep::Claiming(claiming),
                        };
                        self.set(Operate::Keyed {
                            handler: Guarded {
                                handler: call(request, context),
                            },
                            step,
                        });
                    } else {
                        let handler = call(request, raw.context);
                        self.set(Operate::Calling {
                            handler: Guarded { handler },
                        });
                    }
                }
                OperateProj::Calling { handler } => {
                    let outcome = ready!(handler.poll(cx));
                    return self.answered(outcome.into_response());
                }
                OperateProj::Keyed { handler, step } => {
                    let response = ready!(step.poll(handler, cx));
                    return self.answered(response);
                }
                OperateProj::Done => panic!("Operate polled after it was done"),
            }
        }
    }
}

impl<Req, C, Fut> Operate<Req, C, Fut> {
    /// Done: the steps' state is dropped now, not when the future is.
    fn answered(mut self: Pin<&mut Self>, response: Response) -> Poll<Response> {
        self.set(Operate::Done);
        Poll::Ready(response)
    }
}

/// What a handler's call came to.
enum Outcome {
    /// A response to send, and keep for a replay.
    Answer(StatusCode, Option<Payload>),
    /// A response to send as it is, never kept: a stream, or the 500 of a panic.
    Final(Response),
}

impl Outcome {
    fn into_response(self) -> Response {
        match self {
            Outcome::Answer(status, body) => bytes_response(status, body),
            Outcome::Final(response) => response,
        }
    }

    /// A handler's response or error, encoded.
    fn of<Resp: ApiResponse>(result: Result<Resp, ServerError>) -> Self {
        match result {
            Ok(response) => match response.into_stream() {
                Ok(stream) => Outcome::Final(stream),
                Err(response) => {
                    let (status, body) = response.into_parts();
                    Outcome::Answer(status, body)
                }
            },
            Err(error) => Outcome::Answer(
                error.status,
                json_body(&ErrorEnvelope {
                    error: *error.error,
                }),
            ),
        }
    }

    /// The 500 of a handler that panicked.
    fn panicked(panic: Box<dyn std::any::Any + Send>) -> Self {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        Outcome::Final(ServerError::internal(format!("handler panicked: {detail}")).into_response())
    }
}

pin_project_lite::pin_project! {
    /// A handler's call, its response or error encoded and a panic made a 500.
    struct Guarded<Fut> {
        #[pin]
        handler: Fut,
    }
}

impl<Fut, Resp> Future for Guarded<Fut>
where
    Fut: Future<Output = Result<Resp, ServerError>>,
    Resp: ApiResponse,
{
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Outcome> {
        let handler = self.project().handler;
        // Encoded inside the guard, as soon as it is made: the response (a kilobyte for a
        // charge) is not moved through layers of futures, and a `Serialize` that panics is
        // a 500 too.
        match std::panic::catch_unwind(AssertUnwindSafe(|| handler.poll(cx).map(Outcome::of))) {
            Ok(poll) => poll,
            Err(panic) => Poll::Ready(Outcome::panicked(panic)),
        }
    }
}

/// Where a request with an idempotency key is, besides its handler's call: claiming the
/// key (or answering with the replay or the refusal), calling the handler, keeping its
/// response for replays. A store's ready answer is used at once; a claim or a keeping
/// waits in a future of its own (boxed: neither needs the request's types, and only a
/// database's store makes one) only for an answer that is not ready.
enum KeyedStep {
    Claiming(Claiming),
    Calling(Claim),
    Keeping(Keeping),
    Spent,
}

/// A key's claim being waited for.
type Claiming = Pin<Box<dyn Future<Output = Begun> + Send>>;

/// A response being kept, then answered.
type Keeping = Pin<Box<dyn Future<Output = Response> + Send>>;

/// A key's claim: made at once, or to wait for.
enum Claimed {
    Now(Begun),
    Later(Claiming),
}

/// What a claim came to: the key is the request's, or an answer takes the request's place
/// (the replay of the first response, or the error of a key in flight or of other
/// parameters).
enum Begun {
    Claimed(Claim),
    Answered(Response),
}

impl KeyedStep {
    fn poll<Fut, Resp>(
        &mut self,
        mut handler: Pin<&mut Guarded<Fut>>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Response>
    where
        Fut: Future<Output = Result<Resp, ServerError>>,
        Resp: ApiResponse,
    {
        loop {
            match self {
                KeyedStep::Claiming(claim) => match ready!(claim.as_mut().poll(cx)) {
                    // The handler's call, made but not started, starts now; a replay or a
                    // refusal drops it unpolled.
                    Begun::Claimed(claim) => *self = KeyedStep::Calling(claim),
                    Begun::Answered(response) => return Poll::Ready(response),
                },
                KeyedStep::Calling(_) => {
                    let outcome = ready!(handler.as_mut().poll(cx));
                    let KeyedStep::Calling(claim) = std::mem::replace(self, KeyedStep::Spent)
                    else {
                        unreachable!("the step is Calling")
                    };
                    match keep(claim, outcome) {
                        Kept::Now(response) => return Poll::Ready(response),
                        Kept::Later(keeping) => *self = KeyedStep::Keeping(keeping),
                    }
                }
                KeyedStep::Keeping(keeping) => return keeping.as_mut().poll(cx),
                KeyedStep::Spent => panic!("KeyedStep polled after it was done"),
            }
        }
    }
}

/// The claim of a keyed request's key, and the request's context for its handler: the key's
/// scope and fingerprint are made of the request as read, which is dropped here.
fn claim_of(mut raw: RawRequest) -> (Claimed, Context) {
    let key = raw.idempotency_key().unwrap_or_default();
    let key_len = key.len();
    let scope = idempotency::scope(&raw.context, key);
    let fingerprint = match raw.fingerprint.take() {
        Some(kept) => kept,
        None => idempotency::fingerprint(&raw).into_owned(),
    };
    let store = Arc::clone(&raw.store);
    let claimed = match store.begin(&scope, &fingerprint).now() {
        Ok(begun) => Claimed::Now(claimed(begun, store, scope, key_len)),
        Err(waiting) => Claimed::Later(Box::pin(async move {
            claimed(waiting.await, store, scope, key_len)
        })),
    };
    (claimed, raw.context)
}

/// What keeping an outcome came to: the answer, or the store's work to wait for first.
enum Kept {
    Now(Response),
    Later(Keeping),
}

/// Keeps the handler's outcome for replays under the key claimed: nothing is kept of a
/// stream, a panic or a server error (the key is forgotten, so that a retry runs again).
fn keep(mut claim: Claim, outcome: Outcome) -> Kept {
    // Settled before any wait: the work is done, so a request dropped while its response is
    // being stored must not release the key (a retry would run the work again); it meets
    // the key in flight until its lease or expiry instead.
    claim.settled = true;
    let kept = match &outcome {
        Outcome::Answer(status, body) if !status.is_server_error() => claim.store.complete(
            &claim.scope,
            Stored {
                status: *status,
                body: body.clone(),
            },
        ),
        _ => claim.store.abandon(&claim.scope),
    };
    match kept.now() {
        Ok(kept) => Kept::Now(settled(&claim, outcome, kept)),
        Err(waiting) => Kept::Later(Box::pin(async move {
            let kept = waiting.await;
            settled(&claim, outcome, kept)
        })),
    }
}

/// The answer of a keyed request whose outcome the store took (or failed to).
fn settled(claim: &Claim, outcome: Outcome, kept: Result<(), idempotency::StoreError>) -> Response {
    match outcome {
        // A failure to forget leaves the key to its lease or expiry.
        Outcome::Final(response) => response,
        Outcome::Answer(status, body) => {
            if let Err(error) = kept {
                // The work is done: answer it. A retry meets the key in flight until its
                // lease (or expiry) ends, rather than running twice.
                tracing::warn!(scope = %claim.scope, %error, "idempotency key not stored");
            }
            bytes_response(status, body)
        }
    }
}

/// What the store's answer to a claim means for the request.
fn claimed(
    begun: Result<Begin, idempotency::StoreError>,
    store: Arc<dyn IdempotencyStore>,
    scope: String,
    key_len: usize,
) -> Begun {
    match begun {
        Err(error) => Begun::Answered(unavailable(error)),
        Ok(Begin::Proceed) => Begun::Claimed(Claim {
            store,
            scope,
            settled: false,
        }),
        Ok(Begin::Replay(Stored { status, body })) => {
            let mut response = bytes_response(status, body);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Begun::Answered(response)
        }
        Ok(Begin::InFlight) => Begun::Answered(ServerError::new(
            StatusCode::CONFLICT,
            ErrorType::IdempotencyError,
            "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
        )
        .into_response()),
        Ok(Begin::Mismatch) => {
            let key = &scope[scope.len() - key_len..];
            Begun::Answered(ServerError::new(
                StatusCode::BAD_REQUEST,
                ErrorType::IdempotencyError,
                format!("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."),
            )
            .into_response())
        }
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

impl Drop for Claim {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        if let Err(waiting) = self.store.abandon(&self.scope).now() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let _ = waiting.await;
                });
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::idempotency::{StoreError, StoreFuture};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A store whose `complete` never finishes, counting the keys it is told to forget.
    #[derive(Default)]
    struct Stuck {
        forgotten: AtomicUsize,
    }

    impl IdempotencyStore for Stuck {
        fn begin(&self, _: &str, _: &str) -> StoreFuture<Begin> {
            StoreFuture::ready(Ok(Begin::Proceed))
        }
        fn complete(&self, _: &str, _: Stored) -> StoreFuture<()> {
            StoreFuture::new(std::future::pending::<Result<(), StoreError>>())
        }
        fn abandon(&self, _: &str) -> StoreFuture<()> {
            self.forgotten.fetch_add(1, Ordering::SeqCst);
            StoreFuture::ready(Ok(()))
        }
    }

    fn claim(store: &Arc<Stuck>) -> Claim {
        Claim {
            store: store.clone(),
            scope: "None||k".into(),
            settled: false,
        }
    }

    /// A request dropped while its response is being stored keeps its key (the work is
    /// done: a retry must not run it again); one dropped before its handler answered
    /// releases it.
    #[tokio::test]
    async fn a_key_is_released_only_if_the_work_was_not_done() {
        let store = Arc::new(Stuck::default());
        let outcome = Outcome::Answer(StatusCode::OK, None);
        let Kept::Later(mut keeping) = keep(claim(&store), outcome) else {
            panic!("the store cannot complete at once")
        };
        let waker = futures_util::task::noop_waker();
        let mut cx = TaskContext::from_waker(&waker);
        assert!(keeping.as_mut().poll(&mut cx).is_pending());
        drop(keeping);
        tokio::task::yield_now().await;
        assert_eq!(store.forgotten.load(Ordering::SeqCst), 0, "kept in flight");

        drop(claim(&store));
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(store.forgotten.load(Ordering::SeqCst), 1, "released");
    }
}
