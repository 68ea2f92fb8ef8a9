//! The in-process store: O(1) per request however many keys are live, bounded by a
//! capacity (the oldest completed keys go first; keys in flight are never evicted), expiry
//! by a time-ordered queue instead of a scan.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Begin, IdempotencyStore, StoreError, StoreFuture, Stored, TTL};

/// Keys kept by default: about 100 MB with Stripe-sized responses.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Independent locks, so that requests with different keys rarely wait for each other.
const SHARDS: usize = 16;

/// Idempotency keys in this process's memory: see the module documentation.
pub struct MemoryStore {
    shards: Box<[Mutex<Shard>]>,
    ttl: Duration,
}

enum State {
    InFlight,
    Done(Stored),
}

struct Entry {
    fingerprint: String,
    state: State,
    /// Which claim of the key this is: queue entries of an earlier claim are stale.
    generation: u64,
}

/// A key's scope is allocated once and shared by the map and both queues.
struct Shard {
    entries: HashMap<Arc<str>, Entry>,
    /// Every claim in creation order (creation times only grow), for expiry.
    by_age: VecDeque<(Instant, u64, Arc<str>)>,
    /// Completed claims in completion order, for eviction.
    completed: VecDeque<(u64, Arc<str>)>,
    capacity: usize,
    next_generation: u64,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store of [`DEFAULT_CAPACITY`] keys that expire after [`TTL`].
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_CAPACITY, TTL)
    }

    /// A store of about `capacity` keys (at least one per shard) that expire after `ttl`.
    pub fn with_limits(capacity: usize, ttl: Duration) -> Self {
        let per_shard = capacity.div_ceil(SHARDS).max(1);
        Self {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        entries: HashMap::new(),
                        by_age: VecDeque::new(),
                        completed: VecDeque::new(),
                        capacity: per_shard,
                        next_generation: 0,
                    })
                })
                .collect(),
            ttl,
        }
    }

    /// How many keys are kept now.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).entries.len()).sum()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, scope: &str) -> std::sync::MutexGuard<'_, Shard> {
        let mut hasher = DefaultHasher::new();
        scope.hash(&mut hasher);
        lock(&self.shards[hasher.finish() as usize % SHARDS])
    }

    fn begin_now(&self, scope: &str, fingerprint: &str) -> Result<Begin, StoreError> {
        let now = Instant::now();
        let mut shard = self.shard(scope);
        shard.expire(now, self.ttl);
        if let Some(entry) = shard.entries.get(scope) {
            return Ok(if entry.fingerprint != fingerprint {
                Begin::Mismatch
            } else {
                match &entry.state {
                    State::InFlight => Begin::InFlight,
                    State::Done(stored) => Begin::Replay(stored.clone()),
                }
            });
        }
        if shard.entries.len() >= shard.capacity && !shard.evict_one() {
            return Err(StoreError(
                "The idempotency store is full of requests in flight; retry later.".into(),
            ));
        }
        shard.next_generation += 1;
        let generation = shard.next_generation;
        let scope: Arc<str> = scope.into();
        shard.entries.insert(
            Arc::clone(&scope),
            Entry {
                fingerprint: fingerprint.to_owned(),
                state: State::InFlight,
                generation,
            },
        );
        shard.by_age.push_back((now, generation, scope));
        shard.compact();
        Ok(Begin::Proceed)
    }
}

fn lock(shard: &Mutex<Shard>) -> std::sync::MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shard {
    fn is_current(&self, scope: &str, generation: u64) -> bool {
        self.entries
            .get(scope)
            .is_some_and(|e| e.generation == generation)
    }

    /// Drops the claims older than `ttl`, oldest first: amortised O(1) per claim.
    fn expire(&mut self, now: Instant, ttl: Duration) {
        while let Some((created, generation, _)) = self.by_age.front() {
            if now.duration_since(*created) < ttl {
                break;
            }
            let generation = *generation;
            let (_, _, scope) = self.by_age.pop_front().expect("front exists");
            if self.is_current(&scope, generation) {
                self.entries.remove(&scope);
            }
        }
    }

    /// Drops the oldest completed key; false when every key is in flight.
    fn evict_one(&mut self) -> bool {
        while let Some((generation, scope)) = self.completed.pop_front() {
            if self.is_current(&scope, generation) {
                self.entries.remove(&scope);
                return true;
            }
        }
        false
    }

    /// Keeps the queues' stale entries (of abandoned or evicted claims) from outgrowing the
    /// live ones: a rebuild when they are more than half, so amortised O(1).
    fn compact(&mut self) {
        let live = self.entries.len();
        if self.by_age.len() > 2 * live + 64 {
            let mut by_age = std::mem::take(&mut self.by_age);
            by_age.retain(|(_, generation, scope)| self.is_current(scope, *generation));
            self.by_age = by_age;
        }
        if self.completed.len() > 2 * live + 64 {
            let mut completed = std::mem::take(&mut self.completed);
            completed.retain(|(generation, scope)| self.is_current(scope, *generation));
            self.completed = completed;
        }
    }
}

impl IdempotencyStore for MemoryStore {
    fn begin<'a>(&'a self, scope: &'a str, fingerprint: &'a str) -> StoreFuture<'a, Begin> {
        let result = self.begin_now(scope, fingerprint);
        Box::pin(std::future::ready(result))
    }

    fn complete<'a>(&'a self, scope: &'a str, response: Stored) -> StoreFuture<'a, ()> {
        let mut shard = self.shard(scope);
        let key = shard
            .entries
            .get_key_value(scope)
            .map(|(key, _)| Arc::clone(key));
        if let (Some(key), Some(entry)) = (key, shard.entries.get_mut(scope)) {
            entry.state = State::Done(response);
            let generation = entry.generation;
            shard.completed.push_back((generation, key));
            shard.compact();
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn abandon<'a>(&'a self, scope: &'a str) -> StoreFuture<'a, ()> {
        self.shard(scope).entries.remove(scope);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::Payload;
    use axum::http::StatusCode;

    fn done(n: usize) -> Stored {
        Stored {
            status: StatusCode::OK,
            body: Some(Payload {
                content_type: "application/json".into(),
                bytes: n.to_string().into(),
            }),
        }
    }

    #[tokio::test]
    async fn keeps_the_contract() {
        let store = MemoryStore::with_limits(1_000, Duration::from_millis(50));
        super::super::check_contract(&store, Duration::from_millis(50)).await;
    }

    #[tokio::test]
    async fn capacity_evicts_the_oldest_completed_and_never_a_key_in_flight() {
        let store = MemoryStore::with_limits(SHARDS * 4, TTL);
        // One key in flight per shard, found by trying keys until each shard has one.
        let mut in_flight = Vec::new();
        let mut i = 0;
        while in_flight.len() < SHARDS {
            let key = format!("flight-{i}");
            i += 1;
            let mut hasher = DefaultHasher::new();
            key.hash(&mut hasher);
            let shard = hasher.finish() as usize % SHARDS;
            if in_flight.iter().all(|(s, _)| *s != shard) {
                assert_eq!(store.begin(&key, "f").await, Ok(Begin::Proceed));
                in_flight.push((shard, key));
            }
        }
        for n in 0..10_000 {
            let key = format!("done-{n}");
            assert_eq!(store.begin(&key, "f").await, Ok(Begin::Proceed));
            store.complete(&key, done(n)).await.unwrap();
            assert!(store.len() <= SHARDS * 4);
        }
        assert_eq!(store.len(), SHARDS * 4, "full, not more");
        for (_, key) in &in_flight {
            assert_eq!(store.begin(key, "f").await, Ok(Begin::InFlight), "{key}");
        }
        // The newest completed keys are still replayed.
        assert_eq!(
            store.begin("done-9999", "f").await,
            Ok(Begin::Replay(done(9999)))
        );
        assert_eq!(store.begin("done-0", "f").await, Ok(Begin::Proceed));
        // The queues stay near the live count however many keys went through.
        for shard in store.shards.iter() {
            let shard = lock(shard);
            assert!(shard.by_age.len() <= 2 * shard.entries.len() + 65);
            assert!(shard.completed.len() <= 2 * shard.entries.len() + 65);
        }
    }

    #[tokio::test]
    async fn a_shard_full_of_requests_in_flight_refuses_new_keys() {
        let store = MemoryStore::with_limits(1, TTL);
        let mut refused = 0;
        for n in 0..200 {
            match store.begin(&format!("k{n}"), "f").await {
                Ok(Begin::Proceed) => {}
                Err(_) => refused += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(store.len(), SHARDS);
        assert_eq!(refused, 200 - SHARDS);
    }
}
