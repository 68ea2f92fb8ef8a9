//! Server-sent events (`text/event-stream`): the event type both sides share, the framing
//! decoder (WHATWG HTML, "Interpreting an event stream"), and on the client the typed stream
//! of a streamed response.

use crate::request::ApiRequest;

/// One server-sent event with its data decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct Event<T> {
    /// The `event:` field (a name the stream gives its events), if sent.
    pub event: Option<String>,
    /// The `id:` field (the last one sent so far), if any.
    pub id: Option<String>,
    /// The `data:` lines, joined by newlines and decoded.
    pub data: T,
}

impl<T> Event<T> {
    /// An event carrying only data.
    pub fn data(data: T) -> Self {
        Self {
            event: None,
            id: None,
            data,
        }
    }
}

/// An operation whose success response can be a stream of events.
pub trait StreamRequest: ApiRequest + Clone {
    /// The type of each event's data.
    type Event: serde::de::DeserializeOwned;
    /// This request as it asks for a stream (for an API with a `stream: true` body field,
    /// with that field set).
    fn streaming(&self) -> Self;
}

/// An event as framed, before its data is decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawEvent {
    /// The `event:` field.
    pub event: Option<String>,
    /// The last `id:` field of the stream.
    pub id: Option<String>,
    /// The data lines joined by `\n`.
    pub data: String,
    /// A `retry:` field (milliseconds), if this event had one.
    pub retry: Option<u64>,
}

/// Bytes in, events out: lines end in `\n`, `\r\n` or `\r`; `:` starts a comment; a blank
/// line ends an event; an event without data is not dispatched; an unfinished event at the
/// end of the stream is dropped.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes of the line not ended yet.
    line: Vec<u8>,
    /// The last byte was a `\r`: a `\n` next is the same line end.
    after_cr: bool,
    /// Whether the stream's first bytes (a BOM to skip) were seen.
    started: bool,
    data: String,
    has_data: bool,
    event: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
}

impl Decoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events they complete.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Vec<RawEvent> {
        if !self.started && !bytes.is_empty() {
            self.started = true;
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let mut out = Vec::new();
        for &byte in bytes {
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.line_ended(&line) {
                        out.push(event);
                    }
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(byte);
                }
            }
        }
        out
    }

    fn line_ended(&mut self, line: &[u8]) -> Option<RawEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (&*line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => {
                self.id = Some(value.to_owned()).filter(|v| !v.is_empty());
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<RawEvent> {
        let event = self.event.take();
        let retry = self.retry.take();
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        Some(RawEvent {
            event,
            id: self.id.clone(),
            data: std::mem::take(&mut self.data),
            retry,
        })
    }
}

/// Whether `data` is an end-of-stream marker such as OpenAI's `[DONE]`: a bracketed word that
/// is not JSON.
pub fn is_sentinel(data: &str) -> bool {
    let data = data.trim();
    data.len() > 2
        && data.starts_with('[')
        && data.ends_with(']')
        && data[1..data.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'_')
}

#[cfg(feature = "client")]
pub use client::EventStream;

#[cfg(feature = "client")]
mod client {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures_util::{Stream, StreamExt};
    use http::{HeaderMap, StatusCode};

    use super::{is_sentinel, Decoder, Event, RawEvent};
    use crate::client_error::{DecodeError, Error};

    type Bytes = Pin<Box<dyn Stream<Item = Result<Vec<u8>, Error>> + Send>>;

    /// The events of a streamed response, each decoded as `T`, as they arrive. Ends when the
    /// server closes the stream or sends a sentinel (`data: [DONE]`); a connection lost mid
    /// stream is an [`Error::Connection`] item, an event whose data does not decode an
    /// [`Error::Decode`] item (the stream goes on). Never retried once it has started.
    pub struct EventStream<T> {
        bytes: Bytes,
        decoder: Decoder,
        ready: VecDeque<RawEvent>,
        status: StatusCode,
        headers: HeaderMap,
        finished: bool,
        _event: std::marker::PhantomData<fn() -> T>,
    }

    impl<T> std::fmt::Debug for EventStream<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("EventStream")
                .field("status", &self.status)
                .field("finished", &self.finished)
                .finish_non_exhaustive()
        }
    }

    impl<T: serde::de::DeserializeOwned> EventStream<T> {
        pub(crate) fn new(status: StatusCode, headers: HeaderMap, bytes: Bytes) -> Self {
            Self {
                bytes,
                decoder: Decoder::new(),
                ready: VecDeque::new(),
                status,
                headers,
                finished: false,
                _event: std::marker::PhantomData,
            }
        }

        /// The response's status.
        pub fn status(&self) -> StatusCode {
            self.status
        }

        /// The response's headers.
        pub fn headers(&self) -> &HeaderMap {
            &self.headers
        }

        /// The response's `Request-Id` header.
        pub fn request_id(&self) -> Option<&str> {
            self.headers.get("request-id").and_then(|v| v.to_str().ok())
        }

        fn decode(&self, raw: RawEvent) -> Result<Event<T>, Error> {
            match serde_json::from_str::<T>(&raw.data) {
                Ok(data) => Ok(Event {
                    event: raw.event,
                    id: raw.id,
                    data,
                }),
                Err(error) => Err(Error::Decode(Box::new(DecodeError {
                    status: self.status,
                    request_id: self.request_id().map(str::to_owned),
                    path: String::new(),
                    message: format!("event data: {error}"),
                    snippet: raw.data.chars().take(200).collect(),
                }))),
            }
        }
    }

    impl<T: serde::de::DeserializeOwned> Stream for EventStream<T> {
        type Item = Result<Event<T>, Error>;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let this = self.get_mut();
            loop {
                if this.finished {
                    return Poll::Ready(None);
                }
                if let Some(raw) = this.ready.pop_front() {
                    if is_sentinel(&raw.data) && serde_json::from_str::<T>(&raw.data).is_err() {
                        this.finished = true;
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(this.decode(raw)));
                }
                match this.bytes.poll_next_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(None) => {
                        this.finished = true;
                        return Poll::Ready(None);
                    }
                    Poll::Ready(Some(Err(error))) => {
                        this.finished = true;
                        return Poll::Ready(Some(Err(error)));
                    }
                    Poll::Ready(Some(Ok(chunk))) => {
                        let events = this.decoder.feed(&chunk);
                        this.ready.extend(events);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&[u8]]) -> Vec<RawEvent> {
        let mut decoder = Decoder::new();
        chunks.iter().flat_map(|c| decoder.feed(c)).collect()
    }

    #[test]
    fn frames_data_event_id_and_comments() {
        let got = events(&[
            b"\xEF\xBB\xBF: a comment\n",
            b"event: delta\nid: 7\ndata: {\"a\":\ndata:1}\n\n",
            b"data: second\r\n\r\n",
            b"retry: 3000\ndata:third\r\rid\ndata\n\n",
            b"data: unfinished",
        ]);
        assert_eq!(
            got,
            [
                RawEvent {
                    event: Some("delta".into()),
                    id: Some("7".into()),
                    data: "{\"a\":\n1}".into(),
                    retry: None
                },
                RawEvent {
                    event: None,
                    id: Some("7".into()),
                    data: "second".into(),
                    retry: None
                },
                RawEvent {
                    event: None,
                    id: Some("7".into()),
                    data: "third".into(),
                    retry: Some(3000)
                },
                RawEvent {
                    event: None,
                    id: None,
                    data: "".into(),
                    retry: None
                },
            ]
        );
    }

    #[test]
    fn line_ends_split_across_chunks_and_events_without_data() {
        // `\r` at the end of one chunk and `\n` at the start of the next are one line end.
        let got = events(&[b"data: a\r", b"\n\r", b"\nevent: ping\n\n", b"data: b\n\n"]);
        let data: Vec<&str> = got.iter().map(|e| e.data.as_str()).collect();
        assert_eq!(data, ["a", "b"]);
        // The `event:` of a dispatch without data does not leak into the next event.
        assert_eq!(got[1].event, None);
    }

    #[test]
    fn sentinels_are_bracketed_words() {
        assert!(is_sentinel("[DONE]"));
        assert!(is_sentinel(" [done] "));
        assert!(!is_sentinel("[1]"));
        assert!(!is_sentinel("[]"));
        assert!(!is_sentinel("{\"done\":true}"));
    }
}
