//! Serving a router over HTTP/1 with Stripe error envelopes even for requests hyper itself
//! refuses, and with what a server on the open internet needs: a header read timeout, a
//! per-request timeout, a connection cap, back-off when file descriptors run out, and a
//! graceful shutdown.
//!
//! hyper answers a request head it cannot parse (a control character in a header, a URI over
//! 64 KiB, more than 100 headers, a head over ~400 KiB) with a bare 400/414/431 before any
//! application code runs. [`serve`] puts a [`HeadGuard`] between the socket and hyper: it
//! follows the request framing (head, then a `Content-Length` or chunked body), checks every
//! head with hyper's own parser rules before hyper sees it, and at the first head hyper would
//! refuse it ends the stream there. hyper finishes the requests before it and closes; the
//! guard then writes the refusal as a Stripe envelope (with a `Request-Id`) and closes the
//! connection, as hyper would have. The guard also times heads (a head begun and not ended
//! in time is refused with a 408) and, when the server drains, ends the stream at the next
//! head so that hyper closes the connection after the response it is writing.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::{Instant, Sleep};

use super::edge::{new_request_id, ANSWER_CORS};
use super::ServerError;
use crate::ErrorEnvelope;

/// hyper's limits (hyper 1.x `proto::h1`): 100 headers, a URI of at most 65,534 bytes, and
/// a read buffer of 8 KiB + 100 × 4 KiB for a head.
const MAX_HEADERS: usize = 100;
const MAX_URI_LEN: usize = u16::MAX as usize - 1;
const MAX_HEAD_LEN: usize = 8192 + 4096 * 100;

/// How [`serve_with`] treats connections and requests.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// A connection that does not send a complete request head this long after it opened
    /// (or after the head's first byte, for later requests) is closed, with a 408 envelope
    /// if a head was begun.
    pub header_read_timeout: Duration,
    /// A request not answered in this long is answered with a 503 `api_error` envelope (its
    /// handler is dropped, its idempotency key released).
    pub request_timeout: Duration,
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// On shutdown, how long requests in flight may take before their connections are cut.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Serves `router` on `listener` with [`ServeOptions::default`] until the listener fails:
/// like `axum::serve`, but hyper's own refusals become Stripe error envelopes.
pub async fn serve(listener: TcpListener, router: Router) -> io::Result<()> {
    serve_with(
        listener,
        router,
        ServeOptions::default(),
        std::future::pending(),
    )
    .await
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT): the usual `shutdown` for [`serve_with`].
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains: no new
/// connections, every request already read is answered (its response says
/// `Connection: close`), idle connections close, and after `options.shutdown_grace` what
/// is left is cut. Returns when every connection is closed, or with the listener's error.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let max = options.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max));
    let (drain_tx, drain_rx) = watch::channel(false);
    let draining = Arc::new(AtomicBool::new(false));
    let service = Deadline {
        router,
        timeout: options.request_timeout,
        draining: draining.clone(),
    };
    let spawn = |stream: TcpStream, permit: tokio::sync::OwnedSemaphorePermit| {
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(service.clone());
        let guard = HeadGuard::new(stream, options.header_read_timeout, drain_rx.clone());
        tokio::spawn(async move {
            serve_connection(guard, service).await;
            drop(permit);
        });
    };
    let mut shutdown = std::pin::pin!(shutdown);
    let accepting = async {
        loop {
            // Backpressure: at the cap, stop accepting until a connection closes.
            let permit = permits
                .clone()
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let stream = loop {
                match listener.accept().await {
                    Ok((stream, _)) => break stream,
                    Err(error) if is_out_of_descriptors(&error) => {
                        // Nothing to accept with until a descriptor is freed: wait a little
                        // instead of spinning on the error.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    // The peer reset before accept: not the server's problem.
                    Err(error) if is_connection_error(&error) => {}
                    Err(error) => return Err(error),
                }
            };
            spawn(stream, permit);
        }
    };
    tokio::select! {
        result = accepting => return result,
        () = &mut shutdown => {}
    }
    // Connections the kernel completed but nobody accepted yet are served too (their
    // responses say `Connection: close`) rather than reset with the listener.
    draining.store(true, Ordering::SeqCst);
    while let Some(Ok((stream, _))) = futures_util::FutureExt::now_or_never(listener.accept()) {
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            break;
        };
        spawn(stream, permit);
    }
    drop(listener);
    let _ = drain_tx.send(true);
    // Every connection holds a permit: all of them back means all closed.
    let closed = permits.acquire_many(max as u32);
    let _ = tokio::time::timeout(options.shutdown_grace, closed).await;
    Ok(())
}

async fn serve_connection(guard: HeadGuard, service: TowerToHyperService<Deadline>) {
    let refusal = guard.refusal.clone();
    let connection = hyper::server::conn::http1::Builder::new()
        .half_close(true)
        .serve_connection(TokioIo::new(guard), service)
        .without_shutdown();
    let Ok(parts) = connection.await else {
        return;
    };
    let mut stream = parts.io.into_inner().inner;
    let refusal = refusal.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(error) = refusal {
        let _ = stream.write_all(&refusal_response(error)).await;
    }
    let _ = stream.shutdown().await;
}

/// The router with the per-request timeout, and `Connection: close` while draining.
#[derive(Clone)]
struct Deadline {
    router: Router,
    timeout: Duration,
    draining: Arc<AtomicBool>,
}

impl tower::Service<Request<hyper::body::Incoming>> for Deadline {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<hyper::body::Incoming>) -> Self::Future {
        let answer = tower::Service::call(&mut self.router, request.map(axum::body::Body::new));
        let timeout = self.timeout;
        let draining = self.draining.clone();
        Box::pin(async move {
            let mut response = match tokio::time::timeout(timeout, answer).await {
                Ok(Ok(response)) => response,
                Ok(Err(never)) => match never {},
                Err(_) => timed_out(timeout),
            };
            if draining.load(Ordering::SeqCst) {
                response
                    .headers_mut()
                    .insert("connection", HeaderValue::from_static("close"));
            }
            Ok(response)
        })
    }
}

fn timed_out(timeout: Duration) -> Response {
    let error = ServerError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        crate::ErrorType::ApiError,
        format!(
            "The request was not answered within {} s; it may be retried.",
            timeout.as_secs_f64()
        ),
    );
    let mut response = error.into_response();
    response.headers_mut().insert(
        "request-id",
        HeaderValue::from_str(&new_request_id()).expect("ascii"),
    );
    response
}

fn is_out_of_descriptors(error: &io::Error) -> bool {
    // EMFILE (this process) and ENFILE (the system).
    matches!(error.raw_os_error(), Some(24) | Some(23))
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// The whole HTTP/1.1 response for a refused head.
fn refusal_response(error: ServerError) -> Vec<u8> {
    let body = serde_json::to_vec(&ErrorEnvelope {
        error: *error.error,
    })
    .unwrap_or_default();
    let request_id = new_request_id();
    let status = error.status;
    let cors: String = ANSWER_CORS
        .iter()
        .map(|(name, value)| format!("{name}: {}\r\n", value.to_str().unwrap_or_default()))
        .collect();
    let mut response = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         request-id: {request_id}\r\n{cors}connection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    response
}

/// Where the guard is in the request stream.
#[derive(Debug, Default)]
enum Framing {
    /// Collecting a request head (held back from hyper until it is checked).
    #[default]
    Head,
    /// Forwarding this many more body bytes.
    Body(u64),
    /// A chunked body: reading a chunk-size line.
    ChunkSize,
    /// Forwarding this many more bytes of chunk data (and its CRLF).
    ChunkData(u64),
    /// Reading trailer lines up to the empty line that ends the body.
    Trailers,
    /// Framing the guard does not follow (an upgrade, a malformed chunk): everything goes to
    /// hyper as it comes, hyper has the last word.
    Passthrough,
    /// A head was refused: nothing more reaches hyper.
    Refused,
}

/// The socket as hyper sees it: see the module documentation.
pub struct HeadGuard {
    inner: TcpStream,
    /// What each socket read lands in: one buffer per connection, not 16 KiB zeroed on the
    /// stack at every read.
    chunk: Box<[u8]>,
    framer: Framer,
    /// How much of `framer.ready` hyper has read.
    ready_from: usize,
    refusal: Arc<Mutex<Option<ServerError>>>,
    eof: bool,
    header_timeout: Duration,
    /// When the head being received must be complete: one timer per connection, reset at
    /// the first byte of each later head rather than allocated again.
    head_deadline: Pin<Box<Sleep>>,
    /// Whether `head_deadline` counts: set when the connection opens and when a later head
    /// begins, cleared when the head is complete.
    head_timed: bool,
    /// Becomes true when the server drains.
    drain: Pin<Box<dyn Future<Output = ()> + Send>>,
    draining: bool,
}

impl HeadGuard {
    fn new(inner: TcpStream, header_timeout: Duration, mut drain: watch::Receiver<bool>) -> Self {
        Self {
            inner,
            chunk: vec![0; 16 * 1024].into_boxed_slice(),
            framer: Framer::default(),
            ready_from: 0,
            refusal: Arc::new(Mutex::new(None)),
            eof: false,
            header_timeout,
            head_deadline: Box::pin(tokio::time::sleep(header_timeout)),
            head_timed: true,
            drain: Box::pin(async move {
                let _ = drain.wait_for(|draining| *draining).await;
            }),
            draining: false,
        }
    }

    /// Ends the stream for hyper (it finishes the response it is writing and closes),
    /// with `refusal` written after it if there is one.
    fn end(&mut self, refusal: Option<ServerError>) {
        if let Some(error) = refusal {
            *self.refusal.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
        }
        self.framer.framing = Framing::Refused;
        self.framer.unparsed.clear();
    }
}

fn head_timeout(after: Duration) -> ServerError {
    ServerError::new(
        StatusCode::REQUEST_TIMEOUT,
        crate::ErrorType::InvalidRequestError,
        format!(
            "The request head was not received within {} s.",
            after.as_secs_f64()
        ),
    )
}

/// The guard's bookkeeping, apart from any socket: bytes in, checked bytes out.
#[derive(Default)]
struct Framer {
    framing: Framing,
    /// Bytes read from the socket and not yet handled by the framing.
    unparsed: Vec<u8>,
    /// Bytes checked and ready for hyper.
    ready: Vec<u8>,
    /// How much of `unparsed` is known not to hold the end of the head.
    scanned: usize,
    /// Why the stream was cut, once it was.
    refused: Option<ServerError>,
}

impl Framer {
    /// Takes bytes from the socket.
    fn push(&mut self, bytes: &[u8]) {
        self.unparsed.extend_from_slice(bytes);
        self.advance();
    }

    /// The socket's end: an unfinished head or body goes to hyper as it is, for hyper to
    /// decide.
    fn finish(&mut self) {
        if !matches!(self.framing, Framing::Refused) {
            self.ready.append(&mut self.unparsed);
        }
    }

    /// Moves what the framing allows from `unparsed` to `ready`.
    fn advance(&mut self) {
        loop {
            match self.framing {
                Framing::Refused => {
                    self.unparsed.clear();
                    return;
                }
                Framing::Passthrough => {
                    self.ready.append(&mut self.unparsed);
                    return;
                }
                Framing::Head => {
                    // Empty lines before a request line are allowed (RFC 9112 §2.2).
                    let blank = self
                        .unparsed
                        .iter()
                        .take_while(|b| **b == b'\r' || **b == b'\n')
                        .count();
                    self.forward(blank);
                    self.scanned = self.scanned.saturating_sub(blank);
                    let Some(end) = find_head_end(&self.unparsed, &mut self.scanned) else {
                        let line = self.unparsed.iter().position(|b| *b == b'\n');
                        if line.unwrap_or(self.unparsed.len()) > MAX_URI_LEN + 32 {
                            // A request line already too long to be accepted.
                            self.refuse(uri_too_long());
                        } else if self.unparsed.len() > MAX_HEAD_LEN {
                            self.refuse(head_too_large());
                        }
                        return;
                    };
                    self.scanned = 0;
                    if end > MAX_HEAD_LEN {
                        // Refused however the head arrived: whole in one read, or in pieces
                        // (refused above as soon as they passed the limit).
                        self.refuse(head_too_large());
                        return;
                    }
                    match check_head(&self.unparsed[..end]) {
                        Ok(next) => {
                            self.forward(end);
                            self.framing = next;
                        }
                        Err(error) => self.refuse(error),
                    }
                }
                Framing::Body(0) => self.framing = Framing::Head,
                Framing::Body(left) => {
                    if self.unparsed.is_empty() {
                        return;
                    }
                    let n = left.min(self.unparsed.len() as u64);
                    self.forward(n as usize);
                    self.framing = Framing::Body(left - n);
                }
                Framing::ChunkSize => {
                    let Some(line) = self.unparsed.iter().position(|b| *b == b'\n') else {
                        if self.unparsed.len() > 4096 {
                            self.framing = Framing::Passthrough;
                        }
                        return;
                    };
                    let text = String::from_utf8_lossy(&self.unparsed[..line]);
                    let size = text
                        .trim_end_matches('\r')
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim();
                    match u64::from_str_radix(size, 16) {
                        Ok(0) => {
                            self.forward(line + 1);
                            self.framing = Framing::Trailers;
                        }
                        // The data and the CRLF after it.
                        Ok(size) if size < u64::MAX - 2 => {
                            self.forward(line + 1);
                            self.framing = Framing::ChunkData(size + 2);
                        }
                        _ => self.framing = Framing::Passthrough,
                    }
                }
                Framing::ChunkData(0) => self.framing = Framing::ChunkSize,
                Framing::ChunkData(left) => {
                    if self.unparsed.is_empty() {
                        return;
                    }
                    let n = left.min(self.unparsed.len() as u64);
                    self.forward(n as usize);
                    self.framing = Framing::ChunkData(left - n);
                }
                Framing::Trailers => {
                    let Some(line) = self.unparsed.iter().position(|b| *b == b'\n') else {
                        if self.unparsed.len() > MAX_HEAD_LEN {
                            self.framing = Framing::Passthrough;
                        }
                        return;
                    };
                    let empty = self.unparsed[..line].iter().all(|b| *b == b'\r');
                    self.forward(line + 1);
                    if empty {
                        self.framing = Framing::Head;
                    }
                }
            }
        }
    }

    fn forward(&mut self, n: usize) {
        self.ready.extend(self.unparsed.drain(..n));
    }

    fn refuse(&mut self, error: ServerError) {
        self.refused = Some(error);
        self.framing = Framing::Refused;
        self.unparsed.clear();
    }
}

/// The length of the head at the start of `bytes` (through its empty line), resuming the
/// search at `*scanned` so that a head arriving a byte at a time costs linear time.
fn find_head_end(bytes: &[u8], scanned: &mut usize) -> Option<usize> {
    let from = scanned.saturating_sub(3);
    let found = bytes[from..].windows(2).enumerate().find_map(|(i, w)| {
        let at = from + i;
        // `\n\n` (bare LF line endings, which httparse accepts) or `\n\r\n`.
        match w {
            [b'\n', b'\n'] => Some(at + 2),
            [b'\n', b'\r'] if bytes.get(at + 2) == Some(&b'\n') => Some(at + 3),
            _ => None,
        }
    });
    if found.is_none() {
        *scanned = bytes.len();
    }
    found
}
/// hyper's verdict on a complete head, and the framing of the body after it.
fn check_head(head: &[u8]) -> Result<Framing, ServerError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match httparse::ParserConfig::default().parse_request(&mut request, head) {
        Ok(httparse::Status::Complete(_)) => {}
        // Cannot happen for a head that ends in an empty line; let hyper decide.
        Ok(httparse::Status::Partial) => return Ok(Framing::Passthrough),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(ServerError::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                crate::ErrorType::InvalidRequestError,
                format!("The request has more than {MAX_HEADERS} headers."),
            ))
        }
        Err(error) => {
            let what = match error {
                httparse::Error::HeaderName => "a header name is not valid",
                httparse::Error::HeaderValue => {
                    "a header value contains a control character or is not valid"
                }
                httparse::Error::Token => "the request method is not valid",
                httparse::Error::Version => "the HTTP version is not valid",
                _ => "the request line or headers are malformed",
            };
            return Err(ServerError::invalid_request(
                format!("Malformed HTTP request: {what}."),
                None,
            ));
        }
    }
    if request.path.is_some_and(|p| p.len() > MAX_URI_LEN) {
        return Err(uri_too_long());
    }
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut upgrade = request.method == Some("CONNECT");
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|v| length.is_none_or(|l| l == *v));
            match value {
                Some(value) => length = Some(value),
                None => {
                    return Err(ServerError::invalid_request(
                        "Malformed HTTP request: the Content-Length header is not valid.",
                        None,
                    ))
                }
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = String::from_utf8_lossy(header.value)
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
            if !chunked {
                return Err(ServerError::invalid_request(
                    "Malformed HTTP request: a Transfer-Encoding must end in `chunked`.",
                    None,
                ));
            }
        } else if header.name.eq_ignore_ascii_case("upgrade") {
            upgrade = true;
        }
    }
    Ok(if upgrade {
        Framing::Passthrough
    } else if chunked {
        Framing::ChunkSize
    } else {
        Framing::Body(length.unwrap_or(0))
    })
}

fn uri_too_long() -> ServerError {
    ServerError::new(
        StatusCode::URI_TOO_LONG,
        crate::ErrorType::InvalidRequestError,
        format!("The request URI is longer than {MAX_URI_LEN} bytes."),
    )
}

fn head_too_large() -> ServerError {
    ServerError::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        crate::ErrorType::InvalidRequestError,
        format!("The request line and headers are larger than {MAX_HEAD_LEN} bytes."),
    )
}

impl AsyncRead for HeadGuard {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            let ready = &mut this.framer.ready;
            if this.ready_from < ready.len() {
                let available = &ready[this.ready_from..];
                let n = available.len().min(buf.remaining());
                buf.put_slice(&available[..n]);
                this.ready_from += n;
                if this.ready_from == ready.len() {
                    ready.clear();
                    this.ready_from = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.eof || matches!(this.framer.framing, Framing::Refused) {
                // End of stream for hyper: it finishes what it has and closes.
                return Poll::Ready(Ok(()));
            }
            let between_requests =
                matches!(this.framer.framing, Framing::Head) && this.framer.unparsed.is_empty();
            let mut read = ReadBuf::new(&mut this.chunk);
            match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) if read.filled().is_empty() => {
                    this.eof = true;
                    this.framer.finish();
                }
                Poll::Ready(Ok(())) => {
                    let was_between = between_requests;
                    this.framer.push(read.filled());
                    if let Some(error) = this.framer.refused.take() {
                        *this.refusal.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
                    }
                    let in_head = matches!(this.framer.framing, Framing::Head)
                        && !this.framer.unparsed.is_empty();
                    if !in_head {
                        this.head_timed = false;
                    } else if was_between && !this.head_timed {
                        let deadline = Instant::now() + this.header_timeout;
                        this.head_deadline.as_mut().reset(deadline);
                        this.head_timed = true;
                    }
                }
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => {
                    if !this.draining && this.drain.as_mut().poll(cx).is_ready() {
                        this.draining = true;
                    }
                    // Draining: a connection with nothing more arrived closes (after the
                    // response hyper may be writing); bytes already here are served first.
                    if this.draining && between_requests {
                        this.end(None);
                        continue;
                    }
                    // A disarmed timer may still wake the task once: it is not polled then.
                    if this.head_timed && this.head_deadline.as_mut().poll(cx).is_ready() {
                        this.head_timed = false;
                        // A connection that never began a head is closed quietly.
                        let begun = !this.framer.unparsed.is_empty();
                        this.end(begun.then(|| head_timeout(this.header_timeout)));
                        continue;
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl AsyncWrite for HeadGuard {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_judged_as_hyper_would() {
        let ok = check_head(b"POST /v1/charges HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n");
        assert!(matches!(ok, Ok(Framing::Body(12))), "{ok:?}");
        let chunked =
            check_head(b"POST /v1/charges HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        assert!(matches!(chunked, Ok(Framing::ChunkSize)), "{chunked:?}");
        for (head, status) in [
            (&b"GET / HTTP/1.1\r\nX-A: a\x01b\r\n\r\n"[..], 400),
            (b"GET / HTTP/1.1\r\nX A: b\r\n\r\n", 400),
            (
                b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                400,
            ),
            (b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
            (b"G\x01T / HTTP/1.1\r\n\r\n", 400),
        ] {
            let error = check_head(head).unwrap_err();
            assert_eq!(
                error.status.as_u16(),
                status,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(101));
        assert_eq!(
            check_head(many.as_bytes()).unwrap_err().status.as_u16(),
            431
        );
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_URI_LEN));
        assert_eq!(
            check_head(long.as_bytes()).unwrap_err().status.as_u16(),
            414
        );
    }

    /// Valid keep-alive traffic whose bodies look like heads and chunk lines.
    fn valid_requests() -> Vec<u8> {
        let tricky = b"x=1\r\n\r\nGET /evil HTTP/1.1\r\nX: \x01\r\n\r\n0\r\n\r\n";
        let mut stream = Vec::new();
        stream.extend_from_slice(b"\r\nGET /v1/customers?limit=3 HTTP/1.1\r\nHost: a\r\n\r\n");
        stream.extend_from_slice(
            format!(
                "POST /v1/charges HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
                tricky.len()
            )
            .as_bytes(),
        );
        stream.extend_from_slice(tricky);
        stream
            .extend_from_slice(b"POST /v1/charges HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        stream.extend_from_slice(format!("{:X};ext=1\r\n", tricky.len()).as_bytes());
        stream.extend_from_slice(tricky);
        stream.extend_from_slice(b"\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n");
        stream.extend_from_slice(b"DELETE /v1/customers/cus_1 HTTP/1.1\nHost: bare-lf\n\n");
        stream.extend_from_slice(b"GET /v1/charges HTTP/1.1\r\nHost: a\r\n\r\n");
        stream
    }

    /// Feeds `stream` in random pieces; the bytes that reach hyper.
    fn through(stream: &[u8], rng: &mut fastrand::Rng) -> (Vec<u8>, Option<ServerError>) {
        let mut framer = Framer::default();
        let mut out = Vec::new();
        let mut at = 0;
        while at < stream.len() {
            let n = rng.usize(1..=(stream.len() - at).min(64));
            framer.push(&stream[at..at + n]);
            out.append(&mut framer.ready);
            at += n;
        }
        framer.finish();
        out.append(&mut framer.ready);
        (out, framer.refused)
    }

    #[test]
    fn valid_traffic_passes_unchanged_however_it_is_split() {
        let stream = valid_requests();
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..2_000 {
            let (out, refused) = through(&stream, &mut rng);
            assert!(refused.is_none());
            assert!(out == stream, "{}", String::from_utf8_lossy(&out));
        }
    }

    #[test]
    fn the_stream_stops_at_the_first_refused_head() {
        let valid = valid_requests();
        let mut stream = valid.clone();
        stream.extend_from_slice(b"GET / HTTP/1.1\r\nX-Bad: a\x01b\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..2_000 {
            let (out, refused) = through(&stream, &mut rng);
            assert!(out == valid, "{}", String::from_utf8_lossy(&out));
            assert_eq!(refused.map(|e| e.status.as_u16()), Some(400));
        }
        // A head that never ends is cut once it is too large for hyper anyway.
        let mut framer = Framer::default();
        framer.push(b"GET / HTTP/1.1\r\n");
        for _ in 0..(MAX_HEAD_LEN / 1000 + 1) {
            framer.push(&[b'a'; 1000]);
        }
        assert_eq!(framer.refused.map(|e| e.status.as_u16()), Some(431));
        assert!(framer.ready.is_empty() && framer.unparsed.is_empty());
        // So is a complete head over the limit that arrives in one piece.
        let mut framer = Framer::default();
        let big = format!(
            "GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n",
            "b".repeat(MAX_HEAD_LEN)
        );
        framer.push(big.as_bytes());
        assert_eq!(framer.refused.map(|e| e.status.as_u16()), Some(431));
        assert!(framer.ready.is_empty());
    }
}
