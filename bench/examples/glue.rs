//! A fixed number of in-process requests of one kind, for `perf record` and for before/after
//! comparisons: unlike criterion's timed sampling, every run does the same work, so runs of
//! two builds' copies, alternated, compare directly.
//!
//! `cargo run --release -p apigen-bench --example glue -- <case> [count]`, with case
//! `create`, `create-keyed` (a store of `FULL_STORE_KEYS`, or of the capacity given after the
//! count, full after that many requests), `create-unkeyed` (the same router without keys),
//! `create-keyed-growing` (a store with room for every key), `create-keyed-discarding` (a store
//! that claims every key and keeps nothing: the path's cost without a store's memory),
//! `list`, `hand-create` or `hand-list`;
//! or `alternate-create` / `alternate-list`: `apigen-bench`'s alternating rounds (ten of
//! `count` requests a side) in this binary, whose code is laid out differently: the ratio
//! moving between the two binaries is layout, not the code measured.

use apigen_bench::in_process::{create_charge, list_customers, send};
use apigen_bench::{generated_router, handwritten_router, keyed_router, Store, FULL_STORE_KEYS};
use apigen_runtime::server::idempotency::{
    Begin, IdempotencyStore, MemoryStore, StoreFuture, Stored, TTL,
};
use std::sync::Arc;

/// A store that claims every key and keeps nothing: the idempotency path's cost without a
/// store's memory (a bound, not a store to serve with).
struct Discarding;

impl IdempotencyStore for Discarding {
    fn begin(&self, _: &str, _: &str) -> StoreFuture<Begin> {
        StoreFuture::ready(Ok(Begin::Proceed))
    }
    fn complete(&self, _: &str, _: Stored) -> StoreFuture<()> {
        StoreFuture::ready(Ok(()))
    }
    fn abandon(&self, _: &str) -> StoreFuture<()> {
        StoreFuture::ready(Ok(()))
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "create".to_owned());
    let count: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let capacity: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(FULL_STORE_KEYS);
    let router = match case.as_str() {
        "create" | "list" | "alternate-create" | "alternate-list" => generated_router(Store::new()),
        // The keyed router without a key: the other side of the keyed comparison.
        "create-keyed" | "create-unkeyed" => {
            keyed_router(Arc::new(MemoryStore::with_limits(capacity, TTL)))
        }
        // A capacity of `count` keys: every key is kept, the store grows all run.
        "create-keyed-growing" => {
            keyed_router(Arc::new(MemoryStore::with_limits(count as usize, TTL)))
        }
        "create-keyed-discarding" => {
            apigen_runtime::server::with_store(generated_router(Store::new()), Arc::new(Discarding))
        }
        "hand-create" | "hand-list" => handwritten_router(Store::new()),
        other => {
            eprintln!("unknown case {other}: create, create-keyed, create-unkeyed, create-keyed-growing, create-keyed-discarding, list, hand-create, hand-list, alternate-create, alternate-list");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    if let Some(pair) = case.strip_prefix("alternate-") {
        use apigen_bench::in_process::{alternate, Side};
        let hand = handwritten_router(Store::new());
        let request: fn(u64) -> _ = if pair == "list" {
            |_| list_customers()
        } else {
            |_| create_charge(None)
        };
        let sides = [
            Side {
                router: &hand,
                request,
            },
            Side {
                router: &router,
                request,
            },
        ];
        let mut n = 0;
        alternate(&runtime, sides, 2, 1000, &mut n);
        let [h, g] = alternate(&runtime, sides, 10, count, &mut n);
        let mut ratios: Vec<f64> = h.iter().zip(&g).map(|(a, b)| a / b).collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "{case}: hand-written / generated time {:.3} (median of 10 rounds); µs per request: hand-written {:.3}, generated {:.3} (means)",
            (ratios[4] + ratios[5]) / 2.0,
            h.iter().sum::<f64>() / 10.0,
            g.iter().sum::<f64>() / 10.0
        );
        return;
    }
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for n in 0..count {
        let request = match case.as_str() {
            "create" | "hand-create" | "create-unkeyed" => create_charge(None),
            "create-keyed" | "create-keyed-growing" | "create-keyed-discarding" => {
                create_charge(Some(n))
            }
            _ => list_customers(),
        };
        bytes += send(&runtime, &router, request);
    }
    let elapsed = started.elapsed();
    println!(
        "{case}: {count} requests, {:.3} µs each, {bytes} bytes",
        elapsed.as_secs_f64() * 1e6 / count as f64
    );
}
