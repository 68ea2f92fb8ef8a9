//! The benchmark's servers answer the load generator's requests correctly (figures are
//! `cargo xtask bench`'s business; this only keeps the benchmark working).

use apigen_bench::{generated_router, handwritten_router, load, serve, Call, Serve, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_servers_answer_every_request() {
    for (router, how) in [
        (generated_router(Store::new()), Serve::Guarded),
        (handwritten_router(Store::new()), Serve::Axum),
    ] {
        let base = serve(router, how).await;
        for call in [Call::CreateCharge, Call::ListCustomers] {
            let figures = load(&base, call, 200, 8).await;
            assert_eq!(figures.errors, 0, "{call:?} at {base}: {figures:?}");
            assert_eq!(figures.requests, 200);
            assert!(figures.p50_us > 0.0 && figures.p99_us >= figures.p50_us);
        }
    }
}

#[test]
fn alternating_rounds_time_both_sides_and_never_repeat_a_key() {
    use apigen_bench::in_process::{alternate, create_charge, Side};
    use apigen_bench::keyed_router;
    use apigen_runtime::server::idempotency::MemoryStore;
    use std::sync::Arc;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let store = Arc::new(MemoryStore::new());
    let keyed = keyed_router(store.clone());
    let handwritten = handwritten_router(Store::new());
    let mut n = 0;
    let [first, second] = alternate(
        &runtime,
        [
            Side {
                router: &handwritten,
                request: |_| create_charge(None),
            },
            Side {
                router: &keyed,
                request: |n| create_charge(Some(n)),
            },
        ],
        3,
        20,
        &mut n,
    );
    assert_eq!(n, 120, "every request counted");
    for times in [&first, &second] {
        assert_eq!(times.len(), 3, "one figure per round: {times:?}");
        assert!(times.iter().all(|t| *t > 0.0), "{times:?}");
    }
    // A repeated key would have been replayed, not kept again.
    assert_eq!(store.len(), 60, "each keyed request kept its own key");
}
