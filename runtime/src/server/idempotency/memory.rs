//! The in-process store: O(1) per request however many keys are live, bounded by a
//! capacity (the oldest completed keys go first; keys in flight are never evicted), expiry
//! by a time-ordered queue instead of a scan.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use hashbrown::HashTable;

use ::axum::http::StatusCode;

use super::{Begin, IdempotencyStore, StoreError, StoreFuture, Stored, TTL};
use crate::server::response::copy_into;
use crate::server::Payload;

/// Keys kept by default: about 100 MB with Stripe-sized responses.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Independent locks, so that requests with different keys rarely wait for each other.
const SHARDS: usize = 16;

/// Kept bodies are copied into blocks of this size (see [`Shard::block`]). Below
/// glibc's threshold for mapping an allocation of its own (128 KB): blocks of 256 KB were
/// each a fresh mapping, faulted in page by page, even in a full store where as many
/// blocks are freed as made (10,500 page faults per 100,000 keyed creates, against 5,700
/// with blocks from the heap, mostly the store's first filling).
const BLOCK: usize = 64 * 1024;

/// Idempotency keys in this process's memory: see the module documentation.
pub struct MemoryStore {
    shards: Box<[Mutex<Shard>]>,
    ttl: Duration,
    /// Scopes and fingerprints are kept as 128-bit hashes (SipHash-1-3 seeded per store:
    /// clients choose both), not as their text: a fixed 16 bytes each, compared without a
    /// pointer chase, and a claim copies nothing. A scope is hashed once per call; the first
    /// half of its hash picks the shard and finds the entry, and is kept in the queues, so
    /// that expiry and eviction never hash again. (One pass of 128-bit SipHash: two 64-bit
    /// hashes of a fingerprint took twice the time, about 1,000 instructions a key.)
    key: [u8; 16],
}

enum State {
    InFlight,
    /// Completed: the response's status, and its content type when it has a body (the
    /// entry's `body`).
    Done {
        status: StatusCode,
        content_type: Option<Cow<'static, str>>,
    },
}

struct Entry {
    /// The hash of the key's scope (its first half is the table's hash).
    scope: [u64; 2],
    fingerprint: [u64; 2],
    /// Once completed, the response's body, in the shard's `block` (see [`Shard::block`]).
    body: Bytes,
    state: State,
    /// Which claim of the key this is, unique in its shard: with the hash it finds the
    /// entry of a queued claim, and queue entries of an earlier claim are stale.
    generation: u64,
}

impl Entry {
    /// The kept response, for a replay.
    fn stored(&self) -> Option<Stored> {
        let State::Done {
            status,
            content_type,
        } = &self.state
        else {
            return None;
        };
        Some(Stored {
            status: *status,
            body: content_type.as_ref().map(|content_type| Payload {
                content_type: content_type.clone(),
                bytes: self.body.clone(),
            }),
        })
    }
}

/// A claim as the queues remember it.
struct Claimed {
    hash: u64,
    generation: u64,
}

struct Shard {
    entries: HashTable<Entry>,
    /// Every claim in creation order (creation times only grow), for expiry.
    by_age: VecDeque<(Instant, Claimed)>,
    /// Completed claims in completion order, for eviction.
    completed: VecDeque<Claimed>,
    capacity: usize,
    next_generation: u64,
    /// Where the bodies of completed keys are copied, so that they are not left
    /// in allocations of their own: thousands of kept bodies scattered through the heap
    /// slowed every other allocation (glibc's frees and consolidation were a third of a
    /// keyed create); in blocks they take a few large allocations, and a block goes when
    /// the last piece in it does. Only completed keys are copied, at completion, so that a
    /// block holds pieces in the order keys leave (eviction is by completion, expiry by claim
    /// time, nearly the same order): keys abandoned after a server error, or long in
    /// flight, never hold a block that would otherwise be free.
    block: BytesMut,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store of `DEFAULT_CAPACITY` (100,000) keys that expire after [`TTL`].
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
                        entries: HashTable::new(),
                        by_age: VecDeque::new(),
                        completed: VecDeque::new(),
                        capacity: per_shard,
                        next_generation: 0,
                        block: BytesMut::new(),
                    })
                })
                .collect(),
            ttl,
            key: std::array::from_fn(|_| fastrand::u8(..)),
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

    /// The scope's hash and its shard, locked.
    fn shard(&self, scope: &str) -> ([u64; 2], std::sync::MutexGuard<'_, Shard>) {
        let hash = self.hash(scope);
        (hash, lock(&self.shards[shard_of(hash[0])]))
    }

    fn hash(&self, text: &str) -> [u64; 2] {
        use std::hash::Hasher;
        let mut hasher = siphasher::sip128::SipHasher13::new_with_key(&self.key);
        hasher.write(text.as_bytes());
        let hash = siphasher::sip128::Hasher128::finish128(&hasher);
        [hash.h1, hash.h2]
    }

    /// [`IdempotencyStore::begin`]'s answer.
    fn claim(&self, scope: &str, fingerprint: &str) -> Result<Begin, StoreError> {
        let now = Instant::now();
        let fingerprint = self.hash(fingerprint);
        let (scope, mut shard) = self.shard(scope);
        let hash = scope[0];
        shard.expire(now, self.ttl);
        if let Some(entry) = shard.entries.find(hash, of_scope(scope)) {
            return Ok(if entry.fingerprint != fingerprint {
                Begin::Mismatch
            } else {
                match entry.stored() {
                    None => Begin::InFlight,
                    Some(stored) => Begin::Replay(stored),
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
        shard.entries.insert_unique(
            hash,
            Entry {
                scope,
                fingerprint,
                // Copied into a block only once completed (see `Shard::block`).
                body: Bytes::new(),
                state: State::InFlight,
                generation,
            },
            |e| e.scope[0],
        );
        shard.by_age.push_back((now, Claimed { hash, generation }));
        shard.compact();
        Ok(Begin::Proceed)
    }
}

/// The shard of a scope's hash, from bits the table uses for neither its bucket index (the
/// low bits) nor its tags (the top seven).
fn shard_of(hash: u64) -> usize {
    (hash >> 32) as usize % SHARDS
}

/// Whether an entry is the key of the scope hashed to `scope`.
fn of_scope(scope: [u64; 2]) -> impl Fn(&Entry) -> bool {
    move |entry| entry.scope == scope
}

/// Whether an entry is still the one a queued claim made (a lookup by its hash).
fn of_claim(claim: &Claimed) -> impl Fn(&Entry) -> bool + '_ {
    move |entry| entry.generation == claim.generation
}

fn lock(shard: &Mutex<Shard>) -> std::sync::MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shard {
    fn is_current(&self, claim: &Claimed) -> bool {
        self.entries.find(claim.hash, of_claim(claim)).is_some()
    }

    /// Forgets the key of the scope hashed to `scope`, if kept.
    fn remove(&mut self, scope: [u64; 2]) {
        if let Ok(entry) = self.entries.find_entry(scope[0], of_scope(scope)) {
            entry.remove();
        }
    }

    /// Forgets the key of a queued claim if that claim is still its current one.
    fn remove_claim(&mut self, claim: &Claimed) -> bool {
        match self.entries.find_entry(claim.hash, of_claim(claim)) {
            Ok(entry) => {
                entry.remove();
                true
            }
            Err(_) => false,
        }
    }

    /// Drops the claims older than `ttl`, oldest first: amortised O(1) per claim.
    fn expire(&mut self, now: Instant, ttl: Duration) {
        while let Some((created, _)) = self.by_age.front() {
            if now.duration_since(*created) < ttl {
                break;
            }
            let (_, claim) = self.by_age.pop_front().expect("front exists");
            self.remove_claim(&claim);
        }
    }

    /// Drops the oldest completed key; false when every key is in flight.
    fn evict_one(&mut self) -> bool {
        while let Some(claim) = self.completed.pop_front() {
            if self.remove_claim(&claim) {
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
            by_age.retain(|(_, claim)| self.is_current(claim));
            self.by_age = by_age;
        }
        if self.completed.len() > 2 * live + 64 {
            let mut completed = std::mem::take(&mut self.completed);
            completed.retain(|claim| self.is_current(claim));
            self.completed = completed;
        }
    }
}

impl IdempotencyStore for MemoryStore {
    fn begin(&self, scope: &str, fingerprint: &str) -> StoreFuture<Begin> {
        StoreFuture::ready(self.claim(scope, fingerprint))
    }

    fn complete(&self, scope: &str, response: Stored) -> StoreFuture<()> {
        let (scope, mut shard) = self.shard(scope);
        let shard = &mut *shard;
        if let Some(entry) = shard.entries.find_mut(scope[0], of_scope(scope)) {
            let content_type = response.body.map(|payload| {
                entry.body = copy_into(&mut shard.block, BLOCK, &[&payload.bytes]);
                payload.content_type
            });
            entry.state = State::Done {
                status: response.status,
                content_type,
            };
            let claim = Claimed {
                hash: scope[0],
                generation: entry.generation,
            };
            shard.completed.push_back(claim);
            shard.compact();
        }
        StoreFuture::ready(Ok(()))
    }

    fn abandon(&self, scope: &str) -> StoreFuture<()> {
        let (scope, mut shard) = self.shard(scope);
        shard.remove(scope);
        StoreFuture::ready(Ok(()))
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
            let shard = shard_of(store.hash(&key)[0]);
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
