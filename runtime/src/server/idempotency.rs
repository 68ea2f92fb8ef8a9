//! Idempotent POSTs: the first response for a key is stored and replayed for repeats. A key
//! is scoped by mode and account; a repeat must carry the same fingerprint (method, path,
//! canonical query and body).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ::axum::http::StatusCode;
use serde_json::Value;

use super::context::Context;
use super::decode::RawRequest;
use super::form;

/// Keys expire after 24 hours.
pub const TTL: Duration = Duration::from_secs(24 * 60 * 60);

enum State {
    InFlight,
    Done(StatusCode, Option<super::Payload>),
}

struct Entry {
    fingerprint: String,
    state: State,
    created: Instant,
}

/// Stored responses by key (scoped by mode and account).
pub struct IdempotencyStore {
    entries: Mutex<HashMap<String, Entry>>,
    ttl: Duration,
}

impl Default for IdempotencyStore {
    fn default() -> Self {
        Self::new()
    }
}

pub(crate) enum Begin {
    /// First use: run the request, then `complete` or `abandon`.
    Proceed,
    Replay(StatusCode, Option<super::Payload>),
    InFlight,
    /// The key was used with other parameters.
    Mismatch,
}

impl IdempotencyStore {
    /// An empty store whose keys expire after [`TTL`].
    pub fn new() -> Self {
        Self::with_ttl(TTL)
    }

    /// An empty store whose keys expire after `ttl`.
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    pub(crate) fn begin(&self, scope: &str, fingerprint: &str) -> Begin {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if entries.len() > 10_000 {
            entries.retain(|_, entry| now.duration_since(entry.created) < self.ttl);
        }
        if let Some(entry) = entries.get(scope) {
            if now.duration_since(entry.created) < self.ttl {
                return if entry.fingerprint != fingerprint {
                    Begin::Mismatch
                } else {
                    match &entry.state {
                        State::InFlight => Begin::InFlight,
                        State::Done(status, body) => Begin::Replay(*status, body.clone()),
                    }
                };
            }
        }
        entries.insert(
            scope.to_owned(),
            Entry {
                fingerprint: fingerprint.to_owned(),
                state: State::InFlight,
                created: now,
            },
        );
        Begin::Proceed
    }

    pub(crate) fn complete(&self, scope: &str, status: StatusCode, body: Option<super::Payload>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.get_mut(scope) {
            entry.state = State::Done(status, body);
        }
    }

    /// Forgets a key whose request failed on the server's side, so a retry runs again.
    pub(crate) fn abandon(&self, scope: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(scope);
    }
}

/// The scope of an idempotency key: the same key in another mode or for another account is
/// another key.
pub(super) fn scope(context: &Context, key: &str) -> String {
    format!(
        "{:?}|{}|{}",
        context.mode,
        context.account.as_deref().unwrap_or(""),
        key
    )
}

/// What makes two requests "the same" for idempotency.
pub(super) fn fingerprint(raw: &RawRequest) -> String {
    let canonical = |text: &str| {
        form::parse(text)
            .map(|v| canonical(&v))
            .unwrap_or_else(|_| text.to_owned())
    };
    let body = std::str::from_utf8(&raw.body)
        .map(canonical)
        .unwrap_or_default();
    format!(
        "{} {}?{} {}",
        raw.method,
        raw.path,
        canonical(&raw.query),
        body
    )
}

fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_mismatch_in_flight_and_expiry() {
        let store = IdempotencyStore::with_ttl(Duration::from_millis(50));
        assert!(matches!(store.begin("k", "a"), Begin::Proceed));
        assert!(matches!(store.begin("k", "a"), Begin::InFlight));
        store.complete("k", StatusCode::OK, super::super::json_body(&()));
        assert!(matches!(
            store.begin("k", "a"),
            Begin::Replay(StatusCode::OK, Some(_))
        ));
        assert!(matches!(store.begin("k", "b"), Begin::Mismatch));
        std::thread::sleep(Duration::from_millis(60));
        assert!(
            matches!(store.begin("k", "b"), Begin::Proceed),
            "expired keys are new again"
        );
        store.abandon("k");
        assert!(matches!(store.begin("k", "c"), Begin::Proceed));
    }
}
