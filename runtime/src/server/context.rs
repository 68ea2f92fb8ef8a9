//! What a handler knows about a request beyond its parameters.

use crate::{ApiKey, Mode};

/// What a handler knows about the request beyond its parameters.
#[derive(Clone, Debug)]
pub struct Context {
    /// The authenticated key (never shown by `Debug`).
    pub api_key: ApiKey,
    /// From the key's prefix (`sk_test_`, `rk_live_`...); `None` for a key of no known form.
    pub mode: Option<Mode>,
    /// A restricted key (`rk_`).
    pub restricted: bool,
    /// `Stripe-Account`: the connected account the request acts as.
    pub account: Option<String>,
    /// `Stripe-Version`.
    pub version: Option<String>,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// The id this response carries in `Request-Id`.
    pub request_id: String,
}

impl Context {
    /// Whether the key is a live-mode key.
    pub fn livemode(&self) -> bool {
        self.mode == Some(Mode::Live)
    }
}
