//! `server_requests`: sequences of fuzzer-built HTTP requests sent in process to the reference
//! server (the generated router with its layers around an in-memory implementation).
//!
//! Requests are built from the spec's vocabulary (its paths, parameter names, bracket
//! suffixes, ids the server handed out earlier in the sequence) mixed with arbitrary text and
//! bytes, so that most of them get past routing and authentication into decoding,
//! validation, expansion and the store. Whatever is sent, the answer must be a 2xx with a
//! JSON body or a 4xx with the Stripe error envelope, always with a `Request-Id`: a 5xx is a
//! bug (a panic in the implementation becomes a 500), and so is a panic in the glue.

use std::sync::OnceLock;

use apigen_runtime::server::axum::body::Body;
use apigen_runtime::server::axum::http::{self, Request};
use arbitrary::Arbitrary;
use serde_json::Value;
use tower::ServiceExt;

/// Paths of spec/stripe.yaml; `{}` is one path segment chosen by [`Segment`].
const PATHS: &[&str] = &[
    "/v1/charges",
    "/v1/charges/{}",
    "/v1/charges/{}/capture",
    "/v1/customers",
    "/v1/customers/{}",
    "/v1/refunds",
    "/v1/refunds/{}",
    "/v1/invoices",
    "/v1/invoices/{}",
    "/v1/subscriptions",
    "/v1/subscriptions/{}",
    "/v1/tokens",
    "/",
];

/// Parameter names of the spec's operations.
const NAMES: &[&str] = &[
    "amount",
    "currency",
    "customer",
    "description",
    "metadata",
    "expand",
    "limit",
    "starting_after",
    "ending_before",
    "created",
    "email",
    "source",
    "capture",
    "shipping",
    "address",
    "name",
    "phone",
    "charge",
    "reason",
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "balance",
    "invoice_prefix",
    "default_source",
    "fraud_details",
    "transfer_group",
    "application_fee_amount",
    "refund_application_fee",
    "payment_intent",
    "status",
    "subscription",
];

/// Bracket suffixes: nested keys of the spec's objects, list appends and indexes, ranges.
const SUFFIXES: &[&str] = &[
    "[]",
    "[0]",
    "[1]",
    "[gte]",
    "[lt]",
    "[order_id]",
    "[line1]",
    "[city]",
    "[address]",
    "[name]",
    "[user_report]",
    "[",
    "]",
    "[][]",
    "[9999999999]",
];

/// Values the spec's parameters take.
const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "100",
    "101",
    "2000",
    "99999999999999999999",
    "1.5",
    "usd",
    "eur",
    "true",
    "false",
    "tok_visa",
    "tok_chargeDeclined",
    "customer",
    "charge.customer",
    "data.customer",
    "invoice.subscription.customer.default_source",
    "balance_transaction",
    "duplicate",
    "requested_by_customer",
    "fraudulent",
    "a@example.com",
    "\u{0}",
    "é",
];

const CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/json",
    "multipart/form-data; boundary=b",
    "text/plain",
    "application/x-www-form-urlencoded; charset=latin1",
];

const HEADERS: &[&str] = &[
    "idempotency-key",
    "stripe-account",
    "stripe-version",
    "authorization",
    "origin",
    "access-control-request-method",
    "expect",
];

#[derive(Arbitrary, Debug)]
enum Method {
    Get,
    Post,
    Delete,
    Put,
    Patch,
    Options,
    Head,
}

#[derive(Arbitrary, Debug)]
enum Segment {
    /// An id from an earlier response of the sequence.
    Seen(u8),
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Seen(u8),
    Any(String),
}

#[derive(Arbitrary, Debug)]
struct Param {
    name: Text,
    suffixes: Vec<u8>,
    value: Text,
    /// Brackets sent percent-encoded (`%5B%5D`), as most HTTP libraries do.
    encode_brackets: bool,
}

/// Valid bodies of the spec's create and update operations (`{id}`: the newest id seen), so
/// that the fuzzer starts from requests that succeed and mutates from there.
const TEMPLATES: &[&str] = &[
    "amount=2000&currency=usd&source=tok_visa",
    "amount=2000&currency=usd&customer={id}&expand[]=customer",
    "amount=2000&currency=usd&source=tok_chargeDeclined",
    "charge={id}&amount=100",
    "charge={id}&reason=requested_by_customer&expand[]=charge.customer",
    "email=jenny%40example.com&metadata[order_id]=6735&source=tok_visa",
    "description=&metadata[order_id]=&shipping[name]=Jenny&shipping[address][line1]=1+Main",
    "amount=1000&expand[]=balance_transaction",
];

#[derive(Arbitrary, Debug)]
enum RequestBody {
    None,
    Form(Vec<Param>),
    /// A template, then more parameters.
    Template(u8, Vec<Param>),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Key {
    Test,
    Live,
    BasicTest,
    Missing,
    Any(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
pub struct Exchange {
    method: Method,
    path: u8,
    segment: Segment,
    query: Vec<Param>,
    body: RequestBody,
    content_type: Option<u8>,
    key: Key,
    headers: Vec<(u8, Vec<u8>)>,
}

/// A sequence of exchanges against one fresh server.
#[derive(Arbitrary, Debug)]
pub struct Session {
    exchanges: Vec<Exchange>,
}

fn pick<'a>(list: &[&'a str], index: u8) -> &'a str {
    list[usize::from(index) % list.len()]
}

fn text(text: &Text, known: &[&str], seen: &[String]) -> String {
    match text {
        Text::Known(i) => pick(known, *i).to_owned(),
        Text::Seen(i) if !seen.is_empty() => seen[usize::from(*i) % seen.len()].clone(),
        Text::Seen(_) => String::new(),
        Text::Any(s) => s.clone(),
    }
}

/// `application/x-www-form-urlencoded` escaping of one key or value.
fn form_escape(s: &str, keep_brackets: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b))
            }
            b'[' | b']' if keep_brackets => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn encode(params: &[Param], seen: &[String]) -> String {
    params
        .iter()
        .take(64)
        .map(|p| {
            let mut key = text(&p.name, NAMES, seen);
            for &s in p.suffixes.iter().take(6) {
                key.push_str(pick(SUFFIXES, s));
            }
            let value = text(&p.value, VALUES, seen);
            format!(
                "{}={}",
                form_escape(&key, !p.encode_brackets),
                form_escape(&value, false)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Every `id` string in a JSON response, for later requests to refer to.
fn collect_ids(value: &Value, seen: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("id") {
                if seen.len() < 64 && !seen.contains(id) {
                    seen.push(id.clone());
                }
            }
            map.values().for_each(|v| collect_ids(v, seen));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, seen)),
        _ => {}
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

const ERROR_TYPES: &[&str] = &[
    "api_error",
    "card_error",
    "idempotency_error",
    "invalid_request_error",
    "authentication_error",
    "rate_limit_error",
    "api_connection_error",
];

/// Sends the session's requests (at most 8) to a fresh reference server and checks every
/// answer.
pub fn run(session: &Session) {
    let app = stripe_mock::app(Vec::new());
    let mut seen = Vec::new();
    runtime().block_on(async {
        for exchange in session.exchanges.iter().take(8) {
            let Some(request) = build(exchange, &seen) else {
                continue;
            };
            let described = format!("{} {}", request.method(), request.uri());
            let is_head = request.method() == http::Method::HEAD;
            let is_options = request.method() == http::Method::OPTIONS;
            let response = app.clone().oneshot(request).await.expect("infallible");
            let status = response.status();
            if std::env::var_os("APIGEN_FUZZ_DUMP").is_some() {
                eprintln!("{status} {described}");
            }
            assert!(
                response.headers().contains_key("request-id"),
                "{described}: no Request-Id ({status})"
            );
            let bytes = apigen_runtime::server::axum::body::to_bytes(response.into_body(), 1 << 24)
                .await
                .expect("a response body");
            assert!(
                !status.is_server_error(),
                "{described}: {status} {}",
                String::from_utf8_lossy(&bytes)
            );
            if is_head || (is_options && bytes.is_empty()) {
                continue;
            }
            let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{described}: {status} with a body that is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            });
            if status.is_client_error() {
                let error = &body["error"];
                let kind = error["type"].as_str().unwrap_or_default();
                assert!(
                    ERROR_TYPES.contains(&kind) && error["message"].is_string(),
                    "{described}: {status} without the error envelope: {body}"
                );
            } else {
                assert!(status.is_success(), "{described}: {status}");
                collect_ids(&body, &mut seen);
            }
        }
    });
}

fn build(exchange: &Exchange, seen: &[String]) -> Option<Request<Body>> {
    let method = match exchange.method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
        Method::Delete => http::Method::DELETE,
        Method::Put => http::Method::PUT,
        Method::Patch => http::Method::PATCH,
        Method::Options => http::Method::OPTIONS,
        Method::Head => http::Method::HEAD,
    };
    let segment = match &exchange.segment {
        Segment::Seen(i) if !seen.is_empty() => seen[usize::from(*i) % seen.len()].clone(),
        Segment::Seen(_) => "missing".to_owned(),
        Segment::Text(s) => s.clone(),
    };
    let mut uri = pick(PATHS, exchange.path).replace("{}", &form_escape(&segment, false));
    let query = encode(&exchange.query, seen);
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query);
    }
    let mut builder = Request::builder().method(method).uri(uri);
    let key = match &exchange.key {
        Key::Test => Some(b"Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc".to_vec()),
        Key::Live => Some(b"Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc".to_vec()),
        // sk_test_123: as the official SDKs send it.
        Key::BasicTest => Some(b"Basic c2tfdGVzdF8xMjM6".to_vec()),
        Key::Missing => None,
        Key::Any(bytes) => Some(bytes.clone()),
    };
    if let Some(key) = key {
        // A value hyper would refuse never reaches the router (the connection guard answers
        // it), so such a request is not built.
        builder = builder.header("authorization", http::HeaderValue::from_bytes(&key).ok()?);
    }
    let body = match &exchange.body {
        RequestBody::None => Vec::new(),
        RequestBody::Form(params) => encode(params, seen).into_bytes(),
        RequestBody::Template(index, params) => {
            let id = seen.last().map_or("missing", String::as_str);
            let mut body = pick(TEMPLATES, *index).replace("{id}", &form_escape(id, false));
            let more = encode(params, seen);
            if !more.is_empty() {
                body.push('&');
                body.push_str(&more);
            }
            body.into_bytes()
        }
        RequestBody::Raw(bytes) => bytes.clone(),
    };
    if let Some(ct) = exchange.content_type {
        builder = builder.header("content-type", pick(CONTENT_TYPES, ct));
    } else if matches!(
        exchange.body,
        RequestBody::Form(_) | RequestBody::Template(..)
    ) {
        builder = builder.header("content-type", CONTENT_TYPES[0]);
    }
    for (name, value) in exchange.headers.iter().take(8) {
        let value = http::HeaderValue::from_bytes(value).ok()?;
        builder = builder.header(pick(HEADERS, *name), value);
    }
    builder.body(Body::from(body)).ok()
}
