//! Server glue per request, in process (criterion): the generated router against the
//! hand-written axum baseline over the same store, with no sockets, so that the figures are
//! the glue's own cost without the loopback's noise.

use apigen_bench::in_process::{create_charge, list_customers, send};
use apigen_bench::{generated_router, handwritten_router, keyed_router, Store, FULL_STORE_KEYS};
use apigen_runtime::server::idempotency::{MemoryStore, TTL};
use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::Arc;

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
            b.iter(|| send(&runtime, router, create_charge(None)))
        });
    }
    // A full store: new keys do not pile up past it, the oldest are evicted.
    let keyed = keyed_router(Arc::new(MemoryStore::with_limits(FULL_STORE_KEYS, TTL)));
    let mut n = 0u64;
    group.bench_function("generated_with_key", |b| {
        b.iter(|| {
            n += 1;
            // A key never sent before.
            send(&runtime, &keyed, create_charge(Some(n)))
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
