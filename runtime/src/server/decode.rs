//! Request decoding: a request read once ([`RawRequest`]), then its path, header and query
//! parameters and its form, JSON or multipart body validated against the operation's
//! schemas and decoded into the operation's types.

use std::borrow::Cow;
use std::sync::Arc;

use ::axum::body::Bytes;
use ::axum::extract::{FromRequestParts, RawPathParams, Request};
use ::axum::http::request::Parts;
use ::axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use ::axum::response::Response;
use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::task::{ready, Poll};

use super::context::Context;
use super::edge::Admitted;
use super::error::{Rejection, ServerError};
use super::idempotency::IdempotencyStore;
use super::node::Node;
use super::schema::check;
use super::{form, Schema, BODY_LIMIT};
use crate::ErrorType;

/// A request as received, before it is decoded into an operation's request type.
pub struct RawRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path as received.
    pub path: String,
    /// Path parameters by name, as the router matched them.
    pub path_params: Vec<(String, String)>,
    /// The query string without `?`.
    pub query: String,
    /// Every request header.
    pub headers: HeaderMap,
    /// The body, up to [`super::BODY_LIMIT`].
    pub body: Bytes,
    /// What the handler gets besides its parameters.
    pub context: Context,
    /// The parts of a `multipart/form-data` body: name and content.
    pub multipart: Option<Vec<(String, Bytes)>>,
    pub(super) store: Arc<dyn IdempotencyStore>,
    /// The request's fingerprint, kept by [`RawRequest::form_body`] when the request carries
    /// an idempotency key, so that the body is not parsed again for it.
    pub(super) fingerprint: std::sync::OnceLock<String>,
}

impl RawRequest {
    /// Reads a request admitted by the edge (and its body, up to [`BODY_LIMIT`]). All but
    /// the body is read when called: the future only collects the body, and holds no second
    /// copy of the request (as an `async fn` would, keeping its arguments beside its locals).
    pub(super) fn read(admitted: Admitted<'_>, request: Request) -> Read {
        let (parts, body) = request.into_parts();
        Read {
            raw: Some(Self::from_parts(admitted, parts)),
            body: Some(Collect::new(body)),
            multipart: None,
        }
    }

    /// The request but its body (left empty).
    fn from_parts(admitted: Admitted<'_>, mut parts: Parts) -> Result<Self, ServerError> {
        // Ready at once: the router left the parameters in the request's extensions.
        let params = match RawPathParams::from_request_parts(&mut parts, &()).now_or_never() {
            Some(Ok(params)) => params,
            Some(Err(rejection)) => {
                return Err(ServerError::from(Rejection::new(
                    "",
                    format!("Invalid request path: {}", rejection.body_text()),
                )))
            }
            None => return Err(ServerError::internal("The path parameters were not ready.")),
        };
        let Admitted {
            edge,
            key: api_key,
            request_id,
            store,
        } = admitted;
        let header = |name: &str| {
            header_value(&parts.headers, name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (mode, restricted) = match edge.conventions.mode_of(&api_key) {
            Some((mode, restricted)) => (Some(mode), restricted),
            None => (None, false),
        };
        let named = |name: Option<&str>| name.and_then(header);
        let context = Context {
            api_key,
            mode,
            restricted,
            account: named(edge.conventions.account_header),
            version: named(edge.conventions.version_header),
            idempotency_key: header(crate::IDEMPOTENCY_KEY),
            request_id,
        };
        Ok(Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            path_params: params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            headers: parts.headers,
            body: Bytes::new(),
            context,
            multipart: None,
            store,
            fingerprint: std::sync::OnceLock::new(),
        })
    }

    /// The `Idempotency-Key` that applies to this request: the one sent with a POST (other
    /// methods are idempotent by themselves).
    pub fn idempotency_key(&self) -> Option<&str> {
        match self.method {
            Method::POST => self.context.idempotency_key.as_deref(),
            _ => None,
        }
    }

    /// A `multipart/form-data` body: the parts named in `files` as bytes, the others as text
    /// fields in bracket notation.
    pub fn multipart_body<T: DeserializeOwned>(
        &self,
        schema: &Schema,
        files: &[&str],
    ) -> Result<T, Rejection> {
        let parts: &[(String, Bytes)] = match &self.multipart {
            Some(parts) => parts,
            None if self.body.is_empty() => &[],
            None => {
                return Err(Rejection::new(
                    "",
                    "Invalid request: the body must be sent as `multipart/form-data`.",
                ))
            }
        };
        let texts = parts
            .iter()
            .filter(|(name, _)| !files.contains(&name.as_str()))
            .map(|(name, data)| {
                let text = std::str::from_utf8(data).map_err(|_| {
                    Rejection::new(name, format!("Invalid {name}: not UTF-8 text."))
                })?;
                Ok((Cow::Borrowed(name.as_str()), Cow::Borrowed(text)))
            });
        let mut value = form::parse_pairs(texts)?;
        if let Node::Object(object) = &mut value {
            for (name, data) in parts
                .iter()
                .filter(|(name, _)| files.contains(&name.as_str()))
            {
                let bytes = data.iter().map(|b| Node::Number((*b).into())).collect();
                if object
                    .insert(Cow::Borrowed(name.as_str()), Node::Array(bytes))
                    .is_some()
                {
                    return Err(Rejection::new(
                        name,
                        format!("Received more than one file for `{name}`."),
                    ));
                }
            }
        }
        typed(check(value, schema, "", true)?, "")
    }

    /// A path parameter, validated and typed.
    pub fn path_param<T: DeserializeOwned>(
        &self,
        name: &str,
        schema: &Schema,
    ) -> Result<T, Rejection> {
        let value = self
            .path_params
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str());
        typed(check(Node::String(value.into()), schema, name, true)?, name)
    }

    /// A header parameter, validated and typed (`None` when absent).
    pub fn header_param<T: DeserializeOwned>(
        &self,
        name: &str,
        schema: &Schema,
    ) -> Result<Option<T>, Rejection> {
        let Some(value) = header_value(&self.headers, name) else {
            return Ok(None);
        };
        let text = value
            .to_str()
            .map_err(|_| Rejection::new(name, format!("Invalid {name} header.")))?;
        typed(check(Node::String(text.into()), schema, name, true)?, name).map(Some)
    }

    /// A required header parameter, validated and typed.
    pub fn required_header_param<T: DeserializeOwned>(
        &self,
        name: &str,
        schema: &Schema,
    ) -> Result<T, Rejection> {
        self.header_param(name, schema)?
            .ok_or_else(|| Rejection::new(name, format!("Missing required header: {name}.")))
    }

    /// The query parameters as the operation's query struct.
    pub fn query<T: DeserializeOwned>(&self, schema: &Schema) -> Result<T, Rejection> {
        typed(check(form::parse(&self.query)?, schema, "", true)?, "")
    }

    /// Rejects query parameters on an operation that has none.
    pub fn no_query(&self) -> Result<(), Rejection> {
        if self.query.is_empty() {
            return Ok(());
        }
        static NONE: Schema = Schema::Object {
            fields: &[],
            additional: None,
        };
        check(form::parse(&self.query)?, &NONE, "", true).map(drop)
    }

    /// A form-encoded body as the operation's body type.
    pub fn form_body<T: DeserializeOwned>(&self, schema: &Schema) -> Result<T, Rejection> {
        self.expect_content_type("application/x-www-form-urlencoded")?;
        let text = std::str::from_utf8(&self.body)
            .map_err(|_| Rejection::new("", "The request body must be valid UTF-8."))?;
        let value = form::parse(text)?;
        if self.idempotency_key().is_some() {
            let _ = self
                .fingerprint
                .set(super::idempotency::form_fingerprint(self, &value));
        }
        typed(check(value, schema, "", true)?, "")
    }

    /// A JSON body as the operation's body type.
    pub fn json_body<T: DeserializeOwned>(&self, schema: &Schema) -> Result<T, Rejection> {
        self.expect_content_type("application/json")?;
        let value: Node = serde_json::from_slice(&self.body)
            .map_err(|e| Rejection::new("", format!("The request body is not valid JSON: {e}")))?;
        typed(check(value, schema, "", false)?, "")
    }

    fn expect_content_type(&self, expected: &str) -> Result<(), Rejection> {
        match content_type(&self.headers) {
            None if self.body.is_empty() => Ok(()),
            Some((_, essence)) if essence.eq_ignore_ascii_case(expected) => Ok(()),
            _ => Err(Rejection::new(
                "",
                format!("Invalid request: the body must be sent as `{expected}`."),
            )),
        }
    }
}

/// The first value of header `name`, in any case. A request has few headers, and comparing
/// the names in turn costs less than `HeaderMap::get` with a `&str`, which parses,
/// lowercases and hashes the name first (about 190 instructions a lookup, against 20).
pub(super) fn header_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h HeaderValue> {
    if headers.len() > 16 {
        return headers.get(name);
    }
    // `iter` yields a name's values in order, so its first match is what `get` gives.
    headers
        .iter()
        .find(|(known, _)| known.as_str().eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// The request's `Content-Type` as sent (with its parameters) and its essence (compare it
/// ignoring ASCII case): the one place a request's content type is parsed.
fn content_type(headers: &HeaderMap) -> Option<(&str, &str)> {
    let raw = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = raw.split(';').next().unwrap_or_default().trim();
    Some((raw, essence))
}

/// A multipart body's parts, being read.
type MultipartParts =
    std::pin::Pin<Box<dyn Future<Output = Result<Vec<(String, Bytes)>, Rejection>> + Send>>;

/// Starts reading a multipart body's parts, or none for another content type. Boxed: the
/// reader's state is large (1.4 KB), and every request's future would carry it (moved
/// whole at each level of the future that starts it) though few are multipart.
fn multipart_parts(headers: &HeaderMap, body: &Bytes) -> Option<MultipartParts> {
    let (content_type, essence) = content_type(headers)?;
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    Some(Box::pin(read_multipart(
        content_type.to_owned(),
        body.clone(),
    )))
}

/// The future of [`RawRequest::read`]: the request but its body was read when it was made;
/// this collects the body (and a multipart body's parts). A future of its own rather than
/// an `async` block, which held the request twice (its argument and its local).
pub(super) struct Read {
    /// The request but its body; taken when done.
    raw: Option<Result<RawRequest, ServerError>>,
    /// The body, until it has been read whole.
    body: Option<Collect>,
    /// The multipart body's parts, being read.
    multipart: Option<MultipartParts>,
}

impl Future for Read {
    type Output = Result<RawRequest, Response>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(Ok(raw)) = &mut this.raw {
            if let Some(body) = &mut this.body {
                let body = ready!(body.poll_collect(cx));
                this.body = None;
                match body {
                    Ok(body) => raw.body = body,
                    Err(response) => {
                        this.raw = None;
                        return Poll::Ready(Err(response));
                    }
                }
                this.multipart = multipart_parts(&raw.headers, &raw.body);
            }
            if let Some(parts) = &mut this.multipart {
                let parts = ready!(parts.as_mut().poll(cx));
                this.multipart = None;
                match parts {
                    Ok(parts) => raw.multipart = Some(parts),
                    Err(rejection) => {
                        this.raw = None;
                        return Poll::Ready(Err(ServerError::from(rejection).into_response()));
                    }
                }
            }
        }
        Poll::Ready(
            this.raw
                .take()
                .expect("Read polled after it was done")
                .map_err(ServerError::into_response),
        )
    }
}

/// A body being read whole, up to [`BODY_LIMIT`].
struct Collect {
    body: ::axum::body::Body,
    /// The first chunk: most bodies are one, kept as it is, not copied.
    first: Option<Bytes>,
    /// The chunks after the first, with it, copied together.
    rest: Option<::bytes::BytesMut>,
}

impl Collect {
    fn new(body: ::axum::body::Body) -> Self {
        Self {
            body,
            first: None,
            rest: None,
        }
    }

    /// The whole body, or the response refusing it.
    fn poll_collect(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Result<Bytes, Response>> {
        use ::axum::body::HttpBody;
        while let Some(frame) = ready!(std::pin::Pin::new(&mut self.body).poll_frame(cx)) {
            let data = match frame.map(|frame| frame.into_data()) {
                Ok(Ok(data)) => data,
                Ok(Err(_trailers)) => continue,
                Err(error) => {
                    return Poll::Ready(Err(ServerError::new(
                        StatusCode::BAD_REQUEST,
                        ErrorType::InvalidRequestError,
                        format!("The request body could not be read: {error}"),
                    )
                    .into_response()))
                }
            };
            let read = self.first.as_ref().map_or(0, Bytes::len)
                + self.rest.as_ref().map_or(0, |rest| rest.len());
            if read + data.len() > BODY_LIMIT {
                return Poll::Ready(Err(ServerError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorType::InvalidRequestError,
                    format!(
                        "The request body is too large: at most {BODY_LIMIT} bytes are accepted."
                    ),
                )
                .into_response()));
            }
            if let Some(rest) = &mut self.rest {
                rest.extend_from_slice(&data);
            } else if let Some(first) = self.first.take() {
                let mut rest = ::bytes::BytesMut::with_capacity(first.len() + data.len());
                rest.extend_from_slice(&first);
                rest.extend_from_slice(&data);
                self.rest = Some(rest);
            } else {
                self.first = Some(data);
            }
        }
        Poll::Ready(Ok(match (self.rest.take(), self.first.take()) {
            (Some(rest), _) => rest.freeze(),
            (None, Some(first)) => first,
            (None, None) => Bytes::new(),
        }))
    }
}

async fn read_multipart(
    content_type: String,
    body: Bytes,
) -> Result<Vec<(String, Bytes)>, Rejection> {
    let invalid = |e: multer::Error| Rejection::new("", format!("Invalid multipart body: {e}"));
    let boundary = multer::parse_boundary(&content_type).map_err(invalid)?;
    let stream =
        futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(invalid)? {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(invalid)?;
        parts.push((name, data));
        if parts.len() > form::MAX_PARAMS {
            return Err(Rejection::new("", "Too many parts in the multipart body."));
        }
    }
    Ok(parts)
}

fn typed<T: DeserializeOwned>(value: Node, param: &str) -> Result<T, Rejection> {
    T::deserialize(value).map_err(|e| Rejection::new(param, format!("Invalid request: {e}")))
}

#[cfg(test)]
mod tests {
    use super::super::{Field, StringSchema};
    use super::*;
    use crate::{ApiKey, Mode};

    static PURPOSE: Schema = Schema::String(StringSchema {
        min_length: None,
        max_length: None,
        values: Some(&["evidence"]),
        open: false,
    });
    static LINK: Schema = Schema::Object {
        fields: &[Field {
            name: "create",
            required: false,
            nullable: false,
            schema: &Schema::Boolean,
        }],
        additional: None,
    };
    static UPLOAD: Schema = Schema::Object {
        fields: &[
            Field {
                name: "file",
                required: true,
                nullable: false,
                schema: &Schema::Any,
            },
            Field {
                name: "link",
                required: false,
                nullable: false,
                schema: &LINK,
            },
            Field {
                name: "purpose",
                required: true,
                nullable: false,
                schema: &PURPOSE,
            },
        ],
        additional: None,
    };

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Upload {
        file: Vec<u8>,
        link: BTreeLink,
        purpose: String,
    }

    type BTreeLink = std::collections::BTreeMap<String, bool>;

    /// The context of a test-mode request with `idempotency_key`.
    fn test_context(idempotency_key: Option<&str>) -> Context {
        Context {
            api_key: ApiKey::new("sk_test_1"),
            mode: Some(Mode::Test),
            restricted: false,
            account: None,
            version: None,
            idempotency_key: idempotency_key.map(str::to_owned),
            request_id: "req_1".into(),
        }
    }

    /// A body's multipart parts, read to the end (none for another content type).
    async fn parts_of(
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Option<Vec<(String, Bytes)>>, Rejection> {
        match multipart_parts(headers, body) {
            Some(parts) => parts.await.map(Some),
            None => Ok(None),
        }
    }

    /// A body read whole through [`Collect`]: its bytes, or the status refusing it.
    async fn collected(
        chunks: Vec<Result<&'static [u8], &'static str>>,
    ) -> Result<Bytes, StatusCode> {
        let stream = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|chunk| chunk.map(Bytes::from_static).map_err(std::io::Error::other)),
        );
        let mut collect = Collect::new(::axum::body::Body::from_stream(stream));
        std::future::poll_fn(|cx| collect.poll_collect(cx))
            .await
            .map_err(|response| response.status())
    }

    #[tokio::test]
    async fn bodies_are_read_whole_up_to_the_limit() {
        assert_eq!(collected(vec![]).await, Ok(Bytes::new()));
        assert_eq!(
            collected(vec![Ok(b"amount=1")]).await,
            Ok(Bytes::from_static(b"amount=1"))
        );
        assert_eq!(
            collected(vec![Ok(b"amount"), Ok(b""), Ok(b"=1"), Ok(b"&x=2")]).await,
            Ok(Bytes::from_static(b"amount=1&x=2"))
        );
        let half: &'static [u8] = vec![b'a'; BODY_LIMIT / 2].leak();
        assert_eq!(
            collected(vec![Ok(half), Ok(half)]).await.map(|b| b.len()),
            Ok(BODY_LIMIT)
        );
        assert_eq!(
            collected(vec![Ok(half), Ok(half), Ok(b"a")]).await,
            Err(StatusCode::PAYLOAD_TOO_LARGE)
        );
        assert_eq!(
            collected(vec![Ok(b"amount"), Err("connection reset")]).await,
            Err(StatusCode::BAD_REQUEST)
        );
    }

    /// A keyed form POST keeps its body's canonical form when decoded; its fingerprint is
    /// the one a fresh parse gives.
    #[test]
    fn a_decoded_form_body_gives_the_fingerprint_a_parse_gives() {
        static ANY: Schema = Schema::Any;
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let raw = RawRequest {
            method: Method::POST,
            path: "/v1/charges".into(),
            path_params: Vec::new(),
            query: "expand[]=customer".into(),
            headers,
            body: Bytes::from_static(b"metadata[b]=2&amount=100&metadata[a]=%22q%22&x[]=1&x[]=0"),
            context: test_context(Some("key-1")),
            multipart: None,
            store: Arc::new(super::super::idempotency::MemoryStore::new()),
            fingerprint: Default::default(),
        };
        let parsed = super::super::idempotency::fingerprint(&raw);
        assert!(raw.fingerprint.get().is_none());
        let _: serde_json::Value = raw.form_body(&ANY).unwrap();
        assert!(raw.fingerprint.get().is_some(), "kept by the decoding");
        assert_eq!(super::super::idempotency::fingerprint(&raw), parsed);
        assert_eq!(
            parsed,
            r#"POST /v1/charges?{"expand":["customer"]} {"amount":"100","metadata":{"a":"\"q\"","b":"2"},"x":["1","0"]}"#
        );
    }

    #[tokio::test]
    async fn multipart_bodies_round_trip_through_client_encoding_and_server_decoding() {
        let upload = Upload {
            file: vec![0, 159, 146, 150, b'\r', b'\n'],
            link: [("create".to_owned(), true)].into(),
            purpose: "evidence".into(),
        };
        let body = crate::Body::multipart(&upload, &["file"]).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, body.content_type.parse().unwrap());
        let bytes = Bytes::from(body.bytes);
        let parts = parts_of(&headers, &bytes).await.unwrap();
        let raw = RawRequest {
            method: Method::POST,
            path: "/v1/files".into(),
            path_params: Vec::new(),
            query: String::new(),
            headers,
            body: bytes,
            context: test_context(None),
            multipart: parts,
            store: Arc::new(super::super::idempotency::MemoryStore::new()),
            fingerprint: Default::default(),
        };
        let decoded: Upload = raw.multipart_body(&UPLOAD, &["file"]).unwrap();
        assert_eq!(decoded, upload);
        let bad = Upload {
            purpose: "other".into(),
            ..decoded
        };
        let body = crate::Body::multipart(&bad, &["file"]).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, body.content_type.parse().unwrap());
        let bytes = Bytes::from(body.bytes);
        let raw = RawRequest {
            multipart: parts_of(&headers, &bytes).await.unwrap(),
            headers,
            body: bytes,
            ..raw
        };
        assert_eq!(
            raw.multipart_body::<Upload>(&UPLOAD, &["file"])
                .unwrap_err()
                .param,
            "purpose"
        );
        assert!(parts_of(&raw.headers, &Bytes::from_static(b"garbage"))
            .await
            .is_err());
    }
}
