//! Idempotent POSTs: the first response for a key is stored and replayed for repeats. A key
//! is scoped by mode and account; a repeat must carry the same fingerprint (method, path,
//! canonical query and body).
//!
//! [`IdempotencyStore`] is the contract; [`MemoryStore`] (one process, the default) and
//! `PostgresStore` (feature `postgres`, shared by every instance on one database) keep it.

mod memory;
#[cfg(feature = "postgres")]
mod postgres;

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ::axum::http::StatusCode;

use super::context::Context;
use super::decode::RawRequest;
use super::form;
use super::node::Node;
use super::Payload;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{db, migrate, pool, DbError, PostgresOptions, PostgresStore};

/// Keys expire after 24 hours, as Stripe's do.
pub const TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A response kept for replay.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// Its status.
    pub status: StatusCode,
    /// Its body, if it had one.
    pub body: Option<Payload>,
}

/// What a store says about a key when a request using it arrives.
#[derive(Debug, PartialEq)]
pub enum Begin {
    /// The key is new (or expired, or its first request was abandoned): it is now claimed
    /// for this request, which runs and then completes or abandons it.
    Proceed,
    /// The key's first request finished: its response is answered again.
    Replay(Stored),
    /// The key's first request is still running.
    InFlight,
    /// The key was first used with other parameters.
    Mismatch,
}

/// The store failed (its database is unreachable, it is full of requests in flight): the
/// request is answered with a 503 `api_error` and may be retried.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// What the store methods return: an answer ready at once ([`StoreFuture::ready`], an
/// in-process store's, no allocation) or one to wait for ([`StoreFuture::new`], a
/// database's, boxed). A waiting answer owns what it needs (it borrows neither the store
/// nor the call's arguments), so that a request holds it only when it must wait: a ready
/// answer is used at once, and a keyed request then makes no future of its own for the
/// store.
pub struct StoreFuture<T>(Answer<T>);

enum Answer<T> {
    Ready(Option<Result<T, StoreError>>),
    Waiting(Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send>>),
}

impl<T> StoreFuture<T> {
    /// An answer to wait for.
    pub fn new(future: impl Future<Output = Result<T, StoreError>> + Send + 'static) -> Self {
        Self(Answer::Waiting(Box::pin(future)))
    }

    /// An answer ready now.
    pub fn ready(result: Result<T, StoreError>) -> Self {
        Self(Answer::Ready(Some(result)))
    }

    /// The answer if it is ready, or the future to wait for it.
    pub(crate) fn now(self) -> Result<Result<T, StoreError>, Self> {
        match self.0 {
            Answer::Ready(Some(answer)) => Ok(answer),
            waiting => Err(Self(waiting)),
        }
    }
}

// Nothing in it is pinned: a ready answer is moved out, a waiting one is boxed.
impl<T> Unpin for StoreFuture<T> {}

impl<T> Future for StoreFuture<T> {
    type Output = Result<T, StoreError>;

    fn poll(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match &mut self.get_mut().0 {
            Answer::Ready(answer) => {
                std::task::Poll::Ready(answer.take().expect("StoreFuture polled after it was done"))
            }
            Answer::Waiting(future) => future.as_mut().poll(cx),
        }
    }
}

/// Where idempotency keys and their responses live, with Stripe's semantics: a key is
/// claimed by its first request (`begin` answers [`Begin::Proceed`] once), repeats with the
/// same fingerprint replay the stored response or are told it is in flight, repeats with
/// another fingerprint are a mismatch, and keys expire.
///
/// `scope` is the key with its mode and account (see [`scope`]); `fingerprint` is what makes
/// two requests the same. Requests that end in a server error `abandon` their key, so a
/// retry runs again. A method's work is done when its [`StoreFuture`] is ready, whether or
/// not it is polled: a ready one is never polled.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `scope` for a request, or says why not.
    fn begin(&self, scope: &str, fingerprint: &str) -> StoreFuture<Begin>;
    /// Stores the response of the request that claimed `scope`.
    fn complete(&self, scope: &str, response: Stored) -> StoreFuture<()>;
    /// Forgets `scope` (its request failed on the server's side).
    fn abandon(&self, scope: &str) -> StoreFuture<()>;
}

/// A store given by [`with_store`], which wins over the router's default one.
#[derive(Clone)]
pub(crate) struct ChosenStore(pub(crate) Arc<dyn IdempotencyStore>);

/// Makes every request of `router` (a generated router) keep its idempotency keys in
/// `store` instead of the default [`MemoryStore`]: a `PostgresStore` shared by every
/// instance, or a [`MemoryStore`] with another capacity or expiry.
pub fn with_store(router: ::axum::Router, store: Arc<dyn IdempotencyStore>) -> ::axum::Router {
    router.layer(::axum::Extension(ChosenStore(store)))
}

/// The scope of an idempotency key: the same key in another mode or for another account is
/// another key. (Stored by `PostgresStore`: the text must not change between versions. It is
/// `{mode:?}|{account}|{key}`, written without `format!`, which cost a keyed create 0.1 µs.)
pub fn scope(context: &Context, key: &str) -> String {
    let mode = match context.mode {
        None => "None",
        Some(crate::Mode::Test) => "Some(Test)",
        Some(crate::Mode::Live) => "Some(Live)",
    };
    let account = context.account.as_deref().unwrap_or("");
    let mut out = String::with_capacity(mode.len() + account.len() + key.len() + 2);
    out.push_str(mode);
    out.push('|');
    out.push_str(account);
    out.push('|');
    out.push_str(key);
    out
}

/// What makes two requests "the same" for idempotency: `METHOD path?query body`, the query
/// and a form body in their canonical form, written into one buffer. A keyed form body's
/// decoding left the whole fingerprint on the request.
pub(crate) fn fingerprint(raw: &RawRequest) -> Cow<'_, str> {
    if let Some(kept) = raw.fingerprint.get() {
        return Cow::Borrowed(kept);
    }
    let mut out = fingerprint_head(raw);
    if let Ok(body) = std::str::from_utf8(&raw.body) {
        write_form(&mut out, body);
    }
    Cow::Owned(out)
}

/// The fingerprint of `raw` when its form body parsed to `body`.
pub(crate) fn form_fingerprint(raw: &RawRequest, body: &Node) -> String {
    let mut out = fingerprint_head(raw);
    write_canonical(&mut out, body);
    out
}

/// `METHOD path?query ` with the query in its canonical form, with room for the body.
fn fingerprint_head(raw: &RawRequest) -> String {
    let mut out = String::with_capacity(raw.path.len() + raw.query.len() + raw.body.len() + 32);
    out.push_str(raw.method.as_str());
    out.push(' ');
    out.push_str(&raw.path);
    out.push('?');
    write_form(&mut out, &raw.query);
    out.push(' ');
    out
}

/// A query or form body in its canonical form; as sent if it does not parse.
fn write_form(out: &mut String, text: &str) {
    match form::parse(text) {
        Ok(value) => write_canonical(out, &value),
        Err(_) => out.push_str(text),
    }
}

/// Whether `text` is written the same by `{:?}` and by serde_json, between quotes: printable
/// ASCII but for the quote and the backslash (most keys and values).
fn plain(text: &str) -> bool {
    text.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    out.push_str(text);
    out.push('"');
}

/// `{"key":value,...}` with keys sorted (Rust-quoted), arrays in order, leaves as JSON: one
/// buffer for the whole value (a string per node cost a third of a keyed create).
fn write_canonical(out: &mut String, value: &Node) {
    use std::fmt::Write;
    match value {
        // A map's keys are in order already.
        Node::Object(map) => {
            out.push('{');
            for (index, (key, value)) in map.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                if plain(key) {
                    push_quoted(out, key);
                    out.push(':');
                } else {
                    let _ = write!(out, "{key:?}:");
                }
                write_canonical(out, value);
            }
            out.push('}');
        }
        Node::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Node::String(text) if plain(text) => push_quoted(out, text),
        Node::String(text) => {
            let _ = write!(out, "{}", serde_json::Value::String(text.to_string()));
        }
        Node::Null => out.push_str("null"),
        Node::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Node::Number(n) => {
            let _ = write!(out, "{n}");
        }
    }
}

/// The contract every store keeps, run by each store's tests.
#[cfg(test)]
pub(crate) async fn check_contract(store: &dyn IdempotencyStore, ttl: Duration) {
    let ok = |n: u8| Stored {
        status: StatusCode::OK,
        body: Some(Payload {
            content_type: "application/json".into(),
            bytes: vec![b'0' + n].into(),
        }),
    };
    let k = format!("contract-{}", fastrand::u64(..));
    assert_eq!(store.begin(&k, "a").await, Ok(Begin::Proceed));
    assert_eq!(store.begin(&k, "a").await, Ok(Begin::InFlight));
    assert_eq!(store.begin(&k, "b").await, Ok(Begin::Mismatch));
    store.complete(&k, ok(1)).await.unwrap();
    assert_eq!(store.begin(&k, "a").await, Ok(Begin::Replay(ok(1))));
    assert_eq!(store.begin(&k, "b").await, Ok(Begin::Mismatch));
    tokio::time::sleep(ttl + Duration::from_millis(20)).await;
    assert_eq!(
        store.begin(&k, "b").await,
        Ok(Begin::Proceed),
        "expired keys are new again"
    );
    store.abandon(&k).await.unwrap();
    assert_eq!(
        store.begin(&k, "c").await,
        Ok(Begin::Proceed),
        "abandoned keys are new again"
    );
    let empty = Stored {
        status: StatusCode::NO_CONTENT,
        body: None,
    };
    store.complete(&k, empty.clone()).await.unwrap();
    assert_eq!(store.begin(&k, "c").await, Ok(Begin::Replay(empty)));
}

#[cfg(test)]
mod tests {
    use super::Node;
    use serde_json::{json, Value};

    /// The canonical text of a parsed form.
    fn written(node: &Node) -> String {
        let mut out = String::new();
        super::write_canonical(&mut out, node);
        out
    }

    fn canonical(value: &Value) -> String {
        written(&Node::from(value.clone()))
    }

    /// The scope's text is what `format!("{:?}|{}|{}")` wrote before it (stored keys).
    #[test]
    fn the_scope_is_stable() {
        use crate::server::Context;
        for mode in [None, Some(crate::Mode::Test), Some(crate::Mode::Live)] {
            for account in [None, Some("acct_1".to_owned())] {
                let context = Context {
                    api_key: crate::ApiKey::new("sk_test_1"),
                    mode,
                    restricted: false,
                    account: account.clone(),
                    version: None,
                    idempotency_key: None,
                    request_id: "req_1".into(),
                };
                assert_eq!(
                    super::scope(&context, "key-1"),
                    format!("{mode:?}|{}|key-1", account.as_deref().unwrap_or(""))
                );
            }
        }
    }

    #[test]
    fn the_canonical_form_is_stable() {
        // Fingerprints are stored (Postgres); their text must not change between versions.
        let form = crate::server::form::parse(
            "metadata[z]=1&amount=2000&expand[]=b&expand[]=a&metadata[a]=%22q%22",
        )
        .unwrap();
        assert_eq!(
            written(&form),
            r#"{"amount":"2000","expand":["b","a"],"metadata":{"a":"\"q\"","z":"1"}}"#
        );
        assert_eq!(canonical(&json!({})), "{}");
        // The fast path for plain text writes what `{:?}` and serde_json write.
        for (key, value) in [("amount", "2000"), ("a\"b\\c\u{1}é", "x\"y\\z\u{1}é\u{7f}")] {
            assert_eq!(
                canonical(&json!({ key: value })),
                format!("{{{key:?}:{}}}", Value::String(value.into()))
            );
        }
        assert_eq!(canonical(&json!([1, null, true])), "[1,null,true]");
    }
}
