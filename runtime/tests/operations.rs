//! One operation run through `handle` as generated routers run it, on a real server on
//! 127.0.0.1: bodies read in chunks and refused over the limit, multipart bodies decoded,
//! handler panics (in the call or in the response's encoding) made 500 envelopes, and a
//! keyed request replayed, with a store that answers at once (in memory) and with one whose
//! every answer must be waited for (as a database's).
#![cfg(all(feature = "server", feature = "client"))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use apigen_runtime::server::axum::body::Bytes;
use apigen_runtime::server::axum::extract::{Request, State};
use apigen_runtime::server::axum::http::StatusCode;
use apigen_runtime::server::axum::response::Response;
use apigen_runtime::server::idempotency::{
    Begin, IdempotencyStore, MemoryStore, StoreFuture, Stored,
};
use apigen_runtime::server::{
    axum, handle, json_body, with_edge, with_store, ApiResponse, Auth, Field, Payload, Schema,
    Served, ServerError, BODY_LIMIT,
};

/// What the operation was sent: its form or multipart fields.
#[derive(serde::Deserialize, serde::Serialize)]
struct Sent {
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    file: Option<Vec<u8>>,
}

/// The answer: what was sent, and which call of the handler this was.
struct Echo {
    sent: Sent,
    call: usize,
    /// A response whose encoding panics.
    poisoned: bool,
}

struct Poison;

impl serde::Serialize for Poison {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        panic!("a Serialize that panics")
    }
}

impl ApiResponse for Echo {
    fn into_parts(self) -> (StatusCode, Option<Payload>) {
        if self.poisoned {
            return (StatusCode::OK, json_body(&Poison));
        }
        let body = serde_json::json!({"sent": self.sent, "call": self.call});
        (StatusCode::OK, json_body(&body))
    }
}

static SENT: Schema = Schema::Object {
    fields: &[
        Field {
            name: "note",
            required: false,
            nullable: false,
            schema: &Schema::Any,
        },
        Field {
            name: "file",
            required: false,
            nullable: false,
            schema: &Schema::Any,
        },
    ],
    additional: None,
};

struct Calls(AtomicUsize);

async fn operation(State(served): State<Arc<Served<Calls>>>, request: Request) -> Response {
    let calls = &served.server.0;
    handle(
        &served.edge,
        request,
        |raw| match raw.multipart {
            Some(_) => raw.multipart_body::<Sent>(&SENT, &["file"]),
            None => raw.form_body::<Sent>(&SENT),
        },
        move |sent, _| async move {
            let call = calls.fetch_add(1, Ordering::Relaxed) + 1;
            match sent.note.as_deref() {
                Some("panic") => panic!("a bug in the handler"),
                Some("fail") => Err(ServerError::internal("failed")),
                note => Ok(Echo {
                    poisoned: note == Some("poison"),
                    sent,
                    call,
                }),
            }
        },
    )
    .await
}

/// A store whose answers all wait (a task yield) before the in-memory store's: the keyed
/// steps' futures, which a database's store takes, rather than the answers at once.
struct Waiting(Arc<MemoryStore>);

impl Waiting {
    /// `answer`, asked of the in-memory store after a wait.
    fn later<T: Send + 'static>(
        &self,
        answer: impl FnOnce(&MemoryStore) -> StoreFuture<T> + Send + 'static,
    ) -> StoreFuture<T> {
        let store = self.0.clone();
        StoreFuture::new(async move {
            tokio::task::yield_now().await;
            answer(&store).await
        })
    }
}

impl IdempotencyStore for Waiting {
    fn begin(&self, scope: &str, fingerprint: &str) -> StoreFuture<Begin> {
        let (scope, fingerprint) = (scope.to_owned(), fingerprint.to_owned());
        self.later(move |store| store.begin(&scope, &fingerprint))
    }

    fn complete(&self, scope: &str, response: Stored) -> StoreFuture<()> {
        let scope = scope.to_owned();
        self.later(move |store| store.complete(&scope, response))
    }

    fn abandon(&self, scope: &str) -> StoreFuture<()> {
        let scope = scope.to_owned();
        self.later(move |store| store.abandon(&scope))
    }
}

/// The stores keyed requests are tried with: the router's own, and one that waits.
fn stores() -> [Option<Arc<dyn IdempotencyStore>>; 2] {
    [None, Some(Arc::new(Waiting(Arc::new(MemoryStore::new()))))]
}

async fn start() -> String {
    start_with(None).await
}

async fn start_with(store: Option<Arc<dyn IdempotencyStore>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let routes = axum::Router::new().route("/v1/things", axum::routing::post(operation));
    let app = with_edge(
        routes,
        Calls(AtomicUsize::new(0)),
        Auth {
            basic: false,
            bearer: true,
            header: None,
            query: None,
        },
        &apigen_runtime::Conventions::NONE,
    );
    let app = match store {
        Some(store) => with_store(app, store),
        None => app,
    };
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/v1/things")
}

/// Posts `body` (with `content_type`, and an idempotency `key`): the status and JSON body.
async fn post(
    url: &str,
    content_type: &str,
    key: Option<&str>,
    body: reqwest::Body,
) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(url)
        .bearer_auth("sk_test_operations")
        .header("content-type", content_type);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::json!(text)),
    )
}

const FORM: &str = "application/x-www-form-urlencoded";

/// A body sent in chunks of `size` bytes (chunked transfer encoding, no length).
fn chunked(body: Vec<u8>, size: usize) -> reqwest::Body {
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(size)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}

#[tokio::test]
async fn bodies_in_chunks_are_read_whole_and_refused_over_the_limit() {
    let url = start().await;
    let (status, body) = post(&url, FORM, None, "note=one".into()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sent"]["note"], "one");

    let note = "x".repeat(100_000);
    let form = format!("note={note}").into_bytes();
    let (status, body) = post(&url, FORM, None, chunked(form, 1_000)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sent"]["note"], note.as_str());

    let (status, body) = post(
        &url,
        FORM,
        None,
        chunked(vec![b'a'; BODY_LIMIT + 1], 64 * 1024),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn multipart_bodies_are_decoded() {
    let url = start().await;
    let upload = Sent {
        note: Some("scan".into()),
        file: Some(vec![0, 159, 146, 150, b'\r', b'\n']),
    };
    let body = apigen_runtime::Body::multipart(&upload, &["file"]).unwrap();
    let (status, echoed) = post(&url, &body.content_type, None, chunked(body.bytes, 7)).await;
    assert_eq!(status, 200, "{echoed}");
    assert_eq!(echoed["sent"]["note"], "scan");
    assert_eq!(
        echoed["sent"]["file"],
        serde_json::json!([0, 159, 146, 150, 13, 10])
    );

    let (status, refused) = post(
        &url,
        "multipart/form-data; boundary=nothing",
        None,
        "garbage".into(),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn panics_in_the_call_or_the_encoding_are_500_envelopes_and_never_kept() {
    for store in stores() {
        panics_are_500_envelopes_and_never_kept(store).await;
    }
}

async fn panics_are_500_envelopes_and_never_kept(store: Option<Arc<dyn IdempotencyStore>>) {
    let url = start_with(store).await;
    for (note, key) in [
        ("panic", None),
        ("poison", None),
        ("panic", Some("k-panic")),
        ("poison", Some("k-poison")),
    ] {
        for _ in 0..2 {
            let (status, body) = post(&url, FORM, key, format!("note={note}").into()).await;
            assert_eq!(status, 500, "{note} {key:?}: {body}");
            assert_eq!(body["error"]["type"], "api_error", "{note}");
            // The panic's message is logged, not sent.
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(!message.contains("panic"), "{message}");
        }
    }
    for key in [None, Some("k-fail")] {
        let (status, body) = post(&url, FORM, key, "note=fail".into()).await;
        assert_eq!(status, 500, "{body}");
        assert_eq!(body["error"]["type"], "api_error");
    }
    // None of the keys was kept: other parameters with them run, rather than being refused.
    for key in ["k-panic", "k-poison", "k-fail"] {
        let (status, body) = post(&url, FORM, Some(key), "note=other".into()).await;
        assert_eq!(status, 200, "{key}: {body}");
    }
    let (status, body) = post(&url, FORM, None, "note=after".into()).await;
    assert_eq!(status, 200, "the server keeps serving: {body}");
}

#[tokio::test]
async fn a_keyed_request_is_replayed_and_other_parameters_refused() {
    for store in stores() {
        replayed_and_refused(store).await;
    }
}

async fn replayed_and_refused(store: Option<Arc<dyn IdempotencyStore>>) {
    let url = start_with(store).await;
    let (status, first) = post(&url, FORM, Some("k-1"), "note=first".into()).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = post(&url, FORM, Some("k-1"), "note=first".into()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, first, "the same call's answer");
    let (status, other) = post(&url, FORM, Some("k-1"), "note=second".into()).await;
    assert_eq!(status, 400, "{other}");
    assert_eq!(other["error"]["type"], "idempotency_error");
    let message = other["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("other than 'k-1' if"), "{message}");
    let (_, unkeyed) = post(&url, FORM, None, "note=first".into()).await;
    assert_ne!(unkeyed["call"], first["call"], "a new call");
}

#[tokio::test]
async fn an_empty_body_decodes() {
    let url = start().await;
    let (status, body) = post(&url, FORM, None, Vec::new().into()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sent"]["note"], serde_json::Value::Null);
}
