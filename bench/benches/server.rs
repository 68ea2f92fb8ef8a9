//! Server glue per request, in process (criterion): the generated router against the
//! hand-written axum baseline over the same store, with no sockets, so that the figures are
//! the glue's own cost without the loopback's noise.

use apigen_bench::{generated_router, handwritten_router, Store, KEY};
use apigen_runtime::server::axum::body::{to_bytes, Body};
use apigen_runtime::server::axum::http::Request;
use apigen_runtime::server::axum::Router;
use apigen_runtime::server::idempotency::{MemoryStore, TTL};
use apigen_runtime::server::with_store;
use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::Arc;
use tower::ServiceExt;

fn basic() -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"));
    format!("Basic {encoded}")
}

fn create_charge() -> Request<Body> {
    Request::post("/v1/charges")
        .header("authorization", basic())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(
            "amount=1000&currency=usd&description=bench&metadata[order_id]=6735&metadata[note]=load",
        ))
        .expect("a request")
}

/// The same create with an `Idempotency-Key` never sent before: the idempotency path
/// (claim, fingerprint, store the response) on top of the create.
fn create_charge_keyed(n: u64) -> Request<Body> {
    let mut request = create_charge();
    request.headers_mut().insert(
        "idempotency-key",
        format!("bench-{n}").parse().expect("a header value"),
    );
    request
}

fn list_customers() -> Request<Body> {
    Request::get("/v1/customers?limit=10")
        .header("authorization", basic())
        .body(Body::empty())
        .expect("a request")
}

fn send(runtime: &tokio::runtime::Runtime, router: &Router, request: Request<Body>) -> usize {
    runtime.block_on(async {
        let response = router.clone().oneshot(request).await.expect("infallible");
        assert!(response.status().is_success(), "{}", response.status());
        to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body")
            .len()
    })
}

fn server(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let store = Store::new();
    let routers = [
        ("generated", generated_router(store.clone())),
        ("handwritten", handwritten_router(store)),
    ];
    let mut group = c.benchmark_group("in_process_create_charge");
    for (name, router) in &routers {
        group.bench_function(*name, |b| {
            b.iter(|| send(&runtime, router, create_charge()))
        });
    }
    // A store of 10,000 keys: new keys do not pile up past it, the oldest are evicted.
    let keyed = with_store(
        generated_router(Store::new()),
        Arc::new(MemoryStore::with_limits(10_000, TTL)),
    );
    let mut n = 0u64;
    group.bench_function("generated_with_key", |b| {
        b.iter(|| {
            n += 1;
            send(&runtime, &keyed, create_charge_keyed(n))
        })
    });
    group.finish();
    let mut group = c.benchmark_group("in_process_list_customers");
    for (name, router) in &routers {
        group.bench_function(*name, |b| {
            b.iter(|| send(&runtime, router, list_customers()))
        });
    }
    group.finish();
}

criterion_group!(benches, server);
criterion_main!(benches);
