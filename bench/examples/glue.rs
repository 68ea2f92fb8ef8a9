//! A fixed number of in-process requests of one kind, for `perf stat`/`perf record`: unlike
//! criterion's timed runs, every run does the same work, so instruction counts compare
//! builds exactly. `cargo run --release -p apigen-bench --example glue -- <case> [count]`
//! with case `create`, `create-keyed`, `list`, `hand-create` or `hand-list`.

use apigen_bench::{generated_router, handwritten_router, Store, KEY};
use apigen_runtime::server::axum::body::{to_bytes, Body};
use apigen_runtime::server::axum::http::Request;
use apigen_runtime::server::idempotency::{MemoryStore, TTL};
use apigen_runtime::server::with_store;
use std::sync::Arc;
use tower::ServiceExt;

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "create".to_owned());
    let count: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let authorization = {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"));
        format!("Basic {encoded}")
    };
    let create = |key: Option<u64>| {
        let mut request = Request::post("/v1/charges")
            .header("authorization", &authorization)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(key) = key {
            request = request.header("idempotency-key", format!("bench-{key}"));
        }
        request
            .body(Body::from(
                "amount=1000&currency=usd&description=bench&metadata[order_id]=6735&metadata[note]=load",
            ))
            .expect("a request")
    };
    let list = || {
        Request::get("/v1/customers?limit=10")
            .header("authorization", &authorization)
            .body(Body::empty())
            .expect("a request")
    };
    let router = match case.as_str() {
        "create" | "list" => generated_router(Store::new()),
        "create-keyed" => with_store(
            generated_router(Store::new()),
            Arc::new(MemoryStore::with_limits(10_000, TTL)),
        ),
        "hand-create" | "hand-list" => handwritten_router(Store::new()),
        other => {
            eprintln!("unknown case {other}: create, create-keyed, list, hand-create, hand-list");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for n in 0..count {
        let request = match case.as_str() {
            "create" | "hand-create" => create(None),
            "create-keyed" => create(Some(n)),
            _ => list(),
        };
        bytes += runtime.block_on(async {
            let response = router.clone().oneshot(request).await.expect("infallible");
            assert!(response.status().is_success(), "{}", response.status());
            to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body")
                .len()
        });
    }
    let elapsed = started.elapsed();
    println!(
        "{case}: {count} requests, {:.3} µs each, {bytes} bytes",
        elapsed.as_secs_f64() * 1e6 / count as f64
    );
}
