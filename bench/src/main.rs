//! `apigen-bench`: the generated server against the hand-written baseline on 127.0.0.1, under
//! a bounded load. Prints one JSON object (run by `cargo xtask bench`).

use std::sync::Arc;

use apigen_bench::{
    generated_router, handwritten_router, keyed_router, load, serve, Call, Serve, Store,
    FULL_STORE_KEYS,
};
use apigen_runtime::server::idempotency::{IdempotencyStore, MemoryStore, Stored, TTL};

fn main() {
    let mut requests = 20_000;
    let mut concurrency = 32;
    let mut rounds = 3;
    let mut loopback_too = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--in-process-only" {
            loopback_too = false;
            continue;
        }
        let value = args.next().and_then(|v| v.parse::<usize>().ok());
        match (arg.as_str(), value) {
            ("--requests", Some(v)) if v > 0 => requests = v,
            ("--concurrency", Some(v)) if v > 0 => concurrency = v,
            ("--rounds", Some(v)) if v > 0 => rounds = v,
            _ => {
                eprintln!("usage: apigen-bench [--requests N] [--concurrency C] [--rounds R] [--in-process-only]");
                std::process::exit(2);
            }
        }
    }
    // In process first, on a current-thread runtime of its own (no sockets, nothing else
    // running), then on loopback with a multi-thread runtime.
    let in_process = in_process(5_000, 10);
    let loopback = if loopback_too {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(loopback(requests, concurrency, rounds))
    } else {
        Vec::new()
    };
    println!(
        "{}",
        serde_json::json!({"loopback": loopback, "in_process": in_process})
    );
}

/// The generated router against the hand-written one (create charge, list customers), and a
/// create with a new `Idempotency-Key` against the same create without one (into a full
/// store of [`FULL_STORE_KEYS`], where each new key evicts the oldest, and into a growing one, as on
/// loopback), in process, in alternating rounds (see
/// [`apigen_bench::in_process::alternate`]): µs per request per round and side, and the
/// ratio of each round (first side's time / second side's: below 1 when the second side is
/// slower).
fn in_process(per_round: u64, rounds: usize) -> serde_json::Value {
    use apigen_bench::in_process::{alternate, create_charge, list_customers, send, Side};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let generated = generated_router(Store::new());
    let handwritten = handwritten_router(Store::new());
    // Room for every key these rounds send (the default capacity, 100,000).
    let roomy = keyed_router(Arc::new(MemoryStore::new()));
    let full = keyed_router(Arc::new(MemoryStore::with_limits(FULL_STORE_KEYS, TTL)));
    let unkeyed: fn(u64) -> _ = |_| create_charge(None);
    let keyed: fn(u64) -> _ = |n| create_charge(Some(n));
    let list: fn(u64) -> _ = |_| list_customers();
    let side = |router, request| Side { router, request };
    let mut n = 0;
    for _ in 0..FULL_STORE_KEYS {
        n += 1;
        send(&runtime, &full, keyed(n));
    }
    let cases = [
        (
            "create_charge",
            ["handwritten", "generated"],
            [side(&handwritten, unkeyed), side(&generated, unkeyed)],
        ),
        (
            "list_customers",
            ["handwritten", "generated"],
            [side(&handwritten, list), side(&generated, list)],
        ),
        (
            "create_charge_with_idempotency_key",
            ["without_key", "with_key"],
            [side(&full, unkeyed), side(&full, keyed)],
        ),
        (
            "create_charge_with_idempotency_key_growing_store",
            ["without_key", "with_key"],
            [side(&roomy, unkeyed), side(&roomy, keyed)],
        ),
    ];
    let figures = cases.into_iter().map(|(operation, names, sides)| {
        // A warm-up (caches, the store's first blocks), not kept.
        alternate(&runtime, sides, 2, per_round / 5, &mut n);
        let [first, second] = alternate(&runtime, sides, rounds, per_round, &mut n);
        let ratios: Vec<f64> = first.iter().zip(&second).map(|(a, b)| a / b).collect();
        serde_json::json!({
            "operation": operation,
            "requests_per_round": per_round,
            "sides": [
                {"side": names[0], "us_per_request": first},
                {"side": names[1], "us_per_request": second},
            ],
            "ratio": format!("{} / {} time", names[0], names[1]),
            "ratio_per_round": ratios,
        })
    });
    serde_json::Value::Array(figures.collect())
}

/// The generated server against the hand-written one on 127.0.0.1 under a bounded load, and
/// the idempotency path's figures.
async fn loopback(requests: usize, concurrency: usize, rounds: usize) -> Vec<serde_json::Value> {
    let generated = serve(generated_router(Store::new()), Serve::Guarded).await;
    let handwritten = serve(handwritten_router(Store::new()), Serve::Axum).await;
    let mut results = Vec::new();
    for (name, call) in [
        ("create_charge", Call::CreateCharge),
        ("list_customers", Call::ListCustomers),
    ] {
        // Warm up both, then alternate rounds so that neither gets the quieter machine.
        load(&generated, call, requests / 10, concurrency).await;
        load(&handwritten, call, requests / 10, concurrency).await;
        let mut generated_runs = Vec::new();
        let mut handwritten_runs = Vec::new();
        for _ in 0..rounds {
            generated_runs.push(load(&generated, call, requests, concurrency).await);
            handwritten_runs.push(load(&handwritten, call, requests, concurrency).await);
        }
        results.push(serde_json::json!({
            "operation": name,
            "generated": generated_runs,
            "handwritten": handwritten_runs,
        }));
    }
    results.push(idempotency(requests, concurrency, rounds).await);
    results
}

/// Keyed creates against an empty in-memory idempotency store, against one already holding
/// 100,000 live keys (filled in process, ~1 KB responses) and against a full one of
/// [`FULL_STORE_KEYS`] (each new key evicts the oldest), each round after the same create
/// without a key (the idempotency path's own cost); and the store's size after 5x its
/// capacity of keys went through it.
async fn idempotency(requests: usize, concurrency: usize, rounds: usize) -> serde_json::Value {
    const LIVE: usize = 100_000;
    let warm = serve(keyed_router(Arc::new(MemoryStore::new())), Serve::Guarded).await;
    load(
        &warm,
        Call::CreateChargeKeyed { round: 0 },
        requests / 10,
        concurrency,
    )
    .await;
    load(&warm, Call::CreateCharge, requests / 10, concurrency).await;
    // Keyed creates of one round against a server of their own keeping keys in `store`.
    let keyed_round = |store: Arc<MemoryStore>, round| async move {
        let base = serve(keyed_router(store), Serve::Guarded).await;
        load(
            &base,
            Call::CreateChargeKeyed { round },
            requests,
            concurrency,
        )
        .await
    };
    let mut unkeyed_runs = Vec::new();
    let mut empty_runs = Vec::new();
    let mut full_runs = Vec::new();
    let mut capacity_runs = Vec::new();
    for round in 0..rounds as u32 {
        let empty = Arc::new(MemoryStore::with_limits(LIVE + 2 * requests, TTL));
        let base = serve(keyed_router(empty.clone()), Serve::Guarded).await;
        unkeyed_runs.push(load(&base, Call::CreateCharge, requests, concurrency).await);
        empty_runs.push(keyed_round(empty, round).await);
        let full = filled(LIVE + 2 * requests, LIVE).await;
        full_runs.push(keyed_round(full.clone(), round).await);
        assert!(full.len() >= LIVE, "the live keys stayed");
        // A long-running server's steady state: the store at its capacity, where each new
        // key evicts the oldest (no growth, no new pages).
        let at_capacity = filled(FULL_STORE_KEYS, FULL_STORE_KEYS).await;
        capacity_runs.push(keyed_round(at_capacity.clone(), round).await);
        assert!(at_capacity.len() <= FULL_STORE_KEYS, "the capacity held");
    }
    let bounded = filled(FULL_STORE_KEYS, 5 * FULL_STORE_KEYS).await;
    serde_json::json!({
        "operation": "create_charge_with_idempotency_key",
        "live_keys": LIVE,
        "without_key": unkeyed_runs,
        "empty_store": empty_runs,
        "store_with_live_keys": full_runs,
        "capacity": FULL_STORE_KEYS,
        "store_at_capacity": capacity_runs,
        "bounded": {"capacity": FULL_STORE_KEYS, "keys_sent": 5 * FULL_STORE_KEYS, "kept": bounded.len()},
    })
}

/// A store of `capacity` keys through which `keys` completed keys (~1 KB responses) went,
/// in process.
async fn filled(capacity: usize, keys: usize) -> Arc<MemoryStore> {
    let response = Stored {
        status: apigen_runtime::StatusCode::OK,
        body: apigen_runtime::server::json_body(&"x".repeat(1_000)),
    };
    let store = Arc::new(MemoryStore::with_limits(capacity, TTL));
    for n in 0..keys {
        let scope = format!("Some(Test)||fill-{n}");
        let _ = store.begin(&scope, "fill").await;
        let _ = store.complete(&scope, response.clone()).await;
    }
    store
}
