//! Streamed responses: what a handler returns for a `text/event-stream` success, sent as
//! server-sent events, each flushed as it is produced, with keep-alive comments between.

use std::convert::Infallible;
use std::pin::Pin;
use std::time::Duration;

use ::axum::http::StatusCode;
use ::axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use ::axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};

use crate::sse::Event;

/// How long a stream may stay silent before a keep-alive comment (`:`) goes out.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

type Events = Pin<Box<dyn Stream<Item = SseEvent> + Send>>;

/// The events of a streamed response, as a handler gives them: data of type `T` (sent as
/// JSON), optionally named and numbered, optionally ended by a sentinel (`[DONE]`). The
/// stream ends when the handler's stream does; a client that goes away drops it.
pub struct EventStream<T> {
    events: Events,
    sentinel: Option<&'static str>,
    _data: std::marker::PhantomData<fn(T)>,
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("sentinel", &self.sentinel)
            .finish_non_exhaustive()
    }
}

impl<T: serde::Serialize + Send + 'static> EventStream<T> {
    /// A stream of events carrying only data.
    pub fn new(data: impl Stream<Item = T> + Send + 'static) -> Self {
        Self::events(data.map(Event::data))
    }

    /// A stream of events with their names and ids.
    pub fn events(events: impl Stream<Item = Event<T>> + Send + 'static) -> Self {
        Self {
            events: Box::pin(events.map(|event| {
                let data = serde_json::to_string(&event.data).unwrap_or_else(|_| "null".into());
                let mut sse = SseEvent::default().data(data);
                if let Some(name) = event.event {
                    sse = sse.event(name);
                }
                if let Some(id) = event.id {
                    sse = sse.id(id);
                }
                sse
            })),
            sentinel: None,
            _data: std::marker::PhantomData,
        }
    }

    /// Ends the stream with an event whose data is `sentinel` (`"[DONE]"` for OpenAI's
    /// clients).
    pub fn done(mut self, sentinel: &'static str) -> Self {
        self.sentinel = Some(sentinel);
        self
    }

    /// The HTTP response: `status`, `Content-Type: text/event-stream`, `Cache-Control:
    /// no-cache`, the events.
    #[doc(hidden)]
    pub fn into_response(self, status: StatusCode) -> Response {
        let tail = futures_util::stream::iter(
            self.sentinel
                .map(|sentinel| SseEvent::default().data(sentinel)),
        );
        let events = self.events.chain(tail).map(Ok::<_, Infallible>);
        let mut response = Sse::new(events)
            .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
            .into_response();
        *response.status_mut() = status;
        response
    }
}
