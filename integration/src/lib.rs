//! Helpers for the tests in `tests/`: they use the generated crates the way a user would.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Serves `app` on a free port of 127.0.0.1 in the background; returns a client of it with
/// `key` and no retries.
pub async fn serve_local(
    app: apigen_runtime::server::axum::Router,
    key: &str,
) -> apigen_runtime::Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { apigen_runtime::server::serve(listener, app).await.unwrap() });
    apigen_runtime::Client::builder(format!("http://{address}"))
        .api_key(key)
        .max_retries(0)
        .build()
        .unwrap()
}

/// `tests/fixtures/<name>.json` (seed examples).
pub fn fixture(name: &str) -> Value {
    let path = repo().join("tests/fixtures").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("integration/ is in the repo")
        .to_path_buf()
}

/// Deserializes `value` into `T` and serializes it back, asserting nothing was lost.
pub fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> T {
    let typed: T = match serde_path_to_error(value) {
        Ok(typed) => typed,
        Err(message) => panic!("does not deserialize: {message}"),
    };
    let back = serde_json::to_value(&typed).expect("serializes");
    if !same_json(&back, value) {
        panic!("round trip changed the JSON:\n  before: {value}\n  after:  {back}");
    }
    typed
}

/// JSON equality, with numbers compared by value (`0` and `0.0` are the same JSON number).
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn serde_path_to_error<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| e.to_string())
}
