//! The async HTTP client: reqwest with rustls, retries, connection reuse.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use http::{HeaderValue, Method};

use crate::client_error::{parse_response, Error, Response};
use futures_util::StreamExt;

use crate::request::{to_http_request, ApiKey, ApiRequest, AuthScheme};
use crate::retry::{retry_after, Outcome, RetryConfig};
use crate::sse::{EventStream, StreamRequest};
use crate::IDEMPOTENCY_KEY;

/// An API client. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    key: Option<ApiKey>,
    scheme: AuthScheme,
    retry: RetryConfig,
    timeout: Duration,
    default_headers: Vec<(&'static str, String)>,
}

/// What the attempts of one call ended with.
enum Answer {
    /// A response read whole.
    Whole(http::StatusCode, http::HeaderMap, Vec<u8>),
    /// A success whose body is still arriving (a stream of events).
    Streaming(reqwest::Response),
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("key", &self.key)
            .field("scheme", &self.scheme)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Client`].
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    base_url: String,
    key: Option<ApiKey>,
    scheme: AuthScheme,
    retry: RetryConfig,
    connect_timeout: Duration,
    timeout: Duration,
    allow_insecure_http: bool,
    default_headers: Vec<(&'static str, String)>,
}

impl ClientBuilder {
    /// A builder for `base_url` (e.g. `https://api.stripe.com`).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            key: None,
            scheme: AuthScheme::Basic,
            retry: RetryConfig::default(),
            connect_timeout: Duration::from_secs(30),
            timeout: Duration::from_secs(80),
            allow_insecure_http: false,
            default_headers: Vec::new(),
        }
    }

    /// Another base URL (a test server, a proxy).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The API key sent with every request (unless a request has its own).
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// How the key is sent: Basic (the default) or Bearer.
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Retries after a failed attempt (default 2; 0 turns retries off).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry.max_retries = max_retries;
        self
    }

    /// First and largest wait between retries.
    pub fn retry_delays(mut self, initial: Duration, max: Duration) -> Self {
        self.retry.initial_delay = initial;
        self.retry.max_delay = max;
        self
    }

    /// The longest connecting may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The longest a whole request may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Allow plain `http://` to hosts other than loopback (off by default: keys are secrets).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// A header sent with every request unless the request sets it (e.g. `Stripe-Version`).
    pub fn default_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.default_headers.push((name, value.into()));
        self
    }

    /// The client, or a configuration error (a bad URL, plain http to a remote host).
    pub fn build(self) -> Result<Client, Error> {
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("invalid base URL `{}`: {e}", self.base_url)))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_http || is_loopback(&url) => {}
            "http" => {
                return Err(Error::Config(format!(
                    "refusing plain http to `{}`: use https, or allow_insecure_http(true)",
                    url.host_str().unwrap_or_default()
                )))
            }
            other => return Err(Error::Config(format!("unsupported URL scheme `{other}`"))),
        }
        // `timeout` bounds a whole call, set per request: a stream of events may go on for
        // longer, with at most that long between two reads.
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.timeout)
            .user_agent(concat!("apigen-runtime/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Client {
            http,
            base_url: self.base_url,
            key: self.key,
            scheme: self.scheme,
            retry: self.retry,
            timeout: self.timeout,
            default_headers: self.default_headers,
        })
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Client {
    /// A client for `base_url` authenticating with `key` (Basic), with default settings.
    pub fn new(base_url: impl Into<String>, key: impl Into<ApiKey>) -> Result<Self, Error> {
        ClientBuilder::new(base_url).api_key(key).build()
    }

    /// Settings for a client of `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends `request`, retrying as configured, and decodes the response.
    pub async fn send<R: ApiRequest>(&self, request: &R) -> Result<Response<R::Output>, Error> {
        match self.attempts(request, false).await? {
            Answer::Whole(status, headers, bytes) => parse_response::<R>(status, headers, &bytes),
            Answer::Streaming(_) => unreachable!("only streams are left unread"),
        }
    }

    /// Sends `request` asking for a stream of events (`Accept: text/event-stream`, and the
    /// operation's stream flag set), and returns the events as they arrive. Failures before
    /// the stream starts are retried as for [`Client::send`]; once it has started, never.
    pub async fn stream<R: StreamRequest>(
        &self,
        request: &R,
    ) -> Result<EventStream<R::Event>, Error> {
        let request = request.streaming();
        match self.attempts(&request, true).await? {
            Answer::Streaming(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = response.bytes_stream().map(|chunk| {
                    chunk
                        .map(|bytes| bytes.to_vec())
                        .map_err(|e| Error::Connection(Box::new(e.without_url())))
                });
                Ok(EventStream::new(status, headers, Box::pin(bytes)))
            }
            Answer::Whole(status, headers, bytes) => parse_response::<R>(status, headers, &bytes)
                .and_then(|_| {
                    Err(Error::Config(
                        "a success answered without a stream of events".to_owned(),
                    ))
                }),
        }
    }

    /// Sends until an answer that is not retried. With `stream`, a success is returned
    /// unread.
    async fn attempts<R: ApiRequest>(&self, request: &R, stream: bool) -> Result<Answer, Error> {
        let mut http_request =
            to_http_request(request, &self.base_url, self.key.as_ref(), &self.scheme)?;
        if stream {
            http_request.headers_mut().insert(
                http::header::ACCEPT,
                HeaderValue::from_static("text/event-stream"),
            );
        }
        let method = http_request.method().clone();
        let headers = http_request.headers_mut();
        for (name, value) in &self.default_headers {
            if !headers.contains_key(*name) {
                headers.insert(*name, header_value(value)?);
            }
        }
        // A POST is retried only with an idempotency key: make one, the same for every attempt.
        if method == Method::POST
            && self.retry.max_retries > 0
            && !headers.contains_key(IDEMPOTENCY_KEY)
        {
            let key = format!("apigen-retry-{}", uuid::Uuid::new_v4());
            headers.insert(IDEMPOTENCY_KEY, header_value(&key)?);
        }
        let idempotent = http_request.headers().contains_key(IDEMPOTENCY_KEY);
        let (parts, body) = http_request.into_parts();
        // One span per call and an event per attempt (free without a subscriber). The path
        // only: the query may carry an API key.
        let span = tracing::info_span!(
            "api_request",
            operation = operation_name::<R>(),
            method = %method,
            path = parts.uri.path(),
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let mut retries = 0;
        loop {
            let mut attempt = reqwest::Request::try_from(http::Request::from_parts(
                clone_parts(&parts),
                body.clone(),
            ))
            .map_err(|e| Error::Config(e.to_string()))?;
            if !stream {
                *attempt.timeout_mut() = Some(self.timeout);
            }
            let result = match self.http.execute(attempt).await {
                Ok(response) if stream && response.status().is_success() => {
                    record(&span, retries, response.status(), response.headers());
                    return Ok(Answer::Streaming(response));
                }
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    response.bytes().await.map(|bytes| (status, headers, bytes))
                }
                Err(error) => Err(error),
            };
            match result {
                Ok((status, headers, bytes)) => {
                    record(&span, retries, status, &headers);
                    if status.is_success()
                        || !self.retry.should_retry(
                            retries,
                            &method,
                            idempotent,
                            &Outcome::Response {
                                status,
                                headers: &headers,
                                should_retry_header: R::CONVENTIONS.should_retry_header,
                            },
                        )
                    {
                        return Ok(Answer::Whole(status, headers, bytes.to_vec()));
                    }
                    self.wait(retries, retry_after(&headers)).await;
                }
                Err(error) => {
                    tracing::info!(
                        parent: &span,
                        attempt = retries + 1,
                        error = %error.without_url_ref(),
                        "no response"
                    );
                    if !self
                        .retry
                        .should_retry(retries, &method, idempotent, &Outcome::Connection)
                    {
                        // Without the URL: an API key in the query must not reach error messages.
                        return Err(Error::Connection(Box::new(error.without_url())));
                    }
                    self.wait(retries, None).await;
                }
            }
            retries += 1;
        }
    }

    async fn wait(&self, retries: u32, retry_after: Option<Duration>) {
        tokio::time::sleep(self.retry.delay(retries, retry_after, fastrand::f64())).await;
    }
}

/// Records an answer on the call's span, and an event for the attempt.
fn record(span: &tracing::Span, retries: u32, status: http::StatusCode, headers: &http::HeaderMap) {
    if span.is_disabled() {
        return;
    }
    let request_id = headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    span.record("attempts", retries + 1);
    span.record("status", status.as_u16());
    span.record("request_id", request_id);
    tracing::info!(
        parent: span,
        attempt = retries + 1,
        status = status.as_u16(),
        request_id,
        "answered"
    );
}

/// The operation's type name without its module path (`CreateCharge`).
fn operation_name<R>() -> &'static str {
    let name = std::any::type_name::<R>();
    let name = name.split('<').next().unwrap_or(name);
    name.rsplit("::").next().unwrap_or(name)
}

/// A connection error's text without its URL (an API key may be in the query).
trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let text = self.to_string();
        match self.url() {
            Some(url) => text.replace(url.as_str(), "(url)"),
            None => text,
        }
    }
}

fn header_value(value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value)
        .map_err(|_| Error::Config("a header value has characters HTTP does not allow".to_owned()))
}

fn clone_parts(parts: &http::request::Parts) -> http::request::Parts {
    let mut builder = http::Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone())
        .version(parts.version);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers.clone();
    }
    builder
        .body(())
        .expect("parts of a valid request")
        .into_parts()
        .0
}
