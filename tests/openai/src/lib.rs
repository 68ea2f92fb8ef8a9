//! Tests only: see `tests/stream.rs`.
