//! `apigen-bench`: the generated server against the hand-written baseline on 127.0.0.1, under
//! a bounded load. Prints one JSON object (run by `cargo xtask bench`).

use apigen_bench::{generated_router, handwritten_router, load, serve, Call, Serve, Store};

fn main() {
    let mut requests = 20_000;
    let mut concurrency = 32;
    let mut rounds = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<usize>().ok());
        match (arg.as_str(), value) {
            ("--requests", Some(v)) if v > 0 => requests = v,
            ("--concurrency", Some(v)) if v > 0 => concurrency = v,
            ("--rounds", Some(v)) if v > 0 => rounds = v,
            _ => {
                eprintln!("usage: apigen-bench [--requests N] [--concurrency C] [--rounds R]");
                std::process::exit(2);
            }
        }
    }
    // In process first, on a current-thread runtime of its own (no sockets, nothing else
    // running), then on loopback with a multi-thread runtime.
    let in_process = in_process(5_000, 10);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let loopback = runtime.block_on(loopback(requests, concurrency, rounds));
    println!(
        "{}",
        serde_json::json!({"loopback": loopback, "in_process": in_process})
    );
}

/// The generated router against the hand-written one (create charge, list customers), and a
/// create with a new `Idempotency-Key` against the same create without one (into a full
/// store of 10,000 keys, where each new key evicts the oldest, and into a growing one, as on
/// loopback), in process, in alternating rounds (see
/// [`apigen_bench::in_process::alternate`]): µs per request per round and side, and the
/// ratio of each round (first side's time / second side's: below 1 when the second side is
/// slower).
fn in_process(per_round: u64, rounds: usize) -> serde_json::Value {
    use apigen_bench::in_process::{alternate, create_charge, list_customers, Side};
    use apigen_runtime::server::idempotency::{MemoryStore, TTL};
    use apigen_runtime::server::with_store;
    use std::sync::Arc;
    const FULL: usize = 10_000;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let generated = generated_router(Store::new());
    let handwritten = handwritten_router(Store::new());
    // Room for every key these rounds send (the default capacity, 100,000).
    let roomy = with_store(generated_router(Store::new()), Arc::new(MemoryStore::new()));
    let full = with_store(
        generated_router(Store::new()),
        Arc::new(MemoryStore::with_limits(FULL, TTL)),
    );
    let unkeyed: fn(u64) -> _ = |_| create_charge(None);
    let keyed: fn(u64) -> _ = |n| create_charge(Some(n));
    let list: fn(u64) -> _ = |_| list_customers();
    let side = |router, request| Side { router, request };
    let mut n = 0;
    for _ in 0..FULL {
        n += 1;
        apigen_bench::in_process::send(&runtime, &full, keyed(n));
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
/// 100,000 live keys (filled in process, ~1 KB responses) and against a full one of 10,000
/// keys (each new key evicts the oldest), each round after the same create without a key
/// (the idempotency path's own cost); and the store's size after 5x its capacity of keys
/// went through it.
async fn idempotency(requests: usize, concurrency: usize, rounds: usize) -> serde_json::Value {
    use apigen_runtime::server::idempotency::{IdempotencyStore, MemoryStore, Stored, TTL};
    use apigen_runtime::server::{json_body, with_store};
    use std::sync::Arc;
    const LIVE: usize = 100_000;
    const CAPACITY: usize = 10_000;
    let response = Stored {
        status: apigen_runtime::StatusCode::OK,
        body: json_body(&"x".repeat(1_000)),
    };
    let keyed = |store: Arc<MemoryStore>| with_store(generated_router(Store::new()), store);
    let warm = serve(keyed(Arc::new(MemoryStore::new())), Serve::Guarded).await;
    load(
        &warm,
        Call::CreateChargeKeyed { round: 0 },
        requests / 10,
        concurrency,
    )
    .await;
    load(&warm, Call::CreateCharge, requests / 10, concurrency).await;
    let mut unkeyed_runs = Vec::new();
    let mut empty_runs = Vec::new();
    let mut full_runs = Vec::new();
    let mut capacity_runs = Vec::new();
    for round in 0..rounds as u32 {
        let empty = Arc::new(MemoryStore::with_limits(LIVE + 2 * requests, TTL));
        let base = serve(keyed(empty.clone()), Serve::Guarded).await;
        unkeyed_runs.push(load(&base, Call::CreateCharge, requests, concurrency).await);
        empty_runs.push(
            load(
                &base,
                Call::CreateChargeKeyed { round },
                requests,
                concurrency,
            )
            .await,
        );
        let full = Arc::new(MemoryStore::with_limits(LIVE + 2 * requests, TTL));
        for n in 0..LIVE {
            let scope = format!("Some(Test)||fill-{n}");
            let _ = full.begin(&scope, "fill").await;
            let _ = full.complete(&scope, response.clone()).await;
        }
        let base = serve(keyed(full.clone()), Serve::Guarded).await;
        full_runs.push(
            load(
                &base,
                Call::CreateChargeKeyed { round },
                requests,
                concurrency,
            )
            .await,
        );
        assert!(full.len() >= LIVE, "the live keys stayed");
        // A long-running server's steady state: the store at its capacity, where each new
        // key evicts the oldest (no growth, no new pages).
        let at_capacity = Arc::new(MemoryStore::with_limits(CAPACITY, TTL));
        for n in 0..CAPACITY {
            let scope = format!("Some(Test)||fill-{n}");
            let _ = at_capacity.begin(&scope, "fill").await;
            let _ = at_capacity.complete(&scope, response.clone()).await;
        }
        let base = serve(keyed(at_capacity.clone()), Serve::Guarded).await;
        capacity_runs.push(
            load(
                &base,
                Call::CreateChargeKeyed { round },
                requests,
                concurrency,
            )
            .await,
        );
        assert!(at_capacity.len() <= CAPACITY, "the capacity held");
    }
    let bounded = MemoryStore::with_limits(10_000, TTL);
    for n in 0..50_000 {
        let scope = format!("bounded-{n}");
        let _ = bounded.begin(&scope, "f").await;
        let _ = bounded.complete(&scope, response.clone()).await;
    }
    serde_json::json!({
        "operation": "create_charge_with_idempotency_key",
        "live_keys": LIVE,
        "without_key": unkeyed_runs,
        "empty_store": empty_runs,
        "store_with_live_keys": full_runs,
        "capacity": CAPACITY,
        "store_at_capacity": capacity_runs,
        "bounded": {"capacity": 10_000, "keys_sent": 50_000, "kept": bounded.len()},
    })
}
