//! One loopback load run of one kind, for `perf record` and for before/after comparisons of
//! the idempotency path: the generated server on 127.0.0.1 and its load in one process, as
//! `apigen-bench` runs them.
//!
//! `cargo run --release -p apigen-bench --example loopback -- <case> [requests]`, with case
//! `create` (no key), `create-keyed` (a new key per request, into a store of
//! `FULL_STORE_KEYS`, or of the capacity given after the count, already full) or `create-keyed-growing` (into an empty store with room
//! for every key).

use std::sync::Arc;

use apigen_bench::{keyed_router, load, serve, Call, Serve, FULL_STORE_KEYS};
use apigen_runtime::server::idempotency::{MemoryStore, TTL};

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "create".to_owned());
    let requests: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let capacity: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(FULL_STORE_KEYS);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let figures = runtime.block_on(async {
        let store = match case.as_str() {
            "create" | "create-keyed-growing" => {
                Arc::new(MemoryStore::with_limits(2 * requests, TTL))
            }
            "create-keyed" => Arc::new(MemoryStore::with_limits(capacity, TTL)),
            other => {
                eprintln!("unknown case {other}: create, create-keyed, create-keyed-growing");
                std::process::exit(2);
            }
        };
        let base = serve(keyed_router(store), Serve::Guarded).await;
        if case == "create-keyed" {
            // Fill the store, so that every measured key evicts the oldest.
            load(&base, Call::CreateChargeKeyed { round: 1 }, capacity, 32).await;
        } else {
            load(&base, Call::CreateCharge, requests / 10, 32).await;
        }
        let call = match case.as_str() {
            "create" => Call::CreateCharge,
            _ => Call::CreateChargeKeyed { round: 2 },
        };
        load(&base, call, requests, 32).await
    });
    println!(
        "{case}: {requests} requests, {:.0} req/s, p50 {:.0} µs, {} errors",
        figures.requests_per_second, figures.p50_us, figures.errors
    );
}
