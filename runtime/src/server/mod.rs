//! Server glue for generated routers: request decoding and validation, the error envelope
//! for every rejection, authentication, request ids, CORS, body limits and idempotency.
//! Generated code calls `handle` for every operation.
//!
//! | file | concept |
//! |---|---|
//! | `error.rs` | [`ServerError`], [`Rejection`] |
//! | `response.rs` | [`ApiResponse`], [`Payload`], bodies into HTTP responses |
//! | `context.rs` | [`Context`]: key, mode, account, version, idempotency key, request id |
//! | `auth.rs` | API keys from Basic, Bearer, a header or the query; [`ApiKeys`] |
//! | `decode.rs` | [`RawRequest`]: parameters and bodies validated and typed |
//! | `form.rs` | bracket-notation form and query parsing, percent-decoding |
//! | `node.rs` | the tree parameters and bodies are read into, decoded from into types |
//! | `schema.rs` | validation descriptors and `check` |
//! | `idempotency/` | [`IdempotencyStore`], in memory and on Postgres, the key's scope and the request fingerprint |
//! | `handle.rs` | `handle`: one operation from request to response |
//! | `edge.rs` | [`Edge`]: request ids, spans, CORS and authentication around every operation |
//! | `conn.rs` | [`serve`]: the connection guard and accept loop |
//! | `mock/` | [`mock::State`]: the generic stateful server generated `Mock`s answer from |
//!
//! What only generated code calls is `#[doc(hidden)]`.

mod auth;
mod conn;
mod context;
mod decode;
mod edge;
mod error;
mod form;
mod handle;
pub mod idempotency;
pub mod mock;
mod node;
mod receiver;
mod response;
#[doc(hidden)]
pub mod schema;
mod sse;

pub use axum;
pub use conn::{serve, serve_with, shutdown_signal, ServeOptions};
pub use idempotency::{with_store, IdempotencyStore, MemoryStore};

pub use auth::{require_keys, ApiKeys, Auth};
pub use context::Context;
#[doc(hidden)]
pub use decode::RawRequest;
#[doc(hidden)]
pub use edge::{with_edge, Edge, Served};
pub use error::{Rejection, ServerError};
#[doc(hidden)]
pub use handle::handle;

pub use receiver::{Webhook, WebhookRejection, WebhookSecrets};
#[doc(hidden)]
pub use response::{json_body, raw_body, status};
pub use response::{ApiResponse, Payload};
#[doc(hidden)]
pub use schema::{Field, Schema, StringSchema};
pub use sse::{EventStream, KEEP_ALIVE};

pub use crate::{Conventions, KeyMode, Mode};

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The Postgres driver and pool the `postgres` feature uses, for a server's own tables.
#[cfg(feature = "postgres")]
pub use {deadpool_postgres, tokio_postgres};
