//! Responses: what a generated response enum turns into (a status and an optional body with
//! its content type), and the one place a body becomes an HTTP response.

use ::axum::http::{header, HeaderValue, StatusCode};
use ::axum::response::Response;

/// A response enum of an operation: its status and JSON body.
pub trait ApiResponse {
    /// The status, and the body if there is one.
    fn into_parts(self) -> (StatusCode, Option<Payload>);

    /// The response as a stream of events, if it is one (then it is sent as it is made, and
    /// never stored for an idempotent replay); `Err(self)` otherwise.
    fn into_stream(self) -> Result<::axum::response::Response, Self>
    where
        Self: Sized,
    {
        Err(self)
    }
}

/// A response body and its content type.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    /// The `Content-Type` header's value.
    pub content_type: std::borrow::Cow<'static, str>,
    /// The body (shared, not copied, when an idempotency store keeps it).
    pub bytes: ::axum::body::Bytes,
}

/// A body that is not JSON (a PDF, text...), sent as it is.
pub fn raw_body(
    content_type: &'static str,
    bytes: impl Into<::axum::body::Bytes>,
) -> Option<Payload> {
    Some(Payload {
        content_type: content_type.into(),
        bytes: bytes.into(),
    })
}

/// The status of a documented code (500 for a code HTTP does not allow).
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A serializer buffer this large or smaller is kept for the thread's next body.
const KEPT_BUFFER: usize = 256 * 1024;

/// Bodies up to this size are copied into the thread's current chunk of [`BODY_CHUNK`]
/// bytes instead of an allocation of their own.
const SMALL_BODY: usize = 4 * 1024;

/// The chunks small bodies share.
const BODY_CHUNK: usize = 16 * 1024;

thread_local! {
    /// Where bodies are serialized, reused, so that a body is not written through a series
    /// of doublings (each a copy of what was written so far): a small body is then copied
    /// into the [`CHUNK`], and a large one takes the buffer, leaving a new one as large.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The chunk small bodies are copied into. A body of a kilobyte or more allocated and
    /// freed on every request met glibc's heap top each time, and each free consolidated
    /// the allocator's fast bins (about 0.25 µs of a 6 µs create charge); a chunk is
    /// allocated once per dozen bodies, and freed when its last body has been sent.
    static CHUNK: std::cell::RefCell<::bytes::BytesMut> =
        std::cell::RefCell::new(::bytes::BytesMut::new());
}

/// A small `serialized` body as a body of its own.
fn small_body(serialized: &[u8]) -> ::axum::body::Bytes {
    CHUNK.with(|cell| match cell.try_borrow_mut() {
        Ok(mut chunk) => copy_into(&mut chunk, BODY_CHUNK, &[serialized]),
        Err(_) => ::axum::body::Bytes::copy_from_slice(serialized),
    })
}

/// `parts`, one after the other, copied into `block` as one piece of it, the block replaced
/// by a new one of `size` bytes (or the piece's, if larger) when what is left of it is too
/// small, and written from its start again when every piece cut from it is gone. A block
/// is freed when its last piece is: many small pieces cost a few large allocations instead
/// of one each (response bodies, the idempotency store's kept keys).
pub(super) fn copy_into(
    block: &mut ::bytes::BytesMut,
    size: usize,
    parts: &[&[u8]],
) -> ::axum::body::Bytes {
    let length = parts.iter().map(|part| part.len()).sum();
    // When every piece cut from the block is gone (a body sent), the next is written at its
    // start again: memory still in the cache, rather than the next kilobyte along.
    let _ = block.try_reclaim(size);
    // After a split, the capacity is what is left of the block.
    if block.capacity() < length {
        *block = ::bytes::BytesMut::with_capacity(size.max(length));
    }
    for part in parts {
        block.extend_from_slice(part);
    }
    block.split().freeze()
}

/// The JSON body of a response variant.
pub fn json_body<T: serde::Serialize>(value: &T) -> Option<Payload> {
    let fallback = || ::axum::body::Bytes::from_static(b"{}");
    let bytes = BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            let bytes = match serde_json::to_writer(&mut *buffer, value) {
                // A large body takes the buffer itself, not a copy of it; the thread gets a
                // new buffer of the same capacity (an allocation, none of it written yet).
                Ok(()) if buffer.len() > SMALL_BODY => {
                    let capacity = buffer.capacity().min(KEPT_BUFFER);
                    std::mem::replace(&mut *buffer, Vec::with_capacity(capacity)).into()
                }
                Ok(()) => small_body(&buffer),
                Err(_) => fallback(),
            };
            if buffer.capacity() > KEPT_BUFFER {
                *buffer = Vec::new();
            }
            bytes
        }
        // A body made while making another (a `Serialize` that serializes): its own buffer.
        Err(_) => serde_json::to_vec(value).map_or_else(|_| fallback(), Into::into),
    });
    Some(Payload {
        content_type: "application/json".into(),
        bytes,
    })
}

pub(super) fn json_response<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    bytes_response(status, json_body(value))
}

pub(super) fn bytes_response(status: StatusCode, body: Option<Payload>) -> Response {
    let mut response = match body {
        Some(payload) => {
            let mut response = Response::new(::axum::body::Body::from(payload.bytes));
            let content_type = match payload.content_type {
                std::borrow::Cow::Borrowed(media) => Some(HeaderValue::from_static(media)),
                std::borrow::Cow::Owned(media) => HeaderValue::try_from(media).ok(),
            };
            if let Some(content_type) = content_type {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, content_type);
            }
            response
        }
        None => Response::new(::axum::body::Body::empty()),
    };
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small bodies share a chunk and each keeps its own bytes; a large one is its own.
    #[test]
    fn bodies_keep_their_bytes_whatever_they_share() {
        let bodies: Vec<_> = (0..2_000)
            .map(|i| json_body(&serde_json::json!({"n": i, "pad": "x".repeat(i % 700)})).unwrap())
            .collect();
        for (i, body) in bodies.iter().enumerate() {
            let value: serde_json::Value = serde_json::from_slice(&body.bytes).unwrap();
            assert_eq!(value["n"], i, "body {i}");
            assert_eq!(value["pad"].as_str().map(str::len), Some(i % 700));
        }
        let large = "y".repeat(SMALL_BODY * 3);
        let body = json_body(&large).unwrap();
        assert_eq!(body.bytes.len(), large.len() + 2);
        assert_eq!(body.content_type, "application/json");
    }

    /// A body is written over the chunk's start again only once every earlier body is gone.
    #[test]
    fn a_chunk_is_reused_only_when_its_bodies_are_gone() {
        let body = |n: usize| json_body(&serde_json::json!({"n": n})).unwrap().bytes;
        let first = body(1);
        let second = body(2);
        assert_ne!(first.as_ptr(), second.as_ptr());
        assert_eq!(
            &first[..],
            br#"{"n":1}"#,
            "kept while the second was written"
        );
        let at = first.as_ptr();
        drop((first, second));
        let third = body(3);
        assert_eq!(third.as_ptr(), at, "written at the chunk's start again");
        assert_eq!(&third[..], br#"{"n":3}"#);
        let fourth = body(4);
        assert_eq!(
            &third[..],
            br#"{"n":3}"#,
            "kept while the fourth was written"
        );
        assert_eq!(&fourth[..], br#"{"n":4}"#);
    }
}
