//! Webhook delivery for servers: an [`Outbox`] POSTs each event to each endpoint that wants
//! it, signed in the `Stripe-Signature` scheme of [`crate::webhook`], and retries with
//! exponential backoff when the receiver fails, times out or cannot be reached. Sending never
//! blocks and never fails the API request that caused the event: deliveries run as tasks of
//! the current Tokio runtime, a bounded number at a time, each with a bounded number of
//! attempts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::retry::RetryConfig;
use crate::webhook;

/// Delivery settings.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxConfig {
    /// Retries after the first attempt, and the waits between them (exponential, capped,
    /// with jitter).
    pub retry: RetryConfig,
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// Deliveries in flight at once; the rest wait their turn.
    pub max_in_flight: usize,
    /// Deliveries not finished (in flight or waiting) at most; one more is dropped and
    /// counted as failed, so a receiver that is down for long cannot make memory grow
    /// without bound.
    pub max_pending: u64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            retry: RetryConfig {
                max_retries: 5,
                initial_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(30),
                max_retry_after: Duration::from_secs(60),
            },
            timeout: Duration::from_secs(10),
            max_in_flight: 16,
            max_pending: 10_000,
        }
    }
}

/// Where one delivery goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// The endpoint's URL.
    pub url: String,
    /// The endpoint's signing secret (`whsec_...`).
    pub secret: String,
}

/// What the outbox has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Deliveries handed to [`Outbox::send`].
    pub queued: u64,
    /// Deliveries a receiver accepted (a 2xx answer).
    pub delivered: u64,
    /// Deliveries given up after the last retry, or dropped (no runtime to run them, or
    /// [`OutboxConfig::max_pending`] reached).
    pub failed: u64,
    /// POSTs made, first attempts and retries.
    pub attempts: u64,
}

#[derive(Default)]
struct Counters {
    queued: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
    attempts: AtomicU64,
}

/// Signed webhook delivery with retries. Cheap to clone: clones share one HTTP client, one
/// limit of deliveries in flight and one set of counters.
#[derive(Clone)]
pub struct Outbox {
    http: reqwest::Client,
    config: Arc<OutboxConfig>,
    slots: Arc<tokio::sync::Semaphore>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for Outbox {
    fn default() -> Self {
        Self::new(OutboxConfig::default())
    }
}

impl Outbox {
    /// An outbox with these settings.
    pub fn new(config: OutboxConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent("apigen-webhooks/1.0")
            .build()
            .unwrap_or_default();
        Self {
            http,
            slots: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight.max(1))),
            config: Arc::new(config),
            counters: Arc::default(),
        }
    }

    /// Queues `payload` (an event's JSON) for `destination` and returns at once. Each attempt
    /// is signed afresh, so a retry carries a current timestamp. Outside a Tokio runtime
    /// nothing can run the delivery, and it counts as failed, as does one past
    /// [`OutboxConfig::max_pending`].
    pub fn send(&self, destination: Destination, payload: Vec<u8>) {
        let queued = self.counters.queued.fetch_add(1, Ordering::Relaxed);
        let finished = self.counters.delivered.load(Ordering::Relaxed)
            + self.counters.failed.load(Ordering::Relaxed);
        let full = queued.saturating_sub(finished) >= self.config.max_pending;
        let runtime = tokio::runtime::Handle::try_current();
        let (false, Ok(runtime)) = (full, runtime) else {
            self.counters.failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let outbox = self.clone();
        runtime.spawn(async move {
            let delivered = outbox.deliver(&destination, &payload).await;
            let counter = if delivered {
                &outbox.counters.delivered
            } else {
                &outbox.counters.failed
            };
            counter.fetch_add(1, Ordering::Relaxed);
        });
    }

    /// The counters so far.
    pub fn stats(&self) -> OutboxStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        OutboxStats {
            queued: load(&self.counters.queued),
            delivered: load(&self.counters.delivered),
            failed: load(&self.counters.failed),
            attempts: load(&self.counters.attempts),
        }
    }

    /// Whether the receiver accepted the payload within the attempts allowed.
    async fn deliver(&self, destination: &Destination, payload: &[u8]) -> bool {
        let Ok(_slot) = self.slots.acquire().await else {
            return false;
        };
        let mut retries = 0;
        loop {
            self.counters.attempts.fetch_add(1, Ordering::Relaxed);
            let header = webhook::sign(payload, &destination.secret, webhook::unix_now());
            let response = self
                .http
                .post(&destination.url)
                .header(webhook::SIGNATURE_HEADER, header)
                .header(
                    http::header::CONTENT_TYPE,
                    "application/json; charset=utf-8",
                )
                .body(payload.to_vec())
                .send()
                .await;
            let retry_after = match &response {
                Ok(response) if response.status().is_success() => return true,
                Ok(response) => crate::retry::retry_after(response.headers()),
                Err(_) => None,
            };
            if retries >= self.config.retry.max_retries {
                return false;
            }
            let wait = self
                .config
                .retry
                .delay(retries, retry_after, fastrand::f64());
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_runtime_a_delivery_fails_at_once() {
        let outbox = Outbox::default();
        outbox.send(
            Destination {
                url: "http://127.0.0.1:9/".to_owned(),
                secret: "whsec_x".to_owned(),
            },
            b"{}".to_vec(),
        );
        let stats = outbox.stats();
        assert_eq!((stats.queued, stats.failed, stats.attempts), (1, 1, 0));
    }

    #[tokio::test]
    async fn past_max_pending_deliveries_are_dropped() {
        let outbox = Outbox::new(OutboxConfig {
            max_pending: 2,
            max_in_flight: 1,
            ..OutboxConfig::default()
        });
        // A port nobody listens on: each delivery stays pending through its retries.
        let destination = Destination {
            url: "http://127.0.0.1:9/".to_owned(),
            secret: "whsec_x".to_owned(),
        };
        for _ in 0..5 {
            outbox.send(destination.clone(), b"{}".to_vec());
        }
        let stats = outbox.stats();
        assert_eq!((stats.queued, stats.failed, stats.delivered), (5, 3, 0));
    }
}
